import { expect } from 'chai';
import { HELP_FLAG, OUTPUT_FLAG, UsageError, didYouMean, flagHelp, parseActionFlags, parseDuration, parseFlags, refusedFlags, type ActionSpec, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', default: '', env: 'KUBECONFIG', help: 'path' },
  { name: 'leader-elect', kind: 'bool', default: 'true', help: 'elect' },
  { name: 'workers', kind: 'int', default: '4', help: 'n' },
  { name: 'hold-down', kind: 'duration', default: '30s', help: 'd' },
];

describe('flags', () => {
  it('applies defaults, then the environment, then the command line', () => {
    expect(parseFlags(specs, [], {})).to.deep.equal({ kubeconfig: '', 'leader-elect': true, workers: 4, 'hold-down': 30_000 });
    expect(parseFlags(specs, [], { KUBECONFIG: '/k' })['kubeconfig']).to.equal('/k');
    expect(parseFlags(specs, ['--kubeconfig=/x'], { KUBECONFIG: '/k' })['kubeconfig']).to.equal('/x');
  });
  const ok: Array<[string[], string, unknown]> = [
    [['--leader-elect=false'], 'leader-elect', false],
    [['--leader-elect'], 'leader-elect', true],
    [['--workers', '8'], 'workers', 8],
    [['--hold-down=2m'], 'hold-down', 120_000],
    [['--hold-down=1500ms'], 'hold-down', 1500],
  ];
  for (const [argv, k, v] of ok) it(`parses ${argv.join(' ')}`, () => expect(parseFlags(specs, argv, {})[k]).to.equal(v));
  const bad: Array<[string[], RegExp]> = [
    [['--nope'], /unknown flag --nope/],
    [['--workers=-1'], /non-negative integer/],
    [['--workers'], /needs a value/],
    [['--leader-elect=maybe'], /true or false/],
    [['--hold-down=soon'], /invalid duration/],
    [['stray'], /unexpected argument/],
  ];
  for (const [argv, re] of bad) it(`rejects ${argv.join(' ')}`, () => expect(() => parseFlags(specs, argv, {})).to.throw(UsageError, re));
  it('documents every flag', () => {
    const h = flagHelp(specs);
    for (const s of specs) expect(h).to.contain(`--${s.name}`);
    expect(h).to.contain('[$KUBECONFIG]');
  });
  it('parses durations', () => expect(parseDuration('5')).to.equal(5000));
});

describe('short flags and near misses', () => {
  const withShort: FlagSpec[] = [...specs, OUTPUT_FLAG, HELP_FLAG];
  for (const argv of [['-o', 'json'], ['-ojson'], ['-o=json'], ['--output=json']]) {
    it(`${argv.join(' ')} is --output json`, () => expect(parseFlags(withShort, argv, {})['output']).to.equal('json'));
  }
  it('-h is --help', () => expect(parseFlags(withShort, ['-h'], {})['help']).to.equal(true));
  const bad: Array<[string[], string]> = [
    [['-x'], 'unknown flag -x'],
    [['--kubconfig=/k'], 'unknown flag --kubconfig (did you mean --kubeconfig?)'],
    [['--worker', '3'], 'unknown flag --worker (did you mean --workers?)'],
    [['-workers'], 'unknown flag -workers (did you mean --workers?)'],
    [['--zzz'], 'unknown flag --zzz'],
    [['-o'], '--output needs a value'],
  ];
  for (const [argv, want] of bad) it(`rejects ${argv.join(' ')}: ${want}`, () => expect(() => parseFlags(withShort, argv, {})).to.throw(UsageError, want));
  it('documents the short form', () => expect(flagHelp([OUTPUT_FLAG])).to.match(/^ {2}-o, --output=STRING\n/));
  it('suggests only what is close', () => {
    expect(didYouMean('clusters', ['cluster', 'all'])).to.equal(' (did you mean --cluster?)');
    expect(didYouMean('a', ['all'])).to.equal('');
  });
});

describe('parseActionFlags', () => {
  const withHelp: FlagSpec[] = [...specs, HELP_FLAG];
  const actions: Array<ActionSpec<'install' | 'status' | 'uninstall'>> = [
    { name: 'install', flags: ['kubeconfig', 'workers', 'hold-down', 'leader-elect'] },
    { name: 'status', flags: ['kubeconfig', 'workers', 'leader-elect'] },
    { name: 'uninstall', flags: ['kubeconfig', 'workers'] },
  ];

  it('the action and its flags, with no environment read', () => {
    const r = parseActionFlags(['status', '--workers=8', '--leader-elect'], actions, withHelp);
    if ('help' in r) throw new Error('help');
    expect(r.action).to.equal('status');
    expect(r.flags).to.deep.include({ workers: 8, 'leader-elect': true, kubeconfig: '' });
  });

  it('help in every spelling, for the command or one action', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']]) expect(parseActionFlags(argv, actions, withHelp)).to.deep.equal({ help: undefined });
    for (const argv of [['install', '--help'], ['install', '-h'], ['help', 'install'], ['install', '--workers=2', '-h']]) expect(parseActionFlags(argv, actions, withHelp)).to.deep.equal({ help: 'install' });
  });

  it('an unknown action names the ones there are', () => {
    expect(() => parseActionFlags(['frob'], actions, withHelp)).to.throw(UsageError, 'unknown action "frob"; want install, status or uninstall');
    expect(() => parseActionFlags(['help', 'frob'], actions, withHelp)).to.throw(UsageError, 'unknown action "frob"');
  });

  it('a flag the action does not take is refused, naming the actions that take it', () => {
    expect(() => parseActionFlags(['status', '--hold-down=1s'], actions, withHelp)).to.throw(UsageError, '--hold-down applies to install only, not to status');
    expect(() => parseActionFlags(['uninstall', '--hold-down=1s', '--leader-elect'], actions, withHelp))
      .to.throw(UsageError, '--leader-elect applies to install and status only; --hold-down applies to install only, not to uninstall');
    // Its default is not "given": only the command line counts.
    expect(parseActionFlags(['uninstall'], actions, withHelp)).to.deep.include({ action: 'uninstall' });
  });

  it('refusedFlags: what an action\'s help lists as refused', () => {
    expect(refusedFlags(actions[2]!, actions, withHelp)).to.deep.equal([
      { flag: 'leader-elect', usedBy: ['install', 'status'] },
      { flag: 'hold-down', usedBy: ['install'] },
    ]);
  });
});

import { expect } from 'chai';
import { UsageError, flagHelp, parseActionFlags, parseDuration, parseFlags, type FlagSpec } from './flags.js';

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

describe('parseActionFlags', () => {
  const withHelp: FlagSpec[] = [...specs, { name: 'help', kind: 'bool', default: 'false', help: 'h' }];
  const actions = ['install', 'status', 'uninstall'] as const;

  it('the action and its flags, with no environment read; which flags were given', () => {
    const r = parseActionFlags(['status', '--workers=8', '--leader-elect'], actions, withHelp);
    if (r === 'help') throw new Error('help');
    expect(r.action).to.equal('status');
    expect(r.flags).to.deep.include({ workers: 8, 'leader-elect': true, kubeconfig: '' });
    expect([r.given('workers'), r.given('leader-elect'), r.given('kubeconfig'), r.given('work')]).to.deep.equal([true, true, false, false]);
  });

  it('help in every spelling', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h'], ['install', '--help']]) expect(parseActionFlags(argv, actions, withHelp)).to.equal('help');
  });

  it('an unknown action names the ones there are', () => {
    expect(() => parseActionFlags(['frob'], actions, withHelp)).to.throw(UsageError, 'unknown action "frob"; want install, status or uninstall');
  });
});

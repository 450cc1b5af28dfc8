import { expect } from 'chai';
import { parseFlags } from './internal/flags.js';
import { UsageError } from './internal/flags.js';
import { DEFAULT_WORKERS, RUN_FLAGS, manageCorednsOptions, parseRunArgs } from './run.js';

describe('run --manage-coredns options', () => {
  const opts = (...argv: string[]) => manageCorednsOptions(parseFlags(RUN_FLAGS, argv, {}));
  it('off by default: no install options', () => expect(opts()).to.equal(undefined));
  it('on: coredns install\'s defaults', () =>
    expect(opts('--manage-coredns')).to.deep.equal({ location: { namespace: 'kube-system', deployment: 'coredns', configMap: 'coredns' }, zone: 'clusterset.local', rollout: { mode: 'auto', timeoutMs: 120_000 } }));
  it('on: the same flags as coredns install, validated the same way', () => {
    expect(opts('--manage-coredns', '--zone=mesh.example', '--ttl=5', '--header-ra-fix', '--coredns-flavor=external', '--coredns-namespace=dns', '--rollout=always', '--rollout-timeout=90s')).to.deep.equal({
      location: { namespace: 'dns', deployment: 'coredns', configMap: 'coredns' },
      zone: 'mesh.example',
      flavor: 'external',
      ttl: 5,
      headerRaFix: true,
      rollout: { mode: 'always', timeoutMs: 90_000 },
    });
    expect(() => opts('--manage-coredns', '--rollout=sometimes')).to.throw(/--rollout: want/);
    expect(() => opts('--manage-coredns', '--ttl=7200')).to.throw(/--ttl: want whole seconds from 0 to 3600/);
    expect(() => opts('--manage-coredns', '--coredns-flavor=plugin')).to.throw(/--coredns-flavor: want in-tree or external/);
  });
  it('its flags without --manage-coredns are a usage error, not silently ignored', () => {
    expect(() => opts('--ttl=5')).to.throw(/--ttl applies with --manage-coredns only/);
    expect(() => opts('--rollout-timeout=1m')).to.throw(/--rollout-timeout applies with --manage-coredns only/);
    expect(() => opts('--zone=a.b', '--header-ra-fix')).to.throw(/--zone, --header-ra-fix apply with --manage-coredns only/);
  });
});

describe('run --workers', () => {
  it('defaults to enough workers for a cold fill: 8-16 writes in flight per member API server', () => {
    expect(parseFlags(RUN_FLAGS, [], {})['workers']).to.equal(DEFAULT_WORKERS);
    expect(DEFAULT_WORKERS).to.be.within(16, 32);
    expect(parseFlags(RUN_FLAGS, ['--workers=4'], {})['workers']).to.equal(4);
  });
});

describe('run: probe and metrics addresses', () => {
  it('listen on loopback only unless told: neither endpoint authenticates', () => {
    const flags = parseFlags(RUN_FLAGS, [], {});
    expect([flags['health-probe-bind-address'], flags['metrics-bind-address']]).to.deep.equal(['127.0.0.1:8081', '127.0.0.1:8080']);
  });
});

describe('run: arguments', () => {
  it('help in every spelling', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) expect(parseRunArgs(argv, {})).to.deep.equal({ help: undefined });
  });
  it('$KUBECONFIG is not read as --kubeconfig: the kubeconfig rules read it, as for every command', () => {
    const r = parseRunArgs([], { KUBECONFIG: '/k', KARMADA_CONTEXT: 'karmada-apiserver' });
    if ('help' in r) throw new Error('help');
    expect([r.flags['kubeconfig'], r.flags['context']]).to.deep.equal(['', 'karmada-apiserver']);
  });
  it('--member-access: the cluster proxy unless told', () => {
    const flags = (argv: string[]) => { const r = parseRunArgs(argv, {}); if ('help' in r) throw new Error('help'); return r.flags; };
    expect(flags([])['member-access']).to.equal('proxy');
    expect(flags(['--member-access=direct'])['member-access']).to.equal('direct');
  });
  const bad: Array<[string[], string | RegExp]> = [
    [['--write-route=direct'], '--write-route: want auto, retain, override-policy, got "direct"'],
    [['--workers=0'], '--workers: want at least 1'],
    [['--member-access=secret'], '--member-access: want proxy or direct, got "secret"'],
    [['--log-level=loud'], /^--log-level: invalid log level "loud": use one of fatal, /],
    [['--metrics-bind-address=8080'], '--metrics-bind-address: bind address "8080": want host:port, :port or "0"'],
    [['--health-probe-bind-address=:99999'], '--health-probe-bind-address: bind address ":99999": port out of range'],
    [['--kubconfig=/k'], 'unknown flag --kubconfig (did you mean --kubeconfig?)'],
  ];
  for (const [argv, want] of bad) it(`usage error: ${argv.join(' ')}`, () => expect(() => parseRunArgs(argv, {})).to.throw(UsageError, want));
});

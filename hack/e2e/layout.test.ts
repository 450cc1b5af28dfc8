import { expect } from 'chai';
import { UsageError } from '../../src/cmd/internal/flags.js';
import { artifactsStamp, clusterEnv, layoutFromEnv, memberNamesFromEnv, parseE2eArgs } from './layout.js';

describe('hack/e2e.sh: command line and Karmada layout', () => {
  const base = { home: '/home/u', cwd: '/work/repo', repoRoot: '/work/repo', now: new Date('2026-11-30T12:46:04.123Z') };

  it('defaults to ~/.kube/karmada.config and members.config, Karmada\'s contexts, and _artifacts/<UTC stamp> in the repository', () => {
    expect(layoutFromEnv({ ...base, env: {} })).to.deep.equal({
      kubeconfigDir: '/home/u/.kube',
      karmadaConfig: '/home/u/.kube/karmada.config',
      karmadaContext: 'karmada-apiserver',
      hostContext: 'karmada-host',
      membersConfig: '/home/u/.kube/members.config',
      memberNames: [],
      artifacts: '/work/repo/_artifacts/20261130T124604Z',
    });
  });

  const pathCases: Array<[string, Record<string, string>, Partial<ReturnType<typeof layoutFromEnv>>]> = [
    ['a relative KUBECONFIG_PATH is taken from the caller\'s directory', { KUBECONFIG_PATH: '.cache/env/kube' }, { karmadaConfig: '/work/repo/.cache/env/kube/karmada.config', membersConfig: '/work/repo/.cache/env/kube/members.config' }],
    ['~ in KUBECONFIG_PATH is the home directory', { KUBECONFIG_PATH: '~/clusters' }, { karmadaConfig: '/home/u/clusters/karmada.config' }],
    ['MAIN_KUBECONFIG and MEMBER_CLUSTER_KUBECONFIG win over KUBECONFIG_PATH', { KUBECONFIG_PATH: '/k', MAIN_KUBECONFIG: '/a/main', MEMBER_CLUSTER_KUBECONFIG: '/b/m' }, { karmadaConfig: '/a/main', membersConfig: '/b/m' }],
    ['context names from Karmada\'s variables', { KARMADA_APISERVER_CLUSTER_NAME: 'cp', HOST_CLUSTER_NAME: 'host' }, { karmadaContext: 'cp', hostContext: 'host' }],
    ['ARTIFACTS_PATH as given, relative to the caller', { ARTIFACTS_PATH: 'out' }, { artifacts: '/work/repo/out' }],
    ['an empty variable counts as unset', { KUBECONFIG_PATH: '', ARTIFACTS_PATH: ' ' }, { karmadaConfig: '/home/u/.kube/karmada.config', artifacts: '/work/repo/_artifacts/20261130T124604Z' }],
  ];
  for (const [name, env, want] of pathCases) {
    it(name, () => {
      expect(layoutFromEnv({ ...base, cwd: '/work/repo', env })).to.include(want);
    });
  }

  const memberCases: Array<[string, Record<string, string>, string[]]> = [
    ['none set', {}, []],
    ['numbered, in number order (10 after 2)', { MEMBER_CLUSTER_10_NAME: 'ten', MEMBER_CLUSTER_2_NAME: 'two', MEMBER_CLUSTER_1_NAME: 'one' }, ['one', 'two', 'ten']],
    ['the Pull member last, as local-up-karmada.sh adds member3', { PULL_MODE_CLUSTER_NAME: 'member3', MEMBER_CLUSTER_1_NAME: 'member1', MEMBER_CLUSTER_2_NAME: 'member2' }, ['member1', 'member2', 'member3']],
    ['empty values and repeats left out; other variables ignored', { MEMBER_CLUSTER_1_NAME: 'a', MEMBER_CLUSTER_2_NAME: '', MEMBER_CLUSTER_3_NAME: 'a', MEMBER_CLUSTER_X_NAME: 'x', MEMBER_CLUSTER_KUBECONFIG: '/m' }, ['a']],
  ];
  for (const [name, env, want] of memberCases) {
    it(`member names: ${name}`, () => {
      expect(memberNamesFromEnv(env)).to.deep.equal(want);
    });
  }

  it('the stamp sorts by time and has no colon', () => {
    expect(artifactsStamp(new Date('2026-01-02T03:04:05Z'))).to.equal('20260102T030405Z');
  });

  it('flags: defaults, each flag, --help, and a usage error for an unknown one', () => {
    const none = { inCluster: false, applyConfig: false, installCoreDns: false, waitTimeoutMs: 180_000, doctorDns: '', dryRun: false, kind: false, env: '' };
    expect(parseE2eArgs([])).to.deep.equal(none);
    expect(parseE2eArgs(['--in-cluster', '--apply-config', '--install-coredns', '--wait-timeout=30s', '--doctor-dns', 'member2=127.0.0.1:53', '--dry-run', '--kind'])).to.deep.equal(
      { inCluster: true, applyConfig: true, installCoreDns: true, waitTimeoutMs: 30_000, doctorDns: 'member2=127.0.0.1:53', dryRun: true, kind: true, env: '' });
    expect(parseE2eArgs(['--env=local'])).to.deep.equal({ ...none, env: 'local' });
    expect(parseE2eArgs(['-h'])).to.equal('help');
    expect(() => parseE2eArgs(['--in-cluser'])).to.throw(UsageError, /did you mean --in-cluster/);
  });

  const envUsageCases: Array<[string, string[], RegExp]> = [
    ['an unknown --env', ['--env=kind'], /--env: want local, got "kind"/],
    ['--env=local with --kind', ['--env=local', '--kind'], /choose one/],
  ];
  for (const [name, argv, want] of envUsageCases) {
    it(`usage error: ${name}`, () => {
      expect(() => parseE2eArgs(argv)).to.throw(UsageError, want);
    });
  }

  const clusterEnvCases: Array<[string, Parameters<typeof clusterEnv>[0], Record<string, string>, Record<string, string>]> = [
    ['neither flag: the environment as given', { env: '', kind: false }, { KUBECONFIG_PATH: '/k', MEMBER_CLUSTER_KUBECONFIG: '/m' }, { KUBECONFIG_PATH: '/k', MEMBER_CLUSTER_KUBECONFIG: '/m' }],
    ['--env=local: KUBECONFIG_PATH is the local layout, the per-file overrides dropped, the rest kept', { env: 'local', kind: false }, { KUBECONFIG_PATH: '/k', MAIN_KUBECONFIG: '/a', MEMBER_CLUSTER_KUBECONFIG: '/m', MEMBER_CLUSTER_1_NAME: 'member1' }, { KUBECONFIG_PATH: '/repo/.cache/env/kube', MEMBER_CLUSTER_1_NAME: 'member1' }],
    ['--kind, no member named: the Push members', { env: '', kind: true }, { KUBECONFIG_PATH: '/k' }, { KUBECONFIG_PATH: '/k', MEMBER_CLUSTER_1_NAME: 'member1', MEMBER_CLUSTER_2_NAME: 'member2' }],
    ['--kind, members named: as given', { env: '', kind: true }, { PULL_MODE_CLUSTER_NAME: 'member3', MEMBER_CLUSTER_1_NAME: 'member1' }, { PULL_MODE_CLUSTER_NAME: 'member3', MEMBER_CLUSTER_1_NAME: 'member1' }],
  ];
  for (const [name, opts, env, want] of clusterEnvCases) {
    it(`cluster variables: ${name}`, () => {
      expect(clusterEnv(opts, env, '/repo/.cache/env/kube')).to.deep.equal(want);
    });
  }
});

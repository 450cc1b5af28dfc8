import { expect } from 'chai';
import { findOnPath, kindMissingMessage, localUpCommand, missingForKind, type KindFacts } from './kind.js';

describe('hack/e2e.sh --kind: what it needs, and what it runs', () => {
  /** A machine where exactly these files exist (and are executable). */
  const machine = (files: string[], more: Partial<KindFacts> = {}): KindFacts => ({
    path: '/usr/local/bin:/usr/bin',
    karmadaRepoRoot: '/src/karmada',
    isExecutable: (f) => files.includes(f),
    isFile: (f) => files.includes(f),
    ...more,
  });
  const everything = ['/usr/bin/docker', '/usr/local/bin/go', '/usr/local/bin/kind', '/usr/bin/kubectl', '/src/karmada/hack/local-up-karmada.sh'];

  it('findOnPath: the first folder that has it; empty and relative entries are skipped', () => {
    const has = (f: string) => ['/a/kind', '/b/kind', 'rel/kind'].includes(f);
    expect(findOnPath('kind', '/b:/a', has)).to.equal('/b/kind');
    expect(findOnPath('kind', '::rel:/a', has)).to.equal('/a/kind');
    expect(findOnPath('kind', '', has)).to.equal(undefined);
  });

  const cases: Array<[string, KindFacts, string[]]> = [
    ['nothing missing', machine(everything, { dockerDaemon: { answers: true, detail: '' } }), []],
    ['no tools, no checkout: all of them at once', machine([], { karmadaRepoRoot: undefined }), ['docker', 'go', 'kind', 'kubectl', 'a Karmada checkout']],
    ['docker and kind missing (this machine)', machine(everything.filter((f) => !/docker|kind$/.test(f))), ['docker', 'kind']],
    ['docker on PATH but no daemon', machine(everything, { dockerDaemon: { answers: false, detail: 'Cannot connect to the Docker daemon' } }), ['a running Docker daemon']],
    ['KARMADA_REPO_ROOT empty counts as unset', machine(everything, { karmadaRepoRoot: '  ' }), ['a Karmada checkout']],
    ['KARMADA_REPO_ROOT without local-up-karmada.sh', machine(everything, { karmadaRepoRoot: '/src/other' }), ['a Karmada checkout']],
    ['tools outside PATH do not count', machine(everything, { path: '/opt/bin' }), ['docker', 'go', 'kind', 'kubectl']],
  ];
  for (const [name, facts, want] of cases) {
    it(`missing: ${name}`, () => {
      expect(missingForKind(facts).map((m) => m.what)).to.deep.equal(want);
    });
  }

  it('one message: the summary line names every missing thing, then a line each with its fix', () => {
    const msg = kindMissingMessage(missingForKind(machine([], { karmadaRepoRoot: '/nowhere' })));
    const lines = msg.split('\n');
    expect(lines[0]).to.equal('--kind: missing docker, go, kind, kubectl, a Karmada checkout');
    expect(lines).to.have.length(6);
    expect(lines[5]).to.match(/no hack\/local-up-karmada\.sh in KARMADA_REPO_ROOT=\/nowhere/);
  });

  it('runs local-up-karmada.sh from the checkout with KUBECONFIG_PATH where the check reads', () => {
    expect(localUpCommand(' /src/karmada ', '/home/u/.kube')).to.deep.equal({ command: 'bash', args: ['/src/karmada/hack/local-up-karmada.sh'], env: { KUBECONFIG_PATH: '/home/u/.kube' } });
  });
});

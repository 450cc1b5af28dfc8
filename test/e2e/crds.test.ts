/**
 * `clusterset-dns crds` on the local environment, through Karmada's cluster
 * proxy as a user runs it: `check` names the flavour the environment gave
 * the members (CLUSTERSET_DNS_MEMBER_CRDS, recorded in env.json), and
 * `install --dry-run` changes nothing: with mcs-api's CRDs there is nothing
 * to do; with Karmada's, propagated by a policy, it refuses.
 */
import { expect } from 'chai';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { MEMBERS } from '../env/state.js';
import { clusterDnsCli } from '../support/cli.js';
import { useEnvironment } from '../support/environment.js';

interface Member {
  cluster: string;
  ok: boolean;
  flavour?: string;
  release?: string;
  ipsMaxItems?: number;
  lacks?: string[];
  result?: string;
  message?: string;
}

describe('clusterset-dns crds on the local environment (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
  });

  const crds = async (args: string[]) => {
    const r = await clusterDnsCli(['crds', ...args, '--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '-o', 'json'], 120_000);
    const members = (JSON.parse(r.stdout) as { members: Member[] }).members;
    return { ...r, members };
  };

  it('check: each member\'s flavour as the environment installed it; install --dry-run: nothing to do, or refused', async () => {
    const source = env.memberCrds ?? 'karmada';
    const check = await crds(['check']);
    expect(check.code, check.stderr).to.equal(0);
    expect(check.members.map((m) => m.cluster).sort()).to.deep.equal([...MEMBERS]);
    for (const m of check.members) {
      if (source === 'mcs-api') expect(m, m.cluster).to.deep.include({ flavour: 'mcs-api', release: 'v0.5.2', ipsMaxItems: 2, lacks: [] });
      else expect(m, m.cluster).to.deep.include({ flavour: 'karmada', ipsMaxItems: 1 });
    }

    const install = await crds(['install', '--all', '--dry-run']);
    for (const m of install.members) {
      if (source === 'mcs-api') expect(m, m.cluster).to.deep.include({ ok: true, result: 'unchanged' });
      else {
        expect(m, m.cluster).to.deep.include({ ok: false, result: 'refused' });
        expect(m.message).to.match(/propagated by Karmada/);
      }
    }
    expect(install.code, install.stderr).to.equal(source === 'mcs-api' ? 0 : 1);
  });
});

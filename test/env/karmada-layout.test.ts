import { expect } from 'chai';
import { parse } from 'yaml';
import { karmadaLayoutFiles } from './karmada-layout.js';
import type { EnvState } from './state.js';

describe("local environment: kubeconfigs in Karmada's layout", () => {
  const state = {
    dir: '/env', caFile: '/env/pki/ca.crt',
    karmada: { server: 'https://127.0.0.1:1000', context: 'karmada-apiserver' },
    members: { member2: { server: 'https://127.0.0.1:1002' }, member1: { server: 'https://127.0.0.1:1001' } },
    tokens: { 'karmada-apiserver': 'tk', member1: 't1', member2: 't2' },
  } as unknown as EnvState;
  const files = karmadaLayoutFiles(state);
  type Kc = { 'current-context': string; contexts: Array<{ name: string; context: { cluster: string; user: string } }>; clusters: Array<{ name: string; cluster: { server: string } }>; users: Array<{ name: string; user: { token: string } }> };
  const serverOf = (kc: Kc, ctx: string) => {
    const c = kc.contexts.find((x) => x.name === ctx)?.context;
    return { server: kc.clusters.find((x) => x.name === c?.cluster)?.cluster.server, token: kc.users.find((x) => x.name === c?.user)?.user.token };
  };

  it('karmada.config: karmada-apiserver (current) and karmada-host, both the Karmada API server (no host cluster here)', () => {
    const kc = parse(files['karmada.config']) as Kc;
    expect(kc['current-context']).to.equal('karmada-apiserver');
    expect(kc.contexts.map((c) => c.name)).to.deep.equal(['karmada-apiserver', 'karmada-host']);
    expect(serverOf(kc, 'karmada-apiserver')).to.deep.equal({ server: 'https://127.0.0.1:1000', token: 'tk' });
    expect(serverOf(kc, 'karmada-host')).to.deep.equal({ server: 'https://127.0.0.1:1000', token: 'tk' });
  });

  it('members.config: one context per member, named after it, sorted', () => {
    const kc = parse(files['members.config']) as Kc;
    expect(kc.contexts.map((c) => c.name)).to.deep.equal(['member1', 'member2']);
    expect(serverOf(kc, 'member1')).to.deep.equal({ server: 'https://127.0.0.1:1001', token: 't1' });
    expect(serverOf(kc, 'member2')).to.deep.equal({ server: 'https://127.0.0.1:1002', token: 't2' });
  });
});

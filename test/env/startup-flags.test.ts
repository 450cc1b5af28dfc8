import { expect } from 'chai';
import { repoRoot } from './binaries.js';
import { DEFAULT_MEMBER_CRDS, MCS_CRDS, mcsApiCrds, memberCrdSource } from './manifests.js';
import { KARMADA_RESYNC_MS, karmadaClientRateFlags, karmadaResyncFlags } from './startup.js';

describe('local environment: Karmada knobs read by env:up', () => {
  const resync = `--resync-period=${KARMADA_RESYNC_MS / 1000}s`;
  const resyncCases: Array<[string | undefined, string[]]> = [
    [undefined, [resync]],
    ['', [resync]],
    ['on', [resync]],
    ['off', []],
  ];
  for (const [raw, want] of resyncCases) {
    it(`CLUSTERSET_DNS_KARMADA_RESYNC=${JSON.stringify(raw)} → ${JSON.stringify(want)}`, () => {
      expect(karmadaResyncFlags(raw === undefined ? {} : { CLUSTERSET_DNS_KARMADA_RESYNC: raw })).to.deep.equal(want);
    });
  }
  it('CLUSTERSET_DNS_KARMADA_RESYNC with another value is an error naming it', () => {
    expect(() => karmadaResyncFlags({ CLUSTERSET_DNS_KARMADA_RESYNC: '0' })).to.throw(/CLUSTERSET_DNS_KARMADA_RESYNC: want on or off, got "0"/);
  });

  it('CLUSTERSET_DNS_KARMADA_QPS=200 raises both client limits to 200 / 300', () => {
    expect(karmadaClientRateFlags({ CLUSTERSET_DNS_KARMADA_QPS: '200' })).to.deep.equal(['--kube-api-qps=200', '--kube-api-burst=300', '--cluster-api-qps=200', '--cluster-api-burst=300']);
    expect(karmadaClientRateFlags({})).to.deep.equal([]);
    expect(() => karmadaClientRateFlags({ CLUSTERSET_DNS_KARMADA_QPS: 'x' })).to.throw(/want a whole number/);
  });
});

describe('local environment: which MCS CRDs the members get', () => {
  it('mcs-api by default; CLUSTERSET_DNS_MEMBER_CRDS picks', () => {
    expect(DEFAULT_MEMBER_CRDS).to.equal('mcs-api');
    expect(memberCrdSource({})).to.equal('mcs-api');
    expect(memberCrdSource({ CLUSTERSET_DNS_MEMBER_CRDS: '' })).to.equal('mcs-api');
    expect(memberCrdSource({ CLUSTERSET_DNS_MEMBER_CRDS: 'karmada' })).to.equal('karmada');
    expect(memberCrdSource({ CLUSTERSET_DNS_MEMBER_CRDS: 'mcs-api' })).to.equal('mcs-api');
  });

  it('mcs-api: the two CRDs of crds/mcs-api/, with their release label', () => {
    const crds = mcsApiCrds(repoRoot);
    expect(crds.map((c) => c.metadata?.name).sort()).to.deep.equal([...MCS_CRDS].sort());
    for (const c of crds) expect(c.metadata?.labels?.['multicluster.x-k8s.io/release-version']).to.equal('v0.5.2');
  });

  it('another value is an error naming the variable', () => {
    expect(() => memberCrdSource({ CLUSTERSET_DNS_MEMBER_CRDS: 'lighthouse' })).to.throw(/CLUSTERSET_DNS_MEMBER_CRDS: want mcs-api or karmada, got "lighthouse"/);
  });
});

import { expect } from 'chai';
import { coreDnsServes, crdProblem, leaseHolder, missingConfigMessage, type CoreDnsStatusLike } from './preconditions.js';

describe('hack/e2e.sh: preconditions', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const lease = (holder: string | undefined, renewedSecondsAgo: number, duration = 15) => ({
    spec: { holderIdentity: holder ?? null, leaseDurationSeconds: duration, renewTime: new Date(now.getTime() - renewedSecondsAgo * 1000) },
  });
  const leaseCases: Array<[string, Parameters<typeof leaseHolder>[0], string | undefined]> = [
    ['no Lease', undefined, undefined],
    ['renewed within its duration: held', lease('pod-a', 5), 'pod-a'],
    ['renewed just at its duration: held', lease('pod-a', 15), 'pod-a'],
    ['renewed longer ago than its duration: free', lease('pod-a', 16), undefined],
    ['released (no holder): free', lease(undefined, 1), undefined],
    ['renewTime as the API\'s string', { spec: { holderIdentity: 'pod-b', leaseDurationSeconds: 15, renewTime: '2026-11-30T11:59:58.000000Z' } }, 'pod-b'],
  ];
  for (const [name, l, want] of leaseCases) {
    it(`the controller's Lease: ${name}`, () => {
      expect(leaseHolder(l, now)).to.equal(want);
    });
  }

  it('a CRD is usable only when Established; missing names the fix', () => {
    expect(crdProblem('x.io', undefined, 'member m', 'apply it')).to.equal('CRD x.io is not installed in member m; apply it');
    expect(crdProblem('x.io', { status: { conditions: [{ type: 'Established', status: 'False' }] } }, 'member m', '')).to.match(/not Established yet/);
    expect(crdProblem('x.io', { status: { conditions: [{ type: 'Established', status: 'True' }] } }, 'member m', '')).to.equal(undefined);
  });

  it('config/karmada missing: both ways to fix it; nothing missing: no message', () => {
    expect(missingConfigMessage(['ServiceAccount karmada-system/clusterset-dns'], 'karmada-apiserver')).to.match(/missing ServiceAccount karmada-system\/clusterset-dns; apply it \(kubectl --context karmada-apiserver apply -k config\/karmada\), or pass --apply-config/);
    expect(missingConfigMessage([], 'karmada-apiserver')).to.equal(undefined);
  });

  const installed: CoreDnsStatusLike = { ok: true, rbac: { clusterRole: true, bound: true }, corefile: { status: 'installed' } };
  const coreDnsCases: Array<[string, CoreDnsStatusLike | undefined, boolean, RegExp]> = [
    ['our stanza with the account bound: serves', installed, true, /our stanza/],
    ['a stanza of another setup: serves, left alone', { ok: true, rbac: { clusterRole: false, bound: false }, corefile: { status: 'foreign' } }, true, /another setup/],
    // What a fresh member gives: status exits 0 (nothing is broken), yet nothing answers the zone.
    ['no stanza, status ok: does not serve, and says to install', { ok: true, summary: 'clusterset.local is not served; run clusterset-dns coredns install to serve it', rbac: { clusterRole: false, bound: false }, corefile: { status: 'absent' } }, false, /is not served; run clusterset-dns coredns install/],
    ['our stanza, the binding names another account', { ...installed, rbac: { clusterRole: true, bound: false }, summary: 'not bound' }, false, /not bound/],
    ['broken Corefile: the summary', { ok: false, summary: 'the Corefile does not parse', corefile: { status: 'broken' } }, false, /does not parse/],
    ['no report for the member', undefined, false, /no report/],
  ];
  for (const [name, s, serves, said] of coreDnsCases) {
    it(`CoreDNS of an importing member: ${name}`, () => {
      const v = coreDnsServes(s);
      expect(v.serves).to.equal(serves);
      expect(v.serves ? v.how : v.why).to.match(said);
    });
  }
});

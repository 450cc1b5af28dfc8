import { expect } from 'chai';
import { crdProblem, leaseHolder, missingConfigMessage } from './preconditions.js';

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
});

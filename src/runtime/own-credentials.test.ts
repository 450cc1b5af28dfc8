import { expect } from 'chai';
import type { InformerHealth } from './cache/informer.js';
import { judgeOwnCredentials, OWN_CREDENTIALS_EXIT_AFTER_MS, rejectionOf } from './own-credentials.js';

const UNAUTHORIZED = 'unauthorized: the credentials for cluster "karmada" were rejected when trying to list clusters (token expired or invalid?)';
const watching: InformerHealth = { synced: true, running: true };
const rejected: InformerHealth = { synced: true, running: false, lastError: UNAUTHORIZED, lastErrorReason: 'unauthorized' };

describe('own credentials: which caches say the control plane rejects them', () => {
  const cases: Array<[string, InformerHealth[], string | undefined]> = [
    ['every cache watching', [watching, watching], undefined],
    ['no caches', [], undefined],
    ['one cache failing with 401 while the others still watch on older connections', [watching, rejected], UNAUTHORIZED],
    ['a 401 before the first list succeeded', [{ synced: false, running: false, lastError: UNAUTHORIZED, lastErrorReason: 'unauthorized' }], UNAUTHORIZED],
    ['watching again after a 401: the credentials work', [{ ...rejected, running: true }], undefined],
    ['failing for another reason after an earlier 401', [{ synced: true, running: false, lastError: 'network: ECONNREFUSED', lastErrorReason: 'network' }], undefined],
    ['403: the credentials are good, the rights are missing', [{ synced: true, running: false, lastError: 'forbidden', lastErrorReason: 'forbidden' }], undefined],
    ['a 401 without a message', [{ synced: true, running: false, lastErrorReason: 'unauthorized' }], 'HTTP 401'],
  ];
  for (const [name, caches, want] of cases) {
    it(name, () => expect(rejectionOf(caches)).to.equal(want));
  }
});

describe('own credentials: when to fail /readyz and when to exit', () => {
  const renew = 'the token in --kubeconfig /etc/karmada/kubeconfig';
  const bound = OWN_CREDENTIALS_EXIT_AFTER_MS;
  const cases: Array<{ name: string; since: number | undefined; rejection: string | undefined; now: number; kind: string; since2: number | undefined; says?: RegExp }> = [
    { name: 'accepted stays accepted', since: undefined, rejection: undefined, now: 1_000, kind: 'accepted', since2: undefined },
    { name: 'a first rejection starts the clock and fails readiness', since: undefined, rejection: UNAUTHORIZED, now: 1_000, kind: 'rejected', since2: 1_000, says: /rejected this controller's credentials \(HTTP 401\) for 0ms; renew the token in --kubeconfig \/etc\/karmada\/kubeconfig; exiting after 2m/ },
    { name: 'still rejected just under the bound: not yet', since: 1_000, rejection: UNAUTHORIZED, now: 1_000 + bound - 1, kind: 'rejected', since2: 1_000, says: /for 1m 59s/ },
    { name: 'rejected for the whole bound: give up, naming what to renew', since: 1_000, rejection: UNAUTHORIZED, now: 1_000 + bound, kind: 'give-up', since2: 1_000, says: /for 2m; renew the token in --kubeconfig \/etc\/karmada\/kubeconfig; exiting so the restarted process reads them \(last: unauthorized: / },
    { name: 'accepted again before the bound: the clock resets', since: 1_000, rejection: undefined, now: 1_000 + bound - 1, kind: 'accepted', since2: undefined },
    { name: 'rejected again after an acceptance: counted from the new rejection', since: undefined, rejection: UNAUTHORIZED, now: 500_000, kind: 'rejected', since2: 500_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const j = judgeOwnCredentials({ rejectedSince: c.since, rejection: c.rejection, now: c.now, renew });
      expect(j.verdict.kind).to.equal(c.kind);
      expect(j.rejectedSince).to.equal(c.since2);
      if (c.says) expect(j.verdict.kind !== 'accepted' && j.verdict.message).to.match(c.says);
    });
  }

  it('takes a shorter bound when given one', () => {
    expect(judgeOwnCredentials({ rejectedSince: 0, rejection: UNAUTHORIZED, now: 10_000, renew, exitAfterMs: 10_000 }).verdict.kind).to.equal('give-up');
  });
});

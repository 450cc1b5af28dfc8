import { expect } from 'chai';
import { decideLeadership, observe, releaseRecord, type LeadershipInput, type LeaderElectionRecord } from './decide.js';

const EPOCH = Date.UTC(2025, 0, 1);
const ME = 'me_1';
const OTHER = 'other_2';

function rec(over: Partial<LeaderElectionRecord> = {}): LeaderElectionRecord {
  return {
    holderIdentity: OTHER,
    leaseDurationSeconds: 15,
    acquireTime: new Date(EPOCH),
    renewTime: new Date(EPOCH),
    leaseTransitions: 3,
    ...over,
  };
}

describe('runtime/leaderelection/decide', () => {
  describe('decideLeadership (pure)', () => {
    const wallNow = new Date(EPOCH + 99_000);
    const base: Omit<LeadershipInput, 'current' | 'previous' | 'now'> = { identity: ME, leaseDurationSeconds: 15, wallNow };
    const held = rec();
    const seenAt = (r: LeaderElectionRecord, t: number) => observe(r, t, undefined);

    const cases: {
      name: string;
      now: number;
      current: LeaderElectionRecord | undefined;
      previous?: ReturnType<typeof observe>;
      want: { action: string; holder?: string; transitions?: number; expiresAt?: number; acquireTime?: Date; observedAt?: number };
    }[] = [
      { name: 'no Lease: create it with 0 transitions', now: 0, current: undefined, want: { action: 'create', holder: ME, transitions: 0, acquireTime: wallNow } },
      {
        name: 'held by another, first seen now: wait a full lease duration from now',
        now: 5_000,
        current: held,
        want: { action: 'wait', holder: OTHER, expiresAt: 20_000, observedAt: 5_000 },
      },
      {
        name: 'held by another, unchanged for less than its duration: wait',
        now: 14_999,
        current: held,
        previous: seenAt(held, 0),
        want: { action: 'wait', expiresAt: 15_000, observedAt: 0 },
      },
      {
        name: 'held by another, unchanged for its full duration: take over, transitions + 1',
        now: 15_000,
        current: held,
        previous: seenAt(held, 0),
        want: { action: 'acquire', holder: ME, transitions: 4, acquireTime: wallNow },
      },
      {
        name: 'the holder renewed since we looked: the clock restarts',
        now: 20_000,
        current: rec({ renewTime: new Date(EPOCH + 10_000) }),
        previous: seenAt(held, 0),
        want: { action: 'wait', expiresAt: 35_000, observedAt: 20_000 },
      },
      {
        name: 'expiry uses the holder\'s duration, not ours',
        now: 5_000,
        current: rec({ leaseDurationSeconds: 4 }),
        previous: seenAt(rec({ leaseDurationSeconds: 4 }), 0),
        want: { action: 'acquire', transitions: 4 },
      },
      {
        name: 'renewTime far in the past does not matter (no wall-clock comparison)',
        now: 1_000,
        current: rec({ renewTime: new Date(0) }),
        want: { action: 'wait', expiresAt: 16_000 },
      },
      { name: 'released (holder empty): take it at once', now: 0, current: rec({ holderIdentity: '', leaseDurationSeconds: 1 }), want: { action: 'acquire', transitions: 4 } },
      {
        name: 'ours: renew, keeping acquireTime and transitions',
        now: 3_000,
        current: rec({ holderIdentity: ME }),
        want: { action: 'renew', holder: ME, transitions: 3, acquireTime: new Date(EPOCH) },
      },
      {
        name: 'ours without acquireTime: renew and fill it',
        now: 3_000,
        current: rec({ holderIdentity: ME, acquireTime: undefined }),
        want: { action: 'renew', acquireTime: wallNow },
      },
      { name: 'zero duration expires at once', now: 0, current: rec({ leaseDurationSeconds: 0 }), want: { action: 'acquire' } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const d = decideLeadership({ ...base, now: c.now, current: c.current, previous: c.previous });
        expect(d.action).to.equal(c.want.action);
        if (d.action === 'wait') {
          if (c.want.holder !== undefined) expect(d.holder).to.equal(c.want.holder);
          if (c.want.expiresAt !== undefined) expect(d.expiresAt).to.equal(c.want.expiresAt);
        } else {
          if (c.want.holder !== undefined) expect(d.record.holderIdentity).to.equal(c.want.holder);
          if (c.want.transitions !== undefined) expect(d.record.leaseTransitions).to.equal(c.want.transitions);
          if (c.want.acquireTime !== undefined) expect(d.record.acquireTime?.getTime()).to.equal(c.want.acquireTime.getTime());
          expect(d.record.renewTime?.getTime()).to.equal(wallNow.getTime());
          expect(d.record.leaseDurationSeconds).to.equal(15);
        }
        if (c.want.observedAt !== undefined) expect(d.observation?.observedAt).to.equal(c.want.observedAt);
      });
    }

    it('release empties the holder, keeps transitions, shortens the duration to 1 s', () => {
      expect(releaseRecord(rec({ holderIdentity: ME, leaseTransitions: 7 }), wallNow)).to.deep.equal({
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: wallNow,
        renewTime: wallNow,
        leaseTransitions: 7,
      });
    });
  });
});

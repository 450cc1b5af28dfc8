import { expect } from 'chai';
import { FakeClock } from '../clock.js';
import type { LeaderElectionRecord } from './decide.js';
import { JITTER_FACTOR, LeaderElector, validateTimings, type LeaderElectorOptions, type StoppedLeading } from './elector.js';
import { ConflictError, type LeaseLock, type LeaseSnapshot } from './leaselock.js';

const EPOCH = Date.UTC(2025, 0, 1);

describe('runtime/leaderelection', () => {
  describe('validateTimings', () => {
    const cases: { name: string; o: Parameters<typeof validateTimings>[0]; err?: RegExp; seconds?: number }[] = [
      { name: 'controller-runtime defaults', o: {}, seconds: 15 },
      { name: 'short test timings', o: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 }, seconds: 3 },
      { name: 'rounds the lease up to whole seconds', o: { leaseDurationMs: 2500, renewDeadlineMs: 2000, retryPeriodMs: 500 }, seconds: 3 },
      { name: 'lease must outlast the renew deadline', o: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, err: /leaseDuration.*greater than renewDeadline/ },
      { name: 'renew deadline must exceed 1.2 × retry', o: { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, err: /renewDeadline.*1.2 × retryPeriod/ },
      { name: 'positive', o: { retryPeriodMs: 0 }, err: /retryPeriodMs must be > 0/ },
      { name: 'finite', o: { requestTimeoutMs: Number.NaN }, err: /requestTimeoutMs must be > 0/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        if (c.err) expect(() => validateTimings(c.o)).to.throw(RangeError, c.err);
        else expect(validateTimings(c.o).leaseDurationSeconds).to.equal(c.seconds);
      });
    }
  });

  describe('LeaderElector on a fake lease', () => {
    // Timings as in the integration test: lease 3 s, renew 2 s, retry 0.5 s.
    const LEASE = 3_000;
    const RENEW = 2_000;
    const RETRY = 500;

    let clock: FakeClock;
    let store: FakeLeaseStore;
    const electors: LeaderElector[] = [];

    beforeEach(() => {
      clock = new FakeClock();
      store = new FakeLeaseStore(clock);
      electors.length = 0;
    });

    afterEach(async () => {
      // Let anything still running finish so no timer leaks into the next test.
      for (const e of electors) void e.stop();
      store.failWith = undefined;
      await runFor(clock, 10 * LEASE);
    });

    interface Probe {
      elector: LeaderElector;
      started: number;
      stopped: StoppedLeading[];
      signal: AbortSignal | undefined;
      leaderStatus: boolean[];
      done: Promise<string>;
    }

    function candidate(identity: string, opts: Partial<LeaderElectorOptions> = {}): Probe {
      const p: Probe = { started: 0, stopped: [], signal: undefined, leaderStatus: [], elector: undefined as unknown as LeaderElector, done: Promise.resolve('') };
      p.elector = new LeaderElector({
        name: 'test',
        identity,
        lock: store.lock(),
        leaseDurationMs: LEASE,
        renewDeadlineMs: RENEW,
        retryPeriodMs: RETRY,
        clock,
        wallClock: () => new Date(EPOCH + clock.now()),
        random: () => 0,
        metrics: { setLeading: (_name, leading) => p.leaderStatus.push(leading) },
        callbacks: {
          onStartedLeading: (signal) => {
            p.started++;
            p.signal = signal;
          },
          onStoppedLeading: (info) => p.stopped.push(info),
        },
        ...opts,
      });
      electors.push(p.elector);
      p.done = p.elector.run();
      return p;
    }

    it('creates the Lease when absent and leads', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      expect(a.elector.isLeader()).to.equal(true);
      expect(a.started).to.equal(1);
      expect(a.signal?.aborted).to.equal(false);
      expect(a.leaderStatus).to.deep.equal([false, true]);
      expect(store.current?.record).to.include({ holderIdentity: 'a', leaseDurationSeconds: 3, leaseTransitions: 0 });
    });

    it('renews every RetryPeriod', async () => {
      candidate('a');
      await runFor(clock, 0);
      const writes = store.writes;
      await runFor(clock, 5 * RETRY);
      expect(store.writes - writes).to.equal(5);
      expect(store.current?.record.renewTime?.getTime()).to.equal(EPOCH + 5 * RETRY);
      expect(store.current?.record.acquireTime?.getTime()).to.equal(EPOCH);
    });

    it('with two candidates exactly one leads, and the other waits', async () => {
      const a = candidate('a');
      const b = candidate('b');
      await runFor(clock, 4 * LEASE);
      expect([a.elector.isLeader(), b.elector.isLeader()]).to.deep.equal([true, false]);
      expect(b.started).to.equal(0);
      expect(b.elector.getLeader()).to.equal('a');
      expect(store.conflicts).to.be.greaterThan(0); // both tried to create; one got 409
    });

    it('on stop the leader releases and the standby takes over within one RetryPeriod', async () => {
      const a = candidate('a');
      const b = candidate('b');
      await runFor(clock, 1_000);
      expect(await stopAndRun(a.elector, clock)).to.equal('stopped');
      expect(a.signal?.aborted).to.equal(true);
      expect(a.stopped).to.deep.equal([{ reason: 'stopped' }]);
      expect(a.leaderStatus.at(-1)).to.equal(false);
      await runUntil(clock, () => b.elector.isLeader(), RETRY * (1 + JITTER_FACTOR));
      const released = store.history.find((h) => h.record.holderIdentity === '');
      const taken = store.history.find((h) => h.record.holderIdentity === 'b');
      expect(released?.record.leaseDurationSeconds).to.equal(1);
      expect(taken!.at - released!.at).to.be.at.most(RETRY);
      expect(taken?.record.leaseTransitions).to.equal(1);
    });

    it('reports the Lease\'s transitions as read, on the standby too', async () => {
      store.current = { record: { holderIdentity: 'crashed', leaseDurationSeconds: 3, acquireTime: new Date(EPOCH), renewTime: new Date(EPOCH), leaseTransitions: 4 }, resourceVersion: '7' };
      const seen: Array<[string, number]> = [];
      const b = candidate('b', { metrics: { setLeading: () => {}, setLeaseTransitions: (name, n) => void seen.push([name, n]) } });
      await runFor(clock, 0);
      expect(b.elector.isLeader()).to.equal(false);
      expect(seen.at(-1), 'a standby reads the Lease at each retry').to.deep.equal(['test', 4]);
      await runFor(clock, LEASE + RETRY);
      expect(b.elector.isLeader()).to.equal(true);
      expect(seen.at(-1), 'its own takeover counts').to.deep.equal(['test', 5]);
    });

    it('a standby takes over a crashed leader\'s lease only after LeaseDuration without change', async () => {
      store.current = { record: { holderIdentity: 'crashed', leaseDurationSeconds: 3, acquireTime: new Date(EPOCH), renewTime: new Date(EPOCH), leaseTransitions: 0 }, resourceVersion: '7' };
      const b = candidate('b');
      await runFor(clock, LEASE - 1);
      expect(b.elector.isLeader()).to.equal(false);
      await runFor(clock, RETRY + 1);
      expect(b.elector.isLeader()).to.equal(true);
      expect(store.current?.record).to.include({ holderIdentity: 'b', leaseTransitions: 1 });
    });

    it('steps down when renewing fails for RenewDeadline, not earlier', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      const lastRenew = clock.now();
      store.failWith = () => new Error('connection refused');
      await runFor(clock, RENEW - 1);
      expect(a.elector.isLeader()).to.equal(true);
      expect(a.stopped).to.deep.equal([]);
      await runFor(clock, 1);
      expect(clock.now() - lastRenew).to.equal(RENEW);
      expect(a.elector.isLeader()).to.equal(false);
      expect(a.signal?.aborted).to.equal(true);
      expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);
      expect(a.leaderStatus.at(-1)).to.equal(false);
      expect(await a.done).to.equal('lost');
    });

    it('fences writes once the last renew is RenewDeadline old, even before any timer ran (a paused process)', async () => {
      // The pause: time passes for now() but no timer fires, as for a SIGSTOPped process.
      let paused = 0;
      const a = candidate('a', { clock: { now: () => clock.now() + paused, setTimer: (cb, ms, o) => clock.setTimer(cb, ms, o) } });
      const b = candidate('b');
      await runFor(clock, 0);
      expect(a.elector.writeFence()).to.equal(undefined);
      expect(b.elector.writeFence()).to.equal('not leading');
      paused = RENEW - 1;
      expect(a.elector.writeFence(), 'just inside the deadline').to.equal(undefined);
      paused = RENEW;
      expect(a.elector.writeFence()).to.match(/lease last renewed 2\.0 s ago, past the 2 s renew deadline/);
      expect(a.elector.isLeader(), 'the renew loop has not run yet').to.equal(true);
      await runFor(clock, RETRY);
      expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);
      expect(a.elector.writeFence()).to.equal('not leading');
    });

    it('steps down at RenewDeadline even when requests hang', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      store.failWith = () => 'hang';
      await runFor(clock, RENEW);
      expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);
      expect(await a.done).to.equal('lost');
    });

    it('survives a transient renew failure shorter than RenewDeadline', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      store.failWith = () => new Error('etcdserver: request timed out');
      // Renews at RETRY, 2×RETRY, 3×RETRY fail; the one at 4×RETRY = RENEW would be too late.
      await runFor(clock, RENEW - RETRY - 1);
      store.failWith = undefined;
      await runFor(clock, 3 * LEASE);
      expect(a.elector.isLeader()).to.equal(true);
      expect(a.stopped).to.deep.equal([]);
    });

    it('steps down at the next renew when another identity took the lease, without releasing it', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      store.steal('thief');
      await runFor(clock, RETRY);
      expect(a.elector.isLeader()).to.equal(false);
      expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);
      expect(a.elector.getLeader()).to.equal('thief');
      expect(store.current?.record.holderIdentity).to.equal('thief');
    });

    it('stop() keeps renewing until the work settles, then releases', async () => {
      let finish: () => void = () => {};
      const a = candidate('a', {
        callbacks: {
          onStartedLeading: (signal) =>
            new Promise<void>((resolve) => {
              finish = resolve;
              expect(signal.aborted).to.equal(false);
            }),
        },
      });
      await runFor(clock, 0);
      const stopping = a.elector.stop();
      await runFor(clock, 3 * LEASE); // draining for longer than the lease
      expect(store.current?.record.holderIdentity).to.equal('a');
      expect(store.current?.record.renewTime?.getTime()).to.be.greaterThan(EPOCH + 2 * LEASE);
      finish();
      await runFor(clock, 0);
      expect(await stopping).to.equal('stopped');
      expect(store.current?.record.holderIdentity).to.equal('');
    });

    it('a rejected onStartedLeading ends leadership with reason failed and releases', async () => {
      const boom = new Error('controllers crashed');
      const stopped: StoppedLeading[] = [];
      const a = candidate('a', {
        callbacks: { onStartedLeading: () => Promise.reject(boom), onStoppedLeading: (i) => stopped.push(i) },
      });
      await runFor(clock, 0);
      expect(await a.done).to.equal('failed');
      expect(stopped).to.deep.equal([{ reason: 'failed', error: boom }]);
      expect(store.current?.record.holderIdentity).to.equal('');
    });

    it('stop() before leading: no callbacks, lease untouched', async () => {
      store.current = { record: { holderIdentity: 'other', leaseDurationSeconds: 3, acquireTime: new Date(EPOCH), renewTime: new Date(EPOCH), leaseTransitions: 3 }, resourceVersion: '1' };
      const b = candidate('b');
      await runFor(clock, RETRY);
      expect(await stopAndRun(b.elector, clock)).to.equal('stopped');
      expect(b.started).to.equal(0);
      expect(b.stopped).to.deep.equal([]);
      expect(store.current?.record.holderIdentity).to.equal('other');
    });

    it('release does not clobber a lease another identity took meanwhile', async () => {
      const a = candidate('a');
      await runFor(clock, 0);
      store.steal('thief');
      expect(await stopAndRun(a.elector, clock)).to.equal('stopped');
      expect(store.current?.record.holderIdentity).to.equal('thief');
    });
  });
});

// ---------------------------------------------------------------------------
// Test kit

/** Runs due timers and settles promises, step by step, for ms of fake time. */
async function runFor(clock: FakeClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  await flush();
  for (;;) {
    const next = clock.nextTimerAt();
    if (next === undefined || next > target) break;
    clock.advance(Math.max(0, next - clock.now()));
    await flush();
  }
  clock.advance(target - clock.now());
  await flush();
}

async function runUntil(clock: FakeClock, cond: () => boolean, maxMs: number): Promise<void> {
  const deadline = clock.now() + maxMs;
  while (!cond()) {
    if (clock.now() >= deadline) throw new Error(`condition not met within ${maxMs} ms of fake time`);
    const next = clock.nextTimerAt();
    await runFor(clock, next === undefined ? 1 : Math.min(Math.max(0, next - clock.now()), deadline - clock.now()));
  }
}

async function stopAndRun(e: LeaderElector, clock: FakeClock): Promise<string> {
  const p = e.stop();
  let result: string | undefined;
  void p.then((r) => (result = r));
  await runUntil(clock, () => result !== undefined, 60_000);
  return result!;
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One Lease in memory with API-server semantics: resourceVersion checks and 409s. */
class FakeLeaseStore {
  current: LeaseSnapshot | undefined;
  writes = 0;
  conflicts = 0;
  /** Every successful write, with the fake time it happened. */
  readonly history: { at: number; record: LeaderElectionRecord }[] = [];
  /** Makes every call fail with this error, or hang until aborted. */
  failWith: (() => Error | 'hang') | undefined;
  private rv = 0;

  constructor(private readonly clock: FakeClock) {}

  steal(identity: string): void {
    const prev = this.current!.record;
    this.current = {
      record: { ...prev, holderIdentity: identity, renewTime: new Date(EPOCH + this.clock.now()), leaseTransitions: prev.leaseTransitions + 1 },
      resourceVersion: String(++this.rv),
    };
  }

  lock(): LeaseLock {
    const call = async <T>(signal: AbortSignal, f: () => T): Promise<T> => {
      await Promise.resolve();
      const failure = this.failWith?.();
      if (failure === 'hang') return new Promise<T>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      if (failure) throw failure;
      return f();
    };
    return {
      description: 'fake/test',
      get: (signal) => call(signal, () => this.current),
      create: (record, signal) =>
        call(signal, () => {
          if (this.current !== undefined) {
            this.conflicts++;
            throw new ConflictError('already exists');
          }
          this.writes++;
          this.history.push({ at: this.clock.now(), record });
          return (this.current = { record, resourceVersion: String(++this.rv) });
        }),
      update: (record, resourceVersion, signal) =>
        call(signal, () => {
          if (this.current === undefined || this.current.resourceVersion !== resourceVersion) {
            this.conflicts++;
            throw new ConflictError('the object has been modified');
          }
          this.writes++;
          this.history.push({ at: this.clock.now(), record });
          return (this.current = { record, resourceVersion: String(++this.rv) });
        }),
    };
  }
}

/**
 * A dead watch is noticed in time (./watch-limits.ts): against the
 * in-process API server double, with a FakeClock, a watch that goes silent
 * is restarted within `detectWithinMs`, and watches that show life as
 * kube-apiserver's do (a bookmark 2 s before the server's timeout) are not.
 */
import { expect } from 'chai';
import { line, until, type Obj } from '../../../test/support/fake-watch-api.js';
import { reflectorBench } from '../../../test/support/reflector-bench.js';
import type { Reflector } from './reflector.js';
import { DEFAULT_WATCH_TIMING, watchLimits } from './watch-limits.js';

describe('reflector: a dead watch is noticed in time', () => {
  // random() → 0.999: every watch asks for the longest timeout, 36 s, so its deadline is the bound.
  const limits = watchLimits(DEFAULT_WATCH_TIMING);
  const timeoutMs = limits.maxTimeoutSeconds * 1000;
  const deadlineMs = timeoutMs + DEFAULT_WATCH_TIMING.graceSeconds * 1000;
  const bookmark = (rv: string) => line('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: rv } });

  const bench = reflectorBench({ random: () => 0.999, backoff: { initialMs: 1_000, maxMs: 1_000, jitter: 0 } });
  const make = bench.make;

  /** A watch's deadline is armed once the server's answer is in; before that the connect timeout is the next timer. */
  const answered = (n: number) => until(`watch ${n} answered`, () => bench.fake.watches.length === n && bench.clock.nextTimerAt() === bench.clock.now() + deadlineMs);

  /** Lets watch n (from 1), answered just now, get the watch cache's bookmark 2 s before the server's timeout. */
  const bookmarkBeforeTimeout = async (r: Reflector<Obj>, n: number, rv: string) => {
    bench.clock.advance(timeoutMs - 2_000);
    bench.fake.responses[n - 1]!.write(bookmark(rv));
    await until(`bookmark ${rv}`, () => r.health().resourceVersion === rv);
  };

  /** The first watch, answered, with its bookmark: the server is there and talking. */
  const startedWithBookmark = async () => {
    const r = make();
    r.start();
    await answered(1);
    await bookmarkBeforeTimeout(r, 1, '11');
    return r;
  };

  it('the defaults promise less than a minute', () => {
    expect(limits.detectWithinMs).to.equal(deadlineMs).and.to.be.at.most(60_000);
  });

  it('a watch that goes silent is restarted within the bound, and stops counting as running', async () => {
    const r = make();
    r.start();
    await answered(1);
    expect(bench.fake.watches[0]!.get('timeoutSeconds')).to.equal(String(limits.maxTimeoutSeconds));
    bench.clock.advance(limits.detectWithinMs - 1);
    expect(r.health()).to.deep.include({ restarts: 0, state: 'running' });
    bench.clock.advance(1);
    // 'backoff' is what the member's informers read as not running: the member is unreachable (src/karmada/member-informers.ts).
    expect(r.health()).to.deep.include({ restarts: 1, restartsByReason: { watchdog: 1 }, state: 'backoff' });
    expect(r.health().lastError?.message).to.equal(
      'watchdog: watch of configmaps in the namespace "ns" on cluster "fake" presumed dead (open for 46s with timeoutSeconds=36, not ended by the server, nothing received lately); reconnecting',
    );
    await until('the dead connection closed on our side', () => bench.fake.openWatches() === 0);
    bench.clock.advance(1_000);
    await answered(2);
    expect(bench.fake.watches[1]!.get('resourceVersion')).to.equal('1');
    expect(bench.fake.lists, 'resumed, not relisted').to.have.length(1);
  });

  it('watches that get a bookmark before the server ends them run on without a restart', async () => {
    const r = make();
    r.start();
    for (let n = 1; n <= 5; n++) {
      await answered(n);
      await bookmarkBeforeTimeout(r, n, String(10 + n));
      bench.clock.advance(2_000);
      bench.fake.responses[n - 1]!.end(); // the server's timeout
    }
    await answered(6);
    expect(r.health()).to.deep.include({ restarts: 0, state: 'running' });
    expect(bench.fake.lists).to.have.length(1);
    expect(bench.fake.watches.map((q) => q.get('resourceVersion'))).to.deep.equal(['1', '11', '12', '13', '14', '15']);
  });

  it('a watch the server keeps open past its timeout, with a bookmark lately, is closed and resumed, not restarted', async () => {
    const r = await startedWithBookmark();
    bench.clock.advance(deadlineMs - (timeoutMs - 2_000)); // the deadline; the bookmark is 12 s old
    await answered(2);
    expect(r.health()).to.deep.include({ restarts: 0, state: 'running' });
    expect(bench.fake.watches[1]!.get('resourceVersion')).to.equal('11');
    await until('the overdue connection closed on our side', () => bench.fake.openWatches() === 1);
  });

  it('silent right after a late bookmark, and the reconnect goes unanswered: restarted within the bound', async () => {
    bench.fake.watch = (_q, res) => {
      if (bench.fake.watches.length === 1) res.writeHead(200).flushHeaders(); // later watches: never answered
    };
    const r = await startedWithBookmark();
    const lastByteAt = bench.clock.now();
    bench.clock.advance(deadlineMs - (timeoutMs - 2_000)); // alive lately: resumed
    await until('the resumed watch sent', () => bench.fake.watches.length === 2);
    bench.clock.advance(limits.connectTimeoutMs - 1);
    expect(r.health().restarts).to.equal(0);
    bench.clock.advance(1);
    expect(r.health()).to.deep.include({ restarts: 1, restartsByReason: { timeout: 1 }, state: 'backoff' });
    expect(bench.clock.now() - lastByteAt).to.be.at.most(limits.detectWithinMs);
    expect(r.health().lastError?.message).to.equal('timeout: watch of configmaps in the namespace "ns" on cluster "fake": no answer to the watch request within 10s');
  });

  it('after a failure it is not running again until a new watch is answered: the member stays unreachable while reconnects hang', async () => {
    let answer = false;
    bench.fake.watch = (_q, res) => {
      if (bench.fake.watches.length === 1 || answer) res.writeHead(200).flushHeaders();
    };
    const states: string[] = [];
    const r = make({ hooks: { onStateChange: (s) => void states.push(s) } });
    r.start();
    await answered(1);
    bench.clock.advance(deadlineMs); // silent throughout: dead
    expect(r.state).to.equal('backoff');
    for (let n = 2; n <= 3; n++) {
      bench.clock.advance(1_000); // the backoff; the new watch is not answered
      await until(`watch ${n} sent`, () => bench.fake.watches.length === n);
      expect(r.state, 'not running while no watch is answered').to.equal('connecting');
      bench.clock.advance(limits.connectTimeoutMs);
      expect(r.state).to.equal('backoff');
    }
    answer = true;
    bench.clock.advance(1_000);
    await answered(4);
    expect(r.state).to.equal('running');
    expect(states).to.deep.equal(['connecting', 'running', 'backoff', 'connecting', 'backoff', 'connecting', 'backoff', 'connecting', 'running']);
  });
});

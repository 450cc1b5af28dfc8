import { expect } from 'chai';
import { FakeClock, realClock, type Clock } from '../clock.js';
import { ItemExponentialFailureRateLimiter } from './ratelimiter.js';
import {
  DelayingQueue,
  RateLimitingQueue,
  WorkQueue,
  type GetResult,
  type ProcessingTimes,
  type WorkQueueMetrics,
} from './queue.js';

/** Lets every pending promise continuation run (one macrotask turn, no clock time). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise plus a synchronous view of whether it has settled. */
function track<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined; promise: Promise<T> } {
  let done = false;
  let v: T | undefined;
  void p.then((x) => {
    done = true;
    v = x;
  });
  return { settled: () => done, value: () => v, promise: p };
}

/** get() that must not block: the test knows a key is queued. */
async function mustGet<K extends string>(q: WorkQueue<K>): Promise<K> {
  expect(q.len(), 'mustGet on an empty queue').to.be.greaterThan(0);
  const r = await q.get();
  if (r.shutdown) return expect.fail('unexpected shutdown');
  return r.key;
}

/** Takes every queued key in order, marking each done. */
async function drainKeys<K extends string>(q: WorkQueue<K>): Promise<K[]> {
  const keys: K[] = [];
  while (q.len() > 0) {
    const key = await mustGet(q);
    keys.push(key);
    q.done(key);
  }
  return keys;
}

const fakeSleep = (clock: FakeClock, ms: number): Promise<void> =>
  new Promise((resolve) => clock.setTimer(resolve, ms));

describe('WorkQueue', () => {
  it('hands keys out first in, first out', async () => {
    const q = new WorkQueue();
    for (const k of ['ns/c', 'ns/a', 'ns/b']) q.add(k);
    expect(q.len()).to.equal(3);
    expect(await drainKeys(q)).to.deep.equal(['ns/c', 'ns/a', 'ns/b']);
    expect(q.len()).to.equal(0);
  });

  it('keeps FIFO order across thousands of keys while never fully emptying', async () => {
    const q = new WorkQueue();
    const expected: string[] = [];
    const seen: string[] = [];
    let next = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 1500; i++) {
        const key = `ns/k${next++}`;
        q.add(key);
        expected.push(key);
      }
      for (let i = 0; i < 1000; i++) {
        const key = await mustGet(q);
        seen.push(key);
        q.done(key);
      }
    }
    seen.push(...(await drainKeys(q)));
    expect(seen).to.deep.equal(expected);
  });

  const dedupCases: { name: string; adds: string[]; expected: string[] }[] = [
    { name: 'one key added twice', adds: ['a', 'a'], expected: ['a'] },
    { name: 'keeps the position of the first add', adds: ['a', 'b', 'a', 'c', 'b', 'a'], expected: ['a', 'b', 'c'] },
    { name: 'the empty string is a key like any other', adds: ['', 'x', ''], expected: ['', 'x'] },
  ];
  for (const c of dedupCases) {
    it(`de-duplicates queued keys: ${c.name}`, async () => {
      const q = new WorkQueue();
      for (const k of c.adds) q.add(k);
      expect(q.len()).to.equal(c.expected.length);
      expect(await drainKeys(q)).to.deep.equal(c.expected);
    });
  }

  it('does not hand out a key being processed; an add meanwhile re-queues it on done(), once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    expect(await mustGet(q)).to.equal('a');

    q.add('a');
    q.add('a');
    expect(q.len(), 'a is dirty, not queued, while processing').to.equal(1);
    expect(await mustGet(q)).to.equal('b');

    const next = track(q.get());
    await flush();
    expect(next.settled(), 'a must wait for done(a)').to.equal(false);

    q.done('a');
    await flush();
    expect(next.value()).to.deep.equal({ key: 'a', shutdown: false });
    q.done('b');
    q.done('a');
    expect(q.len(), 'b was not re-added, a not re-added twice').to.equal(0);
  });

  it('goes to the back of the queue when re-queued by done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    expect(await mustGet(q)).to.equal('a');
    q.add('a');
    q.add('b');
    q.done('a');
    expect(await drainKeys(q)).to.deep.equal(['b', 'a']);
  });

  it('ignores done() for a key it did not hand out, so dedup holds', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.done('a');
    q.done('never-added');
    expect(q.len()).to.equal(1);
    expect(await drainKeys(q)).to.deep.equal(['a']);
  });

  it('wakes parked get() calls in order, claiming the key before the worker resumes', async () => {
    const q = new WorkQueue();
    const g1 = track(q.get());
    const g2 = track(q.get());
    const g3 = track(q.get());
    await flush();
    expect([g1.settled(), g2.settled(), g3.settled()]).to.deep.equal([false, false, false]);

    q.add('a');
    // Handed over synchronously: a is processing before any worker code runs.
    expect(q.len()).to.equal(0);
    q.add('a');
    expect(q.len(), 'a is processing, so a second add only marks it dirty').to.equal(0);
    q.add('b');
    await flush();
    expect(g1.value()).to.deep.equal({ key: 'a', shutdown: false });
    expect(g2.value()).to.deep.equal({ key: 'b', shutdown: false });
    expect(g3.settled()).to.equal(false);

    q.done('a');
    await flush();
    expect(g3.value()).to.deep.equal({ key: 'a', shutdown: false });
  });

  it('never processes one key in two workers at once, and loses no add (async workers, fake time)', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const keys = ['ns/a', 'ns/b', 'ns/c', 'ns/d', 'ns/e'];
    const active = new Set<string>();
    /** Keys added since their processing last started: must all be processed in the end. */
    const pending = new Set<string>();
    const processed = new Map<string, number>();
    let overlaps = 0;
    let addsWhileActive = 0;
    // mulberry32 with a fixed seed: a varied interleaving that reproduces.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
    };

    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await q.get();
        if (item.shutdown) return;
        const { key } = item;
        if (active.has(key)) overlaps++;
        active.add(key);
        pending.delete(key);
        processed.set(key, (processed.get(key) ?? 0) + 1);
        await fakeSleep(clock, 1 + random(7));
        if (random(4) === 0) {
          // A handler re-adding its own key, as a reconcile that found more to do.
          q.add(key);
          pending.add(key);
        }
        active.delete(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, worker);

    for (let step = 0; step < 300; step++) {
      for (let i = random(4); i > 0; i--) {
        const key = keys[random(keys.length)]!;
        if (active.has(key)) addsWhileActive++;
        q.add(key);
        pending.add(key);
      }
      clock.advance(1);
      await flush();
    }
    for (let step = 0; step < 1000 && (q.len() > 0 || active.size > 0); step++) {
      clock.advance(1);
      await flush();
    }

    expect(addsWhileActive, 'the run must exercise adds during processing').to.be.greaterThan(50);
    expect(overlaps).to.equal(0);
    expect(q.len()).to.equal(0);
    expect(active.size).to.equal(0);
    expect([...pending]).to.deep.equal([]);
    expect([...processed.keys()].sort()).to.deep.equal(keys);

    q.shutDown();
    await Promise.all(workers);
  });
});

describe('WorkQueue shutdown', () => {
  it('wakes every parked get() with shutdown', async () => {
    const q = new WorkQueue();
    const getters = [q.get(), q.get(), q.get()];
    await flush();
    q.shutDown();
    expect(await Promise.all(getters)).to.deep.equal([{ shutdown: true }, { shutdown: true }, { shutdown: true }]);
    expect(await q.get()).to.deep.equal({ shutdown: true });
    expect(q.shuttingDown()).to.equal(true);
  });

  it('still hands out keys queued before shutDown(), then reports shutdown; ignores later adds', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.shutDown();
    q.add('c');
    expect(q.len()).to.equal(2);
    const results: GetResult<string>[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await q.get();
      results.push(r);
      if (!r.shutdown) q.done(r.key);
    }
    expect(results).to.deep.equal([
      { key: 'a', shutdown: false },
      { key: 'b', shutdown: false },
      { shutdown: true },
    ]);
  });

  it('re-queues a key dirtied before shutDown() when it is done (client-go does too)', async () => {
    const q = new WorkQueue();
    q.add('a');
    expect(await mustGet(q)).to.equal('a');
    q.add('a');
    q.shutDown();
    q.done('a');
    expect(await q.get()).to.deep.equal({ key: 'a', shutdown: false });
    q.done('a');
    expect(await q.get()).to.deep.equal({ shutdown: true });
  });

  it('shutDownWithDrain() resolves at once when idle', async () => {
    const q = new WorkQueue();
    await q.shutDownWithDrain();
    expect(q.shuttingDown()).to.equal(true);
  });

  it('shutDownWithDrain() resolves once queued and in-flight keys are all done', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    expect(await mustGet(q)).to.equal('a');
    const drained = track(q.shutDownWithDrain());

    q.done('a');
    await flush();
    expect(drained.settled(), 'b is still queued').to.equal(false);

    expect(await mustGet(q)).to.equal('b');
    await flush();
    expect(drained.settled(), 'b is still processing').to.equal(false);
    q.done('b');
    await drained.promise;
    expect(await q.get()).to.deep.equal({ shutdown: true });
  });

  it('shutDown() releases a pending shutDownWithDrain()', async () => {
    const q = new WorkQueue();
    q.add('a');
    await mustGet(q);
    const drained = track(q.shutDownWithDrain());
    await flush();
    expect(drained.settled()).to.equal(false);
    q.shutDown();
    await drained.promise;
  });
});

describe('DelayingQueue', () => {
  const orderCases: { name: string; adds: [string, number][]; checkpoints: [number, string[]][] }[] = [
    {
      name: 'by ready time, not call order',
      adds: [
        ['a', 300],
        ['b', 100],
        ['c', 200],
      ],
      checkpoints: [
        [99, []],
        [100, ['b']],
        [250, ['b', 'c']],
        [300, ['b', 'c', 'a']],
      ],
    },
    {
      name: 'equal ready times in call order',
      adds: [
        ['x', 50],
        ['y', 50],
        ['w', 50],
      ],
      checkpoints: [[50, ['x', 'y', 'w']]],
    },
    {
      name: 'earliest wins when the later call is earlier',
      adds: [
        ['a', 500],
        ['a', 100],
      ],
      checkpoints: [
        [100, ['a']],
        [600, ['a']],
      ],
    },
    {
      name: 'earliest wins when the later call is later',
      adds: [
        ['a', 100],
        ['a', 500],
      ],
      checkpoints: [
        [100, ['a']],
        [600, ['a']],
      ],
    },
    {
      name: 'moving a key earlier reorders it among others',
      adds: [
        ['a', 300],
        ['b', 200],
        ['a', 100],
      ],
      checkpoints: [[300, ['a', 'b']]],
    },
    {
      name: 'zero, negative and NaN delays add at once',
      adds: [
        ['later', 10],
        ['zero', 0],
        ['neg', -5],
        ['nan', Number.NaN],
      ],
      checkpoints: [
        [0, ['zero', 'neg', 'nan']],
        [10, ['zero', 'neg', 'nan', 'later']],
      ],
    },
  ];
  for (const c of orderCases) {
    it(`addAfter orders ${c.name}`, async () => {
      const clock = new FakeClock();
      const q = new DelayingQueue({ clock });
      for (const [k, ms] of c.adds) q.addAfter(k, ms);
      const seen: string[] = [];
      for (const [at, expected] of c.checkpoints) {
        clock.advance(at - clock.now());
        seen.push(...(await drainKeys(q)));
        expect(seen, `at t=${at}`).to.deep.equal(expected);
      }
      expect(clock.pendingTimers(), 'no timer left behind').to.equal(0);
    });
  }

  it('keeps one timer, armed for the earliest ready time', () => {
    const clock = new FakeClock(1000);
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 500);
    expect(clock.nextTimerAt()).to.equal(1500);
    q.addAfter('b', 200);
    expect(clock.nextTimerAt()).to.equal(1200);
    q.addAfter('c', 900);
    q.addAfter('a', 300);
    expect(clock.pendingTimers()).to.equal(1);
    expect(clock.nextTimerAt()).to.equal(1200);
    clock.advance(200);
    expect(clock.nextTimerAt()).to.equal(1300);
    expect(clock.pendingTimers()).to.equal(1);
  });

  it('a delayed key that is already queued is de-duplicated when it becomes ready', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add('a');
    q.addAfter('a', 10);
    clock.advance(10);
    expect(await drainKeys(q)).to.deep.equal(['a']);
  });

  it('add() does not cancel a pending addAfter(): the key comes back when ready (as in client-go)', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 10);
    q.add('a');
    expect(await drainKeys(q)).to.deep.equal(['a']);
    clock.advance(10);
    expect(await drainKeys(q)).to.deep.equal(['a']);
  });

  it('wakes a parked get() when the delay ends', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    const g = track(q.get());
    q.addAfter('a', 100);
    clock.advance(99);
    await flush();
    expect(g.settled()).to.equal(false);
    clock.advance(1);
    await flush();
    expect(g.value()).to.deep.equal({ key: 'a', shutdown: false });
  });

  it('re-checks readiness when a timer fires early, and waits for the remainder', async () => {
    // A clock whose timers fire at half their delay, like an early real timer.
    const fake = new FakeClock();
    const early: Clock = { now: () => fake.now(), setTimer: (cb, ms) => fake.setTimer(cb, ms / 2) };
    const q = new DelayingQueue({ clock: early });
    q.addAfter('a', 100);
    fake.advance(50);
    expect(q.len()).to.equal(0);
    fake.advance(50);
    expect(await drainKeys(q)).to.deep.equal(['a']);
  });

  it('drops pending delayed adds on shutDown() and clears its timer', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('b', 200);
    q.shutDown();
    expect(clock.pendingTimers()).to.equal(0);
    q.addAfter('c', 100);
    expect(clock.pendingTimers()).to.equal(0);
    clock.advance(1000);
    expect(q.len()).to.equal(0);
  });

  it('on the real clock, holds the event loop only until shutDown()', () => {
    const live = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = live();
    const q = new DelayingQueue({ clock: realClock });
    q.addAfter('a', 60_000);
    q.addAfter('b', 30_000);
    expect(live()).to.equal(before + 1);
    q.shutDown();
    expect(live()).to.equal(before);

    const unref = new DelayingQueue({ clock: realClock, unrefTimers: true });
    unref.addAfter('a', 60_000);
    expect(live()).to.equal(before);
    unref.shutDown();
  });

  it('shutDownWithDrain() also clears the timer', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    await q.shutDownWithDrain();
    expect(clock.pendingTimers()).to.equal(0);
  });
});

describe('RateLimitingQueue', () => {
  it('addRateLimited() waits the default limiter delay: 5 ms, 10 ms, ..., reset by forget()', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    const expectReadyAfter = async (ms: number): Promise<void> => {
      q.addRateLimited('ns/a');
      clock.advance(ms - 1);
      expect(q.len(), `not before ${ms} ms`).to.equal(0);
      clock.advance(1);
      expect(await drainKeys(q), `at ${ms} ms`).to.deep.equal(['ns/a']);
    };
    await expectReadyAfter(5);
    await expectReadyAfter(10);
    await expectReadyAfter(20);
    expect(q.numRequeues('ns/a')).to.equal(3);
    q.forget('ns/a');
    expect(q.numRequeues('ns/a')).to.equal(0);
    await expectReadyAfter(5);
  });

  it('uses the given limiter, per key', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(100, 1000) });
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('b');
    expect(q.numRequeues('a')).to.equal(2);
    expect(q.numRequeues('b')).to.equal(1);
    // a: earliest of 100 and 200 wins; b: 100.
    clock.advance(100);
    expect(q.len()).to.equal(2);
  });

  it('after shutDown(), addRateLimited() neither queues nor counts a failure', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.shutDown();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).to.equal(0);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('runs the controller loop: failures back off, success forgets', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<`${string}/${string}`>({ clock });
    let failuresLeft = 2;
    const attempts: number[] = [];
    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await q.get();
        if (item.shutdown) return;
        attempts.push(clock.now());
        try {
          if (failuresLeft-- > 0) throw new Error('transient');
          q.forget(item.key);
        } catch {
          q.addRateLimited(item.key);
        } finally {
          q.done(item.key);
        }
      }
    };
    const running = worker();
    q.add('ns/svc');
    for (let t = 0; t < 50; t++) {
      await flush();
      clock.advance(1);
    }
    expect(attempts).to.deep.equal([0, 5, 15]);
    expect(q.numRequeues('ns/svc')).to.equal(0);
    q.shutDown();
    await running;
  });
});

/** Records every metric call with the fake time it happened at. */
class RecordingMetrics implements WorkQueueMetrics {
  readonly events: string[] = [];
  depthValue = 0;
  source: ProcessingTimes | undefined;
  binds = 0;
  constructor(private readonly clock: Clock) {}
  private log(e: string): void {
    this.events.push(`${this.clock.now()} ${e}`);
  }
  readonly depth = {
    inc: (): void => {
      this.depthValue++;
      this.log('depth+');
    },
    dec: (): void => {
      this.depthValue--;
      this.log('depth-');
    },
  };
  readonly adds = { inc: (): void => this.log('adds') };
  readonly queueDuration = { observe: (s: number): void => this.log(`queue ${s}`) };
  readonly workDuration = { observe: (s: number): void => this.log(`work ${s}`) };
  readonly retries = { inc: (): void => this.log('retries') };
  bindProcessingTimes(source: ProcessingTimes): void {
    this.binds++;
    this.source = source;
  }
}

describe('work queue metrics', () => {
  it('reports adds, depth, queue and work durations like client-go', async () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new WorkQueue({ clock, metrics, name: 'serviceimports' });
    expect(q.name).to.equal('serviceimports');

    q.add('a');
    q.add('a'); // de-duplicated: no metrics
    clock.advance(100);
    await mustGet(q);
    clock.advance(50);
    q.add('a'); // dirty while processing: counted in depth, as client-go does
    expect(metrics.depthValue).to.equal(1);
    expect(q.len()).to.equal(0);
    clock.advance(250);
    q.done('a');
    clock.advance(100);
    await mustGet(q);
    q.done('a');

    expect(metrics.events).to.deep.equal([
      '0 adds',
      '0 depth+',
      '100 depth-',
      '100 queue 0.1',
      '150 adds',
      '150 depth+',
      '400 work 0.3',
      '500 depth-',
      '500 queue 0.35',
      '500 work 0',
    ]);
    expect(metrics.depthValue).to.equal(0);
  });

  it('counts a retry for every addAfter and addRateLimited', () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new RateLimitingQueue({ clock, metrics });
    q.addAfter('a', 0);
    q.addAfter('b', 10);
    q.addRateLimited('c');
    expect(metrics.events.filter((e) => e.endsWith('retries'))).to.have.length(3);
    q.shutDown();
    q.addAfter('d', 10);
    expect(metrics.events.filter((e) => e.endsWith('retries'))).to.have.length(3);
  });

  it('binds live unfinished-work and longest-running-processor readings once', async () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new WorkQueue({ clock, metrics });
    expect(metrics.binds).to.equal(1);
    const source = metrics.source!;
    expect([source.unfinishedWorkSeconds(), source.longestRunningProcessorSeconds()]).to.deep.equal([0, 0]);

    q.add('a');
    q.add('b');
    await mustGet(q);
    clock.advance(3000);
    await mustGet(q);
    clock.advance(1000);
    // a has run 4 s, b 1 s.
    expect(source.unfinishedWorkSeconds()).to.equal(5);
    expect(source.longestRunningProcessorSeconds()).to.equal(4);
    expect(q.unfinishedWorkSeconds()).to.equal(5);

    q.done('a');
    expect(source.unfinishedWorkSeconds()).to.equal(1);
    expect(source.longestRunningProcessorSeconds()).to.equal(1);
    q.done('b');
    expect([source.unfinishedWorkSeconds(), source.longestRunningProcessorSeconds()]).to.deep.equal([0, 0]);
  });

  it('works without metrics (no-op default)', async () => {
    const q = new RateLimitingQueue({ clock: new FakeClock() });
    q.add('a');
    q.done(await mustGet(q));
    q.shutDown();
  });
});

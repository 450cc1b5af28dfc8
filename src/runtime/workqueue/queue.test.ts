import { expect } from 'chai';
import { FakeClock } from '../clock.js';
import { WorkQueue, type GetResult } from './queue.js';
import { drainKeys, flush, mustGet, track } from '../../../test/support/workqueue.js';

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

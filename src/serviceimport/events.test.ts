import { expect } from 'chai';
import { pino } from 'pino';
import { FakeClock } from '../runtime/clock.js';
import { EventRecorder, type EventRecord } from './events.js';

const silent = pino({ level: 'silent' });
const target = { namespace: 'ns', name: 'web', uid: 'u1' };

/** A sink whose sends complete only when the test says so. */
function gatedSink() {
  const sent: EventRecord[] = [];
  const gates: Array<() => void> = [];
  let fail = false;
  const sink = (e: EventRecord) =>
    new Promise<void>((resolve, reject) => {
      gates.push(() => {
        sent.push(e);
        if (fail) reject(new Error('forbidden'));
        else resolve();
      });
    });
  return {
    sink,
    sent,
    inFlight: () => gates.length,
    release: async (n = gates.length) => {
      for (const g of gates.splice(0, n)) g();
      await new Promise((r) => setImmediate(r));
    },
    failNext: () => void (fail = true),
  };
}

describe('EventRecorder (events never hold up a reconcile)', () => {
  it('record() returns before the API answers, and at most `concurrency` sends are in flight', async () => {
    const s = gatedSink();
    const r = new EventRecorder(s.sink, silent, { concurrency: 2 });
    for (let i = 0; i < 5; i++) r.record(target, 'Normal', 'IPsChanged', `m${i}`);
    expect(s.inFlight()).to.equal(2);
    expect(r.pending()).to.equal(5);
    await s.release();
    expect(s.inFlight()).to.equal(2);
    await s.release();
    await s.release();
    expect(s.sent.map((e) => e.message)).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(r.pending()).to.equal(0);
    await r.idle();
  });

  it('drops the oldest when the buffer is full, and says how many', async () => {
    const s = gatedSink();
    const dropped: number[] = [];
    const r = new EventRecorder(s.sink, silent, { concurrency: 1, maxQueued: 2, dropped: (n) => dropped.push(n) });
    for (let i = 0; i < 5; i++) r.record(target, 'Warning', 'X', `m${i}`);
    // m0 is in flight; m1 and m2 were pushed out by m3, m4.
    expect(dropped).to.deep.equal([1, 1]);
    while (r.pending() > 0) await s.release();
    expect(s.sent.map((e) => e.message)).to.deep.equal(['m0', 'm3', 'm4']);
  });

  it('a failed send is logged, not thrown, and the rest still go', async () => {
    const s = gatedSink();
    const r = new EventRecorder(s.sink, silent, { concurrency: 1 });
    r.record(target, 'Warning', 'A', 'first');
    r.record(target, 'Warning', 'B', 'second');
    s.failNext();
    while (r.pending() > 0) await s.release();
    expect(s.sent.map((e) => e.reason)).to.deep.equal(['A', 'B']);
  });

  it('stop() waits for queued events up to its deadline, then ignores new ones', async () => {
    const s = gatedSink();
    const r = new EventRecorder(s.sink, silent, { concurrency: 1 });
    r.record(target, 'Normal', 'A', 'a');
    r.record(target, 'Normal', 'B', 'b');
    const stopped = r.stop(5_000);
    await s.release();
    await s.release();
    await stopped;
    expect(s.sent.map((e) => e.reason)).to.deep.equal(['A', 'B']);
    r.record(target, 'Normal', 'C', 'c');
    expect(r.pending()).to.equal(0);
  });

  it('stop() gives up after its deadline when the API never answers', async () => {
    const s = gatedSink();
    const clock = new FakeClock();
    const r = new EventRecorder(s.sink, silent, { clock });
    r.record(target, 'Normal', 'A', 'a');
    let stopped = false;
    const stopping = r.stop(50).then(() => void (stopped = true));
    clock.advance(49);
    await new Promise((res) => setImmediate(res));
    expect(stopped, 'still waiting before the deadline').to.equal(false);
    clock.advance(1);
    await stopping;
    expect(r.pending()).to.equal(1);
  });
});

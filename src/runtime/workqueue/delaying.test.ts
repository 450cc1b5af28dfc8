import { expect } from 'chai';
import { FakeClock, realClock, type Clock } from '../clock.js';
import { DelayingQueue } from './delaying.js';
import { drainKeys, flush, track } from '../../../test/support/workqueue.js';

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

import { expect } from 'chai';
import { FakeClock, RealClock, realClock } from './clock.js';

/** Timers that currently keep the event loop alive (unref'd ones are not listed). */
const liveTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('FakeClock', () => {
  it('starts at the given time and only moves on advance()', () => {
    const clock = new FakeClock(1000);
    expect(clock.now()).to.equal(1000);
    clock.advance(250);
    expect(clock.now()).to.equal(1250);
    clock.advance(0);
    expect(clock.now()).to.equal(1250);
  });

  it('fires due timers in due order, ties in the order set, with now() at each due time', () => {
    const clock = new FakeClock();
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['c', clock.now()]), 30);
    clock.setTimer(() => fired.push(['a', clock.now()]), 10);
    clock.setTimer(() => fired.push(['b1', clock.now()]), 20);
    clock.setTimer(() => fired.push(['b2', clock.now()]), 20);
    clock.setTimer(() => fired.push(['late', clock.now()]), 31);
    clock.advance(30);
    expect(fired).to.deep.equal([
      ['a', 10],
      ['b1', 20],
      ['b2', 20],
      ['c', 30],
    ]);
    expect(clock.now()).to.equal(30);
    expect(clock.pendingTimers()).to.equal(1);
    expect(clock.nextTimerAt()).to.equal(31);
  });

  it('fires timers set by callbacks when they fall due within the same step', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 5);
      clock.setTimer(() => fired.push(clock.now()), 50);
    }, 10);
    clock.advance(20);
    expect(fired).to.deep.equal([10, 15]);
    expect(clock.pendingTimers()).to.equal(1);
  });

  it('treats negative and NaN delays as zero, firing on the next advance', () => {
    const clock = new FakeClock();
    let n = 0;
    clock.setTimer(() => n++, -5);
    clock.setTimer(() => n++, Number.NaN);
    expect(n).to.equal(0);
    clock.advance(0);
    expect(n).to.equal(2);
  });

  it('cancel() removes a timer and is idempotent, also after firing', () => {
    const clock = new FakeClock();
    let n = 0;
    const t1 = clock.setTimer(() => n++, 10);
    const t2 = clock.setTimer(() => n++, 10);
    t1.cancel();
    t1.cancel();
    expect(clock.pendingTimers()).to.equal(1);
    clock.advance(10);
    t2.cancel();
    expect(n).to.equal(1);
    expect(clock.pendingTimers()).to.equal(0);
    expect(clock.nextTimerAt()).to.equal(undefined);
  });

  it('rejects going backwards', () => {
    expect(() => new FakeClock().advance(-1)).to.throw(RangeError);
  });
});

describe('RealClock', () => {
  it('is monotonic', () => {
    const a = realClock.now();
    const b = realClock.now();
    expect(b).to.be.at.least(a);
  });

  // Checks the handles themselves rather than waiting for timers to fire.
  it('holds the event loop while a timer is pending, and not after cancel()', () => {
    const clock = new RealClock();
    const before = liveTimeouts();
    const timer = clock.setTimer(() => {}, 60_000);
    expect(liveTimeouts()).to.equal(before + 1);
    timer.cancel();
    expect(liveTimeouts()).to.equal(before);
  });

  it('does not hold the event loop for an unref timer', () => {
    const before = liveTimeouts();
    const timer = realClock.setTimer(() => {}, 60_000, { unref: true });
    expect(liveTimeouts()).to.equal(before);
    timer.cancel();
  });

  it('accepts delays beyond setTimeout range without firing early (no overflow warning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const timer = realClock.setTimer(() => expect.fail('must not fire'), 2 ** 40);
      timer.cancel();
      const timer2 = realClock.setTimer(() => expect.fail('must not fire'), Infinity);
      timer2.cancel();
      // Node emits warnings on nextTick; let them arrive before checking.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).to.not.include('TimeoutOverflowWarning');
  });
});

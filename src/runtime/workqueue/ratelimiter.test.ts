import { expect } from 'chai';
import { FakeClock } from '../clock.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './ratelimiter.js';

/** Calls when(key) n times and returns the delays. */
function whens(limiter: RateLimiter, key: string, n: number): number[] {
  return Array.from({ length: n }, () => limiter.when(key));
}

describe('ItemExponentialFailureRateLimiter', () => {
  const cases: { name: string; base?: number; max?: number; expected: number[] }[] = [
    {
      name: 'defaults: 5 ms doubling, capped at 1000 s (5 ms * 2^18 > 1000 s)',
      expected: [
        5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 81920, 163840, 327680, 655360,
        1_000_000, 1_000_000,
      ],
    },
    {
      name: '1 ms to 1 s (client-go TestItemExponentialFailureRateLimiter)',
      base: 1,
      max: 1000,
      expected: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000],
    },
    { name: 'cap below base', base: 100, max: 30, expected: [30, 30, 30] },
    { name: 'zero base stays zero', base: 0, max: 1000, expected: [0, 0, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const limiter = new ItemExponentialFailureRateLimiter(c.base, c.max);
      expect(whens(limiter, 'ns/a', c.expected.length)).to.deep.equal(c.expected);
      expect(limiter.numRequeues('ns/a')).to.equal(c.expected.length);
    });
  }

  it('stays at the cap, finite, after more failures than a double can express', () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const delays = whens(limiter, 'k', 1100);
    expect(delays.at(-1)).to.equal(1_000_000);
    expect(delays.every((d) => Number.isFinite(d) && d <= 1_000_000)).to.equal(true);
    const zero = new ItemExponentialFailureRateLimiter(0, 1000);
    expect(whens(zero, 'k', 1100).at(-1)).to.equal(0);
  });

  it('counts failures per key, and forget() resets only that key', () => {
    const limiter = new ItemExponentialFailureRateLimiter(1, 1000);
    expect(whens(limiter, 'a', 3)).to.deep.equal([1, 2, 4]);
    expect(whens(limiter, 'b', 2)).to.deep.equal([1, 2]);
    expect(limiter.numRequeues('a')).to.equal(3);
    expect(limiter.numRequeues('b')).to.equal(2);
    expect(limiter.numRequeues('never')).to.equal(0);

    limiter.forget('a');
    expect(limiter.numRequeues('a')).to.equal(0);
    expect(limiter.when('a')).to.equal(1);
    expect(limiter.when('b')).to.equal(4);
    limiter.forget('never'); // harmless
  });

  it('rejects negative delays', () => {
    expect(() => new ItemExponentialFailureRateLimiter(-1, 10)).to.throw(RangeError);
    expect(() => new ItemExponentialFailureRateLimiter(1, Number.NaN)).to.throw(RangeError);
  });
});

describe('BucketRateLimiter', () => {
  const cases: { qps: number; burst: number }[] = [
    { qps: 10, burst: 100 }, // client-go default
    { qps: 50, burst: 300 }, // sample-controller
    { qps: 1, burst: 1 },
    { qps: 4, burst: 3 },
  ];
  for (const { qps, burst } of cases) {
    it(`qps=${qps} burst=${burst}: burst is free, then one token per 1/qps s, refilling with time`, () => {
      const clock = new FakeClock(12_345);
      const limiter = new BucketRateLimiter(qps, burst, clock);
      const interval = 1000 / qps;

      expect(whens(limiter, 'k', burst)).to.deep.equal(new Array<number>(burst).fill(0));
      // Past the burst each call reserves the next future token: debt grows.
      const over = whens(limiter, 'k', 3);
      over.forEach((d, i) => expect(d).to.be.closeTo((i + 1) * interval, 1e-9));

      // Paying off the debt of 3 and earning up to 2 more tokens (no more
      // than the burst): that many free calls.
      const free = Math.min(2, burst);
      clock.advance((3 + free) * interval);
      expect(whens(limiter, 'k', free)).to.deep.equal(new Array<number>(free).fill(0));
      expect(limiter.when('k')).to.be.closeTo(interval, 1e-9);

      // Refill is capped at the burst however long we wait.
      clock.advance(1000 * interval * (burst + 10));
      expect(whens(limiter, 'k', burst)).to.deep.equal(new Array<number>(burst).fill(0));
      expect(limiter.when('k')).to.be.closeTo(interval, 1e-9);
    });
  }

  it('is one bucket for all keys, never per key', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(10, 2, clock);
    expect([limiter.when('a'), limiter.when('b'), limiter.when('c')]).to.deep.equal([0, 0, 100]);
    expect(limiter.numRequeues('a')).to.equal(0);
    limiter.forget('c');
    expect(limiter.when('d')).to.equal(200);
  });

  it('refills partially: half an interval after running dry, the next token is half an interval away', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(10, 1, clock);
    expect(limiter.when('k')).to.equal(0);
    clock.advance(50);
    expect(limiter.when('k')).to.be.closeTo(50, 1e-9);
  });

  it('does not drain or refill when the clock reads earlier than the last reservation', () => {
    let t = 1000;
    const clock = { now: () => t, setTimer: () => ({ cancel: () => {} }) };
    const limiter = new BucketRateLimiter(10, 1, clock);
    expect(limiter.when('k')).to.equal(0);
    t = 500;
    expect(limiter.when('k')).to.equal(100);
  });

  it('qps = Infinity never delays', () => {
    const limiter = new BucketRateLimiter(Infinity, 1, new FakeClock());
    expect(whens(limiter, 'k', 10)).to.deep.equal(new Array<number>(10).fill(0));
  });

  it('rejects settings that would stall the queue', () => {
    const clock = new FakeClock();
    for (const [qps, burst] of [
      [0, 10],
      [-1, 10],
      [Number.NaN, 10],
      [10, 0],
      [10, 1.5],
    ] as const) {
      expect(() => new BucketRateLimiter(qps, burst, clock), `qps=${qps} burst=${burst}`).to.throw(RangeError);
    }
  });
});

/** A limiter that returns scripted values and records calls. */
class StubLimiter implements RateLimiter {
  readonly calls: string[] = [];
  constructor(
    private readonly delay: number,
    private readonly requeues: number,
  ) {}
  when(key: string): number {
    this.calls.push(`when ${key}`);
    return this.delay;
  }
  numRequeues(key: string): number {
    this.calls.push(`numRequeues ${key}`);
    return this.requeues;
  }
  forget(key: string): void {
    this.calls.push(`forget ${key}`);
  }
}

describe('MaxOfRateLimiter', () => {
  const cases: { name: string; limiters: [number, number][]; when: number; requeues: number }[] = [
    { name: 'no limiters: no delay', limiters: [], when: 0, requeues: 0 },
    { name: 'one limiter', limiters: [[7, 2]], when: 7, requeues: 2 },
    {
      name: 'max delay and max requeues may come from different limiters',
      limiters: [
        [5, 9],
        [100, 0],
        [50, 3],
      ],
      when: 100,
      requeues: 9,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const stubs = c.limiters.map(([d, r]) => new StubLimiter(d, r));
      const limiter = new MaxOfRateLimiter(...stubs);
      expect(limiter.when('k')).to.equal(c.when);
      expect(limiter.numRequeues('k')).to.equal(c.requeues);
    });
  }

  it('asks every limiter on when() (each keeps its own accounting) and forwards forget()', () => {
    const stubs = [new StubLimiter(1, 0), new StubLimiter(2, 0)];
    const limiter = new MaxOfRateLimiter(...stubs);
    limiter.when('a');
    limiter.forget('a');
    for (const s of stubs) expect(s.calls).to.deep.equal(['when a', 'forget a']);
  });

  it('combines real limiters: the bucket dominates only once its burst is spent', () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter(
      new ItemExponentialFailureRateLimiter(1, 1000),
      new BucketRateLimiter(10, 3, clock),
    );
    expect(whens(limiter, 'k', 5)).to.deep.equal([1, 2, 4, 100, 200]);
    expect(limiter.numRequeues('k')).to.equal(5);
    limiter.forget('k');
    expect(limiter.numRequeues('k')).to.equal(0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('backs a failing key off from 5 ms to the 1000 s cap while the bucket has tokens', () => {
    const limiter = defaultControllerRateLimiter(new FakeClock());
    const delays = whens(limiter, 'ns/a', 20);
    expect(delays.slice(0, 4)).to.deep.equal([5, 10, 20, 40]);
    expect(delays.slice(-2)).to.deep.equal([1_000_000, 1_000_000]);
    expect(limiter.numRequeues('ns/a')).to.equal(20);
    limiter.forget('ns/a');
    expect(limiter.when('ns/a')).to.equal(5);
  });

  it('limits overall retries to 10 qps after a burst of 100, across keys', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter(clock);
    const first = Array.from({ length: 100 }, (_, i) => limiter.when(`ns/k${i}`));
    expect(first.every((d) => d === 5)).to.equal(true);
    expect(limiter.when('ns/k100')).to.be.closeTo(100, 1e-9);
    expect(limiter.when('ns/k101')).to.be.closeTo(200, 1e-9);
    clock.advance(1000); // 10 tokens back: pays the debt of 2, leaves 8
    const after = Array.from({ length: 9 }, (_, i) => limiter.when(`ns/j${i}`));
    expect(after.slice(0, 8)).to.deep.equal(new Array<number>(8).fill(5));
    expect(after[8]).to.be.closeTo(100, 1e-9);
  });
});

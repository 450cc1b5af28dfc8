import { expect } from 'chai';
import { DEFAULT_BACKOFF, backoffDelay, jitteredWatchTimeout, retryDelay } from './backoff.js';

describe('backoff', () => {
  describe('backoffDelay', () => {
    const opts = { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 };

    it('doubles from the initial delay up to the cap', () => {
      const noJitter = () => 0;
      expect([0, 1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, opts, noJitter))).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
    });

    it('takes up to `jitter` off at random, never exceeding the cap', () => {
      expect(backoffDelay(0, opts, () => 1)).to.equal(50);
      expect(backoffDelay(10, opts, () => 0.999)).to.be.within(500, 1000);
      for (let i = 0; i < 200; i++) expect(backoffDelay(i % 12, opts)).to.be.within(50, 1000);
    });

    it('survives absurd attempt numbers', () => {
      expect(backoffDelay(1e6, opts, () => 0)).to.equal(1000);
    });
  });

  describe('retryDelay: a server hint (Retry-After) next to our backoff', () => {
    const opts = { ...DEFAULT_BACKOFF, jitter: 0.25 };
    const cases: Array<[string, number, number | undefined, number, number]> = [
      // name, backoff, hint, random(), want
      ['no hint: our backoff', 800, undefined, 0.5, 800],
      ['a hint above the backoff: the hint, at random()=0', 800, 5_000, 0, 5_000],
      ['a hint with the most jitter: a quarter on top, never below it', 800, 5_000, 1, 6_250],
      ['a hint below the backoff: the backoff', 16_000, 1_000, 1, 16_000],
      ['a zero hint: the backoff', 800, 0, 1, 800],
    ];
    for (const [name, backoff, hint, r, want] of cases) {
      it(name, () => expect(retryDelay(backoff, hint, opts, () => r)).to.equal(want));
    }
  });

  it('jitteredWatchTimeout spreads timeouts above the base', () => {
    expect(jitteredWatchTimeout(300, 0.2, () => 0)).to.equal(300);
    expect(jitteredWatchTimeout(300, 0.2, () => 0.999)).to.equal(360);
    expect(jitteredWatchTimeout(0, 0, () => 0)).to.equal(1); // 0 would mean "no timeout" to the server
  });
});

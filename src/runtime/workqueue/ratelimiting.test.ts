import { expect } from 'chai';
import { FakeClock } from '../clock.js';
import { ItemExponentialFailureRateLimiter } from './ratelimiter.js';
import { RateLimitingQueue } from './ratelimiting.js';
import { drainKeys } from '../../../test/support/workqueue.js';

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

  it('addRateLimited(key, notBeforeMs) waits the longer of the limiter and the floor, and still counts the failure', async () => {
    const cases: Array<[string, number, number]> = [
      // name, floor, when the key is ready (the limiter alone says 5 ms)
      ['a floor above the limiter wins', 3_000, 3_000],
      ['a floor below the limiter changes nothing', 2, 5],
      ['no floor: the limiter', 0, 5],
    ];
    for (const [name, floor, ready] of cases) {
      const clock = new FakeClock();
      const q = new RateLimitingQueue({ clock });
      q.addRateLimited('ns/a', floor);
      expect(q.numRequeues('ns/a'), name).to.equal(1);
      clock.advance(ready - 1);
      expect(q.len(), `${name}: not before ${ready} ms`).to.equal(0);
      clock.advance(1);
      expect(await drainKeys(q), `${name}: at ${ready} ms`).to.deep.equal(['ns/a']);
    }
  });

  it('after shutDown(), addRateLimited() neither queues nor counts a failure', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.shutDown();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).to.equal(0);
    expect(clock.pendingTimers()).to.equal(0);
  });
});

import { expect } from 'chai';
import { SecretReadRetries, secretRetryDelayMs } from './secret-read-retry.js';

describe('secret read retries', () => {
  const cases: Array<[number, number]> = [[1, 1_000], [2, 2_000], [3, 4_000], [5, 16_000], [6, 30_000], [100, 30_000]];
  for (const [failures, want] of cases) {
    it(`waits ${want} ms before retry ${failures}`, () => expect(secretRetryDelayMs(failures)).to.equal(want));
  }

  it('refuses a failure count that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => secretRetryDelayMs(bad), String(bad)).to.throw(/whole number/);
  });

  it('grows the delay per cluster, starts over after a reset, and tries nothing after stop', async () => {
    const tried: string[] = [];
    const r = new SecretReadRetries((c) => tried.push(c));
    expect([r.failed('a'), r.failed('a'), r.failed('b')]).to.deep.equal([1_000, 2_000, 1_000]);
    r.reset('a');
    expect(r.failed('a'), 'a success starts the series over').to.equal(1_000);
    r.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(tried, 'no timer survives stop').to.deep.equal([]);
  });
});

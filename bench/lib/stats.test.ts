import { expect } from 'chai';
import { percentile, summarize } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const cases: Array<[string, number[], number, number]> = [
    ['p50 of 1..100', hundred, 50, 50],
    ['p99 of 1..100', hundred, 99, 99],
    ['p100 is the max', hundred, 100, 100],
    ['p0 is the min', hundred, 0, 1],
    ['p99 of 200 values is the 198th', Array.from({ length: 200 }, (_, i) => i + 1), 99, 198],
    ['one value', [7], 99, 7],
    ['p50 of two values is the lower', [1, 2], 50, 1],
    ['a rank between two values rounds up: p40 of three is the second', [1, 2, 3], 40, 2],
  ];
  for (const [name, sorted, p, want] of cases) it(name, () => expect(percentile(sorted, p)).to.equal(want));
  it('nothing: NaN', () => expect(percentile([], 50)).to.be.NaN);
});

describe('summarize', () => {
  it('sorts, drops non-finite values and reports n, min, p50, p99, max, mean', () => {
    expect(summarize([30, 10, NaN, 20, Infinity])).to.deep.equal({ n: 3, min: 10, p50: 20, p90: 30, p99: 30, max: 30, mean: 20 });
  });
});

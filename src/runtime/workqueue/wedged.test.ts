import { expect } from 'chai';
import { FakeClock } from '../clock.js';
import { WorkQueue } from './queue.js';
import { formatAge, wedgedReason, wedgedWorkersCheck, type RunningKey } from './wedged.js';

const MIN = 60_000;

describe('wedged workers (liveness)', () => {
  const cases: Array<{ name: string; running: RunningKey[]; want: string | undefined }> = [
    { name: 'nothing running', running: [], want: undefined },
    { name: 'a reconcile well within the bound', running: [{ key: 'ns/a', ms: 30_000 }], want: undefined },
    { name: 'exactly at the bound is still fine', running: [{ key: 'ns/a', ms: 10 * MIN }], want: undefined },
    { name: 'one over the bound, named with its age', running: [{ key: 'ns/a', ms: 12 * MIN + 5_000 }], want: 'reconcile of ns/a running for 12m 5s, over the 10m bound' },
    {
      name: 'several over: the longest is named, the others counted; those within are not',
      running: [{ key: 'ns/b', ms: 11 * MIN }, { key: 'ns/c', ms: 1_000 }, { key: 'ns/a', ms: 20 * MIN }, { key: 'ns/d', ms: 10 * MIN + 1 }],
      want: 'reconcile of ns/a running for 20m, over the 10m bound (and 2 more over it)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(wedgedReason(c.running, 10 * MIN)).to.equal(c.want));
  }

  it('formats ages for people', () => {
    const table: Array<[number, string]> = [[800, '800ms'], [45_000, '45s'], [60_000, '1m'], [61_000, '1m 1s'], [600_000, '10m']];
    for (const [ms, want] of table) expect(formatAge(ms), String(ms)).to.equal(want);
  });

  it('the check reads the queue: a key handed out and never done fails it once past the bound', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const check = wedgedWorkersCheck(() => queue.running(), 10 * MIN);
    queue.add('ns/stuck');
    queue.add('ns/quick');
    void queue.get();
    void queue.get();
    queue.done('ns/quick');
    clock.advance(10 * MIN);
    expect(check).not.to.throw();
    clock.advance(1_000);
    expect(check).to.throw('reconcile of ns/stuck running for 10m 1s, over the 10m bound');
    queue.done('ns/stuck');
    expect(check).not.to.throw();
  });
});

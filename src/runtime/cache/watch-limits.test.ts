import { expect } from 'chai';
import { DEFAULT_WATCH_TIMING, overdueVerdict, watchDeadlineMs, watchLimits, type WatchLimits, type WatchTiming } from './watch-limits.js';

describe('watch limits', () => {
  const timing = (over: Partial<WatchTiming>): WatchTiming => ({ ...DEFAULT_WATCH_TIMING, ...over });

  const cases: Array<{ name: string; timing: WatchTiming; want: WatchLimits }> = [
    {
      name: 'the defaults: a dead connection is noticed within 46 s',
      timing: DEFAULT_WATCH_TIMING,
      want: { maxTimeoutSeconds: 36, meanWatchSeconds: 33, connectTimeoutMs: 10_000, aliveWindowMs: 15_000, detectWithinMs: 46_000, watchdogMs: 96_000 },
    },
    {
      name: 'no jitter',
      timing: timing({ jitter: 0 }),
      want: { maxTimeoutSeconds: 30, meanWatchSeconds: 30, connectTimeoutMs: 10_000, aliveWindowMs: 15_000, detectWithinMs: 40_000, watchdogMs: 90_000 },
    },
    {
      name: 'the old 300 s timeout: a dead connection would go unnoticed for over 6 minutes',
      timing: timing({ timeoutSeconds: 300 }),
      want: { maxTimeoutSeconds: 360, meanWatchSeconds: 330, connectTimeoutMs: 10_000, aliveWindowMs: 15_000, detectWithinMs: 370_000, watchdogMs: 420_000 },
    },
    {
      name: 'a short timeout: a silence just after a late sign of life, plus a connect that hangs, is the bound',
      timing: timing({ timeoutSeconds: 5, jitter: 0, graceSeconds: 2, connectTimeoutSeconds: 10 }),
      want: { maxTimeoutSeconds: 5, meanWatchSeconds: 5, connectTimeoutMs: 10_000, aliveWindowMs: 7_000, detectWithinMs: 17_000, watchdogMs: 65_000 },
    },
    {
      name: 'a negative jitter counts as none; a zero timeout still asks for one second (0 would mean none)',
      timing: timing({ timeoutSeconds: 0, jitter: -1, graceSeconds: 0, connectTimeoutSeconds: 1, watchdogGraceSeconds: 0 }),
      want: { maxTimeoutSeconds: 1, meanWatchSeconds: 0, connectTimeoutMs: 1_000, aliveWindowMs: 5_000, detectWithinMs: 6_000, watchdogMs: 1_000 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(watchLimits(c.timing)).to.deep.equal(c.want);
    });
  }

  it('the defaults keep the promise: a dead member connection is marked within 60 s, before the watchdog', () => {
    const l = watchLimits(DEFAULT_WATCH_TIMING);
    expect(l.detectWithinMs).to.be.at.most(60_000);
    expect(l.watchdogMs).to.be.greaterThan(l.detectWithinMs);
  });

  it('watchDeadlineMs: the timeout the watch asked for plus the grace', () => {
    const table: Array<[number, number, number]> = [
      [30, 10, 40_000],
      [36, 10, 46_000],
      [1, 0, 1_000],
    ];
    for (const [timeout, grace, want] of table) expect(watchDeadlineMs(timeout, grace), `${timeout}+${grace}`).to.equal(want);
  });

  it('overdueVerdict: alive only with a sign of life within the window', () => {
    const table: Array<[string, number | undefined, 'alive' | 'dead']> = [
      ['never a sign of life', undefined, 'dead'],
      ['a bookmark just now', 40_000, 'alive'],
      ['a bookmark exactly a window ago', 25_000, 'alive'],
      ['a bookmark just over a window ago', 24_999, 'dead'],
      ['an event right after the answer', 1, 'dead'],
    ];
    for (const [name, lastLifeAt, want] of table) expect(overdueVerdict(lastLifeAt, 40_000, 15_000), name).to.equal(want);
  });
});

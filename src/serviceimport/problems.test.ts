import { expect } from 'chai';
import type { Problem } from './decide.js';
import { problemsToReport, type ProblemLedger } from './problems.js';

const missing = (cluster: string): Problem => ({ reason: 'DerivedServiceMissing', cluster, message: `derived missing in ${cluster}` });
const noPorts: Problem = { reason: 'NoPorts', message: 'no ports' };
const grace = { DerivedServiceMissing: 30_000 };

describe('problemsToReport (when a problem becomes a Warning event)', () => {
  interface Step {
    at: number;
    problems: Problem[];
    report: string[];
    recheckAfterMs?: number;
  }
  const cases: Array<{ name: string; steps: Step[] }> = [
    {
      name: 'a problem without grace is reported at once, and only once while it lasts',
      steps: [
        { at: 0, problems: [noPorts], report: ['NoPorts/'] },
        { at: 1_000, problems: [noPorts], report: [] },
        { at: 60_000, problems: [noPorts], report: [] },
      ],
    },
    {
      name: 'a transient DerivedServiceMissing (Karmada propagates the Service a moment later) is never reported',
      steps: [
        { at: 0, problems: [missing('member2')], report: [], recheckAfterMs: 30_000 },
        { at: 800, problems: [], report: [] },
      ],
    },
    {
      name: 'a DerivedServiceMissing that persists through its grace is reported once, when the grace ends',
      steps: [
        { at: 0, problems: [missing('member2')], report: [], recheckAfterMs: 30_000 },
        { at: 10_000, problems: [missing('member2')], report: [], recheckAfterMs: 20_000 },
        { at: 30_000, problems: [missing('member2')], report: ['DerivedServiceMissing/member2'] },
        { at: 45_000, problems: [missing('member2')], report: [] },
      ],
    },
    {
      name: 'grace is counted per member',
      steps: [
        { at: 0, problems: [missing('member1')], report: [], recheckAfterMs: 30_000 },
        { at: 20_000, problems: [missing('member1'), missing('member2')], report: [], recheckAfterMs: 10_000 },
        { at: 30_000, problems: [missing('member1'), missing('member2')], report: ['DerivedServiceMissing/member1'], recheckAfterMs: 20_000 },
        { at: 50_000, problems: [missing('member1'), missing('member2')], report: ['DerivedServiceMissing/member2'] },
      ],
    },
    {
      name: 'a problem that goes away and comes back starts over (reported again after a new grace)',
      steps: [
        { at: 0, problems: [noPorts, missing('member2')], report: ['NoPorts/'], recheckAfterMs: 30_000 },
        { at: 31_000, problems: [noPorts, missing('member2')], report: ['DerivedServiceMissing/member2'] },
        { at: 32_000, problems: [], report: [] },
        { at: 33_000, problems: [noPorts, missing('member2')], report: ['NoPorts/'], recheckAfterMs: 30_000 },
        { at: 63_000, problems: [noPorts, missing('member2')], report: ['DerivedServiceMissing/member2'] },
      ],
    },
    {
      name: 'a late recheck (the queue was busy) reports at once',
      steps: [
        { at: 0, problems: [missing('member2')], report: [], recheckAfterMs: 30_000 },
        { at: 90_000, problems: [missing('member2')], report: ['DerivedServiceMissing/member2'] },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let ledger: ProblemLedger | undefined;
      for (const [i, s] of c.steps.entries()) {
        const r = problemsToReport(ledger, s.problems, s.at, grace);
        expect(r.report.map((p) => `${p.reason}/${p.cluster ?? ''}`), `step ${i} at ${s.at} ms: reported`).to.deep.equal(s.report);
        expect(r.recheckAfterMs, `step ${i} at ${s.at} ms: recheck`).to.equal(s.recheckAfterMs);
        ledger = r.ledger;
      }
    });
  }

  it('uses 30 s for DerivedServiceMissing and no grace for the rest by default', () => {
    const r = problemsToReport(undefined, [missing('m'), noPorts, { reason: 'MemberUnreachable', cluster: 'm', message: '' }], 0);
    expect(r.report.map((p) => p.reason)).to.deep.equal(['NoPorts', 'MemberUnreachable']);
    expect(r.recheckAfterMs).to.equal(30_000);
  });
});

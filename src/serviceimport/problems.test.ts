import { expect } from 'chai';
import type { Problem } from './decide.js';
import { problemsToReport, standingProblems, type ProblemLedger } from './problems.js';

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

describe('standingProblems (clusterset_dns_problems)', () => {
  const ledger = (reported: string[], pending: string[] = []): ProblemLedger => ({
    firstSeen: Object.fromEntries([...reported, ...pending].map((id) => [id, 0])),
    reported,
  });
  const cases: Array<{ name: string; ledgers: ProblemLedger[]; want: Array<{ reason: string; member: string; count: number }> }> = [
    { name: 'no keys with problems: nothing', ledgers: [], want: [] },
    {
      name: 'one member down: one series counting every import it affects',
      ledgers: [ledger(['MemberUnreachable/member2']), ledger(['MemberUnreachable/member2']), ledger(['MemberUnreachable/member2'])],
      want: [{ reason: 'MemberUnreachable', member: 'member2', count: 3 }],
    },
    {
      name: 'a problem still within its grace period is not counted yet',
      ledgers: [ledger([], ['DerivedServiceMissing/member1']), ledger(['DerivedServiceMissing/member1'])],
      want: [{ reason: 'DerivedServiceMissing', member: 'member1', count: 1 }],
    },
    {
      name: 'a problem not about a member has member ""; sorted by reason, then member',
      ledgers: [ledger(['NoPorts/', 'CRDMissing/member2', 'CRDMissing/member1'])],
      want: [
        { reason: 'CRDMissing', member: 'member1', count: 1 },
        { reason: 'CRDMissing', member: 'member2', count: 1 },
        { reason: 'NoPorts', member: '', count: 1 },
      ],
    },
    {
      name: 'member names are kept whole (dots and dashes)',
      ledgers: [ledger(['NotOwned/edge-1.eu'])],
      want: [{ reason: 'NotOwned', member: 'edge-1.eu', count: 1 }],
    },
  ];
  for (const c of cases) it(c.name, () => expect(standingProblems(c.ledgers)).to.deep.equal(c.want));

  it('counts what problemsToReport leaves in the ledger: reported, then gone', () => {
    const first = problemsToReport(undefined, [missing('member2'), noPorts], 0, grace);
    expect(standingProblems([first.ledger])).to.deep.equal([{ reason: 'NoPorts', member: '', count: 1 }]);
    const later = problemsToReport(first.ledger, [missing('member2'), noPorts], 30_000, grace);
    expect(standingProblems([later.ledger])).to.have.length(2);
    const fixed = problemsToReport(later.ledger, [], 31_000, grace);
    expect(standingProblems([fixed.ledger])).to.deep.equal([]);
  });
});

/**
 * When a problem found by decide() becomes a Warning Event: once, when it has
 * lasted long enough to be real. Pure, so the timing is table-tested
 * (problems.test.ts); the reconciler keeps one ledger per key in memory.
 *
 * Why a grace period at all: Karmada propagates a ServiceImport to the
 * importing member before the `derived-<svc>` Service that goes with it (they
 * are separate Works), so every new import is briefly "DerivedServiceMissing"
 * in every member. A Warning for that would train people to ignore the one
 * that matters. Problems that cannot be transient (no ports, headless) are
 * reported at once.
 */
import type { ProblemCount } from '../runtime/metrics.js';
import type { Problem, ProblemReason } from './decide.js';

/**
 * How long a problem must persist before it is reported. Karmada's lag between
 * the two Works is seconds even under load (BENCHMARKS.md: a 400-import burst
 * drains at ~1 import/s, and each import's Works are applied together), so
 * 30 s leaves a wide margin and still reports a real gap within a minute.
 */
export const PROBLEM_GRACE_MS: Partial<Record<ProblemReason, number>> = {
  DerivedServiceMissing: 30_000,
};

export interface ProblemLedger {
  /** Problem id (`reason/cluster`) → when it was first seen, in ms. */
  firstSeen: Record<string, number>;
  /** Ids already reported; reported again only after they have gone away. */
  reported: string[];
}

export interface ProblemReport {
  /** Problems to report now. */
  report: Problem[];
  /** The ledger to keep for the next pass; empty when there are no problems. */
  ledger: ProblemLedger;
  /** Look at the key again then: a problem's grace period ends. */
  recheckAfterMs?: number;
}

/** `reason/cluster` ('' when not about one member); reasons hold no '/', so the first one splits it back. */
const problemId = (p: Problem) => `${p.reason}/${p.cluster ?? ''}`;

export function problemsToReport(
  previous: ProblemLedger | undefined,
  problems: readonly Problem[],
  now: number,
  grace: Partial<Record<ProblemReason, number>> = PROBLEM_GRACE_MS,
): ProblemReport {
  const ledger: ProblemLedger = { firstSeen: {}, reported: [] };
  const report: Problem[] = [];
  let recheckAfterMs: number | undefined;
  const wasReported = new Set(previous?.reported ?? []);
  for (const p of problems) {
    const id = problemId(p);
    if (id in ledger.firstSeen) continue; // the same problem twice in one pass
    const first = previous?.firstSeen[id] ?? now;
    ledger.firstSeen[id] = first;
    if (wasReported.has(id)) {
      ledger.reported.push(id);
      continue;
    }
    const wait = first + (grace[p.reason] ?? 0) - now;
    if (wait <= 0) {
      report.push(p);
      ledger.reported.push(id);
    } else {
      recheckAfterMs = Math.min(recheckAfterMs ?? Infinity, wait);
    }
  }
  return { report, ledger, ...(recheckAfterMs !== undefined ? { recheckAfterMs } : {}) };
}

/**
 * The problems standing now across every key's ledger, counted by reason and
 * member: those reported (past their grace period, so the moment between
 * Karmada's two Works is not counted) and not yet gone. This is what
 * clusterset_dns_problems exports, so a problem outlives its Event's TTL and
 * a member going down shows as one series, not one Event per import.
 */
export function standingProblems(ledgers: Iterable<ProblemLedger>): ProblemCount[] {
  const counts = new Map<string, number>();
  for (const ledger of ledgers) for (const id of ledger.reported) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts]
    .map(([id, count]) => {
      const slash = id.indexOf('/');
      return { reason: id.slice(0, slash), member: id.slice(slash + 1), count };
    })
    .sort((a, b) => a.reason.localeCompare(b.reason) || a.member.localeCompare(b.member));
}

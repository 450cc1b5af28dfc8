/**
 * Writing a ServiceExport's conditions idempotently: the merge decides each
 * condition's status, reason and message; this adds the times the way
 * apimachinery's `meta.SetStatusCondition` does
 * (k8s.io/apimachinery pkg/api/meta/conditions.go) and says whether anything
 * changed, so a pass that decides the same thing again writes nothing.
 */
import type { Condition } from '../api/mcs.js';

/** A condition as a decision states it: no times, no generation. */
export type DesiredCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

export interface NextConditions {
  conditions: Condition[];
  /** False when `conditions` equals `existing`: the caller skips the write. */
  changed: boolean;
}

/** metav1.Time's JSON form: RFC 3339 in UTC, whole seconds. */
export const conditionTime = (now: Date): string => now.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The conditions after setting each desired one on `existing`. A condition
 * keeps its `lastTransitionTime` while its status stays the same (a new
 * reason or message is not a transition); a new one, or one whose status
 * changed, gets `now`. Every desired condition gets `observedGeneration`.
 * Conditions of other types (another controller's `Ready`, say) are kept as
 * they are, in place; new types are appended in the order given.
 */
export function nextConditions(
  existing: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  now: Date,
  observedGeneration: number | undefined,
): NextConditions {
  const conditions = (existing ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const want of desired) {
    const next: Condition = {
      ...want,
      lastTransitionTime: conditionTime(now),
      ...(observedGeneration !== undefined && { observedGeneration }),
    };
    const i = conditions.findIndex((c) => c.type === want.type);
    const old = i >= 0 ? conditions[i] : undefined;
    if (!old) {
      conditions.push(next);
      changed = true;
      continue;
    }
    if (old.status === want.status) next.lastTransitionTime = old.lastTransitionTime;
    if (!sameCondition(old, next)) {
      conditions[i] = next;
      changed = true;
    }
  }
  return { conditions, changed };
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}

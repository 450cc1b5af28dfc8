/**
 * Liveness for a controller's workers: a reconcile that has run far longer
 * than any pass can take is wedged (waiting on something that will never
 * answer), and only a restart frees its worker. An event loop that is
 * blocked already fails /healthz by not answering; a worker stuck on a
 * promise does not block anything else, so without this check the process
 * stays "alive" while that key, and with a few such keys every worker, makes
 * no progress.
 *
 * The bound is the caller's: it knows how many calls one pass makes and each
 * call's deadline (src/runtime/controller.ts, WEDGED_RECONCILE_MS).
 */
import type { Check } from '../health.js';

export interface RunningKey {
  readonly key: string;
  /** How long the key has been processed. */
  readonly ms: number;
}

/** "12m 5s", "45s", "800ms". */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m === 0 ? `${s}s` : s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
}

/**
 * Why the workers are wedged, naming the key that has run longest and for how
 * long; undefined when every reconcile is within `boundMs` (a reconcile of
 * exactly `boundMs` still is).
 */
export function wedgedReason(running: readonly RunningKey[], boundMs: number): string | undefined {
  const over = running.filter((r) => r.ms > boundMs).sort((a, b) => b.ms - a.ms || (a.key < b.key ? -1 : 1));
  const [oldest, ...rest] = over;
  if (oldest === undefined) return undefined;
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more over it)`;
  return `reconcile of ${oldest.key} running for ${formatAge(oldest.ms)}, over the ${formatAge(boundMs)} bound${more}`;
}

/** A /healthz check that fails while some reconcile runs longer than `boundMs`. */
export function wedgedWorkersCheck(running: () => readonly RunningKey[], boundMs: number): Check {
  return () => {
    const reason = wedgedReason(running(), boundMs);
    if (reason !== undefined) throw new Error(reason);
  };
}

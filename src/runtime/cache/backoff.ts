/**
 * The Reflector's timing spread: exponential backoff with jitter between
 * retries, and a jittered server-side timeout per watch, so that many
 * reflectors neither retry nor reconnect in step.
 */

export interface BackoffOptions {
  /** First delay. client-go's reflector uses 800 ms. */
  initialMs: number;
  /** Cap. client-go: 30 s. */
  maxMs: number;
  factor: number;
  /** Fraction taken off at random: the delay lies in [base·(1−jitter), base]. */
  jitter: number;
  /** Failures are forgotten after this long healthy (client-go: 2 min). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.25,
  resetAfterMs: 120_000,
});

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = opts.initialMs * Math.pow(opts.factor, Math.max(0, attempt));
  const base = Math.min(opts.maxMs, Number.isFinite(exp) ? exp : opts.maxMs);
  const j = Math.min(Math.max(opts.jitter, 0), 1);
  return Math.round(base * (1 - j * random()));
}

/**
 * The delay before the next list or watch when the server answered with a
 * `Retry-After` hint (already capped, src/kube/retry-after.ts): never less
 * than the hint, nor than our own backoff. Jitter goes on top of the hint,
 * up to `jitter` of it: priority and fairness refuses every request of a
 * busy level with the same `Retry-After`, so a member's reflectors refused
 * together would otherwise all come back in the same instant and be refused
 * together again. client-go's rest client sleeps the hint exactly
 * (rest/with_retry.go); with one request per retry that is fine there.
 */
export function retryDelay(backoffMs: number, retryAfterMs: number | undefined, opts: BackoffOptions, random: () => number = Math.random): number {
  if (retryAfterMs === undefined) return backoffMs;
  const j = Math.min(Math.max(opts.jitter, 0), 1);
  return Math.max(backoffMs, Math.round(retryAfterMs * (1 + j * random())));
}

/** Server-side timeout for one watch: spread so that many watches do not reconnect in step. */
export function jitteredWatchTimeout(baseSeconds: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(baseSeconds * (1 + Math.max(0, jitter) * random())));
}

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

/** Server-side timeout for one watch: spread so that many watches do not reconnect in step. */
export function jitteredWatchTimeout(baseSeconds: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(baseSeconds * (1 + Math.max(0, jitter) * random())));
}

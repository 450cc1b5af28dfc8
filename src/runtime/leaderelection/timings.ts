/**
 * Leader election's timings: controller-runtime's defaults and client-go's
 * checks on them (NewLeaderElector), in milliseconds. Pure.
 */

// Defaults (controller-runtime pkg/manager/internal.go)

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** client-go's JitterFactor: acquire retries wait RetryPeriod × (1 + 1.2 × rand). */
export const JITTER_FACTOR = 1.2;

/** The timings a LeaderElector takes; undefined means the default. */
export interface TimingOptions {
  readonly leaseDurationMs?: number | undefined;
  readonly renewDeadlineMs?: number | undefined;
  readonly retryPeriodMs?: number | undefined;
  /**
   * Bound on one read+write attempt; also cut to what is left of the renew
   * deadline. Default RenewDeadline / 2: a hung request must not use up the
   * whole deadline, leaving room for a retry.
   */
  readonly requestTimeoutMs?: number | undefined;
}

export interface Timings {
  readonly leaseDurationMs: number;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly requestTimeoutMs: number;
}

/** client-go's NewLeaderElector checks, in milliseconds. */
export function validateTimings(o: TimingOptions): Timings {
  const leaseDurationMs = o.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
  const renewDeadlineMs = o.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
  const retryPeriodMs = o.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
  const requestTimeoutMs = o.requestTimeoutMs ?? renewDeadlineMs / 2;
  for (const [k, v] of Object.entries({ leaseDurationMs, renewDeadlineMs, retryPeriodMs, requestTimeoutMs })) {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`leader election: ${k} must be > 0, got ${v}`);
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new RangeError(`leader election: leaseDuration (${leaseDurationMs} ms) must be greater than renewDeadline (${renewDeadlineMs} ms)`);
  }
  if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs)) {
    throw new RangeError(`leader election: renewDeadline (${renewDeadlineMs} ms) must be greater than ${JITTER_FACTOR} × retryPeriod (${retryPeriodMs} ms)`);
  }
  // Lease.spec.leaseDurationSeconds is whole seconds; rounding up keeps the
  // lease at least as long as configured.
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
  return { leaseDurationMs, leaseDurationSeconds, renewDeadlineMs, retryPeriodMs, requestTimeoutMs };
}

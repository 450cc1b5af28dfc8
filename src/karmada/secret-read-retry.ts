/**
 * Retries of a Push cluster's Secret read that failed before the cluster was
 * ever engaged. Without them the next try waits for the next Cluster change
 * or the credentials resync (a minute), so a member whose first read met a
 * moment's error (a timeout, a 429, a 5xx) stays unreachable for that long
 * after the API server has recovered. An engaged member needs none: it keeps
 * its watches and credentials through a failed re-read.
 *
 * The delays double from 1 s to 30 s, as client-go's default controller
 * rate limiter's per-item backoff grows (its cap is larger: 1000 s; a
 * member's reachability is worth a try every half minute).
 */

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/** The delay before the `failures`-th retry (1-based). Pure. */
export function secretRetryDelayMs(failures: number): number {
  if (!Number.isInteger(failures) || failures < 1) throw new Error(`failures must be a whole number >= 1, got ${failures}`);
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30));
}

/** Per cluster: consecutive failures and the timer of the next try. */
export class SecretReadRetries {
  private readonly pending = new Map<string, { failures: number; timer: NodeJS.Timeout }>();

  constructor(private readonly retry: (cluster: string) => void) {}

  /** A read failed: try again after the next delay in the series. */
  failed(cluster: string): number {
    const before = this.pending.get(cluster);
    clearTimeout(before?.timer);
    const failures = (before?.failures ?? 0) + 1;
    const delay = secretRetryDelayMs(failures);
    const timer = setTimeout(() => this.retry(cluster), delay);
    timer.unref();
    this.pending.set(cluster, { failures, timer });
    return delay;
  }

  /** A read succeeded, or the cluster is gone: no more tries, and the series starts over. */
  reset(cluster: string): void {
    clearTimeout(this.pending.get(cluster)?.timer);
    this.pending.delete(cluster);
  }

  stop(): void {
    for (const c of [...this.pending.keys()]) this.reset(c);
  }
}

/**
 * Rate limiters for the work queue, ported from
 * k8s.io/client-go/util/workqueue/default_rate_limiters.go. Durations are in
 * milliseconds (client-go uses time.Duration).
 */
import { realClock, type Clock } from '../clock.js';

export interface RateLimiter<K extends string = string> {
  /**
   * How long to wait before the key may be processed again. Calling it is a
   * commitment: it records a failure (per-item limiters) or reserves a token
   * (bucket limiters).
   */
  when(key: K): number;
  /**
   * Stop tracking the key. Call it when the key was processed successfully,
   * not on failure, or backoff never grows.
   */
  forget(key: K): void;
  /** How many times the key has failed; for logs and metrics. */
  numRequeues(key: K): number;
}

/**
 * baseDelayMs * 2^failures, capped at maxDelayMs, per key. It needs no clock:
 * the delay is a function of the failure count only, not of when failures
 * happened.
 */
export class ItemExponentialFailureRateLimiter<K extends string = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1000 * 1000,
  ) {
    if (!(baseDelayMs >= 0)) throw new RangeError(`baseDelayMs must be >= 0, got ${baseDelayMs}`);
    if (!(maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be >= 0, got ${maxDelayMs}`);
  }

  when(key: K): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    // 2^exp becomes Infinity after ~1024 failures; like client-go's overflow
    // guard, anything not below the cap, Infinity included, returns the cap.
    // A zero base stays zero rather than becoming 0 * Infinity = NaN.
    const backoff = this.baseDelayMs === 0 ? 0 : this.baseDelayMs * 2 ** exp;
    return backoff < this.maxDelayMs ? backoff : this.maxDelayMs;
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }
}

/**
 * An overall token bucket (golang.org/x/time/rate Limiter.Reserve().Delay()):
 * tokens refill at qps up to burst; each when() takes one token, going into
 * debt when none is left, and returns how long until that token exists. It
 * is not per key, so numRequeues is always 0 and forget does nothing.
 */
export class BucketRateLimiter<K extends string = string> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps = 10,
    readonly burst = 100,
    private readonly clock: Clock = realClock,
  ) {
    // rate.Limiter with burst 0 refuses every reservation (infinite delay) and
    // with limit 0 never refills; both would silently stall the queue, so they
    // are rejected instead. qps = Infinity means "no limit", as rate.Inf does.
    if (!(qps > 0)) throw new RangeError(`qps must be > 0, got ${qps}`);
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be an integer >= 1, got ${burst}`);
    // The bucket starts full, as a fresh rate.Limiter does.
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: K): number {
    if (this.qps === Infinity) return 0;
    const now = this.clock.now();
    // A clock reading behind `last` refills nothing rather than draining.
    const elapsed = Math.max(0, now - this.last);
    const refilled = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.tokens = refilled - 1;
    this.last = now;
    return this.tokens < 0 ? (-this.tokens / this.qps) * 1000 : 0;
  }

  numRequeues(_key: K): number {
    return 0;
  }

  forget(_key: K): void {}
}

/**
 * The longest delay of all limiters. Every limiter's when() is called, not
 * just until one answers, so each keeps its own accounting (failures counted,
 * tokens reserved) exactly as in client-go.
 */
export class MaxOfRateLimiter<K extends string = string> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  numRequeues(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-key exponential backoff from
 * 5 ms to 1000 s, and an overall 10 qps / burst 100 bucket so that a storm of
 * failures across many keys cannot hammer the API servers. The bucket only
 * limits retries; plain add() is never limited.
 */
export function defaultControllerRateLimiter<K extends string = string>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1000 * 1000),
    new BucketRateLimiter<K>(10, 100, clock),
  );
}

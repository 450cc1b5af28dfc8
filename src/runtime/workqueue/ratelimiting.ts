/**
 * client-go's RateLimitingInterface (k8s.io/client-go/util/workqueue/
 * rate_limiting_queue.go): a DelayingQueue whose retries wait as long as a
 * RateLimiter (ratelimiter.ts) says.
 */
import { DelayingQueue, type DelayingQueueOptions } from './delaying.js';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimiter.js';

export interface RateLimitingQueueOptions<K extends string = string> extends DelayingQueueOptions {
  /** Defaults to defaultControllerRateLimiter() on the queue's clock. */
  readonly rateLimiter?: RateLimiter<K> | undefined;
}

/**
 * client-go's rateLimitingType, the queue a controller uses:
 *
 *   const item = await q.get(); if (item.shutdown) return;
 *   try { await reconcile(item.key); q.forget(item.key); }
 *   catch { q.addRateLimited(item.key); }
 *   finally { q.done(item.key); }
 */
export class RateLimitingQueue<K extends string = string> extends DelayingQueue<K> {
  readonly rateLimiter: RateLimiter<K>;

  constructor(options: RateLimitingQueueOptions<K> = {}) {
    super(options);
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /**
   * addAfter(key, rateLimiter.when(key)), but never sooner than
   * `notBeforeMs`: how long the server asked us to stay away (a 429's
   * `Retry-After`), which the limiter cannot know. The limiter is asked all
   * the same, so the key's failures still count and its backoff grows.
   * Checks shutdown first so that a dropped retry neither counts as a
   * failure nor spends a bucket token.
   */
  addRateLimited(key: K, notBeforeMs = 0): void {
    if (this.shuttingDown()) return;
    this.addAfter(key, Math.max(this.rateLimiter.when(key), notBeforeMs));
  }

  /** Resets the key's backoff. Call on success only, never on failure. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times the key has been rate-limited since the last forget(). */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }
}

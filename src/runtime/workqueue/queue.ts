/**
 * The controller's work queue, with the semantics of
 * k8s.io/client-go/util/workqueue, layered the same way:
 *
 *   WorkQueue          add / get / done / len / shutDown — dedup, and a key
 *                      is never handed to two workers at once (queue.go; here)
 *   DelayingQueue      + addAfter — a key becomes ready after a delay
 *                      (delaying_queue.go; delaying.ts)
 *   RateLimitingQueue  + addRateLimited / forget / numRequeues
 *                      (rate_limiting_queue.go; ratelimiting.ts)
 *
 * Go's goroutines blocking on a sync.Cond become promises here: get()
 * resolves when a key is available, and the key is moved to "processing"
 * at the moment it is handed to that waiter, so no other get() can take it
 * in between. Durations are milliseconds; metrics (metrics.ts) observe
 * seconds, as the Prometheus metrics they feed do.
 */
import { realClock, type Clock } from '../clock.js';
import { noopWorkQueueMetrics, type WorkQueueMetrics } from './metrics.js';

/** FIFO with O(1) shift; Array.prototype.shift is O(n) on large queues. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the slot be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}

export type GetResult<K extends string> =
  | { readonly key: K; readonly shutdown: false }
  | { readonly shutdown: true };

export interface WorkQueueOptions {
  /** For metrics labels and logs. */
  readonly name?: string | undefined;
  readonly clock?: Clock | undefined;
  readonly metrics?: WorkQueueMetrics | undefined;
}

/**
 * client-go's Type. Invariants:
 *  - dirty ⊇ queued: a key is in the queue at most once;
 *  - a key in processing is not in the queue; if it was added meanwhile it is
 *    dirty and done() puts it back, so it is processed again, by one worker;
 *  - parked get() calls exist only while the queue is empty.
 */
export class WorkQueue<K extends string = string> {
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly metrics: WorkQueueMetrics;

  private readonly queue = new Fifo<K>();
  /** Keys that need processing: queued, or added again while processing. */
  private readonly dirty = new Set<K>();
  /** Keys handed out by get() and not yet done(), with the time they were handed out. */
  private readonly processing = new Map<K, number>();
  /** When each dirty key became dirty, for workqueue_queue_duration_seconds. */
  private readonly addTimes = new Map<K, number>();
  private readonly getters = new Fifo<(result: GetResult<K>) => void>();
  private drainWaiters: (() => void)[] = [];
  private closing = false;
  private draining = false;

  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? '';
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? noopWorkQueueMetrics;
    this.metrics.bindProcessingTimes({
      unfinishedWorkSeconds: () => this.unfinishedWorkSeconds(),
      longestRunningProcessorSeconds: () => this.longestRunningProcessorSeconds(),
    });
  }

  /** Marks the key as needing processing. No-op if already dirty or shutting down. */
  add(key: K): void {
    if (this.closing) return;
    if (this.dirty.has(key)) return;
    this.metrics.adds.inc();
    this.metrics.depth.inc();
    if (!this.addTimes.has(key)) this.addTimes.set(key, this.clock.now());
    this.dirty.add(key);
    // Being processed: done() will queue it, so a second worker cannot get it.
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOff();
  }

  /**
   * The next key, FIFO, waiting until one is available. Resolves
   * `{shutdown: true}` once the queue is shut down and empty; keys queued
   * before shutDown() are still handed out. The caller owns the key until it
   * calls done(key), which it must do whatever the outcome.
   */
  get(): Promise<GetResult<K>> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.startProcessing(key);
      return Promise.resolve({ key, shutdown: false });
    }
    if (this.closing) return Promise.resolve({ shutdown: true });
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /**
   * Ends processing of a key handed out by get(). If the key was added while
   * it was processed, it goes to the back of the queue now.
   *
   * Unlike client-go, done() for a key that is not being processed is
   * ignored: there it would queue a dirty key a second time and break dedup.
   */
  done(key: K): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics.workDuration.observe(this.secondsSince(startedAt));
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.handOff();
    }
    this.maybeFinishDrain();
  }

  /** Keys waiting in the queue; not those being processed or delayed. */
  len(): number {
    return this.queue.length;
  }

  /**
   * Stops accepting keys and wakes every parked get() with shutdown. Keys
   * already queued are still handed out; workers exit when get() says
   * shutdown. Also releases a pending shutDownWithDrain(), as in client-go.
   */
  shutDown(): void {
    this.beginShutDown(false);
    this.releaseDrainWaiters();
  }

  /**
   * shutDown(), then resolves once every key queued or being processed has
   * been handed out and done(). client-go documents this intent ("finished
   * processing and called Done on all existing items in the queue") but only
   * waits for processing to be empty, so it can return while keys are still
   * queued; this waits for both. Workers must keep calling get()/done() until
   * get() reports shutdown, or this never resolves; shutDown() releases it.
   */
  shutDownWithDrain(): Promise<void> {
    this.beginShutDown(true);
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.closing;
  }

  /** Each key being processed, with how long ago get() handed it out (for the liveness check, wedged.ts). */
  running(): Array<{ key: K; ms: number }> {
    const now = this.clock.now();
    return [...this.processing].map(([key, startedAt]) => ({ key, ms: Math.max(0, now - startedAt) }));
  }

  /** See ProcessingTimes. */
  unfinishedWorkSeconds(): number {
    const now = this.clock.now();
    let total = 0;
    for (const startedAt of this.processing.values()) total += Math.max(0, now - startedAt) / 1000;
    return total;
  }

  /** See ProcessingTimes. */
  longestRunningProcessorSeconds(): number {
    const now = this.clock.now();
    let oldest = 0;
    for (const startedAt of this.processing.values()) oldest = Math.max(oldest, (now - startedAt) / 1000);
    return oldest;
  }

  /** Hook for subclasses to release their own resources (timers) on shutdown. */
  protected onShutDown(): void {}

  private beginShutDown(drain: boolean): void {
    this.draining = drain;
    if (!this.closing) {
      this.closing = true;
      // Parked getters exist only while the queue is empty, so each of them
      // would see "shut down and drained": tell them now.
      for (const resolve of this.getters.drain()) resolve({ shutdown: true });
      this.onShutDown();
    }
  }

  /** Gives queued keys to parked get() calls, oldest of each first. */
  private handOff(): void {
    while (this.getters.length > 0 && this.queue.length > 0) {
      const resolve = this.getters.shift()!;
      const key = this.queue.shift()!;
      // Claimed synchronously: the worker resumes later, in a microtask, and
      // nothing may take the key from it in between.
      this.startProcessing(key);
      resolve({ key, shutdown: false });
    }
  }

  private startProcessing(key: K): void {
    const now = this.clock.now();
    this.metrics.depth.dec();
    this.processing.set(key, now);
    this.dirty.delete(key);
    const addedAt = this.addTimes.get(key);
    if (addedAt !== undefined) {
      this.metrics.queueDuration.observe(Math.max(0, now - addedAt) / 1000);
      this.addTimes.delete(key);
    }
  }

  private secondsSince(t: number): number {
    return Math.max(0, this.clock.now() - t) / 1000;
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && this.queue.length === 0;
  }

  private maybeFinishDrain(): void {
    if (this.draining && this.isIdle()) this.releaseDrainWaiters();
  }

  private releaseDrainWaiters(): void {
    this.draining = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

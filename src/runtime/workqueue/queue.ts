/**
 * The controller's work queue, with the semantics of
 * k8s.io/client-go/util/workqueue (queue.go, delaying_queue.go,
 * rate_limiting_queue.go, metrics.go), layered the same way:
 *
 *   WorkQueue          add / get / done / len / shutDown — dedup, and a key
 *                      is never handed to two workers at once
 *   DelayingQueue      + addAfter — a key becomes ready after a delay
 *   RateLimitingQueue  + addRateLimited / forget / numRequeues
 *
 * Go's goroutines blocking on a sync.Cond become promises here: get()
 * resolves when a key is available, and the key is moved to "processing"
 * at the moment it is handed to that waiter, so no other get() can take it
 * in between. Durations are milliseconds; metrics observe seconds, as the
 * Prometheus metrics they feed do.
 */
import { realClock, type Clock, type Timer } from '../clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimiter.js';

// ---------------------------------------------------------------------------
// Metrics

/**
 * The metric shapes are structural subsets of prom-client's labelled
 * children (`gauge.labels({name, controller})` has inc()/dec(), a histogram
 * child has observe()), so an adapter can hand those straight in.
 */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

export interface CounterMetric {
  inc(): void;
}

export interface HistogramMetric {
  observe(value: number): void;
}

/** Live readings for the two gauges that client-go refreshes on a ticker. */
export interface ProcessingTimes {
  /** Sum of the ages of all keys being processed (workqueue_unfinished_work_seconds). */
  unfinishedWorkSeconds(): number;
  /** Age of the oldest key being processed (workqueue_longest_running_processor_seconds). */
  longestRunningProcessorSeconds(): number;
}

/**
 * One queue's metrics; each field names the controller-runtime metric an
 * adapter should map it to (labels `name`, `controller`; never `cluster`).
 */
export interface WorkQueueMetrics {
  /**
   * workqueue_depth. Counts dirty keys, as client-go does: a key added while
   * it is being processed counts although len() does not include it yet.
   */
  readonly depth: GaugeMetric;
  /** workqueue_adds_total: adds that were not de-duplicated away. */
  readonly adds: CounterMetric;
  /** workqueue_queue_duration_seconds: from becoming dirty to get(). */
  readonly queueDuration: HistogramMetric;
  /** workqueue_work_duration_seconds: from get() to done(). */
  readonly workDuration: HistogramMetric;
  /** workqueue_retries_total: every addAfter/addRateLimited, as in client-go. */
  readonly retries: CounterMetric;
  /**
   * Called once, from the queue's constructor. client-go polls these every
   * 500 ms from a goroutine; in Node the adapter should read them at scrape
   * time (a prom-client gauge's collect()) so the queue needs no ticker.
   */
  bindProcessingTimes(source: ProcessingTimes): void;
}

const noop = (): void => {};

/** The default: metrics cost nothing unless an adapter is supplied. */
export const noopWorkQueueMetrics: WorkQueueMetrics = Object.freeze({
  depth: Object.freeze({ inc: noop, dec: noop }),
  adds: Object.freeze({ inc: noop }),
  queueDuration: Object.freeze({ observe: noop }),
  workDuration: Object.freeze({ observe: noop }),
  retries: Object.freeze({ inc: noop }),
  bindProcessingTimes: noop,
});

// ---------------------------------------------------------------------------
// Internals

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

interface WaitEntry<K> {
  readonly key: K;
  readyAt: number;
  /** Breaks ties between equal readyAt: earlier call first, so order is deterministic. */
  seq: number;
  index: number;
}

/**
 * Min-heap of delayed keys by (readyAt, seq), with one entry per key so a
 * repeated addAfter can only move a key earlier — client-go's
 * waitForPriorityQueue plus its knownEntries map.
 */
class DelayHeap<K> {
  private readonly heap: WaitEntry<K>[] = [];
  private readonly byKey = new Map<K, WaitEntry<K>>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): WaitEntry<K> | undefined {
    return this.heap[0];
  }

  /** Inserts the key, or moves it earlier if readyAt beats its current time. */
  upsertEarliest(key: K, readyAt: number): void {
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        existing.seq = this.seq++;
        this.up(existing.index);
      }
      return;
    }
    const entry: WaitEntry<K> = { key, readyAt, seq: this.seq++, index: this.heap.length };
    this.heap.push(entry);
    this.byKey.set(key, entry);
    this.up(entry.index);
  }

  pop(): WaitEntry<K> | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (last !== top) {
      this.heap[0] = last;
      last.index = 0;
      this.down(0);
    }
    this.byKey.delete(top.key);
    return top;
  }

  clear(): void {
    this.heap.length = 0;
    this.byKey.clear();
  }

  private less(a: WaitEntry<K>, b: WaitEntry<K>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    b.index = i;
    a.index = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < n && this.less(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

// ---------------------------------------------------------------------------
// WorkQueue

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

// ---------------------------------------------------------------------------
// DelayingQueue

export interface DelayingQueueOptions extends WorkQueueOptions {
  /**
   * unref() the delay timer (RealClock only). Off by default: a pending
   * delayed add is outstanding work, and a process whose only remaining
   * handle is that timer should wait for it, not drop it. shutDown() clears
   * the timer either way, so a shut-down queue never holds the process.
   */
  readonly unrefTimers?: boolean | undefined;
}

/**
 * client-go's delayingType. Instead of a goroutine with a 10 s heartbeat it
 * keeps a single timer armed for the earliest ready time, re-armed whenever
 * that changes.
 */
export class DelayingQueue<K extends string = string> extends WorkQueue<K> {
  private readonly waiting = new DelayHeap<K>();
  private readonly unrefTimers: boolean;
  private timer: Timer | undefined;
  private timerAt = 0;

  constructor(options: DelayingQueueOptions = {}) {
    super(options);
    this.unrefTimers = options.unrefTimers ?? false;
  }

  /**
   * add(key) after delayMs; at once if delayMs <= 0. If the key is already
   * waiting, the earlier ready time wins. Waiting does not make the key
   * dirty: an add() in the meantime processes it now, and it is added again
   * when the delay ends (client-go behaves the same). Dropped on shutdown.
   */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retries.inc();
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    this.waiting.upsertEarliest(key, this.clock.now() + delayMs);
    this.arm();
  }

  protected override onShutDown(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.waiting.clear();
  }

  /** Keeps exactly one timer, due at the earliest ready time, if anything waits. */
  private arm(): void {
    const next = this.waiting.peek();
    if (next === undefined) {
      this.timer?.cancel();
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined && this.timerAt === next.readyAt) return;
    this.timer?.cancel();
    this.timerAt = next.readyAt;
    this.timer = this.clock.setTimer(() => this.fire(), next.readyAt - this.clock.now(), {
      unref: this.unrefTimers,
    });
  }

  private fire(): void {
    this.timer = undefined;
    // Re-check against the clock rather than trusting the timer: real timers
    // may fire a little early (or capped, see clock.ts), and then arm() waits
    // for the remainder.
    const now = this.clock.now();
    for (let next = this.waiting.peek(); next !== undefined && next.readyAt <= now; next = this.waiting.peek()) {
      this.waiting.pop();
      this.add(next.key);
    }
    this.arm();
  }
}

// ---------------------------------------------------------------------------
// RateLimitingQueue

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
   * addAfter(key, rateLimiter.when(key)). Checks shutdown first so that a
   * dropped retry neither counts as a failure nor spends a bucket token.
   */
  addRateLimited(key: K): void {
    if (this.shuttingDown()) return;
    this.addAfter(key, this.rateLimiter.when(key));
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

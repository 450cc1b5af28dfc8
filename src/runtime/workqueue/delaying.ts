/**
 * client-go's DelayingInterface (k8s.io/client-go/util/workqueue/
 * delaying_queue.go): a WorkQueue plus addAfter(), which adds a key once a
 * delay has passed.
 */
import type { Timer } from '../clock.js';
import { WorkQueue, type WorkQueueOptions } from './queue.js';

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

/**
 * An injectable clock, after k8s.io/utils/clock as used by client-go's work
 * queue and rate limiters. Everything in src/runtime that measures or waits on
 * time goes through a Clock so tests can drive time by hand (FakeClock) instead
 * of sleeping.
 */

/** A scheduled callback; cancel() is idempotent and safe after it fired. */
export interface Timer {
  cancel(): void;
}

export interface TimerOptions {
  /**
   * Let the process exit while this timer is pending. Off by default: a pending
   * timer usually stands for outstanding work (a delayed retry), and exiting
   * would drop it silently. Only meaningful for RealClock.
   */
  readonly unref?: boolean | undefined;
}

export interface Clock {
  /**
   * Milliseconds on a monotonic scale with an arbitrary origin. Only
   * differences are meaningful: this is not wall-clock time, so wall-clock
   * jumps (NTP, suspend) cannot reorder delayed items or produce negative
   * durations in metrics.
   */
  now(): number;
  /** Runs callback once, no earlier than delayMs from now(). */
  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): Timer;
}

/**
 * Node clamps delays above 2^31-1 ms to 1 ms (with a TimeoutOverflowWarning),
 * which would turn a very long wait into an immediate one. Callers of the
 * real clock must therefore tolerate a timer firing before its due time; the
 * work queue re-checks readiness and re-arms, so capping here is safe.
 */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): Timer {
    const delay = Number.isFinite(delayMs) ? Math.min(Math.max(delayMs, 0), MAX_TIMEOUT_MS) : MAX_TIMEOUT_MS;
    const handle = setTimeout(callback, delay);
    if (options?.unref === true) handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}

/** Shared real clock; it has no state, so one instance serves everyone. */
export const realClock: Clock = new RealClock();

interface FakeTimer {
  readonly dueAt: number;
  /** Creation order: timers due at the same instant fire in the order set. */
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to, like k8s.io/utils/clock/testing's
 * FakeClock. Callbacks run synchronously inside advance(); anything they
 * resolve (promises) settles only after the caller yields to the microtask
 * queue, so tests typically `clock.advance(ms); await flush();`.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number, _options?: TimerOptions): Timer {
    const delay = Number.isNaN(delayMs) ? 0 : Math.max(delayMs, 0);
    const timer: FakeTimer = { dueAt: this.current + delay, seq: this.seq++, callback };
    this.timers.add(timer);
    return { cancel: () => void this.timers.delete(timer) };
  }

  /**
   * Moves time forward by ms, firing due timers in due order. now() reads
   * each timer's due time while its callback runs, as it would have with a
   * real clock, and timers set by those callbacks fire too if they fall due
   * within the step.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.dueAt > target) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.dueAt);
      next.callback();
    }
    this.current = target;
  }

  /** Number of timers set and neither fired nor cancelled. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the next timer, if any; lets tests assert what was scheduled. */
  nextTimerAt(): number | undefined {
    return this.earliest()?.dueAt;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (best === undefined || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

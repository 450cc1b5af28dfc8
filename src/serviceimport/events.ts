/**
 * Kubernetes Events, recorded without holding up a reconcile — the way
 * client-go's EventBroadcaster does it: record() only queues; a small pump
 * sends in the background, a bounded buffer drops the oldest when the API
 * is slow (an Event is advice to a human, never state), and stop() drains
 * what is left within a deadline.
 *
 * Why: awaiting each Event inside a reconcile caps a cold start at ~25
 * OverridePolicies/s on 2 cores (BENCHMARKS.md, "Events on the critical
 * path"), for writes nobody reads back.
 */
import type { Logger } from 'pino';
import { apiErrorMessage } from '../kube/errors.js';
import { realClock, type Clock, type Timer } from '../runtime/clock.js';

export interface EventTarget {
  namespace: string;
  name: string;
  uid: string;
}

export interface EventRecord {
  involved: EventTarget;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type EventSink = (e: EventRecord) => Promise<void>;

export interface EventRecorderOptions {
  /** Events queued beyond this are dropped, oldest first (client-go: 1000). */
  maxQueued?: number;
  /** Events in flight at once. */
  concurrency?: number;
  /** Called with the number of events dropped, for a metric. */
  dropped?: (n: number) => void;
  /** Times stop()'s deadline; default the real clock. */
  clock?: Clock;
}

export class EventRecorder {
  private readonly queue: EventRecord[] = [];
  private inFlight = 0;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly sink: EventSink,
    private readonly log: Logger,
    private readonly opts: EventRecorderOptions = {},
  ) {
    this.maxQueued = opts.maxQueued ?? 1000;
    this.concurrency = opts.concurrency ?? 4;
  }

  /** Queues an event; never throws, never waits. */
  record(involved: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.stopped) return;
    this.queue.push({ involved, type, reason, message });
    if (this.queue.length > this.maxQueued) {
      const lost = this.queue.splice(0, this.queue.length - this.maxQueued);
      this.opts.dropped?.(lost.length);
      this.log.warn({ dropped: lost.length, reason: lost[0]?.reason }, 'event queue full; dropped the oldest events');
    }
    this.pump();
  }

  /** Events queued or in flight. */
  pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops accepting events and waits up to `timeoutMs` for the rest to be sent. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    const clock = this.opts.clock ?? realClock;
    let timer: Timer | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = clock.setTimer(r, timeoutMs)))]);
    timer?.cancel();
    if (this.pending() > 0) this.log.warn({ pending: this.pending() }, 'stopped with events not yet sent');
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const e = this.queue.shift()!;
      this.inFlight++;
      this.sink(e)
        .catch((err: unknown) => this.log.warn({ namespace: e.involved.namespace, name: e.involved.name, reason: e.reason, err: apiErrorMessage(err) }, 'could not record event'))
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.pending() === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const r of w) r();
          }
        });
    }
  }
}

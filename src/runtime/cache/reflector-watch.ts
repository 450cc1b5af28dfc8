/**
 * The watch a Reflector hands to client-node's ListWatch. ListWatch (1.4.0,
 * dist/cache.js) calls watch(path, query, callback, done) each time it
 * (re)connects and keeps its cache from the callbacks: `done(410)` or an
 * ERROR 410 event makes it relist, `done(null)` resume from its
 * resourceVersion, any other error stop it for good. This class opens each
 * watch with openWatch (./watch.ts), asking for bookmarks and a jittered
 * server-side timeout, and steers those callbacks:
 *
 *   - events of a stale watch (one that belongs to an abandoned attempt) are
 *     dropped; the rest are pruned, frozen and recorded as activity;
 *   - `done` with a non-410 error goes to the Reflector's fail() instead of
 *     ListWatch; 410 and clean ends go to ListWatch, which relists or
 *     resumes;
 *   - a clean end right after an ERROR event, or with no event at all within
 *     minWatchMs, is a failure: without this, ListWatch would reconnect in a
 *     tight loop;
 *   - a watch the server has not ended by its deadline (its timeoutSeconds
 *     plus a grace, from the answer; ./watch-limits.ts) is closed: as a
 *     failure when nothing came through lately (the connection is presumed
 *     dead), else quietly, resumed like a server-side end (the server is
 *     there, it just kept the watch open);
 *   - every watch it opens is tracked, so abortAll() can close it at any
 *     stage, connected or still connecting.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiStatus } from '../../kube/errors.js';
import { httpStatusOf } from '../../kube/errors.js';
import type { Clock, Timer } from '../clock.js';
import { WatchClosed, WatchDeadlineExceeded } from './classify.js';
import { guardedCall } from './guarded-call.js';
import { openWatch } from './watch.js';
import { overdueVerdict } from './watch-limits.js';

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

/** What a ReflectorWatch needs from its Reflector. */
export interface WatchOwner {
  /** The current attempt; a watch opened under an older one is stale. */
  readonly epoch: number;
  readonly stopped: boolean;
  readonly minWatchMs: number;
  /** What of an event's object enters the cache: pruned and frozen, as listed objects are (Reflector.admit). */
  admit(obj: unknown): unknown;
  readonly clock: Clock;
  /** The timing of the next watch (its jittered timeoutSeconds, and the limits that go with it). */
  nextWatch(): WatchTimes;
  /** ListWatch calls watch() right after loading a list into its cache. */
  onWatchStarting(epoch: number): void;
  onWatchEstablished(epoch: number): void;
  onWatchEvent(epoch: number, type: string): void;
  onExpired(epoch: number, message: string | undefined): void;
  onWatchClosed(epoch: number): void;
  /** A watch past its deadline that showed a sign of life lately was closed and is resumed. */
  onWatchOverdue(epoch: number, timeoutSeconds: number): void;
  fail(err: unknown, verb: 'list' | 'watch', epoch: number): void;
  internalError(err: unknown, where: string): void;
}

/** One watch's timing (./watch-limits.ts). */
export interface WatchTimes {
  timeoutSeconds: number;
  connectTimeoutMs: number;
  /** From the server's answer to the client-side deadline. */
  deadlineMs: number;
  aliveWindowMs: number;
}

interface OpenWatch {
  epoch: number;
  controller: AbortController;
}

/** One watch's state while it runs. */
interface WatchRun {
  readonly w: OpenWatch;
  readonly startedAt: number;
  readonly times: WatchTimes;
  events: number;
  /** Clock time of the last event or bookmark. */
  lastLifeAt: number | undefined;
  /** Fires when the server should long have ended the watch. */
  deadline: Timer | undefined;
  /** Closed by its deadline while alive: its AbortError is a clean end. */
  closedOverdue: boolean;
  /** The Status of an ERROR event, if the stream carried one. */
  streamError: ApiStatus | undefined;
  finished: boolean;
}

export class ReflectorWatch {
  private readonly open = new Set<OpenWatch>();

  /**
   * ListWatch's constructor is typed with client-node's Watch class, whose
   * only other member is the KubeConfig it watches with: this is the real
   * one, and ListWatch never reads it.
   */
  constructor(
    readonly config: KubeConfig,
    private readonly owner: WatchOwner,
  ) {}

  /** What ListWatch calls to (re)connect. Resolves once connected or failed; the controller closes the watch. */
  async watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: WatchCallback, done: DoneCallback): Promise<AbortController> {
    const owner = this.owner;
    const w: OpenWatch = { epoch: owner.epoch, controller: new AbortController() };
    const times = owner.nextWatch();
    const run: WatchRun = { w, startedAt: owner.clock.now(), times, events: 0, lastLifeAt: undefined, deadline: undefined, closedOverdue: false, streamError: undefined, finished: false };
    this.open.add(w);
    owner.onWatchStarting(w.epoch);
    const onDone = (err: unknown) => this.onDone(run, err, done);
    try {
      await openWatch(
        this.config,
        { path, query: queryParams, bookmarks: true, timeoutSeconds: times.timeoutSeconds, connectTimeoutMs: times.connectTimeoutMs, signal: w.controller.signal },
        { onEvent: (type, obj, raw) => this.onEvent(run, type, obj, raw, callback), onDone },
        owner.clock,
      );
    } catch (e) {
      // No current cluster, or the credentials plugin failed: nothing was sent.
      run.finished = true;
      this.open.delete(w);
      if (!this.stale(w)) owner.fail(e, 'watch', w.epoch);
      w.controller.abort();
      return w.controller;
    }
    if (w.controller.signal.aborted || this.stale(w)) {
      w.controller.abort();
      onDone(null);
    } else if (!run.finished) {
      owner.onWatchEstablished(w.epoch);
      run.deadline = owner.clock.setTimer(() => this.onDeadline(run), times.deadlineMs, { unref: true });
    }
    return w.controller;
  }

  /** Closes every watch opened so far, connected or still connecting. */
  abortAll(): void {
    for (const w of this.open) w.controller.abort();
  }

  openWatches(): number {
    return this.open.size;
  }

  /** Superseded by a restart or stop(): nobody is waiting for it any more. */
  private stale(w: OpenWatch): boolean {
    return w.epoch !== this.owner.epoch || this.owner.stopped;
  }

  /**
   * The server should have ended this watch by now. Nothing received
   * lately: the connection is presumed dead, a failure (the reflector backs
   * off, and its member counts as unreachable). Otherwise it is closed here
   * and resumed as if the server had ended it.
   */
  private onDeadline(run: WatchRun): void {
    run.deadline = undefined;
    if (this.stale(run.w) || run.finished) return;
    const owner = this.owner;
    const now = owner.clock.now();
    if (overdueVerdict(run.lastLifeAt, now, run.times.aliveWindowMs) === 'dead') {
      owner.fail(new WatchDeadlineExceeded(run.times.timeoutSeconds, now - run.startedAt), 'watch', run.w.epoch);
      return;
    }
    owner.onWatchOverdue(run.w.epoch, run.times.timeoutSeconds);
    run.closedOverdue = true;
    run.w.controller.abort(); // onDone sees closedOverdue and resumes
  }

  private onEvent(run: WatchRun, phase: string, obj: unknown, raw: unknown, callback: WatchCallback): void {
    const owner = this.owner;
    if (this.stale(run.w) || run.finished) return;
    run.events++;
    run.lastLifeAt = owner.clock.now();
    let kept = obj;
    if (phase === 'ERROR') run.streamError = (obj ?? {}) as ApiStatus;
    else if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
      kept = owner.admit(obj);
    }
    owner.onWatchEvent(run.w.epoch, phase);
    // ListWatch's handler is async: its rejection is caught here, or it would become an unhandledRejection.
    guardedCall(() => callback(phase, kept, raw), (e) => owner.internalError(e, 'ListWatch watch handler'));
  }

  private onDone(run: WatchRun, err: unknown, done: DoneCallback): void {
    const owner = this.owner;
    const { w } = run;
    if (run.finished) return;
    run.finished = true;
    run.deadline?.cancel();
    run.deadline = undefined;
    this.open.delete(w);
    if (this.stale(w)) return;
    const passOn = (e: unknown) => guardedCall(() => done(e), (x) => owner.fail(x, 'watch', w.epoch));
    if (run.closedOverdue) {
      passOn(null); // ListWatch resumes from its resourceVersion
      return;
    }
    if (err !== null && err !== undefined) {
      if (httpStatusOf(err) === 410) {
        owner.onExpired(w.epoch, (err as { message?: string }).message);
        passOn(err); // ListWatch resets its resourceVersion and relists
      } else {
        owner.fail(err, 'watch', w.epoch);
      }
      return;
    }
    const streamError = run.streamError;
    if (streamError !== undefined) {
      if (streamError.code === 410) {
        owner.onExpired(w.epoch, streamError.message);
        passOn(null); // ListWatch has reset its resourceVersion on the ERROR event: it relists
      } else {
        const e = new WatchClosed(`ERROR event in the watch stream${streamError.message ? `: ${streamError.message}` : ''}`, streamError);
        if (typeof streamError.code === 'number') (e as unknown as { code: number }).code = streamError.code;
        owner.fail(e, 'watch', w.epoch);
      }
      return;
    }
    const ms = owner.clock.now() - run.startedAt;
    if (run.events === 0 && ms < owner.minWatchMs) {
      owner.fail(new WatchClosed(`closed by the server after ${Math.round(ms)}ms without any event`), 'watch', w.epoch);
      return;
    }
    owner.onWatchClosed(w.epoch);
    passOn(null); // a normal end (timeoutSeconds): ListWatch resumes from its resourceVersion
  }
}

/**
 * A Reflector: one resource on one cluster, listed and watched into a
 * read-only cache, that never dies silently (docs/design.md#runtime). The
 * cluster manager sees it through the small Informer interface
 * (./informer.ts); ./reflector-informer.ts adapts one to the other.
 *
 * It drives client-node 1.4.0's ListWatch (dist/cache.js), which does the
 * cache bookkeeping and handles 410 Gone correctly (resets its
 * resourceVersion and relists, emitting deletes for what vanished), but stops
 * for good on every other error, fires `error` on its own stop(), lets a
 * throwing handler become an unhandledRejection, and never notices a
 * silently dead connection. What the Reflector adds around it:
 *
 *   - its own watch (./reflector-watch.ts over ./watch.ts) that asks for
 *     bookmarks and a short server-side timeout, gives the server a deadline
 *     to answer and one to end the watch, so a silently dead connection is
 *     noticed within ./watch-limits.ts's `detectWithinMs` (46 s by default),
 *     tracks every watch it opens (so stop() and the watchdog can really
 *     close them, even while a connection is still being set up), and turns
 *     failures into one place: fail();
 *   - restart with exponential backoff and jitter (./backoff.ts) on every
 *     error (network, 5xx, 429, 403, 401, 404/CRD missing, ...; see
 *     ./classify.ts), reset after a healthy period; never sooner than a
 *     429's or 5xx's `Retry-After` (src/kube/retry-after.ts); retryNow()
 *     ends a backoff early when the caller knows the cause is gone;
 *   - a backstop watchdog for anything else that goes quiet longer than the
 *     server's timeout plus a grace period;
 *   - an "epoch" that marks everything belonging to an abandoned attempt as
 *     stale, so a late callback from an old watch or list can neither restart
 *     a stopped reflector nor touch the cache;
 *   - handlers wrapped against sync throws and async rejections;
 *   - paginated lists (limit/continue; src/kube/list.ts);
 *   - objects pruned and deep-frozen on the way in (./transform.ts), each
 *     list page as it arrives, so the shared references the cache hands out
 *     cannot be mutated by a consumer and a long list never holds every
 *     object whole;
 *   - health, metrics hooks and structured logs with clear error messages.
 *
 * One KubeConfig per cluster, and never setCurrentContext on it: every
 * (re)connect reads its current cluster and user.
 */
import { ListWatch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { collectionPages, listAllPages, type ListPageFn } from '../../kube/list.js';
import { retryAfterMsOf } from '../../kube/retry-after.js';
import { realClock, type Clock, type Timer } from '../clock.js';
import { DEFAULT_BACKOFF, backoffDelay, jitteredWatchTimeout, retryDelay, type BackoffOptions } from './backoff.js';
import { CONFIG_REASONS, WatchdogTimeout, classifyError, type FailureReason } from './classify.js';
import { guardedCall } from './guarded-call.js';
import { ReflectorWatch, type WatchOwner, type WatchTimes } from './reflector-watch.js';
import { Watchdog } from './watchdog.js';
import type {
  DeepReadonly,
  ObjectLike,
  ReflectorError,
  ReflectorEvent,
  ReflectorHandler,
  ReflectorHealth,
  ReflectorHooks,
  ReflectorLogger,
  ReflectorMetrics,
  ReflectorOptions,
  ReflectorState,
} from './reflector-types.js';
import { parseResourcePath } from './resource-path.js';
import { admitToCache } from './transform.js';
import { DEFAULT_WATCH_TIMING, watchDeadlineMs, watchLimits, type WatchLimits, type WatchTiming } from './watch-limits.js';

/** Thrown into ListWatch by a list that belongs to an abandoned attempt; ignored. */
class StaleAttempt extends Error {
  override readonly name = 'StaleAttempt';
}

const noopLogger: ReflectorLogger = { info() {}, warn() {}, error() {}, debug() {} };

export class Reflector<T extends ObjectLike> {
  readonly cluster: string;
  readonly resource: string;
  readonly path: string;

  // ListWatch only reads metadata.{name,namespace,resourceVersion}: ObjectLike is enough at runtime.
  private readonly lw: ListWatch<T & KubernetesObject>;
  private readonly watcher: ReflectorWatch;
  private readonly log: ReflectorLogger;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly random: () => number;
  private readonly backoffOpts: BackoffOptions;
  private readonly listPageFn: ListPageFn<T>;
  private readonly pageSize: number;
  private readonly labelSelector: string | undefined;
  private readonly fieldSelector: string | undefined;
  private readonly watchTiming: WatchTiming;
  private readonly watchLimits: WatchLimits;
  private readonly watchdog: Watchdog;
  private readonly metrics: ReflectorMetrics;
  private readonly hooks: ReflectorHooks;
  private readonly handlers: Record<ReflectorEvent, Set<ReflectorHandler<T>>> = { add: new Set(), update: new Set(), delete: new Set() };

  readonly freeze: boolean;
  readonly minWatchMs: number;
  private readonly pruneFn: ((obj: object) => object) | undefined;

  private _epoch = 0;
  private _stopped = true;
  private _state: ReflectorState = 'stopped';
  private synced = false;
  private started = false;
  private lastEventAt: number | undefined;
  private lastActivity = 0;
  private restarts = 0;
  private readonly restartsByReason: Partial<Record<FailureReason, number>> = {};
  private relists = 0;
  private lists = 0;
  /** Objects cached, from ListWatch's add and delete events: its own count copies the cache, and health() runs per reconcile. */
  private cached = 0;
  private handlerErrors = 0;
  private watches = 0;
  private lastError: ReflectorError | undefined;
  private failures = 0;
  private healthySince: number | undefined;
  private downSince: number | undefined;
  private restartTimer: Timer | undefined;
  private listAbort: AbortController | undefined;
  private pendingSyncEpoch = -1;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(opts: ReflectorOptions<T>) {
    this.path = opts.path;
    this.cluster = opts.cluster;
    this.resource = opts.resource ?? parseResourcePath(opts.path).resource;
    this.log = opts.logger ?? noopLogger;
    this.clock = opts.clock ?? realClock;
    this.wallNow = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.backoffOpts = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.pageSize = opts.pageSize ?? 500;
    this.labelSelector = opts.labelSelector;
    this.fieldSelector = opts.fieldSelector;
    const d = DEFAULT_WATCH_TIMING;
    this.watchTiming = {
      timeoutSeconds: opts.watchTimeoutSeconds ?? d.timeoutSeconds,
      jitter: opts.watchTimeoutJitter ?? d.jitter,
      graceSeconds: opts.watchDeadlineGraceSeconds ?? d.graceSeconds,
      connectTimeoutSeconds: opts.watchConnectTimeoutSeconds ?? d.connectTimeoutSeconds,
      watchdogGraceSeconds: opts.watchdogGraceSeconds ?? d.watchdogGraceSeconds,
    };
    this.watchLimits = watchLimits(this.watchTiming);
    this.watchdog = new Watchdog(this.clock, opts.watchdogMs ?? this.watchLimits.watchdogMs, {
      active: () => this._state === 'running' || this._state === 'connecting',
      lastActivity: () => this.lastActivity,
      quiet: (quietMs) => this.fail(new WatchdogTimeout(quietMs), 'watch', this._epoch),
    });
    this.minWatchMs = opts.minWatchMs ?? 1000;
    this.freeze = opts.freeze ?? true;
    this.pruneFn = opts.prune;
    this.metrics = opts.metrics ?? {};
    this.hooks = opts.hooks ?? {};
    this.listPageFn = opts.listPage ?? collectionPages<T>(opts.kubeConfig, this.path, opts.listTimeoutMs ?? 60_000);

    this.watcher = new ReflectorWatch(opts.kubeConfig, this.owner());
    this.lw = new ListWatch<T & KubernetesObject>(this.path, this.watcher, () => this.listAll(), false, this.labelSelector, this.fieldSelector);
    this.lw.on('add', (o) => this.dispatch('add', o));
    this.lw.on('update', (o) => this.dispatch('update', o));
    this.lw.on('delete', (o) => this.dispatch('delete', o));
    // ReflectorWatch sends watch failures to fail() itself, so ListWatch only
    // reports list failures here (and StaleAttempt from abandoned lists).
    this.lw.on('error', (err?: unknown) => {
      if (err instanceof StaleAttempt) return;
      this.fail(err, 'list', this._epoch);
    });
  }

  // ----- public API

  /** Subscribes to cache changes; returns an unsubscribe function. Handlers must not mutate objects. */
  on(event: ReflectorEvent, handler: ReflectorHandler<T>): () => void {
    this.handlers[event].add(handler);
    return () => void this.handlers[event].delete(handler);
  }

  /** Starts listing and watching; failures are retried forever with backoff. Idempotent. */
  start(): void {
    if (!this._stopped) return;
    this._stopped = false;
    this.log.info(this.labels({ path: this.path }), this.started ? 'reflector restarting' : 'reflector starting');
    this.started = true;
    void this.attempt();
  }

  /**
   * Stops for good (until start() again): cancels timers, aborts the list or
   * watch in flight and closes their sockets. The AbortError an aborted
   * watch reports is recognised as stale and never restarts anything.
   */
  async stop(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._epoch++;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.watchdog.cancel();
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.watcher.abortAll();
    try {
      await this.lw.stop();
    } catch (e) {
      this.internalError(e, 'ListWatch.stop');
    }
    this.setState('stopped');
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    if (!this.synced) for (const w of waiters) w.reject(new Error(`reflector ${this.cluster}/${this.resource} stopped before it synced`));
    this.log.info(this.labels({}), 'reflector stopped');
  }

  /**
   * Ends a backoff at once and forgets the failures behind it, for a caller
   * that knows their cause is gone (the CRD this resource needs is back:
   * src/karmada/member-informers.ts), so the watch returns now rather than at
   * the next retry, up to the backoff's 30 s away. Does nothing unless the
   * reflector is waiting to retry: a running watch or an attempt in flight
   * is left alone. Returns whether it retried.
   */
  retryNow(): boolean {
    if (this._stopped || this._state !== 'backoff') return false;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.failures = 0;
    this.log.info(this.labels({ reason: this.lastError?.reason }), 'retrying now: told the cause of the last failure is gone');
    void this.attempt();
    return true;
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects if stop() comes first. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this._stopped && this.started) return Promise.reject(new Error(`reflector ${this.cluster}/${this.resource} is stopped and never synced`));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  get(namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
    return this.lw.get(name, namespace ?? '') as DeepReadonly<T> | undefined;
  }

  list(namespace?: string): ReadonlyArray<DeepReadonly<T>> {
    return this.lw.list(namespace) as ReadonlyArray<DeepReadonly<T>>;
  }

  health(): ReflectorHealth {
    return {
      cluster: this.cluster,
      resource: this.resource,
      state: this._state,
      synced: this.synced,
      lastEventAt: this.lastEventAt,
      restarts: this.restarts,
      restartsByReason: { ...this.restartsByReason },
      relists: this.relists,
      handlerErrors: this.handlerErrors,
      watches: this.watches,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      resourceVersion: this.lw.latestResourceVersion(),
      objects: this.cached,
    };
  }

  get state(): ReflectorState {
    return this._state;
  }

  /** Watches currently open or connecting (introspection for tests and debugging). */
  openWatches(): number {
    return this.watcher.openWatches();
  }

  // ----- attempts and failures

  private async attempt(): Promise<void> {
    if (this._stopped) return;
    const epoch = ++this._epoch;
    this.setState('connecting');
    this.lastActivity = this.clock.now();
    this.watchdog.arm();
    try {
      // Resolves once the watch is open or the failure was reported; with a
      // resourceVersion from before, it resumes the watch without relisting.
      await this.lw.start();
    } catch (e) {
      // Handlers are wrapped, so this is a bug in client-node or here.
      if (epoch === this._epoch) this.fail(e, 'list', epoch);
    }
  }

  private fail(err: unknown, verb: 'list' | 'watch', epoch: number): void {
    if (this._stopped || epoch !== this._epoch || err instanceof StaleAttempt) return;
    // Invalidate the attempt: anything it still has in flight becomes stale.
    this._epoch++;
    this.watcher.abortAll();
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.watchdog.cancel();

    const now = this.clock.now();
    if (this.healthySince !== undefined && now - this.healthySince >= this.backoffOpts.resetAfterMs) this.failures = 0;
    this.healthySince = undefined;
    this.downSince ??= now;
    const c = classifyError(err, { verb, path: this.path, cluster: this.cluster, resource: this.resource });
    const at = this.wallNow();
    // A 429 (priority and fairness) or 5xx may say how long to stay away: wait at least that, up to our longest backoff.
    const retryAfterMs = retryAfterMsOf(err, at, this.backoffOpts.maxMs);
    const error: ReflectorError = { ...c, verb, at, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    this.lastError = error;
    const delayMs = retryDelay(backoffDelay(this.failures, this.backoffOpts, this.random), retryAfterMs, this.backoffOpts, this.random);
    this.failures++;
    this.countRestart(c.reason);
    const fields = this.labels({ reason: c.reason, verb, code: c.code, attempt: this.failures, retryInMs: delayMs, retryAfterMs, err });
    if (CONFIG_REASONS.has(c.reason)) this.log.error(fields, c.message);
    else this.log.warn(fields, c.message);
    this.safeHook(() => this.hooks.onRestart?.({ reason: c.reason, error, delayMs, attempt: this.failures }));
    this.setState('backoff');
    this.restartTimer?.cancel();
    this.restartTimer = this.clock.setTimer(() => {
      this.restartTimer = undefined;
      void this.attempt();
    }, delayMs);
  }

  private countRestart(reason: FailureReason): void {
    this.restarts++;
    this.restartsByReason[reason] = (this.restartsByReason[reason] ?? 0) + 1;
    this.safeHook(() => this.metrics.restartsTotal?.inc({ cluster: this.cluster, resource: this.resource, reason }));
  }

  // ----- list

  private async listAll(): Promise<KubernetesListObject<T & KubernetesObject>> {
    const epoch = this._epoch;
    if (this._stopped) throw new StaleAttempt('stopped');
    const abort = new AbortController();
    this.listAbort = abort;
    const started = this.clock.now();
    try {
      const { items, resourceVersion, pages } = await listAllPages(this.listPageFn, {
        pageSize: this.pageSize,
        labelSelector: this.labelSelector,
        fieldSelector: this.fieldSelector,
        signal: abort.signal,
        checkpoint: () => {
          if (epoch !== this._epoch) throw new StaleAttempt('superseded');
          // Each page is a sign of life: a long list of a large member is not quiet.
          this.touch(false);
        },
        onContinueExpired: (pagesSoFar) => this.log.info(this.labels({ pages: pagesSoFar }), 'continue token expired during a paginated list; listing everything at once'),
        keep: (o) => admitToCache(o, this.pruneFn, this.freeze) as T & KubernetesObject,
      });
      this.lists++;
      if (this.lists > 1) this.relists++;
      this.pendingSyncEpoch = epoch; // ListWatch calls watch() right after loading this into its cache: that marks the sync
      this.touch(true);
      this.log.debug(this.labels({ items: items.length, pages, resourceVersion, ms: Math.round(this.clock.now() - started) }), 'listed');
      return { metadata: { resourceVersion }, items: items as Array<T & KubernetesObject> };
    } catch (e) {
      if (epoch !== this._epoch || this._stopped) throw new StaleAttempt('superseded');
      throw e;
    } finally {
      if (this.listAbort === abort) this.listAbort = undefined;
    }
  }

  // ----- ReflectorWatch callbacks

  private owner(): WatchOwner {
    // Closures over `this`: ReflectorWatch is built in the constructor, before fields it reads are final.
    const self = this;
    return {
      get epoch() {
        return self._epoch;
      },
      get stopped() {
        return self._stopped;
      },
      admit: (obj: unknown) => admitToCache(obj, self.pruneFn, self.freeze),
      get minWatchMs() {
        return self.minWatchMs;
      },
      get clock() {
        return self.clock;
      },
      nextWatch: () => self.nextWatch(),
      onWatchStarting: (epoch) => self.onWatchStarting(epoch),
      onWatchEstablished: (epoch) => self.onWatchEstablished(epoch),
      onWatchEvent: (epoch, type) => {
        if (epoch === self._epoch) self.touch(true, type);
      },
      onExpired: (epoch, message) => {
        if (epoch !== self._epoch) return;
        self.countRestart('expired');
        self.log.info(self.labels({ reason: 'expired', server: message }), `resourceVersion of ${self.resource} expired (410 Gone); relisting`);
      },
      onWatchClosed: (epoch) => {
        if (epoch === self._epoch) self.log.debug(self.labels({}), 'watch ended by the server; resuming');
      },
      onWatchOverdue: (epoch, timeoutSeconds) => {
        if (epoch === self._epoch) self.log.info(self.labels({ timeoutSeconds }), 'the server kept a watch open past its timeout; closed it and resuming');
      },
      fail: (err, verb, epoch) => self.fail(err, verb, epoch),
      internalError: (err, where) => self.internalError(err, where),
    };
  }

  private nextWatch(): WatchTimes {
    const t = this.watchTiming;
    const timeoutSeconds = jitteredWatchTimeout(t.timeoutSeconds, t.jitter, this.random);
    return { timeoutSeconds, connectTimeoutMs: this.watchLimits.connectTimeoutMs, deadlineMs: watchDeadlineMs(timeoutSeconds, t.graceSeconds), aliveWindowMs: this.watchLimits.aliveWindowMs };
  }

  private onWatchStarting(epoch: number): void {
    if (epoch === this._epoch) this.watches++;
    if (epoch !== this._epoch || this._stopped || this.pendingSyncEpoch !== epoch) return;
    this.pendingSyncEpoch = -1;
    if (this.synced) return;
    this.synced = true;
    this.log.info(this.labels({ objects: this.cached }), 'synced');
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.resolve();
    this.safeHook(() => this.hooks.onSynced?.());
  }

  private onWatchEstablished(epoch: number): void {
    if (epoch !== this._epoch || this._stopped) return;
    this.touch(true);
    this.setState('running');
    const now = this.clock.now();
    this.healthySince ??= now;
    if (this.downSince !== undefined) {
      this.log.info(this.labels({ downMs: Math.round(now - this.downSince), failures: this.failures }), 'watch re-established');
      this.downSince = undefined;
    }
  }

  /** Records a sign of life: `fromServer` also moves lastEventAt (and the metric). */
  private touch(fromServer: boolean, type?: string): void {
    this.lastActivity = this.clock.now();
    if (!fromServer) return;
    this.lastEventAt = this.wallNow();
    if (type === 'BOOKMARK') this.log.debug(this.labels({ resourceVersion: this.lw.latestResourceVersion() }), 'bookmark');
    const seconds = this.lastEventAt / 1000;
    this.safeHook(() => this.metrics.lastEventTimestampSeconds?.set({ cluster: this.cluster, resource: this.resource }, seconds));
  }

  // ----- handlers

  private dispatch(event: ReflectorEvent, obj: T): void {
    if (event === 'add') this.cached++;
    else if (event === 'delete') this.cached--;
    for (const h of this.handlers[event]) guardedCall(() => h(obj as DeepReadonly<T>), (e) => this.handlerFailed(event, obj, e));
  }

  private handlerFailed(event: ReflectorEvent, obj: T, err: unknown): void {
    this.handlerErrors++;
    this.safeHook(() => this.metrics.handlerErrorsTotal?.inc({ cluster: this.cluster, resource: this.resource }));
    this.log.error(this.labels({ event, namespace: obj.metadata?.namespace, name: obj.metadata?.name, err }), `${event} handler failed`);
  }

  private internalError(err: unknown, where: string): void {
    this.log.error(this.labels({ err, where }), 'unexpected error inside the list-watch machinery');
  }

  // ----- misc

  private setState(state: ReflectorState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.safeHook(() => this.hooks.onStateChange?.(state, previous));
  }

  private safeHook(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log.warn(this.labels({ err: e }), 'reflector hook or metric threw');
    }
  }

  private labels(extra: Record<string, unknown>): Record<string, unknown> {
    return { cluster: this.cluster, resource: this.resource, ...extra };
  }
}

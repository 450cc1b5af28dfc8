/**
 * Leader election on a coordination.k8s.io/v1 Lease, with the semantics of
 * k8s.io/client-go/tools/leaderelection as controller-runtime's manager uses
 * it (client-node has none of its own):
 *
 *   - acquire/renew = read the Lease, decide (decide.ts), replace it carrying
 *     the resourceVersion just read; a 409 means another candidate won the
 *     race; create it when absent (leaselock.ts);
 *   - leaseTransitions is bumped on every takeover;
 *   - the leader renews every RetryPeriod; if no renew succeeds for
 *     RenewDeadline it stops leading (callback reason "lost"; the caller exits,
 *     as controller-runtime does with "leader election lost");
 *   - on stop() the lease is released — holderIdentity emptied,
 *     leaseDurationSeconds 1 — so a standby takes over at its next retry
 *     instead of waiting out the lease.
 *
 * LeaderElector is the thin I/O loop around the pure decideLeadership(),
 * driven by an injectable Clock so tests run on a FakeClock. The LeaseLock is
 * the only part that talks to the API server.
 *
 * Deliberate differences from client-go, both on the safe side:
 *   - the renew deadline runs from the start of the last successful renew,
 *     not from the start of the current retry cycle, so a leader gives up at
 *     most RenewDeadline after its last renew (client-go: up to
 *     RetryPeriod + RenewDeadline);
 *   - a leader that reads the Lease held by another identity steps down at
 *     once instead of retrying until the deadline: someone else believes it
 *     leads, so waiting only prolongs a split brain.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { realClock, type Clock, type Timer } from '../clock.js';
import { decideLeadership, observe, releaseRecord, type Observation } from './decide.js';
import { ConflictError, KubeLeaseLock, type LeaseLock } from './leaselock.js';
import { DEFAULT_LEASE_NAMESPACE } from './lease-namespace.js';
import { JITTER_FACTOR, validateTimings, type TimingOptions, type Timings } from './timings.js';

export { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS, JITTER_FACTOR, validateTimings } from './timings.js';

/** client-go's (and controller-runtime's) identity shape: `<hostname>_<uuid>`; in a pod the hostname is the pod name. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

// ---------------------------------------------------------------------------
// The elector: the loop

/** What the elector reports; metrics.ts's Metrics.leaderElection implements it. */
export interface LeaderElectionMetrics {
  /** leader_election_master_status{name}. */
  setLeading(name: string, leading: boolean): void;
  /** The Lease's leaseTransitions as last read or written (clusterset_dns_leader_lease_transitions{name}). */
  setLeaseTransitions?(name: string, transitions: number): void;
}

export const noopLeaderElectionMetrics: LeaderElectionMetrics = Object.freeze({ setLeading: () => {} });

/** The subset of a pino Logger the elector uses. */
export interface ElectionLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLogger: ElectionLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Why the elector stopped:
 *  - stopped: stop() was called (the lease was released);
 *  - lost: renewing failed for RenewDeadline, or another identity took the
 *    lease — the caller must stop all work at once (exit);
 *  - failed: the promise from onStartedLeading rejected (the lease was released).
 */
export type StopReason = 'stopped' | 'lost' | 'failed';

export interface StoppedLeading {
  readonly reason: StopReason;
  /** The rejection, for reason "failed". */
  readonly error?: unknown;
}

export interface LeaderCallbacks {
  /**
   * Called once, when this process becomes leader. `signal` aborts when it
   * stops leading. If a promise is returned, stop() releases the lease only
   * after it settles — make it settle once the guarded work has stopped, so
   * no two processes ever act at once. A rejection ends leadership
   * (reason "failed").
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends (never if this process did not lead). On "lost", exit. */
  onStoppedLeading?(info: StoppedLeading): void;
  /** The observed holder changed (including to ourselves); '' is not reported. */
  onNewLeader?(identity: string): void;
}

/** Timings (./timings.ts) default to controller-runtime's. */
export interface LeaderElectorOptions extends TimingOptions {
  /** Lease name; also the `name` label of leader_election_master_status. */
  readonly name: string;
  readonly namespace?: string | undefined;
  /** Defaults to `<hostname>_<uuid>`. Must be unique per process. */
  readonly identity?: string | undefined;
  /** Defaults to a KubeLeaseLock on `namespace/name` built from kubeConfig. */
  readonly lock?: LeaseLock | undefined;
  readonly kubeConfig?: KubeConfig | undefined;
  readonly callbacks: LeaderCallbacks;
  readonly clock?: Clock | undefined;
  /** Wall clock for the Lease's renewTime/acquireTime. */
  readonly wallClock?: (() => Date) | undefined;
  /** [0,1) source for retry jitter; tests pass () => 0. */
  readonly random?: (() => number) | undefined;
  readonly metrics?: LeaderElectionMetrics | undefined;
  readonly logger?: ElectionLogger | undefined;
}

type State = 'new' | 'candidate' | 'leading' | 'stopping' | 'stopped';

export class LeaderElector {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  private readonly lock: LeaseLock;
  private readonly config: Timings;
  private readonly callbacks: LeaderCallbacks;
  private readonly clock: Clock;
  private readonly wallClock: () => Date;
  private readonly random: () => number;
  private readonly metrics: LeaderElectionMetrics;
  private readonly log: ElectionLogger;

  private state: State = 'new';
  private running: Promise<StopReason> | undefined;
  private observation: Observation | undefined;
  /** resourceVersion of the Lease as last read or written by us. */
  private resourceVersion: string | undefined;
  /** Clock time at which the last successful acquire/renew attempt started. */
  private lastRenewAt = 0;
  private lastLeader = '';
  private stopRequested = false;
  private readonly stopCtl = new AbortController();
  private leadingCtl: AbortController | undefined;
  private workSettled = true;
  private workError: { readonly error: unknown } | undefined;
  private wakeSleeper: (() => void) | undefined;

  constructor(options: LeaderElectorOptions) {
    if (options.name === '') throw new RangeError('leader election: name must not be empty');
    this.name = options.name;
    this.namespace = options.namespace ?? DEFAULT_LEASE_NAMESPACE;
    this.identity = options.identity ?? defaultIdentity();
    if (this.identity === '') throw new RangeError('leader election: identity must not be empty');
    this.config = validateTimings(options);
    if (options.lock !== undefined) this.lock = options.lock;
    else if (options.kubeConfig !== undefined) this.lock = KubeLeaseLock.fromKubeConfig(options.kubeConfig, this.namespace, this.name);
    else throw new TypeError('leader election: pass lock or kubeConfig');
    this.callbacks = options.callbacks;
    this.clock = options.clock ?? realClock;
    this.wallClock = options.wallClock ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.metrics = options.metrics ?? noopLeaderElectionMetrics;
    this.log = options.logger ?? silentLogger;
  }

  /**
   * True from acquiring the lease until leading ends: after a loss, or once
   * stop() has drained the work and is releasing. (While stop() waits for the
   * work to settle this is still true: the lease is still held and renewed.)
   */
  isLeader(): boolean {
    return this.state === 'leading';
  }

  /**
   * Why a write now could land after another replica took over, or undefined
   * when it cannot: leading, and the last successful renew started less than
   * RenewDeadline ago. Others wait LeaseDuration from when they saw that
   * renew, so the gap between the two is the margin a write has to land.
   * The renew loop notices a missed deadline only when its timer runs; this
   * is checked before each write, so a process that was paused (SIGSTOP, a
   * long GC, a frozen VM) past its deadline stops writing at once instead of
   * writing first and stepping down after.
   */
  writeFence(): string | undefined {
    if (this.state !== 'leading') return 'not leading';
    const sinceRenew = this.clock.now() - this.lastRenewAt;
    if (sinceRenew >= this.config.renewDeadlineMs) return `lease last renewed ${(sinceRenew / 1000).toFixed(1)} s ago, past the ${this.config.renewDeadlineMs / 1000} s renew deadline`;
    return undefined;
  }

  /** The holder this process last observed ('' = none or unknown). */
  getLeader(): string {
    return this.lastLeader;
  }

  /**
   * Campaigns until it leads, then renews until it stops. Resolves with the
   * reason it stopped; never rejects for API errors (those are retried).
   * Call once.
   */
  run(): Promise<StopReason> {
    if (this.running !== undefined) throw new Error('leader election: run() called twice');
    this.running = this.loop();
    return this.running;
  }

  /**
   * Stops campaigning, or stops leading: aborts the leading signal, keeps
   * renewing until the onStartedLeading promise settles, then releases the
   * lease. Resolves when run() does.
   */
  async stop(): Promise<StopReason> {
    this.stopRequested = true;
    this.stopCtl.abort();
    this.leadingCtl?.abort();
    this.wake();
    if (this.running === undefined) {
      this.state = 'stopped';
      return 'stopped';
    }
    return this.running;
  }

  private async loop(): Promise<StopReason> {
    this.metrics.setLeading(this.name, false);
    if (this.stopRequested) {
      this.state = 'stopped';
      return 'stopped';
    }
    this.state = 'candidate';
    this.log.info({ lease: this.lock.description, identity: this.identity }, 'attempting to acquire leader lease');
    while (!this.stopRequested) {
      if (await this.tryAcquireOrRenew(this.config.requestTimeoutMs, this.stopCtl.signal)) break;
      if (this.stopRequested) break;
      await this.sleep(this.config.retryPeriodMs * (1 + JITTER_FACTOR * this.random()));
    }
    if (this.stopRequested) {
      // An attempt that raced with stop() may have won the lease: hand it back.
      if (this.holdsLease()) await this.release();
      this.state = 'stopped';
      return 'stopped';
    }

    this.startLeading();
    const end = await this.renewLoop();
    this.leadingCtl?.abort();
    this.metrics.setLeading(this.name, false);
    if (end.reason === 'lost') {
      // Stop the work first; there is nothing to release (it is not ours, or
      // the API is unreachable) and the caller should exit promptly.
      this.state = 'stopped';
      this.log.error({ lease: this.lock.description, identity: this.identity, holder: this.lastLeader }, 'leader election lost');
    } else {
      this.state = 'stopping';
      await this.release();
      this.state = 'stopped';
      this.log.info({ lease: this.lock.description, identity: this.identity, reason: end.reason }, 'stopped leading');
    }
    try {
      this.callbacks.onStoppedLeading?.(end);
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading threw');
    }
    return end.reason;
  }

  private startLeading(): void {
    this.state = 'leading';
    const ctl = (this.leadingCtl = new AbortController());
    this.metrics.setLeading(this.name, true);
    this.log.info({ lease: this.lock.description, identity: this.identity }, 'successfully acquired lease');
    this.workSettled = false;
    let work: void | Promise<void>;
    try {
      work = this.callbacks.onStartedLeading(ctl.signal);
    } catch (error) {
      work = Promise.reject(error);
    }
    Promise.resolve(work).then(
      () => this.settleWork(undefined),
      (error: unknown) => this.settleWork({ error }),
    );
  }

  private settleWork(failure: { readonly error: unknown } | undefined): void {
    this.workSettled = true;
    if (failure !== undefined && this.state === 'leading' && !this.stopRequested) {
      this.log.error({ err: failure.error }, 'leader work failed; releasing the lease');
      this.workError = failure;
      this.stopRequested = true;
      this.leadingCtl?.abort();
    }
    this.wake();
  }

  /** Renews every RetryPeriod until stopped (and the work settled) or the deadline passes. */
  private async renewLoop(): Promise<StoppedLeading> {
    const { renewDeadlineMs, retryPeriodMs, requestTimeoutMs } = this.config;
    for (;;) {
      if (this.stopRequested && this.workSettled) {
        return this.workError !== undefined ? { reason: 'failed', error: this.workError.error } : { reason: 'stopped' };
      }
      const left = this.lastRenewAt + renewDeadlineMs - this.clock.now();
      if (left <= 0) return { reason: 'lost' };
      // Wake no later than the deadline, so stepping down is punctual.
      await this.sleep(Math.min(retryPeriodMs, left));
      if (this.stopRequested && this.workSettled) continue;
      const remaining = this.lastRenewAt + renewDeadlineMs - this.clock.now();
      if (remaining <= 0) return { reason: 'lost' };
      // Not tied to stopCtl: while the work drains we must keep the lease.
      const ok = await this.tryAcquireOrRenew(Math.min(requestTimeoutMs, remaining), undefined);
      if (!ok && this.lastLeader !== '' && this.lastLeader !== this.identity) return { reason: 'lost' };
    }
  }

  /** One read → decide → write. True when we hold the lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs: number, cancel: AbortSignal | undefined): Promise<boolean> {
    const startedAt = this.clock.now();
    const { signal, done } = this.attemptSignal(timeoutMs, cancel);
    try {
      const snap = await abortable(this.lock.get(signal), signal);
      const d = decideLeadership({
        identity: this.identity,
        leaseDurationSeconds: this.config.leaseDurationSeconds,
        now: this.clock.now(),
        wallNow: this.wallClock(),
        current: snap?.record,
        previous: this.observation,
      });
      if (d.observation !== undefined) this.noteObservation(d.observation);
      this.resourceVersion = snap?.resourceVersion;
      if (d.action === 'wait') {
        this.log.debug({ lease: this.lock.description, holder: d.holder, expiresInMs: d.expiresAt - this.clock.now() }, 'lease is held by another candidate');
        return false;
      }
      const written =
        d.action === 'create' || snap === undefined
          ? await abortable(this.lock.create(d.record, signal), signal)
          : await abortable(this.lock.update(d.record, snap.resourceVersion, signal), signal);
      this.noteObservation(observe(written.record, this.clock.now(), this.observation));
      this.resourceVersion = written.resourceVersion;
      this.lastRenewAt = startedAt;
      if (d.action !== 'renew') this.log.info({ lease: this.lock.description, action: d.action, transitions: written.record.leaseTransitions }, 'took the lease');
      return true;
    } catch (err) {
      if (err instanceof ConflictError) {
        this.log.debug({ lease: this.lock.description }, 'lease changed concurrently (409); another candidate won');
      } else if (!(cancel?.aborted ?? false)) {
        this.log.warn({ lease: this.lock.description, err, timedOut: signal.aborted }, 'failed to acquire or renew lease');
      }
      return false;
    } finally {
      done();
    }
  }

  /** Best effort: empty the holder if (and only if) the lease is still ours. */
  private async release(): Promise<void> {
    const { signal, done } = this.attemptSignal(this.config.requestTimeoutMs, undefined);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        let rv = this.resourceVersion;
        let current = this.observation?.record;
        if (attempt > 0 || rv === undefined || current === undefined) {
          const snap = await abortable(this.lock.get(signal), signal);
          if (snap === undefined) return;
          rv = snap.resourceVersion;
          current = snap.record;
          this.noteObservation(observe(current, this.clock.now(), this.observation));
        }
        if (current.holderIdentity !== this.identity) return;
        try {
          const written = await abortable(this.lock.update(releaseRecord(current, this.wallClock()), rv, signal), signal);
          this.noteObservation(observe(written.record, this.clock.now(), this.observation));
          this.resourceVersion = written.resourceVersion;
          this.log.info({ lease: this.lock.description }, 'released the lease');
          return;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          // Changed since we last saw it: read again and re-check the holder.
        }
      }
    } catch (err) {
      this.log.warn({ lease: this.lock.description, err }, 'failed to release the lease; it expires on its own');
    } finally {
      done();
    }
  }

  private holdsLease(): boolean {
    return this.observation?.record.holderIdentity === this.identity;
  }

  private noteObservation(o: Observation): void {
    this.observation = o;
    // Every candidate reads the Lease at each retry, so standbys report it too.
    this.metrics.setLeaseTransitions?.(this.name, o.record.leaseTransitions);
    const holder = o.record.holderIdentity;
    if (holder === this.lastLeader) return;
    this.lastLeader = holder;
    if (holder === '') return;
    this.log.info({ lease: this.lock.description, holder }, 'new leader observed');
    try {
      this.callbacks.onNewLeader?.(holder);
    } catch (err) {
      this.log.error({ err }, 'onNewLeader threw');
    }
  }

  /** An AbortSignal for one attempt: fires on timeout (our clock) or when `cancel` fires. */
  private attemptSignal(timeoutMs: number, cancel: AbortSignal | undefined): { signal: AbortSignal; done: () => void } {
    const ctl = new AbortController();
    const timer: Timer = this.clock.setTimer(() => ctl.abort(new Error(`lease request timed out after ${timeoutMs} ms`)), timeoutMs);
    const onCancel = () => ctl.abort(cancel?.reason);
    if (cancel?.aborted) ctl.abort(cancel.reason);
    else cancel?.addEventListener('abort', onCancel, { once: true });
    return {
      signal: ctl.signal,
      done: () => {
        timer.cancel();
        cancel?.removeEventListener('abort', onCancel);
      },
    };
  }

  /** Waits ms on the clock, or until wake(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = () => {
        timer.cancel();
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }

  private wake(): void {
    this.wakeSleeper?.();
  }
}

/**
 * Settles when p does or when signal aborts, whichever is first, so a lock
 * that ignores its signal (or a client that does not pass it on before the
 * fetch, such as an exec credential plugin) cannot hold the loop past its
 * deadline.
 */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The process lifecycle of a controller, after controller-runtime's manager
 * (pkg/manager/internal.go, runnable_group.go): parts are added as
 * runnables, and the manager starts them, serves their probes, and stops
 * them in order.
 *
 *   - A runnable that does not need leader election (a cache, a recorder, a
 *     readiness refresher) starts at once, on every replica.
 *   - One that does (anything that writes) starts only once this process
 *     holds the lease, and only after every cache reports synced (checked at
 *     once, then every 100 ms); with leader election off, the process leads
 *     from the start.
 *   - The probe and metrics server (health.ts) starts first and stops last,
 *     so kubelet sees the process alive while it drains. healthz/readyz
 *     checks are added through the manager, also while it runs: a check
 *     added later (a member cluster that appears) is served at once.
 *
 * Stopping (SIGTERM, SIGINT, or a failure), in order:
 *   1. the leader runnables: their signal aborts and the manager waits for
 *      them to return; with leader election, the lease is then released, so
 *      a standby takes over at its next retry instead of waiting out the
 *      lease;
 *   2. the other runnables, one at a time, the last added first (a runnable
 *      may use what was added before it, as an event recorder uses the
 *      caches' clients);
 *   3. the server.
 * All of it within gracefulShutdownMs; past that the process exits with 1
 * (a leader that cannot stop its work must not keep renewing the lease).
 * The shipped Deployment's terminationGracePeriodSeconds stays above it
 * (manager.test.ts checks), so kubelet never kills a stop that is on time.
 * A second signal while stopping is logged and otherwise ignored: under a
 * terminal, Ctrl-C often arrives twice (from the terminal, and relayed by
 * npm or tsx), and must not kill the process before the lease is released.
 *
 * Losing the lease exits the process at once with 1, as controller-runtime
 * does: another replica may already be writing. A runnable that returns (or
 * throws) before it is asked to stop stops the manager with exit code 1.
 */
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { realClock, type Clock } from './clock.js';
import { CheckSet, startHealthServer, type Check, type HealthCheckOptions, type RunningHealthServer } from './health.js';
import { LeaderElector, type LeaderElectorOptions } from './leaderelection/elector.js';
import type { Logger } from './logging.js';

export interface Runnable {
  /**
   * Does the work until `signal` aborts, then stops it and resolves.
   * Settling before `signal` aborts counts as a failure.
   */
  start(signal: AbortSignal): Promise<void>;
  /** For a cache: true once its first lists are done. Leader runnables start only when every cache says so. */
  synced?(): boolean;
}

export interface RunnableOptions {
  /** True: start only while this process leads (it writes). False: start at once, on every replica. */
  readonly needLeaderElection: boolean;
}

export interface ManagerOptions {
  readonly log: Logger;
  /** The probe and metrics server: /healthz, /readyz and /metrics (see health.ts). */
  readonly health: { readonly registry: Registry; readonly probeAddress: string; readonly metricsAddress: string };
  /**
   * Leader election on a Lease. With `enabled` false this process leads from
   * the start, and `name` and `metrics` still report it as leading.
   */
  readonly leaderElection: { readonly enabled: boolean } & Omit<LeaderElectorOptions, 'callbacks' | 'logger'>;
  /** Default 30 s, controller-runtime's GracefulShutdownTimeout. */
  readonly gracefulShutdownMs?: number | undefined;
  /** How often leader runnables look again whether the caches synced; default 100 ms. */
  readonly syncPollMs?: number | undefined;
  /** Where SIGTERM and SIGINT arrive; default the process. */
  readonly signals?: { on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown } | undefined;
  /** Ends the process when it must not go on (lease lost, stop past its grace); default process.exit. */
  readonly exit?: ((code: number) => void) | undefined;
  /** Times the sync poll and the grace period, and the elector unless it has its own; default the real clock. */
  readonly clock?: Clock | undefined;
}

export const DEFAULT_GRACEFUL_SHUTDOWN_MS = 30_000;
export const DEFAULT_SYNC_POLL_MS = 100;

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A Runnable from a part that starts and stops by method calls (an informer set, a recorder). */
export function startStop(part: { start?(): void; stop(): void | Promise<void>; synced?(): boolean }): Runnable {
  return {
    start: async (signal) => {
      part.start?.();
      await untilAborted(signal);
      await part.stop();
    },
    ...(part.synced ? { synced: () => part.synced?.() ?? true } : {}),
  };
}

/** A runnable that does not need leader election, with what stops it and what says it stopped. */
interface NonLeader {
  readonly runnable: Runnable;
  readonly stop: AbortController;
  done?: Promise<void>;
}

export class Manager {
  private readonly log: Logger;
  private readonly healthz = new CheckSet('healthz');
  private readonly readyz = new CheckSet('readyz');
  private readonly others: NonLeader[] = [];
  private readonly leaders: Runnable[] = [];
  /** Aborts the leader runnables when there is no election to do it. */
  private readonly leading = new AbortController();
  private readonly gracefulShutdownMs: number;
  private readonly syncPollMs: number;
  private readonly exit: (code: number) => void;
  private readonly clock: Clock;
  private started = false;
  private stopping = false;
  private exitCode = 0;
  private server: RunningHealthServer | undefined;
  private elector: LeaderElector | undefined;
  /** Settles when leading is over (the elector's run, or the leader runnables without one). */
  private leadersEnded: Promise<unknown> = Promise.resolve();
  private stopped: ((code: number) => void) | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.log = options.log;
    this.gracefulShutdownMs = options.gracefulShutdownMs ?? DEFAULT_GRACEFUL_SHUTDOWN_MS;
    this.syncPollMs = options.syncPollMs ?? DEFAULT_SYNC_POLL_MS;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.clock = options.clock ?? realClock;
  }

  /** Adds a part; before start() only. */
  add(runnable: Runnable, options: RunnableOptions): void {
    if (this.started) throw new Error('manager: add() after start()');
    if (options.needLeaderElection) this.leaders.push(runnable);
    else this.others.push({ runnable, stop: new AbortController() });
  }

  /** Adds (or replaces) a liveness check, at any time. */
  addHealthzCheck(name: string, check: Check, options?: HealthCheckOptions): void {
    this.healthz.add(name, check, options);
  }

  /** Adds (or replaces) a readiness check, at any time; served from the next probe on. */
  addReadyzCheck(name: string, check: Check, options?: HealthCheckOptions): void {
    this.readyz.add(name, check, options);
  }

  /** Where the probe and metrics servers listen, once start() has started them. */
  addresses(): { probe: AddressInfo | undefined; metrics: AddressInfo | undefined } | undefined {
    return this.server === undefined ? undefined : { probe: this.server.probe, metrics: this.server.metrics };
  }

  /** Stops as a signal does; `why` is logged as the signal. */
  /**
   * Undefined when a leader's write may go out now; otherwise why not. With
   * leader election off this replica always leads; with it, the elector's
   * fence (not leading, or the lease not renewed within RenewDeadline).
   */
  writeFence(): string | undefined {
    if (!this.options.leaderElection.enabled) return undefined;
    // Not `elector?.writeFence() ?? …`: its undefined means "may write".
    if (this.elector === undefined) return 'not leading';
    return this.elector.writeFence();
  }

  stop(why: string): void {
    // Before start() serves, there is nothing to stop yet (signals are heard from then on too).
    if (this.stopped === undefined) return;
    if (this.stopping) {
      this.log.info({ signal: why }, 'already shutting down');
      return;
    }
    this.beginStop(why, false);
  }

  /**
   * Starts the server, then every runnable as its kind says, and resolves
   * with the exit code once everything stopped: 0 after a signal, 1 after a
   * failure. Rejects if the server cannot listen.
   */
  async start(): Promise<number> {
    if (this.started) throw new Error('manager: start() called twice');
    this.started = true;
    const { health } = this.options;
    this.server = await startHealthServer({ healthz: this.healthz, readyz: this.readyz, registry: health.registry, probeAddress: health.probeAddress, metricsAddress: health.metricsAddress });
    const stopped = new Promise<number>((resolve) => (this.stopped = resolve));
    for (const s of this.others) s.done = this.startOther(s);
    this.leadersEnded = this.lead();
    this.leadersEnded.then(
      () => this.failed(undefined, 'controller stopped unexpectedly'),
      (err: unknown) => this.failed(err, 'controller stopped unexpectedly'),
    );
    // Handlers stay installed while stopping and after: see the file comment.
    const signals = this.options.signals ?? process;
    signals.on('SIGTERM', () => this.stop('SIGTERM'));
    signals.on('SIGINT', () => this.stop('SIGINT'));
    const code = await stopped;
    this.log.info('stopped');
    return code;
  }

  /** Starts a runnable now (in add order, before the campaign begins); a part that ends on its own fails the manager. */
  private startOther(s: NonLeader): Promise<void> {
    let done: Promise<void>;
    try {
      done = Promise.resolve(s.runnable.start(s.stop.signal));
    } catch (err) {
      done = Promise.reject(err);
    }
    done.then(
      () => {
        if (!s.stop.signal.aborted) this.failed(undefined, 'runnable stopped unexpectedly');
      },
      (err: unknown) => {
        if (!s.stop.signal.aborted) this.failed(err, 'runnable stopped unexpectedly');
      },
    );
    return done;
  }

  /** Campaigns for the lease (or leads at once); settles when leading is over. */
  private lead(): Promise<unknown> {
    const { enabled, ...electorOptions } = this.options.leaderElection;
    if (!enabled) {
      electorOptions.metrics?.setLeading(electorOptions.name, true);
      return this.runLeaders(this.leading.signal);
    }
    this.elector = new LeaderElector({
      ...electorOptions,
      clock: electorOptions.clock ?? this.clock,
      logger: this.log,
      callbacks: {
        onStartedLeading: (signal) => this.runLeaders(signal),
        onStoppedLeading: ({ reason }) => {
          if (reason === 'lost') {
            // As controller-runtime: never keep running without the lease.
            this.log.fatal('leader election lost; exiting');
            this.exit(1);
          }
        },
        onNewLeader: (id) => this.log.info({ leader: id }, 'new leader'),
      },
    });
    return this.elector.run();
  }

  private cachesSynced(): boolean {
    return this.others.every((s) => s.runnable.synced?.() ?? true);
  }

  /**
   * The leader runnables, once the caches synced, until `signal` aborts.
   * If one fails (or returns early) the rest are stopped too, and this
   * rejects only after all of them returned: the lease is released only
   * when nothing of the leader's work still runs.
   */
  private async runLeaders(signal: AbortSignal): Promise<void> {
    while (!this.cachesSynced() && !signal.aborted) await new Promise<void>((r) => this.clock.setTimer(r, this.syncPollMs));
    if (signal.aborted) return;
    const group = new AbortController();
    signal.addEventListener('abort', () => group.abort(), { once: true });
    let failure: { error: unknown } | undefined;
    // With nothing to run, leading lasts until stopped all the same.
    if (this.leaders.length === 0) await untilAborted(group.signal);
    await Promise.all(
      this.leaders.map(async (r) => {
        try {
          await r.start(group.signal);
          if (!group.signal.aborted) throw new Error('a leader runnable returned before it was asked to stop');
        } catch (error) {
          failure ??= { error };
          group.abort();
        }
      }),
    );
    if (failure !== undefined) throw failure.error;
  }

  /** A part ended on its own: stop everything, exit code 1. */
  private failed(err: unknown, msg: string): void {
    if (this.stopping) return;
    if (err === undefined) this.log.error(msg);
    else this.log.error({ err }, msg);
    this.beginStop('internal', true);
  }

  private beginStop(why: string, failed: boolean): void {
    this.stopping = true;
    if (failed) this.exitCode = 1;
    const grace = this.clock.setTimer(() => {
      this.log.error({ gracefulShutdownMs: this.gracefulShutdownMs }, 'shutdown did not finish within the grace period; exiting');
      this.exit(1);
      this.stopped?.(1);
    }, this.gracefulShutdownMs);
    this.shutdown(why)
      .catch((e: unknown) => {
        // After a failure, what fails while stopping is part of the same story: exit 1 says it.
        if (!failed) this.log.error({ err: e }, 'shutdown failed');
        this.exitCode = 1;
      })
      .finally(() => {
        grace.cancel();
        this.stopped?.(this.exitCode);
      });
  }

  private async shutdown(signal: string): Promise<void> {
    this.log.info({ signal }, 'shutting down');
    const errors: unknown[] = [];
    this.leading.abort();
    // The elector's stop returns once the leader runnables returned and the Lease is released.
    if (this.elector !== undefined) await this.elector.stop();
    else await this.leadersEnded.catch(() => undefined);
    for (const s of [...this.others].reverse()) {
      s.stop.abort();
      await s.done?.catch((e: unknown) => errors.push(e));
    }
    await this.server?.close();
    if (errors.length > 0) throw errors[0];
  }
}

/**
 * Every Prometheus metric the controller exports, on one dedicated prom-client
 * Registry (never prom-client's global one, so tests and libraries cannot
 * collide with it), served at /metrics by health.ts.
 *
 * controller-runtime's metrics keep its names verbatim
 * (controller-runtime-metrics.ts) so existing dashboards and alerts work
 * unchanged; our own use the `clusterset_dns_` prefix (clusterset-metrics.ts),
 * and a series about one member carries `member_cluster`, which workqueue
 * metrics never do (a queue serves all clusters).
 *
 * Callers use the typed fields and helpers below and never spell a metric
 * name; label names are checked by the prom-client generics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { clustersetMetrics, type StateReaders } from './clusterset-metrics.js';
import type { LeaderElectionMetrics } from './leaderelection/elector.js';
import type { ProcessingTimes, WorkQueueMetrics } from './workqueue/metrics.js';
import {
  leaderElectionMasterStatus,
  reconcileMetrics,
  workqueueMetrics,
  type ProcessingTimesByQueue,
  type QueueLabels,
} from './controller-runtime-metrics.js';

export { RECONCILE_TIME_BUCKETS, WORKQUEUE_DURATION_BUCKETS } from './controller-runtime-metrics.js';
export { DECISION_DURATION_BUCKETS, type PerMember, type ProblemCount, type StateReaders } from './clusterset-metrics.js';

/** controller-runtime's reconcile result label values. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';
export const RECONCILE_RESULTS: readonly ReconcileResultLabel[] = ['success', 'error', 'requeue', 'requeue_after'];

/** What a write touched: the OverridePolicy, a member's ServiceImport, or a status subresource. */
/** What a write touched; the last five are automatic imports' (`run --auto-import`). */
export type WriteKind = 'overridepolicy' | 'serviceimport' | 'status' | 'namespace' | 'propagationpolicy' | 'serviceexport' | 'serviceexport-status' | 'endpointslice';
/** conflict = 409, retried through the queue; error = anything else that failed. */
export type WriteResult = 'success' | 'conflict' | 'error' | 'fenced';

/** One controller's reconcile metrics, labels bound. */
export interface ControllerMetrics {
  readonly controller: string;
  /**
   * Records one finished reconcile as controller-runtime does: the result
   * counter, the duration histogram, and the error counter for errors.
   */
  reconciled(result: ReconcileResultLabel, seconds: number): void;
  /** An error that will not be retried (controller-runtime's TerminalError); also counts as an error. */
  terminalError(seconds: number): void;
  /** A worker picked up a key (controller_runtime_active_workers + 1). */
  workerBusy(): void;
  /** The worker finished that key. */
  workerIdle(): void;
}

/** The per-informer hooks a reflector calls; labels bound. */
export interface InformerMetrics {
  /** Any watch or list event arrived; wall-clock time, since alerts compare it with time(). */
  event(atMs?: number): void;
  /** The reflector restarted its list/watch; reason is a short, bounded word (e.g. expired, error, stalled). */
  restart(reason: string): void;
}

export interface MetricsOptions {
  /** process_* and nodejs_* collectors; on by default, tests may turn them off. */
  readonly defaultMetrics?: boolean | undefined;
  /** Clock for informer timestamps (ms since epoch). */
  readonly now?: (() => number) | undefined;
  /** clusterset_dns_build_info's labels; this process's build (build-info.ts) by default. */
  readonly buildInfo?: BuildInfo | undefined;
}

export class Metrics {
  readonly registry: Registry;

  // controller-runtime: pkg/internal/controller/metrics/metrics.go
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrorsTotal: Counter<'controller'>;
  readonly terminalReconcileErrorsTotal: Counter<'controller'>;
  readonly reconcileTimeSeconds: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;

  // controller-runtime: pkg/metrics/workqueue.go
  readonly workqueueDepth: Gauge<'name' | 'controller' | 'priority'>;
  readonly workqueueAddsTotal: Counter<'name' | 'controller'>;
  readonly workqueueQueueDurationSeconds: Histogram<'name' | 'controller'>;
  readonly workqueueWorkDurationSeconds: Histogram<'name' | 'controller'>;
  readonly workqueueUnfinishedWorkSeconds: Gauge<'name' | 'controller'>;
  readonly workqueueLongestRunningProcessorSeconds: Gauge<'name' | 'controller'>;
  readonly workqueueRetriesTotal: Counter<'name' | 'controller'>;

  // controller-runtime: pkg/metrics/leaderelection.go
  readonly leaderElectionMasterStatus: Gauge<'name'>;

  // ours
  readonly buildInfo: Gauge<'version' | 'commit' | 'node_version'>;
  readonly informerLastEventTimestampSeconds: Gauge<'cluster' | 'resource'>;
  readonly informerRestartsTotal: Counter<'cluster' | 'resource' | 'reason'>;
  readonly memberReachable: Gauge<'member_cluster'>;
  readonly serviceImportsWithoutIps: Gauge<'member_cluster'>;
  readonly problems: Gauge<'reason' | 'member_cluster'>;
  readonly corednsConfigured: Gauge<'member_cluster'>;
  readonly writesTotal: Counter<'kind' | 'result'>;
  readonly writeRoute: Gauge<'route'>;
  readonly localFirstSwitchesTotal: Counter<'to'>;
  readonly corednsSetupTotal: Counter<'member_cluster' | 'result'>;
  readonly leaderLeaseTransitions: Gauge<'name'>;
  readonly decisionDurationSeconds: Histogram<never>;

  /** leader_election_master_status and the Lease's transitions, in the shape LeaderElector takes. */
  readonly leaderElection: LeaderElectionMetrics;

  private readonly now: () => number;
  /** Queues whose processing-time gauges are read at scrape time, by label key. */
  private readonly processingTimes: ProcessingTimesByQueue = new Map();
  /** Where the current-state gauges read from at scrape time; filled in by readStateFrom. */
  private readonly state: StateReaders = {};
  /** Label sets per cluster, so a cluster that leaves takes its series with it. */
  private readonly clusterSeries = new Map<string, { informers: Set<string>; restarts: Set<string> }>();

  constructor(options: MetricsOptions = {}) {
    const registers = [(this.registry = new Registry())];
    this.now = options.now ?? Date.now;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    // Registered in this order, so /metrics lists them in this order.
    ({
      reconcileTotal: this.reconcileTotal,
      reconcileErrorsTotal: this.reconcileErrorsTotal,
      terminalReconcileErrorsTotal: this.terminalReconcileErrorsTotal,
      reconcileTimeSeconds: this.reconcileTimeSeconds,
      maxConcurrentReconciles: this.maxConcurrentReconciles,
      activeWorkers: this.activeWorkers,
    } = reconcileMetrics(registers));
    ({
      workqueueDepth: this.workqueueDepth,
      workqueueAddsTotal: this.workqueueAddsTotal,
      workqueueQueueDurationSeconds: this.workqueueQueueDurationSeconds,
      workqueueWorkDurationSeconds: this.workqueueWorkDurationSeconds,
      workqueueUnfinishedWorkSeconds: this.workqueueUnfinishedWorkSeconds,
      workqueueLongestRunningProcessorSeconds: this.workqueueLongestRunningProcessorSeconds,
      workqueueRetriesTotal: this.workqueueRetriesTotal,
    } = workqueueMetrics(registers, this.processingTimes));
    const masterStatus = (this.leaderElectionMasterStatus = leaderElectionMasterStatus(registers));
    ({
      buildInfo: this.buildInfo,
      informerLastEventTimestampSeconds: this.informerLastEventTimestampSeconds,
      informerRestartsTotal: this.informerRestartsTotal,
      memberReachable: this.memberReachable,
      serviceImportsWithoutIps: this.serviceImportsWithoutIps,
      problems: this.problems,
      corednsConfigured: this.corednsConfigured,
      writesTotal: this.writesTotal,
      writeRoute: this.writeRoute,
      localFirstSwitchesTotal: this.localFirstSwitchesTotal,
      corednsSetupTotal: this.corednsSetupTotal,
      leaderLeaseTransitions: this.leaderLeaseTransitions,
      decisionDurationSeconds: this.decisionDurationSeconds,
    } = clustersetMetrics(registers, this.state));
    const transitions = this.leaderLeaseTransitions;
    this.leaderElection = Object.freeze({
      setLeading: (name: string, leading: boolean) => masterStatus.set({ name }, leading ? 1 : 0),
      setLeaseTransitions: (name: string, n: number) => transitions.set({ name }, n),
    });
    const build = options.buildInfo ?? readBuildInfo();
    this.buildInfo.set({ version: build.version, commit: build.commit, node_version: build.nodeVersion }, 1);
  }

  /**
   * The handle for one controller. Initialises its series as controller-runtime
   * does on start (every result at 0, the worker gauges set), so rates and
   * absent() alerts work before the first reconcile.
   */
  controller(controller: string, options: { maxConcurrentReconciles: number }): ControllerMetrics {
    for (const result of RECONCILE_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrorsTotal.inc({ controller }, 0);
    this.terminalReconcileErrorsTotal.inc({ controller }, 0);
    this.maxConcurrentReconciles.set({ controller }, options.maxConcurrentReconciles);
    this.activeWorkers.set({ controller }, 0);
    const total = this.reconcileTotal;
    const errors = this.reconcileErrorsTotal;
    const terminal = this.terminalReconcileErrorsTotal;
    const time = this.reconcileTimeSeconds.labels({ controller });
    const active = this.activeWorkers.labels({ controller });
    return {
      controller,
      reconciled(result, seconds) {
        total.inc({ controller, result });
        if (result === 'error') errors.inc({ controller });
        time.observe(seconds);
      },
      terminalError(seconds) {
        total.inc({ controller, result: 'error' });
        errors.inc({ controller });
        terminal.inc({ controller });
        time.observe(seconds);
      },
      workerBusy: () => active.inc(),
      workerIdle: () => active.dec(),
    };
  }

  /**
   * The adapter a WorkQueue takes (`new RateLimitingQueue({name, metrics:
   * m.workQueue(name)})`). controller-runtime labels a controller's queue with
   * its name twice (name = controller); pass `controller` for anything else.
   */
  workQueue(name: string, controller: string = name): WorkQueueMetrics {
    const labels: QueueLabels = { name, controller };
    const key = JSON.stringify([name, controller]);
    const processingTimes = this.processingTimes;
    // Present from the start, as client-go's provider creates them eagerly.
    this.workqueueAddsTotal.inc(labels, 0);
    this.workqueueRetriesTotal.inc(labels, 0);
    this.workqueueDepth.set({ ...labels, priority: '' }, 0);
    return {
      // priority "" = no priority queue, as controller-runtime labels it.
      depth: this.workqueueDepth.labels({ ...labels, priority: '' }),
      adds: this.workqueueAddsTotal.labels(labels),
      queueDuration: this.workqueueQueueDurationSeconds.labels(labels),
      workDuration: this.workqueueWorkDurationSeconds.labels(labels),
      retries: this.workqueueRetriesTotal.labels(labels),
      bindProcessingTimes(source: ProcessingTimes) {
        processingTimes.set(key, { labels, source });
      },
    };
  }

  /** Hooks for one informer (reflector) of one cluster. */
  informer(cluster: string, resource: string): InformerMetrics {
    const series = this.seriesOf(cluster);
    series.informers.add(resource);
    const lastEvent = this.informerLastEventTimestampSeconds.labels({ cluster, resource });
    const restarts = this.informerRestartsTotal;
    const now = this.now;
    return {
      event: (atMs = now()) => lastEvent.set(atMs / 1000),
      restart: (reason) => {
        series.restarts.add(JSON.stringify([resource, reason]));
        restarts.inc({ cluster, resource, reason });
      },
    };
  }

  /** The write route in use; every known route is exported, so a switch shows as 1 → 0 rather than a vanished series. */
  setWriteRoute(route: string, all: readonly string[]): void {
    for (const r of all) this.writeRoute.set({ route: r }, r === route ? 1 : 0);
  }

  /**
   * Where the current-state gauges read from (clusterset-metrics.ts): each
   * reader given replaces the one before; they are called at every scrape.
   */
  readStateFrom(readers: StateReaders): void {
    Object.assign(this.state, readers);
  }

  /**
   * Drops every informer series labelled with the cluster, for a cluster
   * removed from the federation: its name may never come back, and a frozen
   * series would keep alerting (or hide a problem) forever. (The
   * current-state gauges need no such call: they are read afresh at each
   * scrape.)
   */
  forgetCluster(cluster: string): void {
    const series = this.clusterSeries.get(cluster);
    if (series === undefined) return;
    this.clusterSeries.delete(cluster);
    for (const resource of series.informers) this.informerLastEventTimestampSeconds.remove({ cluster, resource });
    for (const key of series.restarts) {
      const [resource, reason] = JSON.parse(key) as [string, string];
      this.informerRestartsTotal.remove({ cluster, resource, reason });
    }
  }

  write(kind: WriteKind, result: WriteResult): void {
    this.writesTotal.inc({ kind, result });
  }

  corednsSetup(member: string, result: string): void {
    this.corednsSetupTotal.inc({ member_cluster: member, result });
  }

  localFirstSwitch(to: 'local' | 'derived'): void {
    this.localFirstSwitchesTotal.inc({ to });
  }

  observeDecision(seconds: number): void {
    this.decisionDurationSeconds.observe(seconds);
  }

  /** Runs a (synchronous, pure) decision and records how long it took. */
  timeDecision<T>(decide: () => T): T {
    const start = performance.now();
    try {
      return decide();
    } finally {
      this.observeDecision((performance.now() - start) / 1000);
    }
  }

  /** The exposition text and its content type, for /metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private seriesOf(cluster: string): { informers: Set<string>; restarts: Set<string> } {
    let s = this.clusterSeries.get(cluster);
    if (s === undefined) this.clusterSeries.set(cluster, (s = { informers: new Set(), restarts: new Set() }));
    return s;
  }
}

/** The process's metrics. One per process; tests make their own. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new Metrics(options);
}

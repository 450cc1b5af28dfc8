/**
 * Every Prometheus metric the controller exports, on one dedicated prom-client
 * Registry (never prom-client's global one, so tests and libraries cannot
 * collide with it), served at /metrics by health.ts.
 *
 * controller-runtime's metrics keep its names verbatim
 * (controller-runtime-metrics.ts) so existing dashboards and alerts work
 * unchanged; the multi-cluster additions use the `clusterset_dns_` prefix and
 * carry a `cluster` label, which workqueue metrics never do (a queue serves
 * all clusters).
 *
 * Callers use the typed fields and helpers below and never spell a metric
 * name; label names are checked by the prom-client generics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readBuildInfo, type BuildInfo } from './build-info.js';
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

/** controller-runtime's reconcile result label values. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';
export const RECONCILE_RESULTS: readonly ReconcileResultLabel[] = ['success', 'error', 'requeue', 'requeue_after'];

/** What a write touched: the OverridePolicy, a member's ServiceImport, or a status subresource. */
export type WriteKind = 'overridepolicy' | 'serviceimport' | 'status';
/** conflict = 409, retried through the queue; error = anything else that failed. */
export type WriteResult = 'success' | 'conflict' | 'error';

/**
 * Decisions are pure functions over an in-memory snapshot: expect micro- to
 * milliseconds, and anything near a second means a snapshot too large.
 */
export const DECISION_DURATION_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

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
  readonly clusterReady: Gauge<'cluster'>;
  readonly writesTotal: Counter<'kind' | 'result'>;
  readonly writeRoute: Gauge<'route'>;
  readonly localFirstSwitchesTotal: Counter<'to'>;
  readonly corednsSetupTotal: Counter<'cluster' | 'result'>;
  readonly decisionDurationSeconds: Histogram<never>;

  /** leader_election_master_status, in the shape LeaderElector takes. */
  readonly leaderElection: LeaderElectionMetrics;

  private readonly now: () => number;
  /** Queues whose processing-time gauges are read at scrape time, by label key. */
  private readonly processingTimes: ProcessingTimesByQueue = new Map();
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
    this.leaderElection = Object.freeze({
      setLeading: (name: string, leading: boolean) => masterStatus.set({ name }, leading ? 1 : 0),
    });
    ({
      buildInfo: this.buildInfo,
      informerLastEventTimestampSeconds: this.informerLastEventTimestampSeconds,
      informerRestartsTotal: this.informerRestartsTotal,
      clusterReady: this.clusterReady,
      writesTotal: this.writesTotal,
      writeRoute: this.writeRoute,
      localFirstSwitchesTotal: this.localFirstSwitchesTotal,
      corednsSetupTotal: this.corednsSetupTotal,
      decisionDurationSeconds: this.decisionDurationSeconds,
    } = multiClusterMetrics(registers));
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

  setClusterReady(cluster: string, ready: boolean): void {
    this.seriesOf(cluster);
    this.clusterReady.set({ cluster }, ready ? 1 : 0);
  }

  /**
   * Drops every series labelled with the cluster, for a cluster removed from
   * the federation: its name may never come back, and a frozen series would
   * keep alerting (or hide a problem) forever.
   */
  forgetCluster(cluster: string): void {
    const series = this.clusterSeries.get(cluster);
    if (series === undefined) return;
    this.clusterSeries.delete(cluster);
    this.clusterReady.remove({ cluster });
    for (const resource of series.informers) this.informerLastEventTimestampSeconds.remove({ cluster, resource });
    for (const key of series.restarts) {
      const [resource, reason] = JSON.parse(key) as [string, string];
      this.informerRestartsTotal.remove({ cluster, resource, reason });
    }
  }

  write(kind: WriteKind, result: WriteResult): void {
    this.writesTotal.inc({ kind, result });
  }

  corednsSetup(cluster: string, result: string): void {
    this.corednsSetupTotal.inc({ cluster, result });
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

/** This controller's own metrics, for what controller-runtime has no name for: clusters, informers, writes, decisions. */
function multiClusterMetrics(registers: Registry[]) {
  return {
    // The Prometheus convention for build metadata: a constant 1, the facts in labels, joined onto other series with `* on(pod) group_left(version, commit)`.
    buildInfo: new Gauge({
      name: 'clusterset_dns_build_info',
      help: 'Always 1; the labels say which build runs: version (package.json), commit (the git commit it was built from, "unknown" when not recorded) and node_version.',
      labelNames: ['version', 'commit', 'node_version'] as const,
      registers,
    }),
    informerLastEventTimestampSeconds: new Gauge({
      name: 'clusterset_dns_informer_last_event_timestamp_seconds',
      help: 'Unix time of the last list or watch event an informer received; alert on time() minus this.',
      labelNames: ['cluster', 'resource'] as const,
      registers,
    }),
    informerRestartsTotal: new Counter({
      name: 'clusterset_dns_informer_restarts_total',
      help: 'Times an informer restarted its list/watch, by reason.',
      labelNames: ['cluster', 'resource', 'reason'] as const,
      registers,
    }),
    clusterReady: new Gauge({
      name: 'clusterset_dns_cluster_ready',
      help: 'Whether the controller can read the cluster (1) or not (0); the control plane is cluster "karmada".',
      labelNames: ['cluster'] as const,
      registers,
    }),
    writesTotal: new Counter({
      name: 'clusterset_dns_writes_total',
      help: 'Writes to the API by kind (overridepolicy, serviceimport, status) and result (success, conflict, error).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    writeRoute: new Gauge({
      name: 'clusterset_dns_write_route',
      help: 'How Karmada-managed member ServiceImports are written: 1 for the route in use (retain, override-policy or hold), 0 for the others.',
      labelNames: ['route'] as const,
      registers,
    }),
    localFirstSwitchesTotal: new Counter({
      name: 'clusterset_dns_local_first_switches_total',
      help: 'Local-first switches: to "derived" (fail over) or to "local" (fail back after the hold-down).',
      labelNames: ['to'] as const,
      registers,
    }),
    corednsSetupTotal: new Counter({
      name: 'clusterset_dns_coredns_setup_total',
      help: 'run --manage-coredns: CoreDNS install attempts per member by result (installed, unchanged, foreign, refused, error).',
      labelNames: ['cluster', 'result'] as const,
      registers,
    }),
    decisionDurationSeconds: new Histogram({
      name: 'clusterset_dns_decision_duration_seconds',
      help: 'Time spent in the pure decision function of one reconcile.',
      labelNames: [] as const,
      buckets: [...DECISION_DURATION_BUCKETS],
      registers,
    }),
  };
}

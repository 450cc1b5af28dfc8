/**
 * The metrics controller-runtime defines, under its names, help texts, labels
 * and buckets verbatim (pkg/internal/controller/metrics/metrics.go,
 * pkg/metrics/workqueue.go, pkg/metrics/leaderelection.go), so dashboards and
 * alerts written for controller-runtime controllers work unchanged.
 * metrics.ts registers them and binds their labels; nothing else does.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProcessingTimes } from './workqueue/metrics.js';

/** controller-runtime's ReconcileTime buckets. */
export const RECONCILE_TIME_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** prometheus.ExponentialBuckets(10e-9, 10, 12): 1e-8 s … 1e3 s, as controller-runtime's workqueue histograms. */
export const WORKQUEUE_DURATION_BUCKETS: readonly number[] = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

export type QueueLabels = { name: string; controller: string };
/** The queues a Metrics reads at scrape time, by label key. */
export type ProcessingTimesByQueue = Map<string, { labels: QueueLabels; source: ProcessingTimes }>;

/** controller-runtime pkg/internal/controller/metrics/metrics.go */
export function reconcileMetrics(registers: Registry[]) {
  return {
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'] as const,
      registers,
    }),
    reconcileErrorsTotal: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    terminalReconcileErrorsTotal: new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    reconcileTimeSeconds: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'] as const,
      buckets: [...RECONCILE_TIME_BUCKETS],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
  };
}

/** controller-runtime pkg/metrics/workqueue.go; the two processing-time gauges read `processingTimes` when scraped. */
export function workqueueMetrics(registers: Registry[], processingTimes: ProcessingTimesByQueue) {
  return {
    workqueueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue by workqueue and priority',
      labelNames: ['name', 'controller', 'priority'] as const,
      registers,
    }),
    workqueueAddsTotal: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name', 'controller'] as const,
      registers,
    }),
    workqueueQueueDurationSeconds: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'] as const,
      buckets: [...WORKQUEUE_DURATION_BUCKETS],
      registers,
    }),
    workqueueWorkDurationSeconds: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name', 'controller'] as const,
      buckets: [...WORKQUEUE_DURATION_BUCKETS],
      registers,
    }),
    // client-go refreshes these two from a 500 ms ticker; reading the queues
    // at scrape time gives fresher values and needs no timer.
    workqueueUnfinishedWorkSeconds: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration. ' +
        'Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
      labelNames: ['name', 'controller'] as const,
      registers,
      collect() {
        for (const { labels, source } of processingTimes.values()) this.set(labels, source.unfinishedWorkSeconds());
      },
    }),
    workqueueLongestRunningProcessorSeconds: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name', 'controller'] as const,
      registers,
      collect() {
        for (const { labels, source } of processingTimes.values()) this.set(labels, source.longestRunningProcessorSeconds());
      },
    }),
    workqueueRetriesTotal: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name', 'controller'] as const,
      registers,
    }),
  };
}

/** controller-runtime pkg/metrics/leaderelection.go */
export function leaderElectionMasterStatus(registers: Registry[]): Gauge<'name'> {
  return new Gauge({
    name: 'leader_election_master_status',
    help:
      'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. ' +
      "'name' is the string used to identify the lease. Please make sure to group by name.",
    labelNames: ['name'] as const,
    registers,
  });
}

/**
 * The work queue's metric hooks, client-go's workqueue MetricsProvider
 * (k8s.io/client-go/util/workqueue/metrics.go) cut down to one queue. The
 * queue calls these; src/runtime/metrics.ts maps them onto the Prometheus
 * metrics controller-runtime exports. Durations are observed in seconds, as
 * those metrics are.
 */

/**
 * The metric shapes are structural subsets of prom-client's labelled
 * children (`gauge.labels({name, controller})` has inc()/dec(), a histogram
 * child has observe()), so an adapter can hand those straight in.
 */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

export interface CounterMetric {
  inc(): void;
}

export interface HistogramMetric {
  observe(value: number): void;
}

/** Live readings for the two gauges that client-go refreshes on a ticker. */
export interface ProcessingTimes {
  /** Sum of the ages of all keys being processed (workqueue_unfinished_work_seconds). */
  unfinishedWorkSeconds(): number;
  /** Age of the oldest key being processed (workqueue_longest_running_processor_seconds). */
  longestRunningProcessorSeconds(): number;
}

/**
 * One queue's metrics; each field names the controller-runtime metric an
 * adapter should map it to (labels `name`, `controller`; never `cluster`).
 */
export interface WorkQueueMetrics {
  /**
   * workqueue_depth. Counts dirty keys, as client-go does: a key added while
   * it is being processed counts although len() does not include it yet.
   */
  readonly depth: GaugeMetric;
  /** workqueue_adds_total: adds that were not de-duplicated away. */
  readonly adds: CounterMetric;
  /** workqueue_queue_duration_seconds: from becoming dirty to get(). */
  readonly queueDuration: HistogramMetric;
  /** workqueue_work_duration_seconds: from get() to done(). */
  readonly workDuration: HistogramMetric;
  /** workqueue_retries_total: every addAfter/addRateLimited, as in client-go. */
  readonly retries: CounterMetric;
  /**
   * Called once, from the queue's constructor. client-go polls these every
   * 500 ms from a goroutine; in Node the adapter should read them at scrape
   * time (a prom-client gauge's collect()) so the queue needs no ticker.
   */
  bindProcessingTimes(source: ProcessingTimes): void;
}

const noop = (): void => {};

/** The default: metrics cost nothing unless an adapter is supplied. */
export const noopWorkQueueMetrics: WorkQueueMetrics = Object.freeze({
  depth: Object.freeze({ inc: noop, dec: noop }),
  adds: Object.freeze({ inc: noop }),
  queueDuration: Object.freeze({ observe: noop }),
  workDuration: Object.freeze({ observe: noop }),
  retries: Object.freeze({ inc: noop }),
  bindProcessingTimes: noop,
});

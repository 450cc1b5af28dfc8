/**
 * The public surface of a Reflector (./reflector.ts): its options, health,
 * events, metrics sinks, hooks and logger.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ListPageFn } from '../../kube/list.js';
import type { Clock } from '../clock.js';
import type { BackoffOptions } from './backoff.js';
import type { ClassifiedError, FailureReason } from './classify.js';

/** pino-compatible: merge object first, message second. */
export interface ReflectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<DeepReadonly<E>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * What the reflector needs of an object: its name, namespace and
 * resourceVersion. Looser than client-node's KubernetesObject (whose
 * V1ObjectMeta declares Date fields that raw JSON carries as strings), so
 * callers can use their own JSON-shaped types.
 */
export interface ObjectLike {
  metadata?: { name?: string | undefined; namespace?: string | undefined; resourceVersion?: string | undefined } | undefined;
}

/**
 * `connecting`: started or restarted after a failure, listing or waiting for
 * the server to answer the watch; `running`: a watch was answered (and stays
 * so across the server's regular ends and the resumes after them);
 * `backoff`: waiting to retry after a failure. Only `running` counts as a
 * live watch (./informer.ts `running`), so a member whose API server stops
 * answering stays unreachable while its reconnects hang, rather than
 * flipping back between attempts.
 */
export type ReflectorState = 'connecting' | 'running' | 'backoff' | 'stopped';

export type ReflectorEvent = 'add' | 'update' | 'delete';

export type ReflectorHandler<T> = (obj: DeepReadonly<T>) => void | Promise<void>;

export interface ReflectorError extends ClassifiedError {
  verb: 'list' | 'watch';
  /** Wall-clock milliseconds (Date.now()). */
  at: number;
  /** The server's Retry-After, capped at the backoff's maximum, when it sent one with a 429 or 5xx. */
  retryAfterMs?: number;
}

export interface ReflectorHealth {
  cluster: string;
  resource: string;
  state: ReflectorState;
  /** The first list has completed (stays true afterwards: the cache keeps the last known state, docs/design.md#unreachable-is-not-empty). */
  synced: boolean;
  /**
   * Wall-clock ms of the last sign of life from the server: a list, a watch
   * (re)established, an event or a bookmark. Undefined before the first.
   */
  lastEventAt: number | undefined;
  /** Restarts after failures (all reasons, including 410 relists). */
  restarts: number;
  restartsByReason: Partial<Record<FailureReason, number>>;
  /** Lists after the first (410 Gone, or a restart before the first sync). */
  relists: number;
  /** Handlers that threw or rejected. */
  handlerErrors: number;
  /** Watch requests opened (each server-side timeout ends one and opens the next). */
  watches: number;
  /** The most recent failure; kept after recovery (compare `at` with lastEventAt). */
  lastError: ReflectorError | undefined;
  /** Consecutive failures since the last healthy period (drives the backoff). */
  consecutiveFailures: number;
  resourceVersion: string;
  objects: number;
}

/**
 * Metrics sinks, structurally compatible with prom-client's Gauge.set(labels,
 * value) and Counter.inc(labels), so an adapter can pass those in directly.
 */
export interface ReflectorMetrics {
  /** `…_informer_last_event_timestamp_seconds{cluster,resource}` */
  readonly lastEventTimestampSeconds?: { set(labels: { cluster: string; resource: string }, value: number): void };
  /** `…_informer_restarts_total{cluster,resource,reason}` */
  readonly restartsTotal?: { inc(labels: { cluster: string; resource: string; reason: string }): void };
  /** `…_informer_handler_errors_total{cluster,resource}` */
  readonly handlerErrorsTotal?: { inc(labels: { cluster: string; resource: string }): void };
}

/** Callbacks for whoever aggregates health (readiness, cluster status). Exceptions are logged, not propagated. */
export interface ReflectorHooks {
  onStateChange?(state: ReflectorState, previous: ReflectorState): void;
  onRestart?(info: { reason: FailureReason; error: ReflectorError; delayMs: number; attempt: number }): void;
  onSynced?(): void;
}

export interface ReflectorOptions<T> {
  /** This cluster's own KubeConfig; its current context must never change. */
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/multicluster.x-k8s.io/v1alpha1/serviceimports` or `/api/v1/namespaces/x/configmaps`. */
  path: string;
  /** `cluster` label in logs and metrics. */
  cluster: string;
  /** `resource` label; derived from the path (`serviceimports.multicluster.x-k8s.io`) when absent. */
  resource?: string;
  /**
   * Fetches one page. Default: collectionPages (src/kube/list.ts), a plain
   * GET of `path` with the KubeConfig's credentials, returning raw JSON — the
   * same shape watch events have. (A generated client, e.g. CoreV1Api,
   * deserializes list items into model objects with Date fields while watch
   * events stay raw JSON strings.)
   */
  listPage?: ListPageFn<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** `limit` per page; 0 lists in one request. Default 500 (client-go's pager). */
  pageSize?: number;
  /** Server-side watch timeout before jitter. Default 30 s (./watch-limits.ts says why). */
  watchTimeoutSeconds?: number;
  /** Each watch gets timeoutSeconds·(1 + jitter·random). Default 0.2. */
  watchTimeoutJitter?: number;
  /** A watch the server has not ended this long past its timeoutSeconds is closed (a failure unless it showed life lately). Default 10 s. */
  watchDeadlineGraceSeconds?: number;
  /** A watch request the server has not answered within this long fails. Default 10 s. */
  watchConnectTimeoutSeconds?: number;
  /** The backstop watchdog fires after timeout·(1+jitter) + this much of no sign of life at all. Default 60 s. */
  watchdogGraceSeconds?: number;
  /** Overrides the computed watchdog limit (tests). */
  watchdogMs?: number;
  /** A watch that ends cleanly this fast with no event counts as a failure (no hot reconnect loop). Default 1000. */
  minWatchMs?: number;
  /** Per-request timeout of the default list (socket idle). Default 60 s. */
  listTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Deep-freeze objects entering the cache. Default true. */
  freeze?: boolean;
  /**
   * What of an object enters the cache (client-go's SetTransform; e.g.
   * stripManagedFields): returns it, or a new object with less. Runs before
   * freezing.
   */
  prune?: (obj: object) => object;
  logger?: ReflectorLogger;
  metrics?: ReflectorMetrics;
  hooks?: ReflectorHooks;
  /** Monotonic time and timers (FakeClock in tests). */
  clock?: Clock;
  /** Wall clock for timestamps. */
  now?: () => number;
  random?: () => number;
}

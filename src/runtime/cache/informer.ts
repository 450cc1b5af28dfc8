/**
 * The Informer: what the cluster manager needs from a watch, a started and
 * stopped cache of one resource on one cluster that reports its own health.
 * The implementation is the Reflector (./reflector.ts: restarts with backoff,
 * bookmarks, watchdog, relist on 410), adapted to this interface by
 * ./reflector-informer.ts; tests may substitute their own.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerHealth {
  synced: boolean;
  /** Watching normally: a watch was answered (not reconnecting or in backoff after an error, not stopped). */
  running: boolean;
  lastError?: string;
  /** The last failure's class, e.g. "crd-missing", "forbidden", "network". */
  lastErrorReason?: string;
}

export interface Informer<T extends KubeObject = KubeObject> {
  start(): void;
  stop(): Promise<void>;
  health(): InformerHealth;
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  onEvent(handler: (type: InformerEvent, obj: T) => void): void;
  /**
   * Retries at once if waiting out a backoff after a failure, its backoff
   * reset: for a caller that knows the failure's cause is gone (a CRD back).
   * Does nothing while watching, connecting or stopped.
   */
  retryNow(): void;
  /** Called whenever health() may have changed (synced, started/stopped, failed). */
  onHealthChange(handler: () => void): void;
}

export interface InformerSpec {
  cluster: string;
  /** Short name for logs and metrics, e.g. "serviceimports". */
  resource: string;
  /** API path of the collection, e.g. /apis/multicluster.x-k8s.io/v1alpha1/serviceimports. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Cuts each object down to what is read before it is cached (after managedFields are dropped): returns what to cache. */
  prune?: (obj: object) => object;
}

export type InformerFactory = (kc: KubeConfig, spec: InformerSpec) => Informer;

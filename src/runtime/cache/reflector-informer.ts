/**
 * The production InformerFactory: adapts a Reflector (./reflector.ts, the
 * implementation) to the Informer interface the cluster manager consumes
 * (./informer.ts), with metrics and logs wired in. Kept apart so the manager
 * depends only on that small interface.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/meta.js';
import { Reflector } from './reflector.js';
import type { Metrics } from '../metrics.js';
import type { Informer, InformerEvent, InformerFactory } from './informer.js';
import { stripManagedFields } from './transform.js';

const pruneBoth = (prune: (obj: object) => object) => (obj: object) => prune(stripManagedFields(obj));

export function reflectorInformerFactory(log: Logger, metrics?: Metrics): InformerFactory {
  return (kc, spec) => {
    const im = metrics?.informer(spec.cluster, spec.resource);
    const healthHandlers: Array<() => void> = [];
    const healthChanged = () => {
      for (const h of healthHandlers) h();
    };
    const r = new Reflector<KubernetesObject>({
      kubeConfig: kc,
      path: spec.path,
      cluster: spec.cluster,
      resource: spec.resource,
      ...(spec.labelSelector ? { labelSelector: spec.labelSelector } : {}),
      ...(spec.fieldSelector ? { fieldSelector: spec.fieldSelector } : {}),
      // The reflector labels every line with cluster and resource itself.
      logger: log,
      // Nothing here reads managedFields; at 1,000 imports they are a good part of the heap.
      prune: spec.prune ? pruneBoth(spec.prune) : stripManagedFields,
      hooks: { onStateChange: healthChanged, onSynced: healthChanged },
      ...(im
        ? {
            metrics: {
              lastEventTimestampSeconds: { set: (_l, v) => im.event(v * 1000) },
              restartsTotal: { inc: (l) => im.restart(l.reason) },
            },
          }
        : {}),
    });
    const informer: Informer = {
      start: () => r.start(),
      stop: () => r.stop(),
      retryNow: () => void r.retryNow(),
      health: () => {
        const h = r.health();
        return { synced: h.synced, running: h.state === 'running', ...(h.lastError ? { lastError: h.lastError.message, lastErrorReason: h.lastError.reason } : {}) };
      },
      get: (ns, name) => r.get(ns, name) as unknown as KubeObject | undefined,
      list: (ns) => r.list(ns) as unknown as KubeObject[],
      onEvent: (handler) => {
        for (const t of ['add', 'update', 'delete'] as InformerEvent[]) r.on(t, (o) => handler(t, o as unknown as KubeObject));
      },
      onHealthChange: (handler) => void healthHandlers.push(handler),
    };
    return informer;
  };
}

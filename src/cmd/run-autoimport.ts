/**
 * `run --auto-import`: automatic imports (src/autoimport/, docs/auto-import.md)
 * wired to the caches, a queue of their own and the leader work. Imported by
 * run-manager.ts.
 */
import type * as k8s from '@kubernetes/client-node';
import { AUTO_IMPORT_LABEL, AUTO_IMPORT_VALUE } from '../autoimport/decide.js';
import { AutoImportReconciler } from '../autoimport/reconciler.js';
import { exportRules } from '../autoimport/rules.js';
import { sentinelObjects } from '../autoimport/sentinel.js';
import { AutoImportWriter } from '../autoimport/writer.js';
import { EndpointSliceWriter } from '../mcs/endpointslice-writer.js';
import type { ClusterManager } from '../karmada/cluster-manager.js';
import { apiErrorMessage } from '../kube/errors.js';
import type { WriteFence } from '../kube/write-guard.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../runtime/cache/backoff.js';
import { Controller } from '../runtime/controller.js';
import type { Logger } from '../runtime/logging.js';
import { untilAborted, type Runnable } from '../runtime/manager.js';
import type { Metrics } from '../runtime/metrics.js';
import { RateLimitingQueue } from '../runtime/workqueue/ratelimiting.js';

/** Our PropagationPolicies in the control plane, as the cluster manager watches them. */
export const AUTO_IMPORT_SELECTOR = `${AUTO_IMPORT_LABEL}=${AUTO_IMPORT_VALUE}`;

/**
 * A pass for a new export makes three control-plane writes and two status
 * writes, one after another. With 4 workers, 200 exports at 20/s waited
 * 11 s (p50) for their ServiceImport while the Karmada API server was busy
 * with the propagation (BENCHMARKS.md "Automatic imports"); as many workers
 * as the ServiceImport controller keeps the writes in flight instead.
 */
const AUTO_IMPORT_WORKERS = 16;

export interface AutoImports {
  enqueue(keys: string[] | 'all'): void;
  queue: RateLimitingQueue<string>;
  runnable: Runnable;
}

export function buildAutoImports(kc: k8s.KubeConfig, clusters: ClusterManager, metrics: Metrics, log: Logger, fence: WriteFence, stop: AbortSignal): AutoImports {
  const alog = log.child({ controller: 'autoimport' });
  const queue = new RateLimitingQueue<string>({ name: 'autoimport', metrics: metrics.workQueue('autoimport') });
  const writer = new AutoImportWriter(kc, (cluster) => clusters.memberClient(cluster), (kind, result) => metrics.write(kind, result), { stop, fence });
  const mirrors = new EndpointSliceWriter((cluster) => clusters.memberDiscoveryClient(cluster), (kind, result) => metrics.write(kind, result), { stop, fence });
  const reconciler = new AutoImportReconciler({ caches: clusters, writer, mirrors, rules: exportRules, log: alog });
  const ctrlMetrics = metrics.controller('autoimport', { maxConcurrentReconciles: AUTO_IMPORT_WORKERS });
  // "all": every member export, and every control-plane ServiceImport (ours may have lost its last export).
  const allKeys = () => [...new Set([...clusters.exportKeys(), ...clusters.allKeys()])];
  const controller = new Controller(queue, reconciler, allKeys, alog, {
    reconciled: (result, s) => ctrlMetrics.reconciled(result, s),
    activeWorkers: (d) => (d > 0 ? ctrlMetrics.workerBusy() : ctrlMetrics.workerIdle()),
  });
  return {
    queue,
    enqueue: (keys) => controller.enqueue(keys),
    runnable: {
      start: async (signal) => {
        await ensureSentinel(writer, alog, signal);
        if (signal.aborted) return;
        controller.enqueue('all');
        const done = controller.run(AUTO_IMPORT_WORKERS);
        void untilAborted(signal).then(() => queue.shutDown());
        await done;
      },
    },
  };
}

/** The sentinel first (without it Karmada never collects a member-only export), retried with backoff until it is there or we stop. */
async function ensureSentinel(writer: AutoImportWriter, log: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await writer.ensureSentinel(sentinelObjects());
      log.info('sentinel ServiceExport in place: Karmada collects exports made in the members');
      return;
    } catch (e) {
      const waitMs = backoffDelay(attempt, DEFAULT_BACKOFF);
      log.warn({ err: apiErrorMessage(e), retryInMs: waitMs }, 'cannot create the sentinel ServiceExport; retrying');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  }
}

/**
 * Caches → what automatic imports decide on, for one key. Reads only; pure
 * over the readers it is given.
 */
import type { Service } from '../api/core.js';
import { isDeleting, type KubeObject } from '../api/meta.js';
import type { ServiceImport } from '../api/mcs.js';
import type { Caches } from '../karmada/caches.js';
import { isAutoImportObject, importPolicyName, type AutoImportSnapshot, type DesiredImport } from './decide.js';
import { importOf, policyClusters } from './objects.js';

/** A member's ServiceExport for the key and the Service it exports, as the MCS rules read them. */
export interface ObservedExport {
  cluster: string;
  /** Its watches run now; otherwise this is its last known state. */
  reachable: boolean;
  serviceExport: KubeObject & { spec?: unknown; status?: { conditions?: unknown[] } };
  service: Service | undefined;
}

/** Every member's live (not being deleted) ServiceExport for the key, sorted by cluster. */
export function observeExports(caches: Caches, namespace: string, name: string): ObservedExport[] {
  return caches
    .members()
    .flatMap((m) => {
      const se = m.serviceExports.get(namespace, name);
      if (!se || isDeleting(se)) return [];
      return [{ cluster: m.cluster, reachable: m.reachable(), serviceExport: se as ObservedExport['serviceExport'], service: m.services.get(namespace, name) }];
    })
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
}

/** The snapshot decide.ts reads, given what the MCS rules made of the exports. */
export function buildAutoImportSnapshot(caches: Caches, namespace: string, name: string, merged: { desired: DesiredImport | undefined; exporters: string[] }): AutoImportSnapshot {
  const cp = caches.controlPlane;
  const ns = cp.namespaces.get('', namespace);
  const si = cp.serviceImports.get(namespace, name);
  const policy = cp.importPolicies?.get(namespace, importPolicyName(name));
  const siView = (s: ServiceImport) => ({
    ours: isAutoImportObject(s.metadata.labels),
    deleting: isDeleting(s),
    uid: s.metadata.uid,
    resourceVersion: s.metadata.resourceVersion,
    current: importOf(s),
  });
  return {
    namespace,
    name,
    desired: merged.desired,
    exporters: merged.exporters,
    namespaceIn: caches
      .members()
      .filter((m) => {
        const mns = m.namespaces.get('', namespace);
        return mns !== undefined && !isDeleting(mns);
      })
      .map((m) => m.cluster)
      .sort(),
    controlPlane: {
      namespace: ns ? { ours: isAutoImportObject(ns.metadata.labels), deleting: isDeleting(ns), uid: ns.metadata.uid } : undefined,
      serviceImport: si ? siView(si) : undefined,
      policy: policy && isAutoImportObject(policy.metadata.labels) ? { clusters: policyClusters(policy), uid: policy.metadata.uid, resourceVersion: policy.metadata.resourceVersion } : undefined,
      otherImportsInNamespace: cp.serviceImports.list(namespace).filter((s) => s.metadata.name !== name).length,
    },
  };
}

/**
 * Object metadata every Kubernetes object shares, and the namespace/name key
 * the controller's queue and caches use. Plain TypeScript types: client-node
 * returns `any` for custom resources, so everything read from an API server
 * passes a guard (api/guards.ts) before a decision sees it.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string | Date;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** Labels objects this controller owns. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'clusterset-dns';

export const isDeleting = (o: KubeObject | undefined): boolean => o?.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

export function splitKey(k: string): { namespace: string; name: string } {
  const i = k.indexOf('/');
  return { namespace: k.slice(0, i), name: k.slice(i + 1) };
}

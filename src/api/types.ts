/**
 * The objects the controller reads and writes, as plain TypeScript types, and
 * the guards that turn untrusted API objects into them. client-node returns
 * `any` for custom resources; everything read from an API server passes a
 * guard here before any decision sees it, so a malformed object becomes a
 * clear reason instead of a crash.
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

export const MCS_GROUP = 'multicluster.x-k8s.io';
export const MCS_VERSION = 'v1alpha1';
export const KARMADA_MANAGED_LABEL = 'karmada.io/managed';
/** Labels objects this controller owns. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'clusterset-dns';

export interface ServiceImportPort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}

export interface ServiceImport extends KubeObject {
  spec: {
    type: 'ClusterSetIP' | 'Headless';
    ports: ServiceImportPort[];
    ips?: string[];
  };
  status?: { clusters?: Array<{ cluster: string }> };
}

export interface ClusterCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Cluster extends KubeObject {
  spec: {
    syncMode: 'Push' | 'Pull';
    apiEndpoint?: string;
    secretRef?: { namespace: string; name: string };
    impersonatorSecretRef?: { namespace: string; name: string };
    insecureSkipTLSVerification?: boolean;
    proxyURL?: string;
  };
  status?: { conditions?: ClusterCondition[]; kubernetesVersion?: string };
}

export interface Secret extends KubeObject {
  data?: Record<string, string>;
}

/** The parts of a core/v1 Service a decision needs. */
export interface Service extends KubeObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[] };
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean | null } }>;
}

export interface OverridePolicy extends KubeObject {
  spec: {
    resourceSelectors: Array<{ apiVersion: string; kind: string; name?: string; namespace?: string }>;
    overrideRules?: Array<{
      targetCluster?: { clusterNames?: string[] };
      overriders?: { plaintext?: Array<{ path: string; operator: string; value?: unknown }> };
    }>;
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

function meta(obj: unknown): Parsed<ObjectMeta> {
  if (!isRecord(obj) || !isRecord(obj['metadata'])) return { ok: false, reason: 'object has no metadata' };
  const m = obj['metadata'];
  if (typeof m['name'] !== 'string' || m['name'] === '') return { ok: false, reason: 'object has no metadata.name' };
  return { ok: true, value: m as unknown as ObjectMeta };
}

export function parseServiceImport(obj: unknown): Parsed<ServiceImport> {
  const m = meta(obj);
  if (!m.ok) return m;
  const where = `ServiceImport ${m.value.namespace ?? ''}/${m.value.name}`;
  const spec = (obj as Record<string, unknown>)['spec'];
  if (!isRecord(spec)) return { ok: false, reason: `${where} has no spec` };
  if (spec['type'] !== 'ClusterSetIP' && spec['type'] !== 'Headless') {
    return { ok: false, reason: `${where}: spec.type is ${JSON.stringify(spec['type'])}, want ClusterSetIP or Headless` };
  }
  const ports = spec['ports'] ?? [];
  if (!Array.isArray(ports) || !ports.every((p) => isRecord(p) && typeof p['port'] === 'number')) {
    return { ok: false, reason: `${where}: spec.ports is not a list of ports` };
  }
  if (spec['ips'] !== undefined && !isStringArray(spec['ips'])) return { ok: false, reason: `${where}: spec.ips is not a list of strings` };
  return { ok: true, value: obj as ServiceImport };
}

export function parseCluster(obj: unknown): Parsed<Cluster> {
  const m = meta(obj);
  if (!m.ok) return m;
  const spec = (obj as Record<string, unknown>)['spec'];
  if (!isRecord(spec) || (spec['syncMode'] !== 'Push' && spec['syncMode'] !== 'Pull')) {
    return { ok: false, reason: `Cluster ${m.value.name}: spec.syncMode must be Push or Pull` };
  }
  return { ok: true, value: obj as Cluster };
}

export const isDeleting = (o: KubeObject | undefined): boolean => o?.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

export function splitKey(k: string): { namespace: string; name: string } {
  const i = k.indexOf('/');
  return { namespace: k.slice(0, i), name: k.slice(i + 1) };
}

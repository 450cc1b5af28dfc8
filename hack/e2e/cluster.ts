/**
 * The API calls hack/e2e.sh makes itself, each bounded: every client comes
 * from makeClient (src/kube/client.ts), whose requests time out after
 * API_CALL_TIMEOUT_MS unless given a shorter deadline here. Reads, and
 * writes only in the test namespace (or config/karmada with --apply-config).
 */
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { makeClient } from '../../src/kube/client.js';
import { isNotFound, undefinedIfNotFound } from '../../src/kube/errors.js';
import { KARMADA_CLUSTER_GROUP, KARMADA_CLUSTER_VERSION, MCS_GROUP, MCS_VERSION } from '../../src/kube/gvr.js';
import { apply } from '../../test/env/kube.js';
import { delay } from '../../test/env/process.js';
import { summarizeCluster, type ClusterSummary } from './members.js';

export const FIELD_MANAGER = 'clusterset-dns-e2e';

export async function listClusters(cp: k8s.KubeConfig): Promise<ClusterSummary[]> {
  const list = (await makeClient(cp, k8s.CustomObjectsApi).listClusterCustomObject({ group: KARMADA_CLUSTER_GROUP, version: KARMADA_CLUSTER_VERSION, plural: 'clusters' })) as { items?: unknown[] };
  return (list.items ?? []).map(summarizeCluster);
}

export function readCrd(kc: k8s.KubeConfig, name: string): Promise<k8s.V1CustomResourceDefinition | undefined> {
  return undefinedIfNotFound(() => makeClient(kc, k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name }));
}

export const describeObject = (o: k8s.KubernetesObject) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/** Which of `objects` are not there (by kind, namespace and name). */
export async function missingObjects(kc: k8s.KubeConfig, objects: readonly k8s.KubernetesObject[]): Promise<string[]> {
  const api = makeClient(kc, k8s.KubernetesObjectApi);
  const missing: string[] = [];
  for (const o of objects) {
    const header = { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', metadata: { name: o.metadata?.name ?? '', ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}) } };
    if ((await undefinedIfNotFound(() => api.read(header))) === undefined) missing.push(describeObject(o));
  }
  return missing;
}

/**
 * Server-side apply of each object, in order (test/env/kube.ts's apply), with
 * a client whose calls have a deadline; every object names its namespace.
 */
export function applyObjects(kc: k8s.KubeConfig, objects: readonly k8s.KubernetesObject[]): Promise<void> {
  return apply(kc, objects, FIELD_MANAGER, makeClient(kc, k8s.KubernetesObjectApi));
}

export async function listPods(kc: k8s.KubeConfig, namespace: string): Promise<k8s.V1Pod[]> {
  return (await makeClient(kc, k8s.CoreV1Api).listNamespacedPod({ namespace })).items;
}

/** Each container's log of each pod, at most 5 MiB each; a log that cannot be read says why instead. */
export async function podLogs(kc: k8s.KubeConfig, namespace: string, pods: readonly k8s.V1Pod[]): Promise<Array<{ file: string; text: string }>> {
  const core = makeClient(kc, k8s.CoreV1Api);
  const out: Array<{ file: string; text: string }> = [];
  for (const p of pods) {
    const name = p.metadata?.name ?? '?';
    for (const c of p.spec?.containers ?? []) {
      const text = await core.readNamespacedPodLog({ namespace, name, container: c.name, limitBytes: 5 * 2 ** 20 }).catch((e: unknown) => `(could not read the log: ${e instanceof Error ? e.message : String(e)})\n`);
      out.push({ file: `${name}_${c.name}.log`, text });
    }
  }
  return out;
}

export function readLease(kc: k8s.KubeConfig, namespace: string, name: string): Promise<k8s.V1Lease | undefined> {
  return undefinedIfNotFound(() => makeClient(kc, k8s.CoordinationV1Api).readNamespacedLease({ namespace, name }));
}

/** A member's ServiceImport spec.ips (empty when it or they are not there yet). */
export async function serviceImportIps(kc: k8s.KubeConfig, namespace: string, name: string): Promise<string[]> {
  const si = (await undefinedIfNotFound(() => makeClient(kc, k8s.CustomObjectsApi).getNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, namespace, plural: 'serviceimports', name }))) as { spec?: { ips?: string[] } } | undefined;
  return si?.spec?.ips ?? [];
}

/** The kinds whose objects in the test namespace go into the artifacts. */
export const CONTROL_PLANE_KINDS = [
  ['v1', 'Service'], ['multicluster.x-k8s.io/v1alpha1', 'ServiceExport'], ['multicluster.x-k8s.io/v1alpha1', 'ServiceImport'],
  ['policy.karmada.io/v1alpha1', 'PropagationPolicy'], ['policy.karmada.io/v1alpha1', 'OverridePolicy'],
  ['work.karmada.io/v1alpha2', 'ResourceBinding'], ['discovery.k8s.io/v1', 'EndpointSlice'], ['v1', 'Event'],
] as const;
export const MEMBER_KINDS = [
  ['v1', 'Service'], ['multicluster.x-k8s.io/v1alpha1', 'ServiceExport'], ['multicluster.x-k8s.io/v1alpha1', 'ServiceImport'],
  ['discovery.k8s.io/v1', 'EndpointSlice'],
] as const;

/** The objects of these kinds in the namespace, as multi-document YAML without managedFields; a kind that cannot be listed leaves a comment saying why. */
export async function namespaceYaml(kc: k8s.KubeConfig, namespace: string, kinds: ReadonlyArray<readonly [string, string]>): Promise<string> {
  const api = makeClient(kc, k8s.KubernetesObjectApi);
  const docs: string[] = [];
  for (const [apiVersion, kind] of kinds) {
    try {
      const list = await api.list(apiVersion, kind, namespace);
      for (const o of list.items) {
        if (o.metadata) delete o.metadata.managedFields;
        docs.push(stringify({ ...o, apiVersion, kind }));
      }
    } catch (e) {
      docs.push(`# ${kind} (${apiVersion}) in ${namespace}: could not list: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    }
  }
  return docs.join('---\n');
}

/** Deletes the namespace and waits (at most `timeoutMs`) until it is gone; throws when it is still there. */
export async function deleteNamespace(kc: k8s.KubeConfig, name: string, timeoutMs: number): Promise<void> {
  const core = makeClient(kc, k8s.CoreV1Api);
  try {
    await core.deleteNamespace({ name });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  const deadline = Date.now() + timeoutMs;
  while ((await undefinedIfNotFound(() => core.readNamespace({ name }))) !== undefined) {
    if (Date.now() > deadline) throw new Error(`namespace ${name} is still there ${timeoutMs / 1000} s after its deletion (finalizers? kubectl get ns ${name} -o yaml)`);
    await delay(1000);
  }
}

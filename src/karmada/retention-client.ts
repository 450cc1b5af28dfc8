/**
 * The API calls `clusterset-dns karmada install|status|uninstall` make, and
 * nothing else: the retention rule in the Karmada control plane, our
 * OverridePolicies there, the ServiceImports in one member, what automatic
 * imports made in the control plane (namespaces, ServiceImports,
 * PropagationPolicies, the sentinel's ServiceExport), and the controller's
 * leader-election Lease. Thin on purpose: what to write or
 * delete is decided by the command's pure functions; this says how.
 *
 * Every call has a deadline (`timeoutMs`; a list has it per page). Deletes
 * carry the uid that was read, and patches the resourceVersion, so an object
 * replaced or changed since it was listed is never touched (409).
 */
import * as k8s from '@kubernetes/client-node';
import type { OverridePolicy, ResourceInterpreterCustomization } from '../api/karmada.js';
import type { KubeObject } from '../api/meta.js';
import type { ServiceImport } from '../api/mcs.js';
import { makeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { KARMADA_CONFIG_GROUP, KARMADA_CONFIG_VERSION, KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_GROUP, MCS_VERSION, PATHS } from '../kube/gvr.js';
import { collectionPages, getCollection, listAllPages } from '../kube/list.js';
import { withDeadline } from '../kube/timeout.js';
import { DEFAULT_CALL_TIMEOUT_MS } from './call-timeout.js';

/** The field manager of the controller's own server-side applies, so both own the same fields. */
export const RETENTION_FIELD_MANAGER = 'clusterset-dns';

const CUSTOMIZATIONS = { group: KARMADA_CONFIG_GROUP, version: KARMADA_CONFIG_VERSION, plural: 'resourceinterpretercustomizations' } as const;
const POLICIES = { group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, plural: 'overridepolicies' } as const;
const IMPORTS = { group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceimports' } as const;
const EXPORTS = { group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceexports' } as const;
const PROPAGATION_POLICIES = { group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, plural: 'propagationpolicies' } as const;

/** A namespaced or cluster-scoped object as read, for a precondition. */
export interface ObjectRef {
  namespace?: string;
  name: string;
  uid: string;
}

/** The part of a Lease that tells whether someone holds it. */
export interface LeaseHolder {
  holderIdentity: string;
  renewTime: string | undefined;
  leaseDurationSeconds: number;
}

export type Deleted = 'deleted' | 'gone';

const PAGE_SIZE = 500;

export class RetentionClient {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
  ) {
    this.custom = makeClient(kc, k8s.CustomObjectsApi, { timeoutMs });
    this.core = makeClient(kc, k8s.CoreV1Api, { timeoutMs });
  }

  private async list<T>(path: string): Promise<T[]> {
    // The per-page deadline bounds each request; the list as a whole is bounded by how many pages there are.
    return (await listAllPages<T>(collectionPages(this.kc, path, this.timeoutMs), { pageSize: PAGE_SIZE, signal: new AbortController().signal })).items;
  }

  listCustomizations(): Promise<ResourceInterpreterCustomization[]> {
    return this.list(PATHS.resourceInterpreterCustomizations);
  }

  /**
   * Server-side apply of `obj` (ours, whole): fields we no longer set
   * disappear. `dryRun`: the API server and Karmada's webhook judge it, nothing is stored.
   */
  applyCustomization(obj: ResourceInterpreterCustomization, dryRun: boolean): Promise<ResourceInterpreterCustomization> {
    return withDeadline(`apply ResourceInterpreterCustomization ${obj.metadata.name}`, this.timeoutMs, (options) =>
      this.custom.patchClusterCustomObject(
        { ...CUSTOMIZATIONS, name: obj.metadata.name, body: obj, fieldManager: RETENTION_FIELD_MANAGER, force: true, ...(dryRun ? { dryRun: 'All' } : {}) },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply, options),
      ) as Promise<ResourceInterpreterCustomization>);
  }

  deleteCustomization(ref: ObjectRef): Promise<Deleted> {
    return this.deleted(`delete ResourceInterpreterCustomization ${ref.name}`, (options) =>
      this.custom.deleteClusterCustomObject({ ...CUSTOMIZATIONS, name: ref.name, body: { preconditions: { uid: ref.uid } } }, options));
  }

  listOverridePolicies(): Promise<OverridePolicy[]> {
    return this.list(PATHS.overridePolicies);
  }

  deleteOverridePolicy(ref: ObjectRef): Promise<Deleted> {
    return this.deleteNamespaced('OverridePolicy', POLICIES, ref);
  }

  /** Every ServiceImport: the templates in the control plane, the copies in a member. */
  listServiceImports(): Promise<ServiceImport[]> {
    return this.list(PATHS.serviceImports);
  }

  /** A JSON merge patch of one ServiceImport (the caller puts the resourceVersion precondition in `patch`). */
  async patchServiceImport(namespace: string, name: string, patch: object): Promise<void> {
    await withDeadline(`patch ServiceImport ${namespace}/${name}`, this.timeoutMs, (options) =>
      this.custom.patchNamespacedCustomObject({ ...IMPORTS, namespace, name, body: patch }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, options)));
  }

  listNamespaces(): Promise<KubeObject[]> {
    return this.list(PATHS.namespaces);
  }

  listPropagationPolicies(): Promise<KubeObject[]> {
    return this.list(PATHS.propagationPolicies);
  }

  /** Every ServiceExport; a 404 when the API server has no ServiceExport CRD. */
  listServiceExports(): Promise<KubeObject[]> {
    return this.list(PATHS.serviceExports);
  }

  deleteNamespace(ref: ObjectRef): Promise<Deleted> {
    return this.deleted(`delete Namespace ${ref.name}`, (options) =>
      this.core.deleteNamespace({ name: ref.name, body: { preconditions: { uid: ref.uid } } }, options));
  }

  deletePropagationPolicy(ref: ObjectRef): Promise<Deleted> {
    return this.deleteNamespaced('PropagationPolicy', PROPAGATION_POLICIES, ref);
  }

  deleteServiceImport(ref: ObjectRef): Promise<Deleted> {
    return this.deleteNamespaced('ServiceImport', IMPORTS, ref);
  }

  deleteServiceExport(ref: ObjectRef): Promise<Deleted> {
    return this.deleteNamespaced('ServiceExport', EXPORTS, ref);
  }

  private deleteNamespaced(kind: string, resource: { group: string; version: string; plural: string }, ref: ObjectRef): Promise<Deleted> {
    return this.deleted(`delete ${kind} ${ref.namespace ?? ''}/${ref.name}`, (options) =>
      this.custom.deleteNamespacedCustomObject({ ...resource, namespace: ref.namespace ?? '', name: ref.name, body: { preconditions: { uid: ref.uid } } }, options));
  }

  /** The Lease's holder, or undefined when there is no such Lease. */
  async readLease(namespace: string, name: string): Promise<LeaseHolder | undefined> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`;
    try {
      const lease = (await getCollection(this.kc, path, {}, new AbortController().signal, this.timeoutMs)) as { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } };
      return { holderIdentity: lease.spec?.holderIdentity ?? '', renewTime: lease.spec?.renewTime, leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async deleted(what: string, call: Parameters<typeof withDeadline>[2]): Promise<Deleted> {
    try {
      await withDeadline(what, this.timeoutMs, call);
      return 'deleted';
    } catch (e) {
      if (isNotFound(e)) return 'gone';
      throw e;
    }
  }
}

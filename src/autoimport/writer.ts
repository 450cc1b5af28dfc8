/**
 * The writes automatic imports make: their namespace, ServiceImport and
 * PropagationPolicy in the Karmada control plane, and the conditions on each
 * member's ServiceExport. Thin: what to write is decided in ./decide.ts and
 * ./objects.ts. Sent through src/kube/write-guard.ts (fenced by the lease,
 * each with a deadline, cancelled when the leader work stops).
 *
 * Optimistic concurrency as in src/serviceimport/writer.ts: a new object is
 * created (409 if someone made it since the decision), an existing one is
 * changed with a merge patch carrying the cached resourceVersion, and
 * deleted with the uid and resourceVersion the decision saw as
 * preconditions. A 409 sends the key back to the queue, to be decided again
 * from fresh cache state.
 */
import * as k8s from '@kubernetes/client-node';
import type { PropagationPolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import { makeClient } from '../kube/client.js';
import { httpStatusOf } from '../kube/errors.js';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_GROUP, MCS_VERSION } from '../kube/gvr.js';
import { deletePreconditions, FIELD_MANAGER, goneIsDone, WriteGuard, type CallOptions, type WriteResult, type WriterCalls } from '../kube/write-guard.js';
import { importPolicyName } from './decide.js';


export type AutoImportTarget = 'namespace' | 'serviceimport' | 'serviceexport' | 'propagationpolicy' | 'serviceexport-status';

const merge = (o: CallOptions) => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, o);
/** A create of something someone made meanwhile has done its job too, for objects whose content is fixed (the sentinel). */
const existsIsFine = async (f: () => Promise<unknown>) => {
  try {
    await f();
  } catch (e) {
    if (httpStatusOf(e) !== 409) throw e;
  }
};

const SI = { group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceimports' } as const;
const PP = { group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, plural: 'propagationpolicies' } as const;

export class AutoImportWriter {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;
  private readonly guard: WriteGuard<AutoImportTarget>;

  constructor(
    controlPlane: k8s.KubeConfig,
    private readonly memberClient: (cluster: string) => k8s.CustomObjectsApi | undefined,
    observe: (kind: AutoImportTarget, result: WriteResult) => void = () => {},
    calls: WriterCalls = {},
  ) {
    this.custom = makeClient(controlPlane, k8s.CustomObjectsApi);
    this.core = makeClient(controlPlane, k8s.CoreV1Api);
    this.guard = new WriteGuard<AutoImportTarget>(calls, observe);
  }

  createNamespace(body: object): Promise<unknown> {
    const name = (body as { metadata: { name: string } }).metadata.name;
    return this.guard.run('namespace', `create Namespace ${name}`, (o) => this.core.createNamespace({ body: body as k8s.V1Namespace, fieldManager: FIELD_MANAGER }, o));
  }

  async deleteNamespace(name: string, uid: string | undefined): Promise<void> {
    await this.guard.run('namespace', `delete Namespace ${name}`, (o) => goneIsDone(() => this.core.deleteNamespace({ name, ...deletePreconditions({ uid }) }, o)));
  }

  /** Creates the ServiceImport (`body` without a resourceVersion), or patches ours with the resourceVersion in `body` as a precondition. */
  applyImport(namespace: string, name: string, body: object, exists: boolean): Promise<ServiceImport> {
    const what = `${exists ? 'patch' : 'create'} ServiceImport ${namespace}/${name}`;
    return this.guard.run('serviceimport', what, (o) =>
      (exists
        ? this.custom.patchNamespacedCustomObject({ ...SI, namespace, name, body, fieldManager: FIELD_MANAGER }, merge(o))
        : this.custom.createNamespacedCustomObject({ ...SI, namespace, body, fieldManager: FIELD_MANAGER }, o)) as Promise<ServiceImport>);
  }

  async deleteImport(namespace: string, name: string, seen: { uid?: string | undefined; resourceVersion?: string | undefined }): Promise<void> {
    await this.guard.run('serviceimport', `delete ServiceImport ${namespace}/${name}`, (o) => goneIsDone(() => this.custom.deleteNamespacedCustomObject({ ...SI, namespace, name, ...deletePreconditions(seen) }, o)));
  }

  /** Creates our policy, or replaces its placement with the cached resourceVersion as a precondition. */
  applyPolicy(namespace: string, policy: PropagationPolicy, resourceVersion: string | undefined): Promise<PropagationPolicy> {
    const name = policy.metadata.name;
    const what = `${resourceVersion ? 'patch' : 'create'} PropagationPolicy ${namespace}/${name}`;
    return this.guard.run('propagationpolicy', what, (o) =>
      (resourceVersion
        ? this.custom.patchNamespacedCustomObject({ ...PP, namespace, name, body: { metadata: { resourceVersion }, spec: policy.spec }, fieldManager: FIELD_MANAGER }, merge(o))
        : this.custom.createNamespacedCustomObject({ ...PP, namespace, body: policy, fieldManager: FIELD_MANAGER }, o)) as Promise<PropagationPolicy>);
  }

  async deletePolicy(namespace: string, importName: string, seen: { uid?: string | undefined; resourceVersion?: string | undefined }): Promise<void> {
    const name = importPolicyName(importName);
    await this.guard.run('propagationpolicy', `delete PropagationPolicy ${namespace}/${name}`, (o) => goneIsDone(() => this.custom.deleteNamespacedCustomObject({ ...PP, namespace, name, ...deletePreconditions(seen) }, o)));
  }

  /** The sentinel's three objects (./sentinel.ts), each created unless it exists. */
  async ensureSentinel(o: { namespace: object; serviceExport: object; policy: PropagationPolicy }): Promise<void> {
    const ns = (o.serviceExport as { metadata: { namespace: string } }).metadata.namespace;
    await this.guard.run('namespace', `create Namespace ${ns}`, (c) => existsIsFine(() => this.core.createNamespace({ body: o.namespace as k8s.V1Namespace, fieldManager: FIELD_MANAGER }, c)));
    await this.guard.run('serviceexport', `create ServiceExport ${ns} sentinel`, (c) =>
      existsIsFine(() => this.custom.createNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceexports', namespace: ns, body: o.serviceExport, fieldManager: FIELD_MANAGER }, c)));
    await this.guard.run('propagationpolicy', `create PropagationPolicy ${ns} sentinel`, (c) =>
      existsIsFine(() => this.custom.createNamespacedCustomObject({ ...PP, namespace: ns, body: o.policy, fieldManager: FIELD_MANAGER }, c)));
  }

  /**
   * A member ServiceExport's status.conditions, whole (ours and anyone
   * else's, as ./conditions.ts merged them), conditional on the
   * resourceVersion they were computed from.
   */
  async patchExportConditions(cluster: string, namespace: string, name: string, conditions: readonly object[], resourceVersion: string | undefined): Promise<void> {
    const client = this.memberClient(cluster);
    if (!client) throw new Error(`no client for cluster ${cluster}`);
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, status: { conditions } };
    // An export deleted since the decision has nothing left to report on.
    await this.guard.run('serviceexport-status', `patch ServiceExport ${namespace}/${name} status in ${cluster}`, (o) =>
      goneIsDone(() => client.patchNamespacedCustomObjectStatus({ group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceexports', namespace, name, body, fieldManager: FIELD_MANAGER }, merge(o))));
  }
}

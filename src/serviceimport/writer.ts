/**
 * Every write the controller makes goes through here: the OverridePolicy in
 * the control plane, direct patches of unmanaged member ServiceImports, the
 * control-plane ServiceImport's status, and Events. Thin on purpose: what to
 * write is decided in decide.ts and plan.ts; this only says how, and counts
 * the result.
 *
 * Optimistic concurrency: every write carries the resourceVersion the
 * decision was based on (patches and applies in the body, deletes as a
 * precondition), so a change made since — by someone else, or by our own
 * earlier write the cache has not shown yet — gives 409 and the key is
 * retried from fresh cache state (the reconciler requeues on any error).
 *
 * Fencing, deadlines and cancellation are src/kube/write-guard.ts's. Every
 * call has a deadline (API_CALL_TIMEOUT_MS): a member that black-holes
 * packets fails its write within it, and the worker moves on to other keys.
 * The reconciler's writes are also cancelled when `stop` aborts (the leader
 * work stopping), so SIGTERM does not wait behind a silent server. Events are
 * not: they are drained after the leader work, with a bound of their own
 * (events.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { deletePreconditions, FIELD_MANAGER, goneIsDone, WriteGuard, type CallOptions, type WriteResult, type WriterCalls } from '../kube/write-guard.js';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_API_VERSION, MCS_GROUP, MCS_VERSION } from '../kube/gvr.js';
import type { OverridePolicy } from '../api/karmada.js';
import { FILL_IPS_ANNOTATION, FILL_IPS_VALUE } from '../api/ownership.js';
import { conditionalPolicyPatch, desiredOverridePolicy } from './overridepolicy.js';

// Re-exported: the reconciler, run-manager.ts and the writer tests import them from here.
/** On a member ServiceImport we patch: its local-first mode. */
export const LOCAL_FIRST_MODE_ANNOTATION = 'clusterset-dns.io/local-first-mode';

/** What a write touched, for the observer: the OverridePolicy, a member's ServiceImport, a status subresource, or an Event. */
export type WriteTarget = 'overridepolicy' | 'serviceimport' | 'status' | 'event';
export type WriteObserver = (kind: WriteTarget, result: WriteResult) => void;
export { FIELD_MANAGER, WriteFenced, type WriteFence, type WriterCalls } from '../kube/write-guard.js';

const merge = (o: CallOptions) => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, o);
const rv = (resourceVersion: string | undefined) => (resourceVersion ? { resourceVersion } : {});
const ssa = (o: CallOptions) => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply, o);

export class Writer {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;
  private readonly guard: WriteGuard<WriteTarget>;

  constructor(
    controlPlane: k8s.KubeConfig,
    private readonly memberClient: (cluster: string) => k8s.CustomObjectsApi | undefined,
    observe: WriteObserver = () => {},
    private readonly component = 'clusterset-dns',
    calls: WriterCalls = {},
  ) {
    this.custom = makeClient(controlPlane, k8s.CustomObjectsApi);
    this.core = makeClient(controlPlane, k8s.CoreV1Api);
    // Events are drained after the leader work stops (events.ts): not cancelled by `stop`.
    this.guard = new WriteGuard<WriteTarget>(calls, observe, ['event']);
  }

  private counted<T>(kind: WriteTarget, what: string, f: (options: CallOptions) => Promise<T>): Promise<T> {
    return this.guard.run(kind, what, f);
  }

  /**
   * Our whole policy for the key. With no policy cached (`resourceVersion`
   * undefined): server-side apply, which creates it, or takes over one the
   * cache has not shown yet. Otherwise a merge patch carrying the cached
   * policy's resourceVersion, which the API server treats as a precondition
   * (server-side apply ignores a resourceVersion in the applied object, so
   * it cannot be made conditional): a decision from a cache that predates a
   * later write — ours included — gets 409 instead of undoing it.
   */
  applyOverridePolicy(namespace: string, si: { name: string; uid: string }, rules: Record<string, string[]>, modes: Record<string, string> = {}, resourceVersion?: string): Promise<OverridePolicy> {
    const body = desiredOverridePolicy(namespace, si, rules, modes);
    const ref = { group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, namespace, plural: 'overridepolicies', name: body.metadata.name, fieldManager: FIELD_MANAGER };
    const what = `apply OverridePolicy ${namespace}/${body.metadata.name}`;
    if (resourceVersion === undefined) {
      return this.counted('overridepolicy', what, (o) => this.custom.patchNamespacedCustomObject({ ...ref, body, force: true }, ssa(o)) as Promise<OverridePolicy>);
    }
    return this.counted('overridepolicy', what, (o) => this.custom.patchNamespacedCustomObject({ ...ref, body: conditionalPolicyPatch(body, resourceVersion) }, merge(o)) as Promise<OverridePolicy>);
  }

  /** Deletes the policy the decision saw, and only it: a policy recreated or changed since gives 409. */
  async deleteOverridePolicy(namespace: string, name: string, seen: { uid?: string | undefined; resourceVersion?: string | undefined } = {}): Promise<void> {
    await this.counted('overridepolicy', `delete OverridePolicy ${namespace}/${name}`, (o) =>
      goneIsDone(() => this.custom.deleteNamespacedCustomObject({ group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, namespace, plural: 'overridepolicies', name, ...deletePreconditions(seen) }, o)));
  }

  /**
   * spec.ips of a member ServiceImport; [] removes the field. `annotate` adds
   * our ownership annotation (Karmada's retention rule keeps the IPs of
   * annotated objects). The resourceVersion makes it fail with 409 if the
   * object changed since the decision.
   */
  async patchMemberIps(cluster: string, namespace: string, name: string, ips: string[], resourceVersion: string | undefined, mode?: string, annotate = false): Promise<void> {
    // Local-first: the mode is shown on the object we write (removed when off).
    const annotations: Record<string, string | null> = { [LOCAL_FIRST_MODE_ANNOTATION]: mode ?? null };
    if (annotate) annotations[FILL_IPS_ANNOTATION] = FILL_IPS_VALUE;
    await this.patchMember(cluster, namespace, name, { metadata: { ...rv(resourceVersion), annotations }, spec: { ips: ips.length > 0 ? ips : null } });
  }

  /** Removes our annotations from a member ServiceImport that an OverridePolicy fills again. */
  async releaseMember(cluster: string, namespace: string, name: string, resourceVersion: string | undefined): Promise<void> {
    await this.patchMember(cluster, namespace, name, { metadata: { ...rv(resourceVersion), annotations: { [FILL_IPS_ANNOTATION]: null, [LOCAL_FIRST_MODE_ANNOTATION]: null } } });
  }

  private async patchMember(cluster: string, namespace: string, name: string, body: object): Promise<void> {
    const client = this.memberClient(cluster);
    if (!client) throw new Error(`no client for cluster ${cluster}`);
    await this.counted('serviceimport', `patch ServiceImport ${namespace}/${name} in ${cluster}`, (o) =>
      client.patchNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, namespace, plural: 'serviceimports', name, body, fieldManager: FIELD_MANAGER }, merge(o)));
  }

  async patchStatusClusters(namespace: string, name: string, clusters: string[], resourceVersion: string | undefined): Promise<void> {
    const body = { metadata: rv(resourceVersion), status: { clusters: clusters.map((cluster) => ({ cluster })) } };
    await this.counted('status', `patch ServiceImport ${namespace}/${name} status`, (o) =>
      this.custom.patchNamespacedCustomObjectStatus({ group: MCS_GROUP, version: MCS_VERSION, namespace, plural: 'serviceimports', name, body, fieldManager: FIELD_MANAGER }, merge(o)));
  }

  /** A core/v1 Event on the control-plane ServiceImport. */
  async event(involved: { namespace: string; name: string; uid: string }, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    await this.counted('event', `create Event ${reason} for ServiceImport ${involved.namespace}/${involved.name}`, (o) =>
      this.core.createNamespacedEvent({
        namespace: involved.namespace,
        body: {
          metadata: { generateName: `${involved.name}.`, namespace: involved.namespace },
          involvedObject: { apiVersion: MCS_API_VERSION, kind: 'ServiceImport', namespace: involved.namespace, name: involved.name, uid: involved.uid },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: this.component,
        },
      }, o));
  }
}

/**
 * The process kubelet's calls to its member's API server, each with a
 * deadline: a kubelet that hangs on one call would stop every pod's status.
 * Writes are the ones a kubelet (and, for the binding, a scheduler) makes.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../../../../src/kube/client.js';
import { withDeadline } from '../../../../src/kube/timeout.js';

const CALL_TIMEOUT_MS = 10_000;

/** The Lease the node lifecycle controller reads as the node's heartbeat. */
const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

const isStatus = (e: unknown, code: number) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;

/** MicroTime (a Lease's renewTime) wants exactly six fraction digits. */
const microTime = (d: Date) => d.toISOString().replace(/Z$/, '000Z');

/** The calls the kubelet's loop makes; KubeletApi makes them on an API server, a test may fake them. */
export interface KubeletCalls {
  listPods(fieldSelector: string): Promise<k8s.V1Pod[]>;
  bind(pod: k8s.V1Pod, nodeName: string): Promise<void>;
  patchPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  finishPodDeletion(namespace: string, name: string, uid: string): Promise<void>;
  ensureNode(manifest: Record<string, unknown>): Promise<void>;
  readNode(name: string): Promise<k8s.V1Node>;
  patchNodeStatus(name: string, status: Record<string, unknown>): Promise<void>;
  renewLease(nodeName: string, now: Date): Promise<void>;
}

export class KubeletApi implements KubeletCalls {
  private readonly core: k8s.CoreV1Api;
  private readonly coordination: k8s.CoordinationV1Api;

  /** `cancel` aborts every call in flight: a kubelet told to stop must not wait out a silent API server. */
  constructor(kc: k8s.KubeConfig, private readonly cancel?: AbortSignal, private readonly timeoutMs = CALL_TIMEOUT_MS) {
    this.core = makeClient(kc, k8s.CoreV1Api, { timeoutMs });
    this.coordination = makeClient(kc, k8s.CoordinationV1Api, { timeoutMs });
  }

  private call<T>(what: string, fn: (options: k8s.ConfigurationOptions<k8s.ObservableMiddleware>) => Promise<T>): Promise<T> {
    return withDeadline(what, this.timeoutMs, fn, this.cancel);
  }

  async listPods(fieldSelector: string): Promise<k8s.V1Pod[]> {
    const list = await this.call(`list pods ${fieldSelector}`, (options) =>
      this.core.listPodForAllNamespaces({ fieldSelector }, options));
    return list.items;
  }

  /** What a scheduler writes: the pod's `binding` subresource, with the uid as a precondition. */
  async bind(pod: k8s.V1Pod, nodeName: string): Promise<void> {
    const { name = '', namespace = '', uid } = pod.metadata ?? {};
    await this.call(`bind pod ${namespace}/${name}`, (options) =>
      this.core.createNamespacedPodBinding({
        name,
        namespace,
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, ...(uid ? { uid } : {}) }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      }, options));
  }

  /** A JSON merge patch of `pods/status`; a pod gone meanwhile is not an error. */
  async patchPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    await this.call(`patch status of pod ${namespace}/${name}`, (options) =>
      this.core.patchNamespacedPodStatus({ name, namespace, body: { status } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, options)),
    ).catch((e: unknown) => {
      if (!isStatus(e, 404)) throw e;
    });
  }

  /** Finishes a graceful deletion once the processes are gone, as the kubelet does: grace 0, only this incarnation (uid). */
  async finishPodDeletion(namespace: string, name: string, uid: string): Promise<void> {
    await this.call(`delete pod ${namespace}/${name}`, (options) =>
      this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } }, options),
    ).catch((e: unknown) => {
      // 404: already gone; 409: the uid precondition failed, so a new pod of that name is not ours to delete.
      if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
    });
  }

  /** Creates the Node unless it exists (an earlier run's Node is reused, as a restarted kubelet does). */
  async ensureNode(manifest: Record<string, unknown>): Promise<void> {
    const name = (manifest['metadata'] as { name: string }).name;
    await this.call(`create node ${name}`, (options) => this.core.createNode({ body: manifest as k8s.V1Node }, options)).catch((e: unknown) => {
      if (!isStatus(e, 409)) throw e;
    });
  }

  async readNode(name: string): Promise<k8s.V1Node> {
    return this.call(`read node ${name}`, (options) => this.core.readNode({ name }, options));
  }

  async patchNodeStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.call(`patch status of node ${name}`, (options) =>
      this.core.patchNodeStatus({ name, body: { status } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, options)));
  }

  /** Renews the node's Lease, creating it first if need be. */
  async renewLease(nodeName: string, now: Date): Promise<void> {
    const patch = () =>
      this.call(`renew lease ${nodeName}`, (options) =>
        this.coordination.patchNamespacedLease({
          name: nodeName,
          namespace: LEASE_NAMESPACE,
          body: { spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) } },
        }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, options)));
    try {
      await patch();
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      // Created without renewTime (the typed serializer wants a Date there), then patched like every renewal.
      await this.call(`create lease ${nodeName}`, (options) =>
        this.coordination.createNamespacedLease({
          namespace: LEASE_NAMESPACE,
          body: { metadata: { name: nodeName, namespace: LEASE_NAMESPACE }, spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS } },
        }, options)).catch((err: unknown) => {
        if (!isStatus(err, 409)) throw err;
      });
      await patch();
    }
  }
}

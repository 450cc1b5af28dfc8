/**
 * An in-memory API server for the kubelet loop's test: pods by uid, the
 * field selectors the loop uses, and a record of node and lease writes.
 * Status patches merge at the top level of `status`, which is what a JSON
 * merge patch does with the kubelet's whole arrays.
 */
import type * as k8s from '@kubernetes/client-node';
import type { KubeletCalls } from './api.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const field = (pod: k8s.V1Pod, path: string): string =>
  ({ 'spec.nodeName': pod.spec?.nodeName ?? '', 'spec.schedulerName': pod.spec?.schedulerName ?? 'default-scheduler' })[path] ??
  (() => {
    throw new Error(`fake API: no field selector ${path}`);
  })();

export class FakeKubeletApi implements KubeletCalls {
  readonly pods = new Map<string, k8s.V1Pod>();
  node: Record<string, unknown> | undefined;
  nodeStatus: Record<string, unknown> | undefined;
  leaseRenewals = 0;
  readonly calls: string[] = [];

  add(pod: k8s.V1Pod): void {
    this.pods.set(pod.metadata?.uid ?? '', clone(pod));
  }

  byName(name: string): k8s.V1Pod | undefined {
    return [...this.pods.values()].find((p) => p.metadata?.name === name);
  }

  async listPods(fieldSelector: string): Promise<k8s.V1Pod[]> {
    const terms = fieldSelector.split(',').map((t) => t.split('=') as [string, string]);
    return [...this.pods.values()].filter((p) => terms.every(([path, value]) => field(p, path) === value)).map(clone);
  }

  async bind(pod: k8s.V1Pod, nodeName: string): Promise<void> {
    this.calls.push(`bind ${pod.metadata?.name}`);
    const stored = this.pods.get(pod.metadata?.uid ?? '');
    if (!stored?.spec || stored.spec.nodeName) throw Object.assign(new Error('conflict'), { code: 409 });
    stored.spec.nodeName = nodeName;
  }

  async patchPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    this.calls.push(`status ${name} ${String(status['phase'])}`);
    const stored = this.byName(name);
    if (stored?.metadata?.namespace === namespace) stored.status = { ...stored.status, ...clone(status) };
  }

  async finishPodDeletion(_namespace: string, name: string, uid: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    this.pods.delete(uid);
  }

  async ensureNode(manifest: Record<string, unknown>): Promise<void> {
    this.node ??= clone(manifest);
  }

  async readNode(): Promise<k8s.V1Node> {
    return clone(this.node ?? {}) as k8s.V1Node;
  }

  async patchNodeStatus(_name: string, status: Record<string, unknown>): Promise<void> {
    this.nodeStatus = clone(status);
  }

  async renewLease(): Promise<void> {
    this.leaseRenewals++;
  }
}

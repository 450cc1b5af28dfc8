/**
 * A stand-in for the kubelet, for tests on the local environment, which has
 * no kubelet and no scheduler: pods created by the members' real deployment
 * and replicaset controllers stay Pending forever. This marks pods Running
 * and Ready through the real API server's `pods/status` subresource — the
 * write a kubelet makes when a container's readiness probe passes — for the
 * pods `ready(pod)` accepts; the others stay Pending, as pods whose container
 * never gets ready (CoreDNS exiting on a Corefile it rejects) would.
 *
 * It runs nothing: whether a pod is "ready" is the test's decision, stated
 * in `ready`. Everything downstream of that write — ReplicaSet and
 * Deployment status, rollout progress — is Kubernetes' own.
 */
import * as k8s from '@kubernetes/client-node';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface FakeKubelet {
  /** Decides, per pod, whether its container becomes ready. Change it between test steps. */
  ready: (pod: k8s.V1Pod) => boolean;
  /** Pods marked ready so far (namespace/name). */
  readonly readied: Set<string>;
  stop(): Promise<void>;
}

const isReady = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Starts marking pods in `namespace` ready every `intervalMs` while `ready(pod)` says so. */
export function startFakeKubelet(kc: k8s.KubeConfig, namespace: string, ready: (pod: k8s.V1Pod) => boolean, intervalMs = 200): FakeKubelet {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let stopped = false;
  const kubelet: FakeKubelet = {
    ready,
    readied: new Set(),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
  const pass = async () => {
    const pods = (await core.listNamespacedPod({ namespace })).items;
    for (const p of pods) {
      if (isReady(p) || p.metadata?.deletionTimestamp || !kubelet.ready(p)) continue;
      const now = new Date();
      const name = p.metadata?.name ?? '';
      await core.patchNamespacedPodStatus({
        namespace,
        name,
        body: {
          status: {
            phase: 'Running',
            startTime: now,
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
          },
        },
      }, merge).catch((e: unknown) => {
        // A pod deleted between list and patch is gone; nothing to mark.
        if ((e as { code?: unknown }).code !== 404) throw e;
      });
      kubelet.readied.add(`${namespace}/${name}`);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      // Errors are not fatal to a kubelet either: the next pass retries.
      await pass().catch(() => undefined);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return kubelet;
}

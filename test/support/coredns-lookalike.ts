/**
 * A CoreDNS look-alike on a member of the local environment, for the e2e
 * tests of rollout, rollback and crash recovery: a Deployment named coredns
 * (2 replicas, CoreDNS's image, the Corefile mounted as kubeadm mounts it),
 * its ConfigMap and ServiceAccount, in a namespace of the test's own, so the
 * member's real CoreDNS is never touched.
 *
 * The member's real kube-controller-manager runs the Deployment; the kubelet
 * is the stand-in from ./kubelet.ts, and which pods get ready is the test's
 * choice (`everyPodGetsReady`, `onlyExistingReplicaSetsGetReady`).
 */
import * as k8s from '@kubernetes/client-node';
import type { EnvState } from '../env/environment.js';
import { KUBEADM_COREFILE } from '../env/manifests.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { RESTARTED_AT, deploymentHealth } from '../../src/coredns/rollout.js';
import { startFakeKubelet, type FakeKubelet } from './kubelet.js';
import { applyAll, eventually, type Clients } from './kube.js';

export class CoreDnsLookAlike {
  readonly apps: k8s.AppsV1Api;
  /** The Deployment and the ConfigMap (both named coredns). */
  readonly ref: { namespace: string; name: string };
  /** Undefined until start(). */
  private kubelet: FakeKubelet | undefined;
  private created = false;

  constructor(private readonly env: EnvState, private readonly member: Clients, readonly namespace: string) {
    this.apps = member.kc.makeApiClient(k8s.AppsV1Api);
    this.ref = { namespace, name: 'coredns' };
  }

  /** Creates the namespace and objects with kubeadm's Corefile, starts the kubelet stand-in (every pod ready), and waits until the Deployment is healthy. */
  async start(): Promise<void> {
    const labels = { 'k8s-app': 'kube-dns-lookalike' };
    await this.member.core.createNamespace({ body: { metadata: { name: this.namespace } } });
    this.created = true;
    await applyAll(this.member, [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: this.namespace } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: this.namespace }, data: { Corefile: KUBEADM_COREFILE } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: this.namespace, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: 'coredns',
              containers: [{ name: 'coredns', image: `registry.k8s.io/coredns/coredns:${this.env.versions.coredns}`, args: ['-conf', '/etc/coredns/Corefile'], volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }] }],
              volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
            },
          },
        },
      },
    ] as k8s.KubernetesObject[]);
    this.kubelet = startFakeKubelet(this.member.kc, this.namespace, () => true);
    await this.healthy();
  }

  /**
   * Stops the kubelet stand-in and deletes the namespace; safe after a start()
   * that failed part-way. Then installs on kube-system's CoreDNS again: an
   * install on the look-alike bound our ClusterRoleBinding to the look-alike's
   * account, and the tests that follow expect kube-system/coredns bound.
   */
  async remove(): Promise<void> {
    await this.kubelet?.stop();
    if (this.created) await this.member.core.deleteNamespace({ name: this.namespace }).catch(() => undefined);
    const r = await installCoreDns(this.member.kc);
    if (r.kind !== 'installed' && r.kind !== 'unchanged') throw new Error(`could not bind kube-system/coredns again: ${r.kind}: ${r.message}`);
  }

  configMap(): Promise<k8s.V1ConfigMap> {
    return this.member.core.readNamespacedConfigMap(this.ref);
  }

  async corefile(): Promise<string | undefined> {
    return (await this.configMap()).data?.['Corefile'];
  }

  /** Replaces the Corefile, as `kubectl edit` would (a 409 if it changed since the read). */
  async setCorefile(text: string): Promise<void> {
    const cm = await this.configMap();
    await this.member.core.replaceNamespacedConfigMap({ ...this.ref, body: { ...cm, data: { Corefile: text } } });
  }

  deployment(): Promise<k8s.V1Deployment> {
    return this.apps.readNamespacedDeployment(this.ref);
  }

  /** The pod template's restartedAt annotation: what a rollout (ours or kubectl's) changes. */
  async restartedAt(): Promise<string | undefined> {
    return (await this.deployment()).spec?.template.metadata?.annotations?.[RESTARTED_AT];
  }

  healthy(): Promise<true> {
    return eventually('the look-alike Deployment to be healthy', async () => (deploymentHealth(await this.deployment()).state === 'healthy' ? true : undefined), 60_000);
  }

  async replicaSets(): Promise<k8s.V1ReplicaSet[]> {
    return (await this.apps.listNamespacedReplicaSet({ namespace: this.namespace })).items;
  }

  /** Only the ReplicaSets that exist now get ready pods: a new one's pods never do (CoreDNS rejecting a new Corefile). */
  async onlyExistingReplicaSetsGetReady(): Promise<void> {
    const hashes = new Set((await this.replicaSets()).map((r) => r.metadata?.labels?.['pod-template-hash']));
    if (this.kubelet) this.kubelet.ready = (p) => hashes.has(p.metadata?.labels?.['pod-template-hash']);
  }

  everyPodGetsReady(): void {
    if (this.kubelet) this.kubelet.ready = () => true;
  }

  noPodGetsReady(): void {
    if (this.kubelet) this.kubelet.ready = () => false;
  }
}

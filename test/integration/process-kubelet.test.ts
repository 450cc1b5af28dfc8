/**
 * The data plane's process kubelet (test/env/dataplane/kubelet) against a
 * real kube-apiserver (test/support/apiserver.ts), with real pod networks and
 * processes on this machine (root; namespaces csdnst-*): it registers its
 * Node and Lease, binds only its scheduler's pods, runs one to Ready and
 * reachable on its IP, refuses an image-only pod, finishes a one-shot pod,
 * writes status only when it changes, completes a graceful deletion, and
 * leaves no pod namespace behind when stopped.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeletApi } from '../env/dataplane/kubelet/api.js';
import { ProcessKubelet } from '../env/dataplane/kubelet/kubelet.js';
import { run } from '../env/dataplane/kubelet/net-runner.js';
import { makeNodeNamespace, podNamespaces as podNamespacesOf, removeNodeNamespace } from '../env/dataplane/kubelet/test-support.js';
import { SCHEDULER_NAME, type KubeletConfig, type NodeNetwork } from '../env/dataplane/kubelet/types.js';
import { startApiServerFixture, type ApiServerFixture } from '../support/apiserver.js';
import { eventually, getOrUndefined } from '../support/kube.js';

const network: NodeNetwork = { member: 'test', nodeName: 'test-node', nodeNs: 'csdnst-loop', podCidr: '10.77.0.0/16', gateway: '10.77.0.1', nodeIp: '10.254.0.7' };
const NS = 'demo';

function pod(name: string, spec: Partial<k8s.V1PodSpec>): k8s.V1Pod {
  return { metadata: { name, namespace: NS }, spec: { schedulerName: SCHEDULER_NAME, containers: [], ...spec } };
}

const condition = (p: k8s.V1Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

describe('process kubelet on a real API server (integration, root)', function () {
  this.timeout(120_000);
  let api: ApiServerFixture | undefined;
  let core: k8s.CoreV1Api;
  let stateDir: string;
  let kubelet: ProcessKubelet | undefined;
  let running: Promise<void> | undefined;
  const read = (name: string) => getOrUndefined(() => core.readNamespacedPod({ namespace: NS, name }));

  before(async function () {
    this.timeout(120_000);
    stateDir = mkdtempSync(join(tmpdir(), 'csdnst-kubelet-loop-'));
    await removeNodeNamespace(network);
    await makeNodeNamespace(network);
    api = await startApiServerFixture();
    core = api.kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async () => {
    kubelet?.stop();
    await running?.catch(() => undefined);
    await removeNodeNamespace(network);
    await api?.teardown();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('binds, runs, reports, refuses, finishes, deletes, and cleans up on stop', async () => {
    const web = pod('web', {
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web', image: 'agnhost', command: ['socat'], args: ['TCP-LISTEN:8080,bind=$(POD_IP),reuseaddr,fork', 'SYSTEM:echo ok'],
        env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      }],
    });
    const other = pod('coredns', { schedulerName: 'default-scheduler', containers: [{ name: 'coredns', image: 'coredns' }] });
    const imageOnly = pod('image-only', { nodeName: network.nodeName, containers: [{ name: 'nginx', image: 'nginx' }] });
    const job = pod('job', { restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox', command: ['sh', '-c', 'exit 0'] }] });
    for (const p of [web, other, imageOnly, job]) await core.createNamespacedPod({ namespace: NS, body: p });
    const otherVersion = (await read('coredns'))?.metadata?.resourceVersion;

    const config: KubeletConfig = { kubeconfig: '/unused: the API is given', network, stateDir, clusterDomain: 'cluster.local' };
    kubelet = new ProcessKubelet(config, new KubeletApi(api!.kubeConfig('admin')), () => undefined);
    running = kubelet.run();

    const ready = await eventually('web Ready', async () => {
      const p = await read('web');
      return condition(p, 'Ready') === 'True' ? p : undefined;
    }, 30_000, 100);
    expect(ready.spec?.nodeName, 'bound through pods/binding').to.equal(network.nodeName);
    expect(ready.status).to.deep.include({ phase: 'Running', hostIP: network.nodeIp });
    const ip = ready.status?.podIP ?? '';
    expect(ip, 'from the pod CIDR, past the gateway').to.match(/^10\.77\.0\.([2-9]|\d\d+)$/);
    expect(ready.status?.podIPs).to.deep.equal([{ ip }]);
    expect(ready.status?.containerStatuses?.[0]).to.deep.include({ name: 'web', image: 'agnhost', ready: true, restartCount: 0, started: true });
    // The pod answers on its own address, from the node ns (through the node's /32 route to it).
    expect((await run(['ip', 'netns', 'exec', network.nodeNs, 'socat', '-T2', '-', `TCP:${ip}:8080`])).trim()).to.equal('ok');

    await eventually('job Succeeded', async () => ((await read('job'))?.status?.phase === 'Succeeded' ? true : undefined), 30_000, 100);
    const refused = await eventually('image-only Failed', async () => {
      const p = await read('image-only');
      return p?.status?.phase === 'Failed' ? p : undefined;
    }, 30_000, 100);
    expect(refused.status?.message).to.match(/container nginx has no command/);

    // Never bound, never written: another scheduler's pod is not this kubelet's business.
    const untouched = await read('coredns');
    expect(untouched?.spec?.nodeName).to.equal(undefined);
    expect(untouched?.metadata?.resourceVersion).to.equal(otherVersion);

    const node = await core.readNode({ name: network.nodeName });
    expect(node.spec?.podCIDR).to.equal(network.podCidr);
    expect(node.status?.addresses).to.deep.include({ type: 'InternalIP', address: network.nodeIp });
    expect(condition(node as unknown as k8s.V1Pod, 'Ready'), 'the Node is Ready').to.equal('True');
    const lease = await api!.kubeConfig('admin').makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: 'kube-node-lease', name: network.nodeName });
    expect(lease.spec?.holderIdentity).to.equal(network.nodeName);

    // Status is written when it changes, not on every pass (a pass is a few hundred ms).
    const version = (await read('web'))?.metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await read('web'))?.metadata?.resourceVersion, 'no status write without a change').to.equal(version);

    // A graceful deletion: processes stopped, network removed, then the pod deleted for good by the kubelet.
    await core.deleteNamespacedPod({ namespace: NS, name: 'web' });
    expect((await read('web'))?.metadata?.deletionTimestamp, 'graceful: the pod stays until the kubelet finishes').to.not.equal(undefined);
    await eventually('web gone', async () => ((await read('web')) === undefined ? true : undefined), 30_000, 100);
    expect(await podNamespacesOf(network), 'only the job\'s namespace, kept until its pod is deleted').to.have.length(1);

    kubelet.stop();
    await running;
    expect(await podNamespacesOf(network)).to.deep.equal([]);
  });
});

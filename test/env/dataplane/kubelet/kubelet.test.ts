/**
 * The kubelet's loop against an in-memory API (fake-api.ts), with real pod
 * networks and processes on this machine (root; namespaces csdnst-*): binds
 * only its scheduler's pods, runs one to Ready, refuses one, finishes one,
 * deletes one gracefully, and leaves nothing behind when stopped.
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeletApi } from './fake-api.js';
import { ProcessKubelet } from './kubelet.js';
import { run } from './net-runner.js';
import { makeNodeNamespace, podNamespaces as podNamespacesOf, removeNodeNamespace, until } from './test-support.js';
import { SCHEDULER_NAME, type KubeletConfig, type NodeNetwork } from './types.js';

const network: NodeNetwork = { member: 'test', nodeName: 'test-node', nodeNs: 'csdnst-loop', podCidr: '10.77.0.0/16', gateway: '10.77.0.1', nodeIp: '10.254.0.7' };
const podNamespaces = () => podNamespacesOf(network);

let n = 0;
function pod(name: string, spec: Partial<k8s.V1PodSpec>): k8s.V1Pod {
  n++;
  return {
    metadata: { name, namespace: 'demo', uid: `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000` },
    spec: { schedulerName: SCHEDULER_NAME, containers: [], ...spec },
  };
}

const holds = (ok: () => boolean) => () => (ok() ? true : undefined);

const condition = (p: k8s.V1Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

describe('process kubelet: the loop, with real pod networks (root)', function () {
  this.timeout(40_000);
  let stateDir: string;
  let kubelet: ProcessKubelet | undefined;
  let running: Promise<void> | undefined;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'csdnst-kubelet-loop-'));
    await makeNodeNamespace(network);
  });

  after(async () => {
    kubelet?.stop();
    await running?.catch(() => undefined);
    await removeNodeNamespace(network);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('binds, runs, reports, refuses, deletes, and cleans up on stop', async () => {
    const api = new FakeKubeletApi();
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
    for (const p of [web, other, imageOnly, job]) api.add(p);

    const config: KubeletConfig = { kubeconfig: '/nonexistent', network, stateDir, clusterDomain: 'cluster.local' };
    kubelet = new ProcessKubelet(config, api, () => undefined);
    running = kubelet.run();

    await until('web ready', holds(() => condition(api.byName('web'), 'Ready') === 'True'));
    const webStatus = api.byName('web')?.status;
    expect(api.byName('web')?.spec?.nodeName).to.equal(network.nodeName);
    expect(webStatus).to.deep.include({ phase: 'Running', podIP: '10.77.0.2', hostIP: network.nodeIp });
    expect(webStatus?.containerStatuses?.[0]).to.deep.include({ name: 'web', image: 'agnhost', ready: true, restartCount: 0, started: true });
    // The pod answers on its own address, from the node ns (routed through the node's /32 route).
    expect((await run(['ip', 'netns', 'exec', network.nodeNs, 'socat', '-T2', '-', 'TCP:10.77.0.2:8080'])).trim()).to.equal('ok');

    await until('job succeeded', holds(() => api.byName('job')?.status?.phase === 'Succeeded'));
    await until('image-only failed', holds(() => api.byName('image-only')?.status?.phase === 'Failed'));
    expect(api.byName('image-only')?.status?.message).to.match(/container nginx has no command/);

    // Never bound, never written: another scheduler's pod is not this kubelet's business.
    expect(api.byName('coredns')?.spec?.nodeName).to.equal(undefined);
    expect(api.byName('coredns')?.status).to.equal(undefined);
    expect(api.calls.filter((c) => c.includes('coredns'))).to.deep.equal([]);

    expect(api.node).to.deep.include({ spec: { podCIDR: network.podCidr, podCIDRs: [network.podCidr] } });
    expect(api.nodeStatus?.['addresses']).to.deep.include({ type: 'InternalIP', address: network.nodeIp });
    expect(api.leaseRenewals).to.be.greaterThan(0);

    // Status is written when it changes, not on every pass.
    const writes = api.calls.filter((c) => c.startsWith('status web')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(api.calls.filter((c) => c.startsWith('status web')).length).to.equal(writes);

    // A graceful deletion: processes stopped, network removed, then the pod deleted for good.
    const stored = api.byName('web');
    if (stored?.metadata) stored.metadata.deletionTimestamp = new Date();
    await until('web deleted', holds(() => api.byName('web') === undefined));
    expect(await podNamespaces()).to.have.length(1); // the job's, kept until the pod is deleted

    kubelet.stop();
    await running;
    expect(await podNamespaces()).to.deep.equal([]);
  });
});

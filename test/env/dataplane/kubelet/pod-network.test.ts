/**
 * The pod network on this machine's kernel: a node namespace made here (as
 * the environment makes one per member), two pods through the kubelet's own
 * code, a listener in one reached from the other through the node, then no
 * namespace, veth or /etc/netns directory left. Needs root, `ip` and
 * `socat`; its namespaces are named csdnst-* (the environment owns csdns-*).
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPlanePrerequisites } from '../netns.js';
import { createPodNetwork, deletePodNetwork, netnsEtcDir, run, sweepStalePodNetworks } from './net-runner.js';
import { podNetworkNames } from './pod-network.js';
import { podRunPlan } from './run-plan.js';
import { PodProcesses } from './supervisor.js';
import { makeNodeNamespace, podNamespaces as podNamespacesOf, removeNodeNamespace, until } from './test-support.js';
import type { NodeNetwork } from './types.js';

const network: NodeNetwork = { member: 'test', nodeName: 'test-node', nodeNs: 'csdnst-node', podCidr: '10.99.0.0/16', gateway: '10.99.0.1', nodeIp: '10.254.0.1' };
const A = 'aaaaaaaa-1111-4111-8111-111111111111';
const B = 'bbbbbbbb-2222-4222-8222-222222222222';
const C = 'cccccccc-3333-4333-8333-333333333333';

const podNamespaces = () => podNamespacesOf(network);

describe('process kubelet: pod network on this kernel (root)', function () {
  this.timeout(30_000);
  let logDir: string;

  before(async () => {
    // On a fresh machine `npm run test:unit` may come before `npm run binaries`, which installs these.
    const missing = await dataPlanePrerequisites();
    if (missing.length > 0) throw new Error(`this test needs ${missing.join(', ')}: npm run binaries installs them (as npm test does first)`);
    logDir = mkdtempSync(join(tmpdir(), 'csdnst-kubelet-'));
    await makeNodeNamespace(network);
  });

  after(async () => {
    if (!logDir) return; // the before hook stopped at the prerequisites: nothing was made
    for (const uid of [A, B, C]) await deletePodNetwork(network, uid);
    await removeNodeNamespace(network);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('connects a pod to a listener in another pod through the node, and removes everything after', async () => {
    await createPodNetwork(network, A, '10.99.0.2', 'demo', 'cluster.local');
    await createPodNetwork(network, B, '10.99.0.3', 'demo', 'cluster.local');
    const a = podNetworkNames(network, A);
    const b = podNetworkNames(network, B);

    // The listener runs as a container would: planned from a pod spec, supervised, probed for readiness.
    const pod: k8s.V1Pod = {
      metadata: { name: 'b', namespace: 'demo', uid: B },
      spec: {
        containers: [{
          name: 'echo',
          command: ['socat'],
          args: ['TCP-LISTEN:8080,bind=$(POD_IP),reuseaddr,fork', 'SYSTEM:echo peer=$SOCAT_PEERADDR'],
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        }],
      },
    };
    const plan = podRunPlan(pod, network, '10.99.0.3', { PATH: process.env['PATH'] ?? '' });
    if (!plan.ok) throw new Error(plan.refusal.message);
    const processes = new PodProcesses(plan.plan, join(logDir, 'b'), () => undefined, () => undefined);
    try {
      processes.start();
      await until('the listener to be ready', async () => (processes.runtimes[0]?.ready ? true : undefined));

      // The pod sees its own resolv.conf, bind-mounted by ip netns exec.
      expect(await run(['ip', 'netns', 'exec', a.podNs, 'cat', '/etc/resolv.conf'])).to.equal(
        'nameserver 10.99.0.1\nsearch demo.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
      // B sees A's own address: routed, not masqueraded.
      const answer = await until('an answer from pod b', async () => (await run(['ip', 'netns', 'exec', a.podNs, 'socat', '-T2', '-', 'TCP:10.99.0.3:8080'])).trim() || undefined);
      expect(answer).to.equal('peer=10.99.0.2');
      // The node ns routes it: it holds a /32 per pod, through that pod's veth.
      expect(await run(['ip', '-n', network.nodeNs, 'route', 'get', '10.99.0.3'])).to.contain(`dev ${b.nodeVeth}`);
      // The pod's next hop, the gateway on the node's lo, was resolved over the veth: the node's end answered.
      expect(await run(['ip', '-n', a.podNs, 'neigh', 'show', network.gateway])).to.match(/dev eth0 lladdr /);
    } finally {
      await processes.stop(1000);
    }
    expect(processes.runtimes[0]?.state.kind).to.equal('terminated');

    await deletePodNetwork(network, A);
    await deletePodNetwork(network, B);
    expect(await podNamespaces()).to.deep.equal([]);
    expect(await run(['ip', '-n', network.nodeNs, '-o', 'link'])).not.to.match(/cp[0-9a-f]{8}/);
    expect(existsSync(netnsEtcDir(a.podNs)) || existsSync(netnsEtcDir(b.podNs))).to.equal(false);
  });

  it('undoes a half-made network when a command fails', async () => {
    // The route on the node fails: another route to that address is already there.
    await run(['ip', '-n', network.nodeNs, 'route', 'add', '10.99.0.9/32', 'dev', 'lo']);
    try {
      let failed = false;
      await createPodNetwork(network, C, '10.99.0.9', 'demo', 'cluster.local').catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(await podNamespaces()).to.deep.equal([]);
      expect(await run(['ip', '-n', network.nodeNs, '-o', 'link'])).not.to.match(/cp[0-9a-f]{8}/);
    } finally {
      await run(['ip', '-n', network.nodeNs, 'route', 'del', '10.99.0.9/32', 'dev', 'lo']);
    }
  });

  it('sweeps the pod networks an earlier run left behind, and only those', async () => {
    await createPodNetwork(network, C, '10.99.0.4', 'demo', 'cluster.local');
    expect(readFileSync(join(netnsEtcDir(podNetworkNames(network, C).podNs), 'resolv.conf'), 'utf8')).to.contain('nameserver 10.99.0.1');
    expect(await sweepStalePodNetworks(network)).to.deep.equal(['csdnst-node-cccccccc']);
    expect(await podNamespaces()).to.deep.equal([]);
    expect((await run(['ip', 'netns', 'list'])).split('\n').some((l) => l.startsWith(`${network.nodeNs} `) || l === network.nodeNs)).to.equal(true);
    expect(existsSync(netnsEtcDir(podNetworkNames(network, C).podNs))).to.equal(false);
  });
});

/**
 * The environment's last start step: the data plane. Per member a node
 * namespace on a shared fabric (topology.ts), relays to the member's API
 * server and CoreDNS (relays.ts), kube-proxy in nftables mode (kube-proxy.ts)
 * and the process kubelet (kubelet/), which registers the member's Node and
 * runs pods as processes in their own namespaces. After it, a pod in member2
 * that asks for a clusterset name gets member2's CoreDNS answer and reaches
 * the address through member2's kube-proxy rules, as in a real cluster.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../binaries.js';
import { getJson, kubeConfigYaml } from '../kube.js';
import { waitUntil } from '../process.js';
import { launch, timed, type StartContext } from '../startup.js';
import { access, MEMBERS } from '../state.js';
import { KUBE_PROXY_TABLE, kubeProxyArgs } from './kube-proxy.js';
import type { KubeletConfig } from './kubelet/types.js';
import { createNetwork, ensureDataPlaneTools } from './netns.js';
import { nodeApiServer, relaySpecs } from './relays.js';
import { environmentPrefix, nodeNetworks, type NodeNetwork } from './topology.js';

const run = promisify(execFile);

/** True once kube-proxy has written its table into the node's nftables: it has read the API and synced. */
async function kubeProxySynced(node: NodeNetwork): Promise<boolean> {
  try {
    await run('ip', ['netns', 'exec', node.nodeNs, 'nft', 'list', 'table', ...KUBE_PROXY_TABLE], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function nodeReady(ctx: StartContext, node: NodeNetwork): Promise<boolean> {
  const n = (await getJson(access(ctx.state, node.member), `/api/v1/nodes/${node.nodeName}`).catch(() => undefined)) as
    | { status?: { conditions?: Array<{ type: string; status: string }> } }
    | undefined;
  return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export async function startDataPlane(ctx: StartContext): Promise<void> {
  const { log, dir, bins, state, save } = ctx;
  await timed(log, 'data plane (node namespaces, kube-proxy, process kubelets)', async () => {
    await ensureDataPlaneTools(log);
    const prefix = environmentPrefix(dir);
    const nodes = nodeNetworks(MEMBERS, prefix);
    await createNetwork(nodes, prefix);
    state.dataPlane = { nodes };
    save();
    const dpDir = join(dir, 'dataplane');
    mkdirSync(dpDir, { recursive: true });
    await Promise.all(nodes.map(async (node) => {
      const member = state.members[node.member];
      const api = ctx.clusters.find((c) => c.name === node.member)?.port;
      const dns = Number(member?.dns.split(':')[1]);
      if (!member || !api || !dns) throw new Error(`no API server or CoreDNS recorded for ${node.member}`);
      for (const r of relaySpecs(node, { api, dns }, dpDir)) launch(ctx, r);
      const nodeDir = join(dpDir, node.member);
      mkdirSync(nodeDir, { recursive: true });
      const kubeconfig = join(nodeDir, 'kube-proxy.kubeconfig');
      writeFileSync(kubeconfig, kubeConfigYaml([{ ...access(state, node.member), server: nodeApiServer() }], node.member), { mode: 0o600 });
      const proxy = launch(ctx, { name: `${node.member}-kube-proxy`, bin: 'ip', args: ['netns', 'exec', node.nodeNs, bins['kube-proxy'], ...kubeProxyArgs(node, kubeconfig)] });
      const kubeletConfig = join(nodeDir, 'kubelet.json');
      // Its pods' logs and pid files go to <nodeDir>/pods/.
      const config: KubeletConfig = { kubeconfig: join(dir, node.member, 'admin.kubeconfig'), network: node, stateDir: nodeDir, clusterDomain: 'cluster.local' };
      writeFileSync(kubeletConfig, JSON.stringify(config, null, 2));
      const kubelet = launch(ctx, {
        name: `${node.member}-process-kubelet`,
        bin: process.execPath,
        args: ['--import', 'tsx', join(repoRoot, 'test', 'env', 'dataplane', 'kubelet', 'main.ts'), kubeletConfig],
        cwd: repoRoot,
      });
      save();
      await Promise.all([
        waitUntil(`${node.member} kube-proxy's nftables table`, () => kubeProxySynced(node), { timeoutMs: 60_000, intervalMs: 250, proc: proxy }),
        waitUntil(`Node ${node.nodeName} Ready`, () => nodeReady(ctx, node), { timeoutMs: 60_000, intervalMs: 250, proc: kubelet }),
      ]);
    }));
  });
}

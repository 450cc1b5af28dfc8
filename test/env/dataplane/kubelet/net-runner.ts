/**
 * Runs pod-network.ts's commands: makes and removes a pod's namespace, veth
 * pair, routes and /etc/netns/<podNs>/resolv.conf (which `ip netns exec`
 * bind-mounts over /etc/resolv.conf for every process started in the pod).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPodNamespace, podNetworkDown, podNetworkNames, podNetworkUp, resolvConf, type PodNetworkNames } from './pod-network.js';
import type { NodeNetwork } from './types.js';

/** An `ip` command that does not finish in this time is treated as failed (it never takes this long when healthy). */
const COMMAND_TIMEOUT_MS = 10_000;

export function run(argv: readonly string[]): Promise<string> {
  const [bin, ...args] = argv;
  if (bin === undefined) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export const netnsEtcDir = (podNs: string) => join('/etc/netns', podNs);

/**
 * Gives pod `uid` address `ip` on `network` and a resolv.conf for its
 * namespace. On a failure, undoes what it did and throws.
 */
export async function createPodNetwork(network: NodeNetwork, uid: string, ip: string, namespace: string, clusterDomain: string): Promise<PodNetworkNames> {
  const names = podNetworkNames(network, uid);
  try {
    for (const cmd of podNetworkUp(network, names, ip)) await run(cmd);
    const etc = netnsEtcDir(names.podNs);
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), resolvConf(namespace, clusterDomain, network.gateway));
    return names;
  } catch (e) {
    await deletePodNetwork(network, uid);
    throw e;
  }
}

/** Removes pod `uid`'s network; anything already gone is fine. */
export async function deletePodNetwork(network: NodeNetwork, uid: string): Promise<void> {
  const names = podNetworkNames(network, uid);
  for (const cmd of podNetworkDown(network, names)) await run(cmd).catch(() => undefined);
  rmSync(netnsEtcDir(names.podNs), { recursive: true, force: true });
}

/**
 * Removes every pod namespace of this node left by an earlier kubelet (one
 * that was killed before it cleaned up): their processes are gone with it,
 * and the pods still on the node are started again, on fresh networks.
 */
export async function sweepStalePodNetworks(network: NodeNetwork): Promise<string[]> {
  const listed = await run(['ip', 'netns', 'list']);
  const stale = listed.split('\n').map((l) => l.split(' ')[0] ?? '').filter((ns) => isPodNamespace(network, ns));
  for (const ns of stale) {
    const key = ns.slice(network.nodeNs.length + 1);
    await run(['ip', '-n', network.nodeNs, 'link', 'del', `cp${key}`]).catch(() => undefined);
    await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    rmSync(netnsEtcDir(ns), { recursive: true, force: true });
  }
  return stale;
}

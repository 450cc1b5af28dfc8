/**
 * Helpers for the process kubelet's tests. For those that build real pod
 * networks: a node namespace as the environment makes one (lo up with the
 * gateway on it, forwarding on), and its removal with every pod namespace of
 * it. Tests name theirs csdnst-*; csdns-* belongs to the environment.
 */
import { run } from './net-runner.js';
import type { NodeNetwork } from './types.js';

export async function makeNodeNamespace(network: NodeNetwork): Promise<void> {
  if (!network.nodeNs.startsWith('csdnst-')) throw new Error(`test namespaces are named csdnst-*, not ${network.nodeNs}`);
  // Said up front: otherwise the first `ip netns add` fails with a bare "Permission denied".
  if (process.getuid?.() !== 0) throw new Error('this test builds network namespaces and needs root (and iproute2, socat)');
  await run(['ip', 'netns', 'add', network.nodeNs]);
  await run(['ip', '-n', network.nodeNs, 'link', 'set', 'lo', 'up']);
  await run(['ip', '-n', network.nodeNs, 'addr', 'add', `${network.gateway}/32`, 'dev', 'lo']);
  await run(['ip', 'netns', 'exec', network.nodeNs, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}

/** The pod namespaces of the node that exist now. */
export async function podNamespaces(network: NodeNetwork): Promise<string[]> {
  return (await run(['ip', 'netns', 'list'])).split('\n').map((l) => l.split(' ')[0] ?? '').filter((ns) => ns.startsWith(`${network.nodeNs}-`));
}

export async function removeNodeNamespace(network: NodeNetwork): Promise<void> {
  for (const ns of await podNamespaces(network)) await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
  await run(['ip', 'netns', 'del', network.nodeNs]).catch(() => undefined);
}

/** Polls `probe` every 100 ms until it returns something other than undefined (a throw counts as not yet). */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(probe).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether process `pid` exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

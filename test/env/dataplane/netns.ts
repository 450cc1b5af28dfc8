/**
 * The thin I/O under topology.ts: runs `ip`, lists and removes the
 * environment's network namespaces. Removal is by name prefix, so it also
 * clears what a crashed run left: processes still inside a namespace are
 * killed first (a namespace with a process in it outlives `ip netns del`),
 * then the namespace goes, taking its veths, routes and nftables rules with
 * it, and so does its /etc/netns/<name> directory (the resolv.conf that
 * `ip netns exec` mounts for a pod).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { NETNS_PREFIX, networkSetup, nodeSysctls, type NodeNetwork } from './topology.js';

const run = promisify(execFile);
const TIMEOUT_MS = 10_000;

/** The commands the data plane runs (nc: tcpSocket probes; dig: the tests' client pods), and the Debian package each comes from. */
export const DATAPLANE_TOOLS: Record<string, string> = { ip: 'iproute2', nft: 'nftables', socat: 'socat', nc: 'netcat-openbsd', dig: 'dnsutils' };

export async function ip(args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { timeout: TIMEOUT_MS })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

/**
 * Installs the data plane's Debian packages when some are missing and this
 * is a Debian machine run as root (as the quick start and CI machines are),
 * so that `npm run demo` on a fresh machine needs no extra step; anywhere
 * else, says what is missing.
 */
export async function ensureDataPlaneTools(log: (line: string) => void): Promise<void> {
  let missing = await dataPlanePrerequisites();
  const packages = Object.entries(DATAPLANE_TOOLS).filter(([tool]) => missing.some((m) => m.startsWith(`${tool} `))).map(([, pkg]) => pkg);
  if (packages.length > 0 && process.getuid?.() === 0 && (await run('sh', ['-c', 'command -v apt-get'], { timeout: TIMEOUT_MS }).then(() => true, () => false))) {
    log(`  installing Debian's ${packages.join(' ')} for the data plane (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { timeout: 300_000, env });
    await run('apt-get', ['install', '-y', '-qq', ...packages], { timeout: 300_000, env });
    missing = await dataPlanePrerequisites();
  }
  if (missing.length > 0) throw new Error(`the data plane needs ${missing.join(', ')}; install them (Debian: apt-get install ${Object.values(DATAPLANE_TOOLS).join(' ')})`);
}

/** What is missing to build the data plane on this machine (empty: nothing). */
export async function dataPlanePrerequisites(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)');
  for (const [tool, pkg] of Object.entries(DATAPLANE_TOOLS)) {
    try {
      await run('sh', ['-c', `command -v ${tool}`], { timeout: TIMEOUT_MS });
    } catch {
      missing.push(`${tool} (Debian package ${pkg})`);
    }
  }
  return missing;
}

/** The environment's namespaces that exist now. */
export async function ownNamespaces(prefix = NETNS_PREFIX): Promise<string[]> {
  // A machine without iproute2 has no namespaces of ours either.
  if ((await dataPlanePrerequisites()).some((m) => m.startsWith('ip '))) return [];
  const out = await ip(['netns', 'list']);
  // Lines look like "csdns-member1 (id: 3)" or just "csdns-member1".
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(prefix));
}

/** Kills what runs inside, then deletes every namespace of the environment; idempotent. */
export async function removeNetwork(prefix = NETNS_PREFIX): Promise<string[]> {
  const names = await ownNamespaces(prefix);
  for (const ns of names) {
    const pids = (await ip(['netns', 'pids', ns]).catch(() => '')).split('\n').map(Number).filter((p) => p > 0);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* exited meanwhile */
      }
    }
    await ip(['netns', 'del', ns]);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  const left = await ownNamespaces(prefix);
  if (left.length > 0) throw new Error(`network namespaces still there after removing them: ${left.join(', ')}`);
  return names;
}

/** Builds the fabric and the nodes, after removing anything an earlier run left. */
export async function createNetwork(nodes: readonly NodeNetwork[], prefix = NETNS_PREFIX): Promise<void> {
  await removeNetwork(prefix);
  for (const args of networkSetup(nodes, prefix)) await ip(args);
  for (const n of nodes) {
    for (const [key, value] of nodeSysctls()) await ip(['netns', 'exec', n.nodeNs, 'sysctl', '-q', '-w', `${key.replaceAll('/', '.')}=${value}`]);
  }
}

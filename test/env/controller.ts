/**
 * Runs `clusterset-dns run` as its own process against the local environment
 * (tests, the demo and the benchmarks),
 * authenticated as the ServiceAccount that config/karmada ships (its RBAC,
 * not an admin), as it would run on the Karmada host. In the members it has
 * exactly what config/members ships for it (through the cluster proxy, the
 * default), or, with `--member-access=direct`, the Clusters' own tokens, read
 * with the extra rights config/karmada/direct-access grants.
 */
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './binaries.js';
import { KARMADA_CONTEXT, MEMBERS, access, kubeConfig, type EnvState } from './environment.js';
import { apply, getJson, kubeConfigYaml, parseYamlObjects } from './kube.js';
import { freePorts, isAlive, rssBytes, startProcess, stopProcess, tailLog, waitUntil, type ProcessInfo } from './process.js';

/**
 * How the container image runs Node (the Dockerfile's ENV and ENTRYPOINT; a
 * unit test keeps them equal): a 1 MiB young generation and two malloc
 * arenas. The controller's live heap at 1,000 imports is ~50-90 MiB; V8's
 * default 16 MiB semi-spaces and glibc's per-thread arenas took a cold start
 * to 280-337 MiB of RSS, these two to 163-167 MiB, for about the same time
 * to write every policy (bench/memory.ts, BENCHMARKS.md "Memory").
 */
export const IMAGE_NODE_ARGS = ['--max-semi-space-size=1'];
export const IMAGE_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2' };

/** The objects a kustomization directory lists (resources + namespace only: all config/ uses). */
export function kustomizeResources(dir: string): KubernetesObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[]; namespace?: string };
  return (k.resources ?? []).flatMap((f) => parseYamlObjects(readFileSync(join(dir, f), 'utf8'))).map((o) => {
    if (k.namespace && o.metadata && o.kind !== 'Namespace' && !o.kind?.startsWith('Cluster')) o.metadata.namespace = k.namespace;
    return o;
  });
}

export interface RunningController {
  proc: ProcessInfo;
  health: string;
  metrics: string;
  kubeconfig: string;
  stop(): Promise<void>;
  rss(): number | undefined;
  metricsText(): Promise<string>;
}

/**
 * What config/ applies before a start; `retentionRule: false` leaves the
 * retention rule out (a federation without it); `memberAccess` is run's
 * --member-access (startController reads it from the arguments); `autoImport`
 * adds what run --auto-import needs.
 */
export interface ControllerSetup {
  retentionRule?: boolean;
  memberAccess?: 'proxy' | 'direct';
  /** run's --auto-import: config/karmada/auto-import and config/members/auto-import are applied too (startController reads it from the arguments). */
  autoImport?: boolean;
  /** The Karmada API server's address in the controller's kubeconfig (a fault test's proxy in front of it); default: the real one. */
  karmadaServer?: string;
}

/** run's --member-access in these arguments, as run parses it (the last one wins). */
export function memberAccessOf(args: readonly string[]): 'proxy' | 'direct' {
  let mode: string = 'proxy';
  args.forEach((a, i) => {
    if (a.startsWith('--member-access=')) mode = a.slice('--member-access='.length);
    else if (a === '--member-access') mode = args[i + 1] ?? mode;
  });
  return mode === 'direct' ? 'direct' : 'proxy';
}

/**
 * What config/members (and manage-coredns/) ship for the controller in a member, applied to
 * each member directly instead of propagated by Karmada: the same objects, without the wait,
 * and without also propagating the CoreDNS RBAC that the tests create with `coredns install`.
 */
function memberRbac(autoImport: boolean): KubernetesObject[] {
  const members = join(repoRoot, 'config', 'members');
  const controller = parseYamlObjects(readFileSync(join(members, 'controller-rbac.yaml'), 'utf8'));
  const extra = [...kustomizeResources(join(members, 'manage-coredns')), ...(autoImport ? kustomizeResources(join(members, 'auto-import')) : [])];
  return [...controller, ...extra].filter((o) => o.kind !== 'ClusterPropagationPolicy');
}

/**
 * Karmada's unifiedAuth controller lets each member's impersonator impersonate us only once it
 * has seen config/karmada's bindings, asynchronously: wait until every member answers a GET
 * through the proxy with the controller's token, so a start is not slowed by 403s and backoff.
 */
async function waitForProxy(env: EnvState, token: string): Promise<void> {
  const cp = { ...access(env, KARMADA_CONTEXT), token };
  await Promise.all(MEMBERS.map((m) => waitUntil(`member ${m} through the Karmada cluster proxy as the controller`, async () => {
    await getJson(cp, `/apis/cluster.karmada.io/v1alpha1/clusters/${m}/proxy/api/v1/namespaces?limit=1`);
    return true;
  }, { timeoutMs: 60_000, intervalMs: 500 })));
}

/** A kubeconfig for the controller's ServiceAccount on the Karmada API server, with config/karmada applied. */
export async function controllerKubeconfig(env: EnvState, setup: ControllerSetup = {}): Promise<string> {
  const kc = kubeConfig(env, KARMADA_CONTEXT);
  const direct = setup.memberAccess === 'direct';
  const objects = [
    ...kustomizeResources(join(repoRoot, 'config', 'karmada')).filter((o) => setup.retentionRule !== false || o.kind !== 'ResourceInterpreterCustomization'),
    ...(direct ? kustomizeResources(join(repoRoot, 'config', 'karmada', 'direct-access')) : []),
    ...(setup.autoImport ? kustomizeResources(join(repoRoot, 'config', 'karmada', 'auto-import')) : []),
  ];
  await apply(kc, objects, 'clusterset-dns-tests');
  // Pull members are reached through the proxy either way; the environment has only Push members.
  if (!direct) await Promise.all(MEMBERS.map((m) => apply(kubeConfig(env, m), memberRbac(setup.autoImport === true), 'clusterset-dns-tests')));
  const tr = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace: 'karmada-system', name: 'clusterset-dns', body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  if (!direct) await waitForProxy(env, tr.status?.token ?? '');
  const dir = join(env.dir, 'controller');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kubeconfig');
  const server = setup.karmadaServer ?? access(env, KARMADA_CONTEXT).server;
  writeFileSync(file, kubeConfigYaml([{ ...access(env, KARMADA_CONTEXT), server, token: tr.status?.token ?? '' }], KARMADA_CONTEXT), { mode: 0o600 });
  return file;
}

/**
 * Starts the controller from source (`node --import tsx src/cmd/main.ts`), or,
 * given `mainJs`, from a compiled build under plain node as the image runs it.
 */
/**
 * `mainJs`: a compiled build, run as the image runs it (IMAGE_NODE_ARGS,
 * IMAGE_ENV) unless `plainNode`; without it, the sources under tsx.
 */
export async function startController(env: EnvState, args: string[] = [], name = 'clusterset-dns', mainJs?: string, plainNode = false, setup: ControllerSetup = {}): Promise<RunningController> {
  const image = mainJs !== undefined && !plainNode;
  const kubeconfig = await controllerKubeconfig(env, { ...setup, memberAccess: setup.memberAccess ?? memberAccessOf(args), autoImport: setup.autoImport ?? args.includes('--auto-import') });
  const [hp, mp] = (await freePorts(2)) as [number, number];
  mkdirSync(join(env.dir, 'logs'), { recursive: true });
  const proc = startProcess({
    name,
    bin: process.execPath,
    args: [...(mainJs ? [...(image ? IMAGE_NODE_ARGS : []), mainJs] : ['--import', 'tsx', join(repoRoot, 'src', 'cmd', 'main.ts')]), 'run', `--kubeconfig=${kubeconfig}`,
      `--health-probe-bind-address=127.0.0.1:${hp}`, `--metrics-bind-address=127.0.0.1:${mp}`, ...args],
    cwd: repoRoot,
    env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info', ...(image ? IMAGE_ENV : {}) },
  }, join(env.dir, 'logs', `${name}-${Date.now()}.log`));
  const health = `http://127.0.0.1:${hp}`;
  try {
    await waitUntil('the controller to be ready (/readyz)', async () => (await fetch(`${health}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 250, proc });
  } catch (e) {
    // The caller never gets a handle to stop it: a controller left running would act in every later test.
    await stopProcess(proc.pid);
    throw e;
  }
  return {
    proc,
    health,
    metrics: `http://127.0.0.1:${mp}/metrics`,
    kubeconfig,
    stop: () => stopProcess(proc.pid),
    rss: () => rssBytes(proc.pid),
    metricsText: async () => (await fetch(`http://127.0.0.1:${mp}/metrics`)).text(),
  };
}

export function controllerLogTail(c: RunningController, lines = 40): string {
  return `${isAlive(c.proc.pid) ? '' : '(exited) '}${tailLog(c.proc.log, lines)}`;
}

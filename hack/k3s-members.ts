/**
 * `npm run members:k3s`: K3s clusters in containers (testcontainers' K3s
 * module), joined to the running local environment's Karmada as Push
 * members, for trying the controller against real kubelets and pods where
 * a Docker engine exists. The local environment and `npm test` need no
 * container engine; this is the one path that does, and it says so and
 * exits 1 where there is none (`--check` does only that). The pure part,
 * and the help, are in ./k3s/plan.ts; docs/local-environment.md, "Members
 * in containers", describes it.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { getContainerRuntimeClient } from 'testcontainers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { repoRoot } from '../test/env/binaries.js';
import { KARMADA_CONTEXT, kubeConfig, readState } from '../test/env/environment.js';
import { apply } from '../test/env/kube.js';
import { clusterRegistration, mcsApiCrds, memberJoinObjects } from '../test/env/manifests.js';
import { isNotFound } from '../src/kube/errors.js';
import { K3S_HELP, memberNames, noEngineMessage, parseK3sArgs } from './k3s/plan.js';

const FIELD_MANAGER = 'clusterset-dns-k3s';
const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

/** Polls `probe` until it gives a value, at most `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The token a legacy ServiceAccount token Secret carries, once K3s's token controller has filled it. */
function tokenOf(member: KubeConfig, name: string): Promise<string> {
  const core = member.makeApiClient(CoreV1Api);
  return until(`token Secret karmada-cluster/${name}`, async () => {
    const s = await core.readNamespacedSecret({ namespace: 'karmada-cluster', name });
    const t = s.data?.['token'];
    return t ? Buffer.from(t, 'base64').toString() : undefined;
  }, 60_000);
}

/** As `karmadactl join` does it: the member's accounts, then its Secrets and Cluster in Karmada; resolves once Ready. */
async function joinAsPush(karmada: KubeConfig, name: string, k3s: StartedK3sContainer): Promise<string> {
  const member = new KubeConfig();
  member.loadFromString(k3s.getKubeConfig());
  const cluster = member.getCurrentCluster();
  if (!cluster?.caData) throw new Error(`${name}: the K3s kubeconfig names no server CA`);
  await apply(member, [...memberJoinObjects(name), ...mcsApiCrds(repoRoot)], FIELD_MANAGER);
  const caPem = Buffer.from(cluster.caData, 'base64').toString();
  await apply(karmada, clusterRegistration(name, cluster.server, await tokenOf(member, `karmada-${name}`), await tokenOf(member, 'karmada-impersonator'), caPem), FIELD_MANAGER);
  const clusters = karmada.makeApiClient(CustomObjectsApi);
  await until(`Cluster ${name} Ready`, async () => {
    const c = await clusters.getClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name }) as { status?: { conditions?: Array<{ type: string; status: string }> } };
    return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? true : undefined;
  }, 120_000);
  return cluster.server;
}

/** Deletes the Cluster (Karmada then removes what it propagated there) and its Secrets. */
async function leave(karmada: KubeConfig, name: string): Promise<void> {
  const custom = karmada.makeApiClient(CustomObjectsApi);
  const core = karmada.makeApiClient(CoreV1Api);
  const gone = (e: unknown) => {
    if (!isNotFound(e)) throw e;
  };
  await custom.deleteClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name }).catch(gone);
  await until(`Cluster ${name} gone`, async () => {
    try {
      await custom.getClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name });
      return undefined;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }, 120_000);
  for (const secret of [name, `${name}-impersonator`]) await core.deleteNamespacedSecret({ namespace: 'karmada-cluster', name: secret }).catch(gone);
}

async function main(): Promise<void> {
  const parsed = parseK3sArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    say(K3S_HELP);
    return;
  }
  if (parsed.kind === 'usage') {
    process.stderr.write(`members:k3s: ${parsed.message}\n\n${K3S_HELP}\n`);
    process.exit(2);
  }
  const o = parsed.options;
  const engine = await getContainerRuntimeClient().catch((e: unknown) => fail(noEngineMessage(e instanceof Error ? e.message : String(e))));
  if (o.checkOnly) {
    say(`members:k3s: container engine found at ${engine.info.containerRuntime.host}`);
    return;
  }

  const env = readState();
  if (!env) return fail('members:k3s: no local environment is running: npm run env:up');
  const karmada = kubeConfig(env, KARMADA_CONTEXT);
  const listed = await karmada.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' }) as { items: Array<{ metadata: { name: string } }> };
  const chosen = memberNames(o, listed.items.map((c) => c.metadata.name));
  if ('clash' in chosen) return fail(`members:k3s: Karmada already has ${chosen.clash.join(', ')}: choose another --prefix`);

  const started: Array<{ name: string; k3s: StartedK3sContainer }> = [];
  const stop = async () => {
    for (const { name, k3s } of started.reverse()) {
      await leave(karmada, name).catch((e: unknown) => say(`${name}: could not leave Karmada: ${e instanceof Error ? e.message : String(e)}`));
      await k3s.stop();
      say(`${name}: stopped`);
    }
  };
  try {
    const dir = joinPath(env.dir, 'k3s');
    mkdirSync(dir, { recursive: true });
    for (const name of chosen.names) {
      say(`${name}: starting ${o.image}`);
      const k3s = await new K3sContainer(o.image).start();
      started.push({ name, k3s });
      const server = await joinAsPush(karmada, name, k3s);
      const file = joinPath(dir, `${name}.kubeconfig`);
      writeFileSync(file, k3s.getKubeConfig(), { mode: 0o600 });
      say(`${name}: joined as a Push member (${server}); kubeconfig ${file}`);
    }
  } catch (e) {
    await stop();
    fail(`members:k3s: ${e instanceof Error ? e.message : String(e)}`);
  }
  say('members joined; Ctrl-C to remove them');
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  await stop();
}

await main();

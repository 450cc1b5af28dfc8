/** Kubernetes helpers shared by the integration and end-to-end tests. */
import * as k8s from '@kubernetes/client-node';
import { KARMADA_CONTEXT, kubeConfig, type EnvState } from '../env/environment.js';
import { apply } from '../env/kube.js';
import { query } from '../../src/doctor/observe.js';
import { undefinedIfNotFound } from '../../src/kube/errors.js';

export interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  discovery: k8s.DiscoveryV1Api;
  custom: k8s.CustomObjectsApi;
  objects: k8s.KubernetesObjectApi;
}

export function clients(state: EnvState, context: string = KARMADA_CONTEXT): Clients {
  return clientsFor(kubeConfig(state, context));
}

/** The API clients for one cluster, from its kubeconfig. */
/** The admin's clients of the control plane and of both members of the environment. */
export function federationClients(state: EnvState): { karmada: Clients; m1: Clients; m2: Clients } {
  return { karmada: clients(state, KARMADA_CONTEXT), m1: clients(state, 'member1'), m2: clients(state, 'member2') };
}

/** Creates namespace `ns` in the control plane and waits until Karmada has made it in each of `members`. */
export async function federatedNamespace(karmada: Clients, members: Clients[], ns: string, timeoutMs = 60_000): Promise<void> {
  await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
  for (const m of members) await eventually(`namespace ${ns} in the members`, () => getOrUndefined(() => m.core.readNamespace({ name: ns })), timeoutMs);
}

export function clientsFor(kc: k8s.KubeConfig): Clients {
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

/**
 * The admin's credentials for `context`, acting as `user` (Impersonate-User):
 * RBAC and admission judge each request as that user's, as they would a
 * request made with its own token.
 */
export function impersonating(state: EnvState, user: string, context: string = KARMADA_CONTEXT): k8s.KubeConfig {
  const admin = kubeConfig(state, context);
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters,
    users: admin.users.map((u) => ({ ...u, impersonateUser: user })),
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
  return kc;
}

export function applyAll(c: Clients, objs: k8s.KubernetesObject[]): Promise<void> {
  return apply(c.kc, objs, 'clusterset-dns-tests');
}

/** Undefined instead of a 404. */
export const getOrUndefined = undefinedIfNotFound;

/**
 * Waits for `probe` to return a value (not undefined). Fails with what it
 * last saw, so a timeout says what was wrong rather than just "timeout".
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'nothing yet';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = 'not yet';
    } catch (e) {
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Fails unless `probe` keeps passing for the whole window: samples it about
 * every `intervalMs` from the start to (at least) the end, and fails at the
 * first sample that throws or returns false, naming the sample and when it
 * came. Unlike `eventually`, nothing is retried: a value that goes away and
 * comes back inside the window fails. The window is a duration, or the time
 * until `window` settles (its rejection is the failure). Resolves to the
 * number of samples taken.
 */
export async function holds(what: string, window: number | Promise<unknown>, probe: () => Promise<unknown>, intervalMs = 200): Promise<number> {
  const start = Date.now();
  let over = typeof window === 'number' ? () => Date.now() - start >= window : () => false;
  let failure: unknown;
  if (typeof window !== 'number') window.then(() => { over = () => true; }, (e: unknown) => { failure = e; over = () => true; });
  for (let sample = 1; ; sample++) {
    const at = Date.now() - start;
    const end = over();
    let broke: string | undefined;
    try {
      if ((await probe()) === false) broke = 'false';
    } catch (e) {
      broke = e instanceof Error ? e.message : String(e);
    }
    if (broke !== undefined) throw new Error(`${what}: broke at sample ${sample}, ${(at / 1000).toFixed(1)}s into the window (${broke})`);
    if (failure !== undefined) throw failure;
    if (end) return sample;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type { DnsAnswer } from '../../src/doctor/observation.js';

/** One A query against a DNS server on loopback (doctor's client, 1 s, one try); errors become values (ENOTFOUND = NXDOMAIN). */
export const queryA = (server: string, name: string) => query(server, name, 1000, 'A', 1);

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/**
 * The setting of the automatic-imports end-to-end tests: a namespace that
 * exists in the members only, CoreDNS set up in both, a controller running
 * with --auto-import under its shipped rights, and what the tests read and
 * write there (member ServiceExports and their conditions). `after()` leaves
 * the environment as it found it, the sentinel included: it makes Karmada
 * collect every member-side export, and the other tests expect Karmada as it
 * starts.
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { controllerLogTail, startController, type RunningController } from '../env/controller.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { MCS_API_VERSION } from '../../src/kube/gvr.js';
import { SENTINEL_NAME, SENTINEL_NAMESPACE } from '../../src/autoimport/sentinel.js';
import { useEnvironment } from './environment.js';
import { applyAll, clients, eventually, getOrUndefined, uniqueName, type Clients } from './kube.js';
import { MCS } from './mcs.js';

interface Cond { type: string; status: string; reason: string }

export class AutoImportSetting {
  env!: EnvState;
  karmada!: Clients;
  m1!: Clients;
  m2!: Clients;
  controller: RunningController | undefined;
  readonly ns: string;

  constructor(prefix: string, private readonly controllerName: string) {
    this.ns = uniqueName(prefix);
  }

  async before(): Promise<void> {
    this.env = await useEnvironment();
    this.karmada = clients(this.env, KARMADA_CONTEXT);
    this.m1 = clients(this.env, 'member1');
    this.m2 = clients(this.env, 'member2');
    for (const c of [this.m1, this.m2]) {
      const r = await installCoreDns(c.kc);
      expect(['installed', 'unchanged']).to.include(r.kind, r.message);
      // The namespace exists in the members only: the control plane has never heard of it.
      await c.core.createNamespace({ body: { metadata: { name: this.ns } } });
    }
    this.controller = await startController(this.env, ['--leader-elect=false', '--auto-import'], this.controllerName);
  }

  afterEach(failed: boolean): void {
    if (failed && this.controller) console.error(`controller log:\n${controllerLogTail(this.controller)}`);
  }

  async after(): Promise<void> {
    await this.controller?.stop();
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    for (const c of [this.m1, this.m2]) await quiet(c.core.deleteNamespace({ name: this.ns }));
    await quiet(this.karmada.core.deleteNamespace({ name: this.ns }));
    await removeSentinel(this.karmada);
  }

  /** A ServiceExport made in the member itself. */
  exportIn(c: Clients, name: string, extra: Partial<KubernetesObject> = {}): Promise<void> {
    return applyAll(c, [{ apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata: { name, namespace: this.ns }, ...extra } as KubernetesObject]);
  }

  /** The member ServiceExport's conditions as type → "status/reason". */
  async conditionsOf(c: Clients, name: string): Promise<Record<string, string>> {
    const se = (await getOrUndefined(() => c.custom.getNamespacedCustomObject({ ...MCS, namespace: this.ns, plural: 'serviceexports', name }))) as { status?: { conditions?: Cond[] } } | undefined;
    return Object.fromEntries((se?.status?.conditions ?? []).map((x) => [x.type, `${x.status}/${x.reason}`]));
  }

  conditionsBecome(c: Clients, cluster: string, name: string, want: Record<string, string>): Promise<Record<string, string>> {
    return eventually(`conditions of ${cluster}'s ServiceExport ${this.ns}/${name} to be ${JSON.stringify(want)}`, async () => {
      const got = await this.conditionsOf(c, name);
      return Object.entries(want).every(([k, v]) => got[k] === v) ? got : undefined;
    }, 60_000);
  }
}

/**
 * Removes the sentinel and waits until its namespace is gone: the next test
 * file's controller would otherwise meet it terminating, and its sentinel
 * would come back only after the namespace is gone.
 */
export async function removeSentinel(karmada: Clients): Promise<void> {
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  await quiet(karmada.custom.deleteNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: SENTINEL_NAMESPACE, plural: 'propagationpolicies', name: SENTINEL_NAME }));
  await quiet(karmada.core.deleteNamespace({ name: SENTINEL_NAMESPACE }));
  await eventually(`namespace ${SENTINEL_NAMESPACE} gone from the control plane`, async () => ((await getOrUndefined(() => karmada.core.readNamespace({ name: SENTINEL_NAMESPACE }))) === undefined ? true : undefined), 120_000);
}

/** Resolves once the sentinel ServiceExport is in the control plane (the controller creates it at start). */
export function sentinelInPlace(karmada: Clients): Promise<unknown> {
  return eventually('the sentinel ServiceExport in the control plane', () => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...MCS, namespace: SENTINEL_NAMESPACE, plural: 'serviceexports', name: SENTINEL_NAME })), 120_000);
}

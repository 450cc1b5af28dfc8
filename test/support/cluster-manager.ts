/**
 * ClusterManager (src/karmada/cluster-manager.ts) over in-memory informers,
 * for its unit tests: the Informer interface is the seam, and each informer
 * here is driven by hand (`set` its health, `add` and `delete` objects).
 * `setup` builds a manager with direct member access by default and a
 * Secret reader a test can make fail, hang or rotate.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Cluster, OverridePolicy } from '../../src/api/karmada.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { Secret } from '../../src/api/core.js';
import type { Informer, InformerEvent, InformerHealth, InformerSpec } from '../../src/runtime/cache/informer.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { overridePolicyName } from '../../src/serviceimport/overridepolicy.js';
import { ClusterManager } from '../../src/karmada/cluster-manager.js';

export const b64 = (s: string) => Buffer.from(s).toString('base64');

export class HandInformer implements Informer {
  private h: InformerHealth = { synced: false, running: false };
  private readonly objects = new Map<string, KubeObject>();
  private readonly events: Array<(t: InformerEvent, o: KubeObject) => void> = [];
  private readonly healthHandlers: Array<() => void> = [];
  /** How often the manager asked it to end a backoff at once. */
  retries = 0;
  constructor(readonly spec: InformerSpec) {}
  retryNow() {
    this.retries++;
  }
  start() {
    this.set({ running: true });
  }
  async stop() {
    this.set({ running: false });
  }
  health() {
    return this.h;
  }
  get(ns: string, name: string) {
    return this.objects.get(`${ns}/${name}`);
  }
  list(ns?: string) {
    return [...this.objects.values()].filter((o) => ns === undefined || o.metadata.namespace === ns);
  }
  onEvent(f: (t: InformerEvent, o: KubeObject) => void) {
    this.events.push(f);
  }
  onHealthChange(f: () => void) {
    this.healthHandlers.push(f);
  }
  set(h: Partial<InformerHealth>) {
    this.h = { ...this.h, ...h };
    for (const f of this.healthHandlers) f();
  }
  add(o: KubeObject) {
    this.objects.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    for (const f of this.events) f('add', o);
  }
  delete(o: KubeObject) {
    this.objects.delete(`${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    for (const f of this.events) f('delete', o);
  }
}

export function setup(opts: { failFactoryFor?: string; hangSecretFor?: string; secretError?: (name: string) => string | undefined; settleMs?: number; serviceImportOfPolicy?: (p: OverridePolicy) => string | undefined; needsEndpointSlices?: (si: KubeObject) => boolean; secrets?: Record<string, Secret>; memberAccess?: 'proxy' | 'direct' } = {}) {
  const informers: HandInformer[] = [];
  const keys: Array<string[] | 'all'> = [];
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'k', server: 'https://127.0.0.1:1' }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'k', cluster: 'k', user: 'u' }], currentContext: 'k' });
  const defaultSecrets: Record<string, Secret> = {
    member1: { metadata: { name: 'member1', namespace: 'karmada-cluster' }, data: { token: b64('t1') } },
    member2: { metadata: { name: 'member2', namespace: 'karmada-cluster' }, data: { token: b64('t2') } },
  };
  // Read at each GET, so a test can rotate a Secret in opts.secrets.
  const secretNamed = (name: string) => opts.secrets?.[name] ?? defaultSecrets[name];
  const clock = new FakeClock();
  /** Every Secret GET the manager made, by name. */
  const secretReads: string[] = [];
  const getSecret = (_ns: string, name: string): Promise<Secret | undefined> => {
    secretReads.push(name);
    if (name === opts.hangSecretFor) return new Promise<never>(() => {});
    const err = opts.secretError?.(name);
    return err === undefined ? Promise.resolve(secretNamed(name)) : Promise.reject(new Error(err));
  };
  const m = new ClusterManager(
    kc,
    (_kc, spec) => {
      if (spec.cluster === opts.failFactoryFor) throw new Error('cannot build a client');
      const i = new HandInformer(spec);
      informers.push(i);
      return i;
    },
    // Most tests here are about the Secret, read only with direct access.
    opts.memberAccess === 'proxy' ? { mode: 'proxy' } : { mode: 'direct', getSecret },
    (k) => keys.push(k),
    pino({ level: 'silent' }),
    { serviceImportOfPolicy: opts.serviceImportOfPolicy ?? (() => undefined), policyNameOf: overridePolicyName, ...(opts.settleMs !== undefined ? { memberSettleMs: opts.settleMs } : {}), ...(opts.needsEndpointSlices ? { needsEndpointSlices: opts.needsEndpointSlices } : {}), clock },
  );
  const of = (cluster: string, resource?: string) => informers.filter((i) => i.spec.cluster === cluster && (!resource || i.spec.resource === resource));
  const cluster = (name: string): Cluster => ({ metadata: { name }, spec: {
    syncMode: 'Push', apiEndpoint: `https://127.0.0.1:${name === 'member1' ? 1001 : 1002}`,
    secretRef: { namespace: 'karmada-cluster', name }, impersonatorSecretRef: { namespace: 'karmada-cluster', name: `${name}-impersonator` },
  } });
  const settle = () => new Promise((r) => setImmediate(r));
  const syncAll = (cluster: string) => {
    for (const i of of(cluster)) i.set({ synced: true, running: true });
  };
  /** The manager started, these Clusters listed and the control-plane caches synced (engages still pending). */
  const startWithClusters = (...names: string[]) => {
    m.start();
    for (const n of names) of('karmada', 'clusters')[0]!.add(cluster(n));
    for (const i of of('karmada')) i.set({ synced: true, running: true });
  };
  return { m, clock, informers, keys, of, cluster, settle, syncAll, startWithClusters, secretReads };
}

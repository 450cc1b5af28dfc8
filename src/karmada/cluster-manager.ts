/**
 * Follows Karmada's Cluster objects and keeps one set of informers per member
 * (the shape of Karmada's MultiClusterInformerManager,
 * pkg/util/fedinformer/genericmanager): engaged when a Cluster
 * appears or its credentials change, disengaged when it is deleted. A member
 * whose watches fail keeps its last known objects and is marked unreachable
 * until its watches recover by themselves
 * (docs/design.md#unreachable-is-not-empty).
 *
 * Every change that can affect a ServiceImport key is reported through
 * `onKeys` — the controller enqueues those keys.
 */
import { CustomObjectsApi, type DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { key, type KubeObject } from '../api/meta.js';
import { parseCluster } from '../api/guards.js';
import type { Cluster, OverridePolicy, PropagationPolicy, ResourceInterpreterCustomization } from '../api/karmada.js';
import type { EndpointSlice, Secret } from '../api/core.js';
import { KARMADA_COLLECTED_SLICE_VALUE, SLICE_MANAGED_BY_LABEL, type ServiceImport } from '../api/mcs.js';
import type { Caches, ControlPlaneCaches, MemberCaches } from './caches.js';
import { credentialsToRenew, memberAccess, memberKubeConfig, secretRefOf, type MemberAccess } from './access.js';
import type { MemberAccessMode } from './member-access-mode.js';
import { MemberInformers, Unreachable, pruneOf } from './member-informers.js';
import { SecretReadRetries } from './secret-read-retry.js';
import { keysForEvent, NO_MEMBER, type KeyEvent, type KeySources } from './event-keys.js';
import type { Informer, InformerFactory } from '../runtime/cache/informer.js';
import { realClock, type Clock } from '../runtime/clock.js';
import { PATHS, SERVICEIMPORT_CRD } from '../kube/gvr.js';

/**
 * What the manager watches on the control plane and in each member. The keys
 * name each informer (its `resource`, which logs and metrics label it with).
 */
const CP_PATHS = {
  clusters: PATHS.clusters,
  serviceimports: PATHS.serviceImports,
  overridepolicies: PATHS.overridePolicies,
  propagationpolicies: PATHS.propagationPolicies,
  collectedendpointslices: PATHS.endpointSlices,
  crds: PATHS.customResourceDefinitions,
  namespaces: PATHS.namespaces,
  resourceinterpretercustomizations: PATHS.resourceInterpreterCustomizations,
} as const;

export type { KeysChanged } from './member-informers.js';
import type { KeysChanged } from './member-informers.js';

export interface MemberStatus {
  cluster: string;
  reachable: boolean;
  /** Why not, when not. */
  reason?: string;
  syncMode?: string;
}

/**
 * How Push members are reached (./access.ts). Only the direct way comes with
 * a Secret reader: through the cluster proxy the manager has none, so it
 * cannot read a member's token.
 */
export type MemberAccessConfig =
  | { mode: 'proxy' }
  | { mode: 'direct'; getSecret: (namespace: string, name: string) => Promise<Secret | undefined> };

export interface ClusterManagerOptions {
  /** The ServiceImport an OverridePolicy belongs to (undefined: not ours); the feature that writes the policies knows. */
  serviceImportOfPolicy: (p: OverridePolicy) => string | undefined;
  /** The name our OverridePolicy for a ServiceImport has, so a policy not ours touches only the key whose name it holds. */
  policyNameOf: (serviceImport: string) => string;
  /**
   * Whether a control-plane ServiceImport needs the members' EndpointSlices
   * (it uses local-first); they are watched while at least one does.
   * Default: none does.
   */
  needsEndpointSlices?: (si: ServiceImport) => boolean;
  /**
   * `run --auto-import`: also watch, in the control plane, the
   * PropagationPolicies this label selector picks (ours) and the
   * EndpointSlices Karmada collected from exporting members, and in each
   * member our MCS EndpointSlice mirrors; each event tells `onKeys` the key
   * it concerns. Without it none is watched (nor is the RBAC for them
   * granted).
   */
  autoImport?: { policyLabelSelector: string } | undefined;
  /** How long a starting member may hold back deciding (ClusterManager.MEMBER_SETTLE_MS). */
  memberSettleMs?: number;
  /** Measures the settle time; default the real clock. */
  clock?: Clock;
}

export class ClusterManager implements Caches {
  private readonly memberSettleMs: number;
  private readonly clock: Clock;
  readonly controlPlane: ControlPlaneCaches;
  private readonly clustersInformer: Informer<Cluster>;
  private readonly serviceImportsInformer: Informer<ServiceImport>;
  private readonly policiesInformer: Informer<OverridePolicy>;
  private readonly serviceImportOfPolicy: ClusterManagerOptions['serviceImportOfPolicy'];
  private readonly policyNameOf: ClusterManagerOptions['policyNameOf'];
  /** Keys of the control-plane ServiceImports that use local-first: the members' EndpointSlices are watched while there is one. */
  private readonly slicesNeededBy = new Set<string>();
  private readonly cpInformers: Informer[];
  /** A member that became unreachable keeps its stopped informers, so its last state stays readable. */
  private readonly memberMap = new Map<string, MemberInformers | Unreachable>();
  /** Per cluster, the tail of its serialized engage/disengage chain. */
  private readonly engaging = new Map<string, Promise<void>>();
  /** A failed first Secret read is tried again soon, not at the next resync. */
  private readonly secretRetries = new SecretReadRetries((name) => {
    const c = this.clustersInformer.get('', name);
    if (c) void this.serialized(name, () => this.engage(c));
  });
  private readonly engagedListeners: Array<(cluster: string, kc: KubeConfig) => void> = [];
  private readonly goneListeners: Array<(cluster: string) => void> = [];
  private readonly customizationListeners: Array<() => void> = [];
  private readonly customizationsInformer: Informer<ResourceInterpreterCustomization>;
  /** Whether members watch our MCS EndpointSlice mirrors (ClusterManagerOptions.autoImport). */
  private readonly mirrorSlices: boolean;

  /** Every ResourceInterpreterCustomization in the control plane: where the retention rule's state is read. */
  customizations(): ResourceInterpreterCustomization[] {
    return this.customizationsInformer.list();
  }

  /** A ResourceInterpreterCustomization was added, changed or deleted in the control plane. */
  onCustomizationsChanged(listener: () => void): void {
    this.customizationListeners.push(listener);
  }

  constructor(
    private readonly kc: KubeConfig,
    private readonly factory: InformerFactory,
    private readonly access: MemberAccessConfig,
    private readonly onKeys: KeysChanged,
    private readonly log: Logger,
    opts: ClusterManagerOptions,
  ) {
    this.memberSettleMs = opts.memberSettleMs ?? ClusterManager.MEMBER_SETTLE_MS;
    this.clock = opts.clock ?? realClock;
    const mk = <T extends KubeObject>(resource: keyof typeof CP_PATHS, labelSelector?: string) =>
      factory(kc, { cluster: 'karmada', resource, path: CP_PATHS[resource], ...pruneOf(resource), ...(labelSelector ? { labelSelector } : {}) }) as unknown as Informer<T>;
    this.clustersInformer = mk<Cluster>('clusters');
    const serviceImports = mk<ServiceImport>('serviceimports');
    // Every policy, not only ours: one someone else made may hold the name ours
    // needs, and must then be left alone (PolicyNameTaken). Others are cached
    // as bare metadata (./prune.ts).
    const overridePolicies = mk<OverridePolicy>('overridepolicies');
    this.serviceImportsInformer = serviceImports;
    this.policiesInformer = overridePolicies;
    this.serviceImportOfPolicy = opts.serviceImportOfPolicy;
    this.policyNameOf = opts.policyNameOf;
    const namespaces = mk('namespaces');
    // Cluster-scoped and few: every customization, so a foreign ServiceImport retention rule is seen too.
    const customizations = mk<ResourceInterpreterCustomization>('resourceinterpretercustomizations');
    const importPolicies = opts.autoImport ? mk<PropagationPolicy>('propagationpolicies', opts.autoImport.policyLabelSelector) : undefined;
    const collectedSlices = opts.autoImport ? mk<EndpointSlice>('collectedendpointslices', `${SLICE_MANAGED_BY_LABEL}=${KARMADA_COLLECTED_SLICE_VALUE}`) : undefined;
    // Which ServiceImport fields the control plane keeps (Karmada's CRD drops ipFamilies and the traffic policies).
    const crd = opts.autoImport ? factory(kc, { cluster: 'karmada', resource: 'crds', path: CP_PATHS.crds, fieldSelector: `metadata.name=${SERVICEIMPORT_CRD}`, ...pruneOf('crds') }) : undefined;
    this.mirrorSlices = opts.autoImport !== undefined;
    this.controlPlane = { serviceImports, overridePolicies, namespaces, importPolicies, collectedSlices, ...(crd ? { serviceImportCrd: () => crd.get('', SERVICEIMPORT_CRD) } : {}) };
    this.customizationsInformer = customizations;
    this.cpInformers = [this.clustersInformer, serviceImports, overridePolicies, namespaces, customizations, ...(importPolicies ? [importPolicies] : []), ...(collectedSlices ? [collectedSlices] : []), ...(crd ? [crd] : [])] as unknown as Informer[];
    // A CRD change may change what our imports can carry: look at every key again.
    crd?.onEvent(() => onKeys('all'));
    // A collected slice belongs to derived-<svc>: key ns/<svc>.
    collectedSlices?.onEvent((_t, o) => {
      const svc = o.metadata.labels?.['kubernetes.io/service-name'];
      if (svc?.startsWith('derived-')) onKeys([key(o.metadata.namespace ?? '', svc.slice('derived-'.length))]);
    });
    // Our policy places one ServiceImport: its key.
    importPolicies?.onEvent((_t, p) => {
      const name = p.spec.resourceSelectors[0]?.name;
      if (name) onKeys([key(p.metadata.namespace ?? '', name)]);
    });
    customizations.onEvent(() => {
      for (const l of this.customizationListeners) l();
    });
    const needsSlices = opts.needsEndpointSlices ?? (() => false);
    serviceImports.onEvent((t, o) => {
      this.noteSlicesNeed(keyOf(o), t !== 'delete' && needsSlices(o));
      onKeys([keyOf(o)]);
    });
    overridePolicies.onEvent((_t, p) =>
      this.touched({ kind: 'policy', namespace: p.metadata.namespace ?? '', name: p.metadata.name, serviceImport: opts.serviceImportOfPolicy(p) }),
    );
    namespaces.onEvent((_t, ns) => this.touched({ kind: 'namespace', namespace: ns.metadata.name }));
    this.clustersInformer.onEvent((type, c) => {
      const name = c.metadata.name;
      if (type === 'delete') {
        this.secretRetries.reset(name);
        void this.serialized(name, () => this.disengage(name, 'Cluster deleted'));
        return;
      }
      // Listed before it is engaged: an unreachable member at once, so a
      // decision taken while its engage is still pending (a slow Secret read
      // past the settle time) keeps its rules instead of seeing no member.
      if (!this.memberMap.has(name)) this.memberMap.set(name, new Unreachable(name, this.access.mode === 'direct' ? 'being engaged: its Secret is not read yet' : 'being engaged', true));
      void this.serialized(name, () => this.engage(c));
    });
  }

  /**
   * Direct access: re-reads every Cluster's Secret this often, so a rotated
   * token is picked up without a Cluster change (Karmada re-reads its member
   * credentials every 5 minutes: pkg/util/membercluster_client.go). Unchanged
   * credentials are a no-op. Through the proxy there is nothing to re-read:
   * Karmada holds the credentials.
   */
  static readonly CREDENTIALS_RESYNC_MS = 60_000;
  private resync: NodeJS.Timeout | undefined;

  start(): void {
    for (const i of this.cpInformers) i.start();
    if (this.access.mode !== 'direct') return;
    this.resync = setInterval(() => {
      for (const c of this.clustersInformer.list()) void this.serialized(c.metadata.name, () => this.engage(c));
    }, ClusterManager.CREDENTIALS_RESYNC_MS);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.resync);
    this.secretRetries.stop();
    await Promise.all([...this.cpInformers.map((i) => i.stop()), ...[...this.memberMap.values()].map((m) => (m instanceof MemberInformers ? m.stop() : undefined))]);
  }

  /**
   * How long a starting member may hold back the first reconcile: a member
   * whose first lists neither finish nor fail by then (a black-holed network
   * answers only when the 60 s list timeout fires) is decided as unreachable
   * (its state kept) rather than blocking every other member.
   */
  static readonly MEMBER_SETTLE_MS = 30_000;
  private settled = false;
  private cpSyncedAt: number | undefined;

  /**
   * The controller may start deciding — and /readyz says ready — once the
   * control-plane caches are synced, every Cluster listed there has been
   * engaged (or recorded as unreachable), and every engaged member has
   * either synced, failed, or had MEMBER_SETTLE_MS to try. Deciding before
   * that would see a key with no members at all and delete its
   * OverridePolicy, on every restart of the controller. Latched: members
   * that join, leave or fail later count as unreachable and keep their state
   * (docs/design.md#unreachable-is-not-empty), rather than un-readying.
   */
  synced(): boolean {
    if (this.settled) return true;
    if (!this.cpInformers.every((i) => i.health().synced)) return false;
    const now = this.clock.now();
    this.cpSyncedAt ??= now;
    // An engage stuck on its Secret GET must not hold everything back either.
    const waitedEnough = now - this.cpSyncedAt >= this.memberSettleMs;
    const pending = this.clustersInformer.list().map((c) => c.metadata.name).filter((name) => {
      const m = this.memberMap.get(name);
      if (!m || (m instanceof Unreachable && m.engaging)) return true;
      return m instanceof MemberInformers && m.starting() && now - m.engagedAt < this.memberSettleMs;
    });
    if (pending.length > 0 && !waitedEnough) return false;
    if (pending.length > 0) this.log.warn({ clusters: pending }, 'starting to decide while these clusters are still being engaged or listed; they count as unreachable, their last known state kept, until they are');
    this.settled = true;
    return true;
  }

  controlPlaneHealth() {
    return this.cpInformers.map((i) => i.health());
  }

  members(): MemberCaches[] {
    return [...this.memberMap.values()];
  }

  /**
   * Told when a member is engaged with a kubeconfig (it joined, or its
   * credentials changed) and when those credentials stop applying (Cluster
   * deleted, or unreachable): what run --manage-coredns acts on.
   */
  onMemberEngaged(f: (cluster: string, kc: KubeConfig) => void): void {
    this.engagedListeners.push(f);
    for (const m of this.memberMap.values()) if (m instanceof MemberInformers && !m.isStopped()) f(m.cluster, m.kc);
  }

  onMemberGone(f: (cluster: string) => void): void {
    this.goneListeners.push(f);
  }

  /** A client for writes to a member (unmanaged ServiceImports), while it is engaged. */
  memberClient(cluster: string): CustomObjectsApi | undefined {
    const m = this.memberMap.get(cluster);
    return m instanceof MemberInformers && !m.isStopped() ? m.client() : undefined;
  }

  /** The member's discovery.k8s.io client (EndpointSlice writes), on the same pooled connections. */
  memberDiscoveryClient(cluster: string): DiscoveryV1Api | undefined {
    const m = this.memberMap.get(cluster);
    return m instanceof MemberInformers && !m.isStopped() ? m.discoveryClient() : undefined;
  }

  memberStatus(): MemberStatus[] {
    return [...this.memberMap.values()].map((m) => {
      const reachable = m.reachable();
      const reason = m instanceof Unreachable ? m.why : m.reason();
      return { cluster: m.cluster, reachable, ...(reachable || !reason ? {} : { reason }) };
    });
  }

  private noteSlicesNeed(k: string, needed: boolean): void {
    const before = this.slicesNeededBy.size > 0;
    if (needed) this.slicesNeededBy.add(k);
    else this.slicesNeededBy.delete(k);
    const now = this.slicesNeededBy.size > 0;
    if (now === before) return;
    this.log.info({ usedBy: now ? [...this.slicesNeededBy] : [] }, now ? 'local-first in use: watching members\' EndpointSlices' : 'local-first no longer used: stopping the members\' EndpointSlice watches');
    for (const m of this.memberMap.values()) if (m instanceof MemberInformers && !m.isStopped()) m.endpointSlices.want(now);
  }

  /** Re-enqueues the keys a change that is not about one object can affect (./event-keys.ts). */
  private touched(e: KeyEvent): void {
    const keys = keysForEvent(e, this.keySources);
    if (keys.length > 0) this.onKeys(keys);
  }

  private readonly keySources: KeySources = {
    controlPlaneImports: (ns) => this.serviceImportsInformer.list(ns).map(keyOf),
    memberObjects: (cluster, ns) => {
      const ms = cluster === undefined ? [...this.memberMap.values()] : [this.memberMap.get(cluster)].filter((m) => m !== undefined);
      return ms.flatMap((m) => [...m.serviceImports.list(ns), ...m.serviceExports.list(ns)].map(keyOf));
    },
    policies: () =>
      this.policiesInformer.list().flatMap((p) => {
        const si = this.serviceImportOfPolicy(p);
        return si ? [{ key: key(p.metadata.namespace ?? '', si), clusters: p.spec.overrideRules?.flatMap((r) => r.targetCluster?.clusterNames ?? []) ?? [] }] : [];
      }),
    listedExporters: () => this.serviceImportsInformer.list().map((si) => ({ key: keyOf(si), clusters: (si.status?.clusters ?? []).map((c) => c.cluster) })),
    policyNameOf: (serviceImport) => this.policyNameOf(serviceImport),
  };

  /** Keys of every ServiceImport known anywhere: what "all" means to the queue. */
  allKeys(): string[] {
    const keys = new Set<string>();
    for (const si of this.controlPlane.serviceImports.list()) keys.add(key(si.metadata.namespace ?? '', si.metadata.name));
    for (const m of this.memberMap.values()) for (const si of m.serviceImports.list()) keys.add(key(si.metadata.namespace ?? '', si.metadata.name));
    return [...keys];
  }

  /** Keys of every ServiceExport in any member (last known state for unreachable ones): what "all" means to automatic imports. */
  exportKeys(): string[] {
    const keys = new Set<string>();
    for (const m of this.memberMap.values()) for (const se of m.serviceExports.list()) keys.add(keyOf(se));
    return [...keys];
  }

  /**
   * Cluster events for one cluster are handled one at a time, in order. A
   * failure (a kubeconfig that cannot be built, say) leaves the cluster
   * recorded as unreachable with the error as its reason — never missing,
   * which would hold back synced() and read as "no such member".
   */
  private serialized(cluster: string, f: () => Promise<void>): Promise<void> {
    const next = (this.engaging.get(cluster) ?? Promise.resolve()).then(f).catch(async (e: unknown) => {
      const why = `engaging failed: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error({ cluster, err: why }, 'engaging cluster failed');
      if (this.clustersInformer.get('', cluster)) await this.setUnreachable(cluster, why).catch(() => undefined);
    });
    this.engaging.set(cluster, next);
    return next;
  }

  private async engage(raw: Cluster): Promise<void> {
    const parsed = parseCluster(raw);
    const name = raw.metadata.name;
    if (!parsed.ok) {
      await this.setUnreachable(name, parsed.reason);
      return;
    }
    const c = parsed.value;
    const mode: MemberAccessMode = this.access.mode;
    // Undefined through the proxy: no Secret is read (the second test only narrows the type).
    const ref = secretRefOf(c, mode);
    let secret: Secret | undefined;
    if (ref && this.access.mode === 'direct') {
      try {
        secret = await this.access.getSecret(ref.namespace, ref.name);
      } catch (e) {
        const why = `cannot read Secret ${ref.namespace}/${ref.name}: ${e instanceof Error ? e.message : String(e)}`;
        // A failed read (403, 429, 5xx, a timeout) says nothing about the
        // credentials: an engaged member keeps its watches, whose own health
        // says whether it is reachable, and the Secret is read again at the
        // next Cluster event or credentials resync. Tearing it down would
        // relist everything and tell --manage-coredns the member is gone.
        // Only a missing Secret (undefined below) or changed credentials re-engage.
        const existing = this.memberMap.get(name);
        if (existing instanceof MemberInformers && !existing.isStopped()) {
          this.log.warn({ cluster: name, err: why }, 'cannot re-read the cluster\'s Secret; keeping the engaged member and its credentials');
          return;
        }
        const retryMs = this.secretRetries.failed(name);
        this.log.warn({ cluster: name, err: why, retryInMs: retryMs }, 'cannot read the cluster\'s Secret; it counts as unreachable until a read succeeds');
        await this.setUnreachable(name, why);
        return;
      }
      this.secretRetries.reset(name);
    }
    const access = memberAccess(c, secret, mode);
    if (access.kind === 'unreachable') {
      await this.setUnreachable(name, access.reason);
      return;
    }
    const fp = fingerprint(access);
    const existing = this.memberMap.get(name);
    if (existing instanceof MemberInformers && existing.fingerprint === fp && !existing.isStopped()) return; // status-only update
    const before = existing?.currentFacts() ?? NO_MEMBER;
    if (existing instanceof MemberInformers) await existing.stop();
    const m = new MemberInformers(name, fp, memberKubeConfig(name, access, this.kc), this.factory, this.onKeys, this.clock.now(), (member, reachable) => {
      if (member.isStopped()) return;
      if (reachable) this.log.info({ cluster: name }, 'cluster reachable: every watch has listed');
      else this.log.warn({ cluster: name, reason: member.reason() }, 'cluster unreachable; keeping its last known state');
    }, (e) => this.touched(e), this.slicesNeededBy.size > 0, this.mirrorSlices);
    // The keys the previous member's caches name, before the new, empty ones replace them.
    this.touched({ kind: 'member', cluster: name, before, after: NO_MEMBER });
    m.credentialsHint = credentialsToRenew(c, mode);
    this.memberMap.set(name, m);
    m.start();
    this.log.info({ cluster: name, via: access.kind === 'proxy' ? 'karmada cluster proxy' : 'apiEndpoint' }, existing ? 'cluster credentials changed; re-engaged' : 'engaged cluster');
    for (const f of this.engagedListeners) f(name, m.kc);
  }

  private async setUnreachable(name: string, why: string) {
    const existing = this.memberMap.get(name);
    const before = existing?.currentFacts() ?? NO_MEMBER;
    if (existing instanceof MemberInformers) {
      // Keep the last known state readable, stop watching with credentials that no longer apply.
      await existing.stop();
      this.log.warn({ cluster: name, reason: why }, 'cluster unreachable; keeping its last known state');
      this.touched({ kind: 'member', cluster: name, before, after: NO_MEMBER });
      for (const f of this.goneListeners) f(name);
      return;
    }
    if (existing instanceof Unreachable && existing.why === why) return;
    this.memberMap.set(name, new Unreachable(name, why));
    this.log.warn({ cluster: name, reason: why }, 'cluster unreachable');
    this.touched({ kind: 'member', cluster: name, before, after: NO_MEMBER });
  }

  private async disengage(name: string, why: string) {
    const m = this.memberMap.get(name);
    const before = m?.currentFacts() ?? NO_MEMBER;
    if (m instanceof MemberInformers) await m.stop();
    // While its caches are still readable: the keys it took part in.
    this.touched({ kind: 'member', cluster: name, before, after: NO_MEMBER });
    this.memberMap.delete(name);
    this.log.info({ cluster: name, reason: why }, 'disengaged cluster');
    for (const f of this.goneListeners) f(name);
  }
}

const keyOf = (o: KubeObject) => key(o.metadata.namespace ?? '', o.metadata.name);

function fingerprint(a: Exclude<MemberAccess, { kind: 'unreachable' }>): string {
  return createHash('sha256').update(JSON.stringify(a)).digest('hex');
}

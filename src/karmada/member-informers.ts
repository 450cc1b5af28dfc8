/**
 * One member's informers as the cluster manager keeps them: the watches of an
 * engaged member and what the decisions read from them (MemberInformers), or
 * the stand-in for a member that could not be engaged (Unreachable). What
 * each cache keeps of an object is chosen here too (./prune.ts).
 */
import { CustomObjectsApi, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { key, type KubeObject } from '../api/meta.js';
import type { EndpointSlice, Service } from '../api/core.js';
import { MCS_SERVICE_NAME_LABEL, SLICE_MANAGED_BY_LABEL, SLICE_MANAGED_BY_VALUE, type ServiceImport } from '../api/mcs.js';
import type { MemberCaches } from './caches.js';
import { ipsMaxItemsOf, servedVersionsOf } from './crd-schema.js';
import { EndpointSliceWatch } from './endpoint-slices.js';
import { pruneEndpointSlice, pruneMirroredSlice, pruneNamespace, pruneOverridePolicy, pruneService, pruneServiceExport, pruneServiceImport, pruneServiceImportCrd } from './prune.js';
import { NO_MEMBER, type KeyEvent, type MemberFacts } from './event-keys.js';
import type { Informer, InformerFactory } from '../runtime/cache/informer.js';
import { closeConnections, makeClient } from '../kube/client.js';
import { PATHS, SERVICEIMPORT_CRD } from '../kube/gvr.js';


/** Reports the ServiceImport keys a change can affect; `'all'` for every key. */
export type KeysChanged = (keys: string[] | 'all') => void;

const MEMBER_PATHS = {
  serviceimports: PATHS.serviceImports,
  serviceexports: PATHS.serviceExports,
  services: PATHS.services,
  endpointslices: PATHS.endpointSlices,
  /** Our MCS EndpointSlice mirrors only (label-selected): `run --auto-import`. */
  mcsendpointslices: PATHS.endpointSlices,
  namespaces: PATHS.namespaces,
  crds: PATHS.customResourceDefinitions,
} as const;

/** What each cache keeps of an object (./prune.ts); a kind not named keeps all but managedFields. */
const PRUNE: Partial<Record<string, (obj: object) => object>> = {
  serviceimports: pruneServiceImport,
  serviceexports: pruneServiceExport,
  services: pruneService,
  endpointslices: pruneEndpointSlice,
  mcsendpointslices: pruneMirroredSlice,
  collectedendpointslices: pruneMirroredSlice,
  namespaces: pruneNamespace,
  crds: pruneServiceImportCrd,
  overridepolicies: pruneOverridePolicy,
};
export const pruneOf = (resource: keyof typeof PRUNE) => {
  const prune = PRUNE[resource];
  return prune ? { prune } : {};
};

/** One member's informers and what the decisions read from them. */
export class MemberInformers implements MemberCaches {
  readonly serviceImports: Informer<ServiceImport>;
  readonly services: Informer<Service>;
  readonly serviceExports: Informer;
  readonly namespaces: Informer;
  readonly crds: Informer;
  /** Only while local-first is used (./endpoint-slices.ts). */
  readonly endpointSlices: EndpointSliceWatch;
  /** Our MCS EndpointSlice mirrors, with `run --auto-import` only. */
  readonly mirrorSlices: Informer<EndpointSlice> | undefined;
  private stopped = false;

  private custom: CustomObjectsApi | undefined;
  private discovery: DiscoveryV1Api | undefined;
  /** reachable() and the CRD as last reported: a change re-decides the keys it can affect (./event-keys.ts). */
  private facts: MemberFacts = NO_MEMBER;
  private everReachable = false;
  /**
   * What to renew when the member answers 401, appended to reason() then
   * (./access.ts credentialsToRenew); set by the manager, which knows the
   * Cluster and how it is reached.
   */
  credentialsHint: string | undefined;

  constructor(
    readonly cluster: string,
    readonly fingerprint: string,
    readonly kc: KubeConfig,
    factory: InformerFactory,
    onKeys: KeysChanged,
    /** Clock.now() of the engage, for ClusterManager's settle time. */
    readonly engagedAt: number,
    onReachability: (m: MemberInformers, reachable: boolean) => void = () => {},
    /** A change that is not about one object: the manager maps it to the keys it can affect. */
    touched: (e: KeyEvent) => void = () => {},
    /** Whether to watch its EndpointSlices from the start: some ServiceImport uses local-first (ClusterManagerOptions.needsEndpointSlices). */
    endpointSlices = false,
    /** Whether to watch our MCS EndpointSlice mirrors in it (ClusterManagerOptions.autoImport). */
    mirrorSlices = false,
  ) {
    const mk = <T extends KubeObject>(resource: keyof typeof MEMBER_PATHS, extra: { fieldSelector?: string; labelSelector?: string } = {}) =>
      factory(kc, { cluster, resource, path: MEMBER_PATHS[resource], ...pruneOf(resource), ...extra }) as unknown as Informer<T>;
    this.serviceImports = mk('serviceimports');
    this.services = mk('services');
    this.serviceExports = mk('serviceexports');
    this.namespaces = mk('namespaces');
    this.crds = mk('crds', { fieldSelector: `metadata.name=${SERVICEIMPORT_CRD}` });
    const byName = (o: KubeObject) => [key(o.metadata.namespace ?? '', o.metadata.name)];
    this.serviceImports.onEvent((_t, o) => onKeys(byName(o)));
    this.serviceExports.onEvent((_t, o) => onKeys(byName(o)));
    this.services.onEvent((_t, o) => {
      const n = o.metadata.name;
      onKeys([key(o.metadata.namespace ?? '', n.startsWith('derived-') ? n.slice('derived-'.length) : n)]);
    });
    this.namespaces.onEvent((_t, ns) => touched({ kind: 'namespace', namespace: ns.metadata.name }));
    // Local-first decisions kept while the slices were unknown are taken again once they are known.
    this.endpointSlices = new EndpointSliceWatch(() => mk<EndpointSlice>('endpointslices'), onKeys, () => touched({ kind: 'member', cluster, before: this.facts, after: this.facts }));
    this.endpointSlices.want(endpointSlices);
    // Not part of reachability: only automatic imports' mirrors read it, and they act on reachable members only.
    if (mirrorSlices) {
      this.mirrorSlices = mk<EndpointSlice>('mcsendpointslices', { labelSelector: `${SLICE_MANAGED_BY_LABEL}=${SLICE_MANAGED_BY_VALUE}` });
      this.mirrorSlices.onEvent((_t, o) => {
        const svc = o.metadata.labels?.[MCS_SERVICE_NAME_LABEL];
        if (svc) onKeys([key(o.metadata.namespace ?? '', svc)]);
      });
    }
    // Decisions taken while the member was unreachable only kept its state
    // (docs/design.md#unreachable-is-not-empty); nothing else would revisit
    // them once it is back — an object seen during the relist was reconciled
    // while the member still counted as unreachable. So every transition, and
    // every CRD change, re-enqueues the keys it can affect.
    const observe = (crdChanged: boolean) => {
      const before = this.facts;
      const after = this.currentFacts();
      this.facts = after;
      const reachabilityChanged = before.reachable !== after.reachable;
      if (reachabilityChanged) {
        if (after.reachable) this.everReachable = true;
        onReachability(this, after.reachable);
      }
      if (reachabilityChanged || crdChanged) touched({ kind: 'member', cluster, before, after });
    };
    this.crds.onEvent((type) => {
      // The ServiceImport CRD (re)appeared or changed and serves v1alpha1: the MCS watches that met 404 while it was
      // away would come back only at their next retry, up to the reflector's 30 s backoff later; wake them now. The
      // ServiceExport CRD comes from the same source (mcs-api, Karmada) and is installed with it.
      if (type !== 'delete' && this.ipsMaxItems() !== undefined) this.retryMcsWatches();
      observe(true);
    });
    for (const i of this.core()) i.onHealthChange(() => observe(false));
  }

  currentFacts(): MemberFacts {
    return { reachable: this.reachable(), crdInstalled: this.ipsMaxItems() !== undefined };
  }

  /**
   * Engaged, never reachable yet, and no watch has failed: its first lists
   * are in flight. Not "unreachable" in any sense worth a warning.
   */
  starting(): boolean {
    if (this.stopped || this.everReachable) return false;
    return this.core().every((i) => i.health().lastError === undefined);
  }

  endpointSlicesOf(namespace: string, service: string): EndpointSlice[] | undefined {
    return this.endpointSlices.of(namespace, service);
  }

  start() {
    for (const i of this.core()) i.start();
    this.endpointSlices.start();
    this.mirrorSlices?.start();
  }

  isStopped() {
    return this.stopped;
  }

  /** Writes share the member's keep-alive connections (src/kube/client.ts), closed by stop(). */
  client(): CustomObjectsApi {
    this.custom ??= makeClient(this.kc, CustomObjectsApi);
    return this.custom;
  }

  /** EndpointSlice writes (the MCS mirrors), on the same connections. */
  discoveryClient(): DiscoveryV1Api {
    this.discovery ??= makeClient(this.kc, DiscoveryV1Api);
    return this.discovery;
  }

  async stop() {
    this.stopped = true;
    await Promise.all([...this.core().map((i) => i.stop()), this.endpointSlices.stop(), this.mirrorSlices?.stop()]);
    closeConnections(this.kc);
  }

  /** Ends the backoff of the ServiceImport and ServiceExport watches, if they are waiting (Informer.retryNow). */
  private retryMcsWatches(): void {
    for (const i of [this.serviceImports as unknown as Informer, this.serviceExports]) i.retryNow();
  }

  /** The watches every member has; the EndpointSlice watch is apart (./endpoint-slices.ts). */
  private core(): Informer[] {
    return [this.serviceImports as unknown as Informer, this.services as unknown as Informer, this.serviceExports, this.namespaces, this.crds];
  }

  /**
   * The member's API server answers and everything we decide on has been
   * listed at least once: its core watches are live, and every watch has
   * synced — except an MCS watch whose CRD is missing, which is its own
   * problem (CRDMissing), not an unreachable member. Until then the member
   * counts as unreachable, so a starting controller keeps what is there
   * instead of deciding on half-filled caches
   * (docs/design.md#unreachable-is-not-empty). The EndpointSlice watch does
   * not count: while it is down only local-first decisions are kept
   * (./endpoint-slices.ts).
   */
  reachable(): boolean {
    if (this.stopped) return false;
    const core = [this.services, this.namespaces, this.crds].map((i) => (i as unknown as Informer).health());
    if (!core.every((h) => h.synced && h.running)) return false;
    return [this.serviceImports as unknown as Informer, this.serviceExports].every((i) => {
      const h = i.health();
      return h.synced || h.lastErrorReason === 'crd-missing';
    });
  }

  reason(): string | undefined {
    for (const i of this.core()) {
      const h = i.health();
      if (h.running && h.synced) continue;
      const why = h.lastError ?? 'not synced yet';
      return !h.running && h.lastErrorReason === 'unauthorized' && this.credentialsHint ? `${why}; ${this.credentialsHint}` : why;
    }
    return undefined;
  }

  ipsMaxItems(): number | undefined {
    return ipsMaxItemsOf(this.crds.get('', SERVICEIMPORT_CRD));
  }

  serviceImportCrdVersions(): string[] | undefined {
    return servedVersionsOf(this.crds.get('', SERVICEIMPORT_CRD));
  }
}

/** A member we cannot reach at all (no credentials, Pull without proxy access): empty and unreachable. */
export class Unreachable implements MemberCaches {
  private static readonly none = { get: () => undefined, list: (_namespace?: string): never[] => [] };
  readonly serviceImports = Unreachable.none;
  readonly services = Unreachable.none;
  readonly serviceExports = Unreachable.none;
  readonly namespaces = Unreachable.none;
  /** `engaging`: a placeholder while its first engage (the Secret read) is in flight. */
  constructor(readonly cluster: string, readonly why: string, readonly engaging = false) {}
  reachable() {
    return false;
  }
  currentFacts(): MemberFacts {
    return NO_MEMBER;
  }
  starting() {
    return this.engaging;
  }
  ipsMaxItems() {
    return undefined;
  }
  serviceImportCrdVersions() {
    return undefined;
  }
  endpointSlicesOf(): EndpointSlice[] {
    return [];
  }
}


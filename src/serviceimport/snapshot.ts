/**
 * What a decision sees: plain data about one ServiceImport key (namespace/name)
 * across the control plane and every member, read from caches. No client-node
 * types and no I/O here, so decisions and plans are pure functions of this.
 */
import type { OverridePolicy } from '../api/karmada.js';
import type { ManagedRoute } from './route.js';

export interface ServiceImportView {
  type: 'ClusterSetIP' | 'Headless';
  portCount: number;
  ips: string[];
  deleting: boolean;
  /** Carries karmada.io/managed=true: Karmada propagated it and will revert member-side edits. */
  managed: boolean;
  /** Carries clusterset-dns.io/fill-ips=true: ours to fill (src/api/ownership.ts). */
  fillsIps: boolean;
  /** The cached object's resourceVersion: a write carries it, so a change made since gives 409. */
  resourceVersion?: string;
}

export interface ServiceView {
  /** spec.clusterIPs (or [spec.clusterIP]); "None" for headless. */
  clusterIPs: string[];
  ipFamilies: string[];
  type: string;
}

export interface MemberView {
  cluster: string;
  /**
   * Whether the member's caches are live. An unreachable member's views are
   * its last known state: decisions must not turn them into "nothing"
   * (docs/design.md#unreachable-is-not-empty).
   */
  reachable: boolean;
  /** Not reachable only because its first lists are still in flight (a cluster that just joined). */
  starting?: boolean;
  /** The installed ServiceImport CRD's spec.ips maxItems; undefined when the CRD is missing. */
  ipsMaxItems: number | undefined;
  /** When ipsMaxItems is undefined but the CRD is installed: the versions it serves (none of them v1alpha1). */
  crdVersions?: string[];
  serviceImport?: ServiceImportView;
  /** `derived-<name>` in this member (Karmada's import side). */
  derivedService?: ServiceView;
  /** This member has a ServiceExport for the key. */
  exports: boolean;
  /** `<name>` itself in this member (local-first: the local copy). */
  localService?: ServiceView;
  /**
   * Ready endpoints of the local `<name>` (member-owned slices only; Karmada's
   * imported ones are remote); undefined while the member's EndpointSlices
   * are not known, which local-first treats as "keep what is there".
   */
  localReadyEndpoints: number | undefined;
  namespaceDeleting: boolean;
}

export interface ControlPlaneView {
  serviceImport?: ServiceImportView & { uid: string; statusClusters: string[]; annotations: Record<string, string> };
  /** Rules of our OverridePolicy for this key, by cluster; undefined when there is none. */
  overrideRules?: Record<string, string[]>;
  /** Our OverridePolicy for this key as cached, to tell whether it already says what we would write. */
  overridePolicy?: OverridePolicy;
  /**
   * An OverridePolicy without our label already holds the name ours would
   * have: someone else's, never written or deleted (docs/design.md#ownership).
   */
  policyNameTaken?: boolean;
  namespaceDeleting: boolean;
}

export interface Snapshot {
  namespace: string;
  name: string;
  /** How Karmada-managed importers are written, for the whole controller (route.ts). */
  managedRoute: ManagedRoute;
  /**
   * Headless imports are served: `run --auto-import` mirrors the exporting
   * members' endpoints as MCS EndpointSlices, which CoreDNS answers from
   * (docs/mcs-endpointslices.md). Otherwise nothing serves them.
   */
  headlessServed?: boolean;
  controlPlane: ControlPlaneView;
  members: MemberView[];
}

/**
 * The read side the cluster manager offers: readers over the control plane's
 * caches and over each member's. The ServiceImport reconciler reads only
 * through these; doctor builds the same shape from one-shot lists.
 */
import type { EndpointSlice, Service } from '../api/core.js';
import type { OverridePolicy, PropagationPolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import type { KubeObject } from '../api/meta.js';

export interface ObjectReader<T> {
  get(namespace: string, name: string): T | undefined;
}

export interface ControlPlaneCaches {
  serviceImports: ObjectReader<ServiceImport> & { list(namespace?: string): ServiceImport[] };
  overridePolicies: ObjectReader<OverridePolicy>;
  namespaces: ObjectReader<KubeObject>;
  /** Our automatic imports' PropagationPolicies (label-selected); watched only with `run --auto-import`. */
  importPolicies?: ObjectReader<PropagationPolicy> | undefined;
  /** The EndpointSlices Karmada collected from exporting members (label-selected); watched only with `run --auto-import`. */
  collectedSlices?: { list(namespace?: string): EndpointSlice[] } | undefined;
  /** The control plane's ServiceImport CRD (what its schema keeps); watched only with `run --auto-import`. */
  serviceImportCrd?: (() => KubeObject | undefined) | undefined;
}

export interface MemberCaches {
  cluster: string;
  reachable(): boolean;
  /** Engaged, first lists still in flight, nothing failed: unreachable, but not worth a warning. */
  starting(): boolean;
  ipsMaxItems(): number | undefined;
  /** Versions the ServiceImport CRD serves; undefined when it is not installed (./crd-schema.ts). */
  serviceImportCrdVersions(): string[] | undefined;
  serviceImports: ObjectReader<ServiceImport> & { list(): ServiceImport[] };
  services: ObjectReader<Service>;
  serviceExports: ObjectReader<KubeObject> & { list(): KubeObject[] };
  namespaces: ObjectReader<KubeObject>;
  /**
   * EndpointSlices of `<service>` in `namespace`, by the
   * kubernetes.io/service-name label; undefined while they are not known
   * (watched only while local-first is used, and not yet listed).
   */
  endpointSlicesOf(namespace: string, service: string): EndpointSlice[] | undefined;
  /** Our MCS EndpointSlice mirrors in it (label-selected); watched only with `run --auto-import`. */
  readonly mirrorSlices?: { list(namespace?: string): EndpointSlice[] } | undefined;
}

export interface Caches {
  controlPlane: ControlPlaneCaches;
  members(): MemberCaches[];
}

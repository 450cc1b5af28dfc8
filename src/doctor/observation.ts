/**
 * What doctor observed: filled by observe.ts (the I/O half), read by
 * checks.ts and list-caches.ts (the pure half). Every read that can fail is
 * a Result, so a failure is a value the checks can name, never a throw.
 */
import type { EndpointSlice, Service } from '../api/core.js';
import type { OverridePolicy, ResourceInterpreterCustomization } from '../api/karmada.js';
import type { KubeObject } from '../api/meta.js';
import type { ServiceImport } from '../api/mcs.js';
import type { Result } from '../api/result.js';
import type { CoreDnsStatus } from '../coredns/status.js';

/** `code`: the HTTP status when the API answered with an error; absent when it did not answer. */
export interface ApiFailure {
  code?: number;
}

/** A one-shot list. */
export type Listed<T> = Result<T[], ApiFailure>;
/** A one-shot get; an ok `value` of undefined means 404. */
export type Got<T> = Result<T | undefined, ApiFailure>;

/** One name's A (and AAAA) records; `error` is node:dns's code (ENOTFOUND = NXDOMAIN, ENODATA = no records, ESERVFAIL, ETIMEOUT, ECONNREFUSED…). */
export type DnsAnswer = { ips: string[] } | { error: string };

export interface ControlPlaneObservation {
  serviceImports: Listed<ServiceImport>;
  overridePolicies: Listed<OverridePolicy>;
  namespaces: Listed<KubeObject>;
  /** Every ResourceInterpreterCustomization (cluster-scoped, whatever --service says): the retention rule's check reads them. */
  customizations: Listed<ResourceInterpreterCustomization>;
}

/** The control plane's lists once all of them answered. */
export interface CpLists {
  serviceImports: ServiceImport[];
  overridePolicies: OverridePolicy[];
  namespaces: KubeObject[];
}

export interface SarObservation {
  /** "namespace/name" of the account CoreDNS runs as. */
  serviceAccount: string;
  verbs: Array<{ verb: string; allowed: boolean; reason?: string }>;
}

export interface DnsObservation {
  server: string;
  /** A name that cannot exist in the zone: NXDOMAIN proves the server serves the zone. */
  probe: DnsAnswer;
  /** By "namespace/name": the answer for <name>.<namespace>.svc.<zone>. */
  answers: Record<string, DnsAnswer>;
}

export interface ReachedMember {
  member: string;
  reached: true;
  crds: { serviceimports: Got<KubeObject>; serviceexports: Got<KubeObject> };
  coredns: Result<CoreDnsStatus>;
  /** Undefined when CoreDNS's account is unknown (no Deployment). */
  sar: Result<SarObservation> | undefined;
  serviceImports: Listed<ServiceImport>;
  serviceExports: Listed<KubeObject>;
  services: Listed<Service>;
  endpointSlices: Listed<EndpointSlice>;
  namespaces: Listed<KubeObject>;
  /** Undefined when no DNS address was given for this member. */
  dns?: DnsObservation;
}

export type MemberObservation = { member: string; reached: false; reason: string } | ReachedMember;

export interface DoctorObservation {
  /** `karmada`: members through Cluster objects, control plane read; `direct`: --member-kubeconfig, no control plane. */
  mode: 'karmada' | 'direct';
  controlPlane?: ControlPlaneObservation | { error: string };
  members: MemberObservation[];
  /** --service, when given. */
  service?: { namespace: string; name: string };
}

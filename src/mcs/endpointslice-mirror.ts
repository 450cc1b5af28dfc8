/**
 * The MCS EndpointSlices one importing member should hold for one key, as a
 * pure plan: which of our slices to create, replace and delete there.
 * docs/mcs-endpointslices.md says why each choice is made; the upstream
 * behaviour it serves is in docs/upstream-behaviour.md ("CoreDNS answers
 * headless clusterset names from MCS EndpointSlices").
 *
 * Every EndpointSlice of the exported Service in an exporting (source)
 * cluster gets one mirror in the importing member, in the key's namespace,
 * labelled with the two MCS labels CoreDNS's `multicluster` support indexes
 * (`multicluster.kubernetes.io/service-name`, `.../source-cluster`). A mirror
 * keeps what CoreDNS and the conformance suite read — addressType, ports,
 * and per endpoint its addresses, hostname and conditions — and drops what
 * names objects of the source cluster (ownerReferences, targetRef, nodeName)
 * or its topology (zone, hints), which mean nothing in the importing member.
 *
 * Ours are told apart by `endpointslice.kubernetes.io/managed-by`; a slice
 * with any other value is never planned for, whatever its name.
 */
import { createHash } from 'node:crypto';
import { splitKey, type OwnerReference } from '../api/meta.js';
import type { EndpointSlice, EndpointSliceEndpoint, EndpointSlicePort } from '../api/core.js';
import { MCS_API_VERSION } from '../kube/gvr.js';

export { MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, SLICE_MANAGED_BY_LABEL, SLICE_MANAGED_BY_VALUE } from '../api/mcs.js';
import { MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, SLICE_MANAGED_BY_LABEL, SLICE_MANAGED_BY_VALUE } from '../api/mcs.js';
/** core/v1: kube-proxy's informers select `!service.kubernetes.io/headless`, so they never see our mirrors. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Which source slice a mirror copies, for people reading it; the name's hash already encodes it. */
export const SOURCE_SLICE_ANNOTATION = 'clusterset-dns.io/source-endpointslice';
/** discovery.k8s.io/v1 on the source slices: which Service they belong to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Object names (DNS subdomains) are at most this long. */
export const MAX_NAME_LENGTH = 253;
/** Hex digits of the sha256 that end every mirror's name. */
export const HASH_LENGTH = 10;

export type ImportType = 'ClusterSetIP' | 'Headless';

/**
 * One exporting cluster as the caller saw it. `unreachable` keeps its
 * mirrors as they are: an export we cannot see is not an export that is gone.
 * A cluster the caller leaves out is no longer exporting: its mirrors go.
 */
export type SourceCluster =
  | { readonly cluster: string; readonly reachable: true; readonly slices: readonly EndpointSlice[] }
  | { readonly cluster: string; readonly reachable: false };

export interface MirrorInput {
  /** namespace/name of the ServiceImport (and of the exported Service). */
  readonly key: string;
  /** The importing member's ServiceImport; undefined when it has none (or it is being deleted): every mirror of ours goes. */
  readonly serviceImport: { readonly type: ImportType; readonly uid: string } | undefined;
  /** The exporting clusters, each with its slices of the exported Service. */
  readonly sources: readonly SourceCluster[];
  /** The EndpointSlices in the importing member that carry our managed-by label and this key's service-name label. */
  readonly existing: readonly EndpointSlice[];
}

export interface MirrorDelete {
  readonly name: string;
  /** Preconditions: only the slice the plan saw is deleted. */
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

export interface MirrorPlan {
  readonly namespace: string;
  readonly create: EndpointSlice[];
  /** Whole slices to replace, each carrying the resourceVersion it was planned from. */
  readonly update: EndpointSlice[];
  readonly delete: MirrorDelete[];
  /** What cannot be mirrored, and why (a name that is no valid label value). */
  readonly skipped: Array<{ readonly cluster?: string; readonly reason: string }>;
}

/** A label value: at most 63 characters, alphanumerics at both ends, '-', '_' or '.' between. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const isLabelValue = (v: string) => v.length <= 63 && LABEL_VALUE.test(v);
/** CoreDNS builds records from IP addresses only; FQDN slices are deprecated and not mirrored. */
const MIRRORED_ADDRESS_TYPES = new Set(['IPv4', 'IPv6']);

/**
 * The mirror's name: `<service>-<cluster>-<hash>`, the readable part reduced
 * to lowercase alphanumerics and dashes and cut so the whole fits an object
 * name. The hash covers everything that tells two mirrors apart (key,
 * cluster, source slice, addressType), so the name is unique per source
 * slice, stable across passes, and an addressType change — immutable on an
 * EndpointSlice — becomes a new slice instead of a rejected update.
 */
export function mirrorSliceName(namespace: string, service: string, cluster: string, sourceSlice: string, addressType: string): string {
  const hash = createHash('sha256').update(JSON.stringify([namespace, service, cluster, sourceSlice, addressType])).digest('hex').slice(0, HASH_LENGTH);
  const head = `${service}-${cluster}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)
    .replace(/^-+|-+$/g, '');
  return `${head || 'mcs'}-${hash}`;
}

/** Whether we wrote this slice: only then may it be replaced or deleted. */
export const isOurSlice = (s: EndpointSlice): boolean => s.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === SLICE_MANAGED_BY_VALUE;

/** An endpoint as mirrored: addresses, conditions that are set, a non-empty hostname; nothing that names the source cluster's objects. */
function mirrorEndpoint(e: EndpointSliceEndpoint): EndpointSliceEndpoint {
  const conditions: NonNullable<EndpointSliceEndpoint['conditions']> = {};
  for (const c of ['ready', 'serving', 'terminating'] as const) {
    const v = e.conditions?.[c];
    if (typeof v === 'boolean') conditions[c] = v;
  }
  return { addresses: [...(e.addresses ?? [])], conditions, ...(e.hostname ? { hostname: e.hostname } : {}) };
}

/** A port with the API server's defaults filled in, so a mirror read back compares equal to the one written. */
function mirrorPort(p: EndpointSlicePort): EndpointSlicePort {
  return { name: p.name ?? '', protocol: p.protocol ?? 'TCP', ...(p.port != null ? { port: p.port } : {}), ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const endpointOrder = (e: EndpointSliceEndpoint) => `${e.addresses?.[0] ?? ''}\u0000${e.hostname ?? ''}`;
const portOrder = (p: EndpointSlicePort) => `${p.name ?? ''}\u0000${p.protocol ?? ''}\u0000${p.port ?? ''}`;

/** The content a mirror carries, in a fixed order: the source's endpoint and port order does not cause writes. */
function mirrorContent(source: EndpointSlice): Pick<EndpointSlice, 'addressType' | 'endpoints' | 'ports'> {
  const endpoints = (source.endpoints ?? []).filter((e) => (e.addresses?.length ?? 0) > 0).map(mirrorEndpoint);
  const ports = (source.ports ?? []).map(mirrorPort);
  return {
    addressType: source.addressType ?? '',
    endpoints: endpoints.sort((a, b) => byText(endpointOrder(a), endpointOrder(b))),
    ports: ports.sort((a, b) => byText(portOrder(a), portOrder(b))),
  };
}

function ownerOf(name: string, uid: string): OwnerReference {
  return { apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name, uid, controller: true };
}

/** The mirror of one source slice in the importing member. */
export function desiredMirror(namespace: string, service: string, serviceImportUid: string, cluster: string, source: EndpointSlice): EndpointSlice {
  const addressType = source.addressType ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: mirrorSliceName(namespace, service, cluster, source.metadata.name, addressType),
      namespace,
      labels: { [MCS_SERVICE_NAME_LABEL]: service, [MCS_SOURCE_CLUSTER_LABEL]: cluster, [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY_VALUE, [HEADLESS_LABEL]: '' },
      annotations: { [SOURCE_SLICE_ANNOTATION]: source.metadata.name },
      // Garbage-collected with the member's ServiceImport, even while this controller is down.
      ownerReferences: [ownerOf(service, serviceImportUid)],
    },
    ...mirrorContent(source),
  };
}

/**
 * What a mirror says that matters: our labels, its owner, and its content
 * normalised the way desiredMirror writes it. Labels someone else added and
 * the informational annotation do not count, so neither causes a write.
 */
function essence(s: EndpointSlice): string {
  const labels = s.metadata.labels ?? {};
  const owners = (s.metadata.ownerReferences ?? []).map(({ apiVersion, kind, name, uid, controller }) => ({ apiVersion, kind, name, uid, controller: controller ?? false }));
  return JSON.stringify([
    [MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, SLICE_MANAGED_BY_LABEL, HEADLESS_LABEL].map((k) => labels[k] ?? null),
    owners,
    mirrorContent(s),
  ]);
}

/** The source slices of one reachable cluster that are mirrored: the exported Service's, with IP addresses and at least one endpoint. */
function mirrored(namespace: string, service: string, slices: readonly EndpointSlice[]): EndpointSlice[] {
  return slices.filter(
    (s) =>
      s.metadata.namespace === namespace &&
      s.metadata.labels?.[SERVICE_NAME_LABEL] === service &&
      !isOurSlice(s) &&
      MIRRORED_ADDRESS_TYPES.has(s.addressType ?? '') &&
      (s.endpoints ?? []).some((e) => (e.addresses?.length ?? 0) > 0),
  );
}

/**
 * The writes that make one importing member's mirrors for `key` match the
 * exporting clusters' slices. Creates come first in the plan and deletes
 * last, so a writer that walks it in order never leaves a moment with
 * neither an endpoint's old nor its new slice.
 */
export function planMirrors(input: MirrorInput): MirrorPlan {
  const { namespace, name: service } = splitKey(input.key);
  const plan: MirrorPlan = { namespace, create: [], update: [], delete: [], skipped: [] };
  const ours = input.existing.filter((s) => isOurSlice(s) && s.metadata.namespace === namespace && s.metadata.labels?.[MCS_SERVICE_NAME_LABEL] === service);

  const desired = new Map<string, EndpointSlice>();
  const keep = new Set<string>();
  if (input.serviceImport && !isLabelValue(service)) {
    plan.skipped.push({ reason: `service name ${JSON.stringify(service)} is not a valid label value (at most 63 characters)` });
  } else if (input.serviceImport) {
    for (const source of input.sources) {
      if (!source.reachable) {
        for (const s of ours) if (s.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL] === source.cluster) keep.add(s.metadata.name);
        continue;
      }
      if (!isLabelValue(source.cluster)) {
        plan.skipped.push({ cluster: source.cluster, reason: `cluster name ${JSON.stringify(source.cluster)} is not a valid label value (at most 63 characters)` });
        continue;
      }
      for (const s of mirrored(namespace, service, source.slices)) {
        const m = desiredMirror(namespace, service, input.serviceImport.uid, source.cluster, s);
        desired.set(m.metadata.name, m);
      }
    }
  }

  const existingByName = new Map(ours.map((s) => [s.metadata.name, s]));
  for (const [name, m] of desired) {
    const current = existingByName.get(name);
    if (!current) plan.create.push(m);
    else if (essence(current) !== essence(m)) plan.update.push({ ...m, metadata: { ...m.metadata, ...(current.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) } });
  }
  for (const s of ours) {
    if (desired.has(s.metadata.name) || keep.has(s.metadata.name)) continue;
    plan.delete.push({ name: s.metadata.name, uid: s.metadata.uid, resourceVersion: s.metadata.resourceVersion });
  }
  const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }) => byText(a.metadata.name, b.metadata.name);
  plan.create.sort(byName);
  plan.update.sort(byName);
  plan.delete.sort((a, b) => byText(a.name, b.name));
  return plan;
}

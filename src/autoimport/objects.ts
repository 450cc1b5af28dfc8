/**
 * The control-plane objects automatic imports own, as they are written, and
 * what a cached one says in DesiredImport's terms. Pure.
 *
 * The ServiceImport carries the exports' exportedLabels and
 * exportedAnnotations on its metadata, next to labels and annotations others
 * add (Karmada marks every resource template it propagates). So that a
 * change can remove what it no longer exports without touching anyone
 * else's keys, the ServiceImport records which keys it copied in one
 * annotation of ours.
 */
import type { PropagationPolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import { MCS_API_VERSION } from '../kube/gvr.js';
import { importPolicyName, OPTIONAL_FIELDS, OUR_LABELS, SKIP_AUTO_PROPAGATION_LABEL, type DesiredImport } from './decide.js';

/** The metadata keys the ServiceImport copied from the exports, as JSON `{labels: string[], annotations: string[]}`. */
export const EXPORTED_KEYS_ANNOTATION = 'clusterset-dns.io/exported-metadata';

interface ExportedKeys {
  labels: string[];
  annotations: string[];
}

function exportedKeys(annotations: Record<string, string> | undefined): ExportedKeys {
  try {
    const v = JSON.parse(annotations?.[EXPORTED_KEYS_ANNOTATION] ?? '') as Partial<ExportedKeys>;
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((k): k is string => typeof k === 'string') : []);
    return { labels: strings(v.labels), annotations: strings(v.annotations) };
  } catch {
    return { labels: [], annotations: [] };
  }
}

const only = (o: Record<string, string> | undefined, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o?.[k] !== undefined).map((k) => [k, o![k]!]));

/** What our cached ServiceImport says, in the shape decide compares. */
export function importOf(si: ServiceImport): DesiredImport {
  const keys = exportedKeys(si.metadata.annotations);
  const spec = si.spec;
  return {
    type: spec.type,
    ports: spec.ports ?? [],
    sessionAffinity: spec.sessionAffinity,
    sessionAffinityConfig: spec.sessionAffinityConfig ?? undefined,
    ...(spec.ipFamilies?.length ? { ipFamilies: spec.ipFamilies } : {}),
    ...(spec.internalTrafficPolicy ? { internalTrafficPolicy: spec.internalTrafficPolicy } : {}),
    ...(spec.trafficDistribution ? { trafficDistribution: spec.trafficDistribution } : {}),
    labels: only(si.metadata.labels, keys.labels),
    annotations: only(si.metadata.annotations, keys.annotations),
  };
}

/**
 * A merge patch that makes `current` (ours, as cached) say `desired`, with
 * the resourceVersion it was decided from as a precondition; or, with no
 * current object, the whole object to create.
 */
export function importBody(namespace: string, name: string, desired: DesiredImport, current?: ServiceImport): object {
  const was = current ? exportedKeys(current.metadata.annotations) : { labels: [], annotations: [] };
  const gone = (before: string[], now: Record<string, string>) => Object.fromEntries(before.filter((k) => !(k in now)).map((k) => [k, null]));
  const record: ExportedKeys = { labels: Object.keys(desired.labels).sort(), annotations: Object.keys(desired.annotations).sort() };
  return {
    apiVersion: MCS_API_VERSION,
    kind: 'ServiceImport',
    metadata: {
      name,
      namespace,
      ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      // Ours last: an exported label cannot take our ownership away.
      labels: { ...gone(was.labels, desired.labels), ...desired.labels, ...OUR_LABELS },
      annotations: { ...gone(was.annotations, desired.annotations), ...desired.annotations, [EXPORTED_KEYS_ANNOTATION]: JSON.stringify(record) },
    },
    spec: {
      type: desired.type,
      ports: desired.ports,
      sessionAffinity: desired.sessionAffinity ?? 'None',
      sessionAffinityConfig: desired.sessionAffinity === 'ClientIP' && desired.sessionAffinityConfig ? desired.sessionAffinityConfig : null,
      // Asked for only where the control plane keeps them (decide.ts OPTIONAL_FIELDS); null removes one no longer carried.
      ...Object.fromEntries(OPTIONAL_FIELDS.map((f) => [f, desired[f] ?? (current?.spec[f] !== undefined ? null : undefined)]).filter(([, v]) => v !== undefined)),
    },
  };
}

/**
 * Places our ServiceImport in exactly `clusters`. Karmada's webhook turns on
 * `propagateDeps` for any policy that selects a ServiceImport, so the
 * `derived-<name>` Service and the exporting members' EndpointSlices follow
 * it. Conflict resolution stays Karmada's default (Abort): a member that
 * already has a ServiceImport of that name not made by Karmada keeps it.
 */
export function importPolicy(namespace: string, name: string, clusters: readonly string[]): PropagationPolicy {
  return {
    apiVersion: 'policy.karmada.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: importPolicyName(name), namespace, labels: { ...OUR_LABELS } },
    spec: {
      resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name }],
      placement: { clusterAffinity: { clusterNames: [...clusters] } },
    },
  };
}

/** The clusters our cached policy places the import in. */
export const policyClusters = (p: PropagationPolicy): string[] => [...(p.spec.placement?.clusterAffinity?.clusterNames ?? [])].sort();

/** A control-plane namespace we create: Karmada must not create it in (and later delete it from) every member. */
export function importNamespace(namespace: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...OUR_LABELS, [SKIP_AUTO_PROPAGATION_LABEL]: 'true' } } };
}

/**
 * Automatic imports (`run --auto-import`, docs/auto-import.md): what the
 * control plane must hold so that a Service exported in any member — by a
 * ServiceExport made in the member itself, or one Karmada propagated there —
 * is imported by every member where its namespace exists, without a
 * ServiceImport or PropagationPolicy written by hand.
 *
 * For one key `namespace/name` the controller keeps, in the Karmada control
 * plane, three objects of its own, and Karmada does the rest with its own
 * multi-cluster services flow (it creates `derived-<name>` and spreads the
 * exporting members' EndpointSlices to every member the import goes to):
 *
 * - the namespace, when the control plane lacks it, created with Karmada's
 *   `namespace.karmada.io/skip-auto-propagation` label so that Karmada does not
 *   create (and later delete) it in every member;
 * - the ServiceImport, with the merged spec of the exports;
 * - a PropagationPolicy that places that ServiceImport in the members where
 *   the namespace exists.
 *
 * Pure: a function of the snapshot. The merged spec comes from the MCS rules
 * (src/mcs/merge.ts); the writes are made by ./writer.ts.
 */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import type { ServiceImportPort } from '../api/mcs.js';

/**
 * ServiceImport spec fields an export carries that Karmada's CRD does not
 * declare (mcs-api's does): the API server drops a field its schema lacks,
 * so they are asked for only where the control plane's CRD keeps them, or
 * every pass would write the same change again.
 */
export const OPTIONAL_FIELDS = ['ipFamilies', 'internalTrafficPolicy', 'trafficDistribution'] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** Marks the control-plane objects this feature owns (with app.kubernetes.io/managed-by). */
export const AUTO_IMPORT_LABEL = 'clusterset-dns.io/auto-import';
export const AUTO_IMPORT_VALUE = 'true';
/** Karmada propagates every control-plane namespace to every member unless it carries this label. */
export const SKIP_AUTO_PROPAGATION_LABEL = 'namespace.karmada.io/skip-auto-propagation';

export const OUR_LABELS: Readonly<Record<string, string>> = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [AUTO_IMPORT_LABEL]: AUTO_IMPORT_VALUE };

export const isAutoImportObject = (labels: Record<string, string> | undefined): boolean =>
  labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[AUTO_IMPORT_LABEL] === AUTO_IMPORT_VALUE;

/** Our PropagationPolicy for the import `name`. A Service name has at most 63 characters, so this stays a valid name. */
export const importPolicyName = (name: string): string => `clusterset-dns-import-${name}`;

/** The import the exports agree on (src/mcs/merge.ts), as the control-plane ServiceImport carries it. */
export interface DesiredImport {
  type: 'ClusterSetIP' | 'Headless';
  ports: ServiceImportPort[];
  sessionAffinity?: string | undefined;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } } | undefined;
  /** Only where the control plane's CRD keeps them (OPTIONAL_FIELDS); Karmada's drops them. */
  ipFamilies?: string[] | undefined;
  internalTrafficPolicy?: string | undefined;
  trafficDistribution?: string | undefined;
  /** The exports' exportedLabels/exportedAnnotations, set on the ServiceImport's metadata. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** What the control plane holds now for one key, from the caches. */
export interface ControlPlaneView {
  namespace?: { ours: boolean; deleting: boolean; uid?: string | undefined } | undefined;
  serviceImport?: {
    ours: boolean;
    deleting: boolean;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
    /** What it says now, in DesiredImport's shape (labels and annotations without ours). */
    current: DesiredImport;
  } | undefined;
  policy?: { clusters: string[]; uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  /** ServiceImports in the namespace other than this key's (anyone's): our namespace is kept while there is one. */
  otherImportsInNamespace: number;
}

export interface AutoImportSnapshot {
  namespace: string;
  name: string;
  /** The merged import, or undefined when no member exports this key validly (or its exports are being deleted). */
  desired: DesiredImport | undefined;
  /** Members where the namespace exists (last known state for unreachable ones), sorted. */
  namespaceIn: string[];
  /** Members that export the key validly: the placement never goes below them. */
  exporters: string[];
  controlPlane: ControlPlaneView;
}

export type Step =
  | { do: 'create-namespace' }
  | { do: 'apply-import'; import: DesiredImport; resourceVersion?: string | undefined }
  | { do: 'apply-policy'; clusters: string[]; resourceVersion?: string | undefined }
  | { do: 'delete-policy'; uid?: string | undefined; resourceVersion?: string | undefined }
  | { do: 'delete-import'; uid?: string | undefined; resourceVersion?: string | undefined }
  | { do: 'delete-namespace'; uid?: string | undefined };

export interface AutoImportDecision {
  steps: Step[];
  /** Why nothing is done in the control plane, when that is the answer and worth a log line. */
  note?: string;
}

const sortedKeys = (o: Record<string, unknown>) => Object.keys(o).sort();
const canonical = (d: DesiredImport): string =>
  JSON.stringify({
    type: d.type,
    ports: d.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port, appProtocol: p.appProtocol ?? '' })),
    sessionAffinity: d.sessionAffinity ?? 'None',
    sessionAffinityConfig: d.sessionAffinity === 'ClientIP' ? (d.sessionAffinityConfig ?? null) : null,
    ipFamilies: d.ipFamilies ?? null,
    internalTrafficPolicy: d.internalTrafficPolicy ?? null,
    trafficDistribution: d.trafficDistribution ?? null,
    labels: sortedKeys(d.labels).map((k) => [k, d.labels[k]]),
    annotations: sortedKeys(d.annotations).map((k) => [k, d.annotations[k]]),
  });

export const sameImport = (a: DesiredImport, b: DesiredImport): boolean => canonical(a) === canonical(b);

const sameClusters = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((c, i) => c === [...b].sort()[i]);

/** Where our ServiceImport goes: every member with the namespace, and never fewer than the exporters. */
export function placement(s: Pick<AutoImportSnapshot, 'namespaceIn' | 'exporters'>): string[] {
  return [...new Set([...s.namespaceIn, ...s.exporters])].sort();
}

export function decideAutoImport(s: AutoImportSnapshot): AutoImportDecision {
  const cp = s.controlPlane;
  if (cp.namespace?.deleting) return { steps: [], note: `namespace ${s.namespace} is being deleted in the control plane; waiting` };
  const si = cp.serviceImport;
  if (si && !si.ours) {
    // The Karmada-native flow: someone wrote this import. Never touch it; the ServiceImport controller fills its IPs.
    return { steps: [], note: 'the control-plane ServiceImport is not ours; left as it is' };
  }
  if (s.desired === undefined) return { steps: cleanup(s) };
  if (si?.deleting) return { steps: [], note: 'our ServiceImport is being deleted; waiting to create it again' };

  const steps: Step[] = [];
  if (!cp.namespace) steps.push({ do: 'create-namespace' });
  if (!si || !sameImport(si.current, s.desired)) steps.push({ do: 'apply-import', import: s.desired, resourceVersion: si?.resourceVersion });
  const clusters = placement(s);
  if (!cp.policy || !sameClusters(cp.policy.clusters, clusters)) steps.push({ do: 'apply-policy', clusters, resourceVersion: cp.policy?.resourceVersion });
  return { steps };
}

/**
 * No export left: remove the policy first (Karmada then removes the member
 * imports and derived Services), then the import, then — once nothing else
 * is imported there — the namespace, only when we created it.
 */
function cleanup(s: AutoImportSnapshot): Step[] {
  const cp = s.controlPlane;
  const steps: Step[] = [];
  if (cp.policy) steps.push({ do: 'delete-policy', uid: cp.policy.uid, resourceVersion: cp.policy.resourceVersion });
  if (cp.serviceImport && !cp.serviceImport.deleting) steps.push({ do: 'delete-import', uid: cp.serviceImport.uid, resourceVersion: cp.serviceImport.resourceVersion });
  if (!cp.serviceImport && !cp.policy && cp.namespace?.ours && cp.otherImportsInNamespace === 0) steps.push({ do: 'delete-namespace', uid: cp.namespace.uid });
  return steps;
}

/** A condition as the MCS rules state it; the times are added when it is written (src/mcs/merge.ts). */
export interface ExportCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * mcs-api's `Ready` for one member's export: `Exported` once the control
 * plane holds a ServiceImport for it (ours, or one written by hand, which
 * Karmada propagates); `Pending` until then; `Failed` for an export that is
 * not valid (its `Valid` condition says why).
 */
export function readyCondition(valid: boolean, s: Pick<AutoImportSnapshot, 'controlPlane'>): ExportCondition {
  if (!valid) return { type: 'Ready', status: 'False', reason: 'Failed', message: 'the export is not valid; see the Valid condition' };
  const si = s.controlPlane.serviceImport;
  if (si && !si.deleting) return { type: 'Ready', status: 'True', reason: 'Exported', message: `imported through the Karmada control plane${si.ours ? '' : ' (a ServiceImport not made by clusterset-dns)'}` };
  return { type: 'Ready', status: 'False', reason: 'Pending', message: 'the control-plane ServiceImport is not there yet' };
}

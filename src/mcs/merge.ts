/**
 * The Multi-Cluster Services rules that turn every member's ServiceExport
 * of one `namespace/name` (and the Service of that name beside it) into one
 * ServiceImport, and the Valid and Conflict conditions each export gets.
 * Pure: the caller reads the exports and writes the results. Each rule and
 * where upstream states it: docs/mcs-rules.md.
 */
import type { ServicePort, ServiceSpec } from '../api/core.js';
import {
  ServiceExportConditionType as ConditionType,
  ServiceExportReason as Reason,
  type ServiceExportConflictReason,
  type ServiceImportSpec,
  type ServiceImportType,
} from '../api/mcs.js';
import type { DesiredCondition } from './conditions.js';
import { mergePorts, portSetKey, portText } from './ports.js';

/** One member's ServiceExport for the key, and its Service of the same name. */
export interface ExportedService {
  cluster: string;
  /** The ServiceExport's creationTimestamp: the oldest export wins a conflict. */
  exportCreationTimestamp: string | Date;
  exportedLabels?: Record<string, string>;
  exportedAnnotations?: Record<string, string>;
  /** The Service's spec; undefined when the cluster has no Service of that name. */
  service: ServiceSpec | undefined;
}

/** What the merged ServiceImport says, apart from `spec.ips`, which are allocated elsewhere. */
export interface MergedImport {
  spec: Omit<ServiceImportSpec, 'ips'>;
  /** The winning export's `spec.exportedLabels`. */
  labels: Record<string, string>;
  /** The winning export's `spec.exportedAnnotations`. */
  annotations: Record<string, string>;
  /** `status.clusters`: the clusters whose export is valid, sorted by name. */
  clusters: string[];
}

export interface ExportConditions {
  valid: DesiredCondition;
  conflict: DesiredCondition;
}

export interface MergeResult {
  /** Undefined when no export is valid: then there is no ServiceImport at all. */
  import: MergedImport | undefined;
  /** Every export's conditions, by cluster. */
  conditions: Map<string, ExportConditions>;
}

/** Service types that export as a ClusterSetIP import (or Headless, with clusterIP "None"). */
const EXPORTABLE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer']);

/**
 * A message names at most this many clusters or ports, and shows at most
 * this many characters of a value (exported annotations can be long): it
 * must stay readable and under metav1.Condition's 32768 characters.
 */
const MAX_NAMED = 5;
const MAX_VALUE_CHARS = 120;

interface ValidExport {
  cluster: string;
  createdMs: number;
  type: ServiceImportType;
  service: ServiceSpec;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type Validity = { valid: true; type: ServiceImportType; service: ServiceSpec } | { valid: false; reason: string; message: string };

function validity(e: ExportedService): Validity {
  if (!e.service) {
    return { valid: false, reason: Reason.NoService, message: `No Service of the same name and namespace in cluster "${e.cluster}".` };
  }
  const type = e.service.type ?? 'ClusterIP';
  if (!EXPORTABLE_TYPES.has(type)) {
    return { valid: false, reason: Reason.InvalidServiceType, message: `A Service of type ${type} cannot be exported.` };
  }
  return { valid: true, type: e.service.clusterIP === 'None' ? 'Headless' : 'ClusterSetIP', service: e.service };
}

/** Milliseconds since the epoch; an unreadable timestamp counts as the newest. */
function createdMs(t: string | Date): number {
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Precedence: the oldest ServiceExport first; the same timestamp, by cluster name, so the result never depends on input order. */
function byPrecedence(a: ValidExport, b: ValidExport): number {
  if (a.createdMs !== b.createdMs) return a.createdMs < b.createdMs ? -1 : 1;
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}

/** JSON with sorted keys: equal values give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return v === undefined ? 'unset' : JSON.stringify(v);
}

/**
 * The properties that follow the oldest export when exports disagree, each
 * read as the API server would default it, so an unset field and its default
 * do not conflict. In the order their reasons are joined.
 */
const OLDEST_WINS: ReadonlyArray<{ reason: ServiceExportConflictReason; field: string; read: (e: ValidExport) => unknown }> = [
  { reason: Reason.TypeConflict, field: 'type', read: (e) => e.type },
  { reason: Reason.SessionAffinityConflict, field: 'sessionAffinity', read: (e) => e.service.sessionAffinity ?? 'None' },
  { reason: Reason.SessionAffinityConfigConflict, field: 'sessionAffinityConfig', read: (e) => e.service.sessionAffinityConfig },
  { reason: Reason.LabelsConflict, field: 'exportedLabels', read: (e) => e.labels },
  { reason: Reason.AnnotationsConflict, field: 'exportedAnnotations', read: (e) => e.annotations },
  { reason: Reason.InternalTrafficPolicyConflict, field: 'internalTrafficPolicy', read: (e) => e.service.internalTrafficPolicy ?? 'Cluster' },
  { reason: Reason.TrafficDistributionConflict, field: 'trafficDistribution', read: (e) => e.service.trafficDistribution },
  // As a set: the same families in another order reach every backend either way.
  { reason: Reason.IPFamilyConflict, field: 'ipFamilies', read: (e) => [...new Set(e.service.ipFamilies ?? [])].sort() },
];

interface Conflict {
  reason: ServiceExportConflictReason;
  message: string;
}

const shortened = (text: string) => (text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text);

function named(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMED).join(', ');
  return items.length > MAX_NAMED ? `${shown} and ${items.length - MAX_NAMED} more` : shown;
}

const disagreeText = (disagree: readonly string[], total: number) =>
  `${disagree.length}/${total} clusters disagree: ${named(disagree.map((c) => `"${c}"`))}.`;

function portConflict(oldestFirst: readonly ValidExport[]): Conflict | undefined {
  const [oldest] = oldestFirst;
  if (!oldest) return undefined;
  const ownPorts = (e: ValidExport): readonly ServicePort[] => e.service.ports ?? [];
  const key = portSetKey(ownPorts(oldest));
  const disagree = oldestFirst.filter((e) => portSetKey(ownPorts(e)) !== key).map((e) => e.cluster);
  if (disagree.length === 0) return undefined;
  const { dropped } = mergePorts(oldestFirst.map((e) => ({ cluster: e.cluster, ports: ownPorts(e) })));
  const droppedText = dropped.length
    ? ` Left out: ${named(dropped.map((d) => `${portText(d.port)} of "${d.cluster}" (clashes with ${portText(d.keptInstead)})`))}.`
    : '';
  return {
    reason: Reason.PortConflict,
    message:
      `Conflicting ports. Using the union of all exported ports; where two clash, the port of the oldest export wins. ` +
      `${disagreeText(disagree, oldestFirst.length)}${droppedText}`,
  };
}

function conflicts(oldestFirst: readonly ValidExport[]): Conflict[] {
  const [oldest] = oldestFirst;
  if (!oldest) return [];
  const found: Conflict[] = [];
  const ports = portConflict(oldestFirst);
  if (ports) found.push(ports);
  for (const { reason, field, read } of OLDEST_WINS) {
    const winning = canonical(read(oldest));
    const disagree = oldestFirst.filter((e) => canonical(read(e)) !== winning).map((e) => e.cluster);
    if (disagree.length === 0) continue;
    found.push({
      reason,
      message: `Conflicting ${field}. Using ${shortened(winning)} from the oldest export, in "${oldest.cluster}". ${disagreeText(disagree, oldestFirst.length)}`,
    });
  }
  return found;
}

function mergedImport(oldestFirst: readonly ValidExport[]): MergedImport | undefined {
  const [oldest] = oldestFirst;
  if (!oldest) return undefined;
  const s = oldest.service;
  const { ports } = mergePorts(oldestFirst.map((e) => ({ cluster: e.cluster, ports: e.service.ports ?? [] })));
  return {
    spec: {
      type: oldest.type,
      ports,
      sessionAffinity: s.sessionAffinity ?? 'None',
      ...(s.sessionAffinityConfig !== undefined && { sessionAffinityConfig: s.sessionAffinityConfig }),
      ...(s.ipFamilies !== undefined && { ipFamilies: [...s.ipFamilies] }),
      ...(s.internalTrafficPolicy !== undefined && { internalTrafficPolicy: s.internalTrafficPolicy }),
      ...(s.trafficDistribution !== undefined && { trafficDistribution: s.trafficDistribution }),
    },
    labels: { ...oldest.labels },
    annotations: { ...oldest.annotations },
    clusters: oldestFirst.map((e) => e.cluster).sort(),
  };
}

/**
 * Merges one key's exports. Invalid exports (no Service, or an ExternalName
 * one) get Valid=False and add nothing. When the valid exports disagree,
 * every valid export gets the same Conflict=True condition, whose reason
 * joins the conflicting properties' reasons with commas, as KEP-1645 asks
 * ("set on all ServiceExports for the conflicted service").
 */
export function mergeExports(exports: readonly ExportedService[]): MergeResult {
  const conditions = new Map<string, ExportConditions>();
  const valid: ValidExport[] = [];
  for (const e of exports) {
    const v = validity(e);
    if (!v.valid) {
      conditions.set(e.cluster, {
        valid: { type: ConditionType.Valid, status: 'False', reason: v.reason, message: v.message },
        conflict: { type: ConditionType.Conflict, status: 'False', reason: Reason.NoConflicts, message: 'Not merged: the export is not valid.' },
      });
      continue;
    }
    valid.push({
      cluster: e.cluster,
      createdMs: createdMs(e.exportCreationTimestamp),
      type: v.type,
      service: v.service,
      labels: e.exportedLabels ?? {},
      annotations: e.exportedAnnotations ?? {},
    });
  }
  valid.sort(byPrecedence);

  const found = conflicts(valid);
  const conflict: DesiredCondition = found.length
    ? { type: ConditionType.Conflict, status: 'True', reason: found.map((c) => c.reason).join(','), message: found.map((c) => c.message).join(' ') }
    : { type: ConditionType.Conflict, status: 'False', reason: Reason.NoConflicts, message: 'No conflicts with the other exports.' };
  for (const e of valid) {
    conditions.set(e.cluster, {
      valid: { type: ConditionType.Valid, status: 'True', reason: Reason.Valid, message: 'The ServiceExport and its Service are exportable.' },
      conflict,
    });
  }
  return { import: mergedImport(valid), conditions };
}

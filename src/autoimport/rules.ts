/**
 * The MCS rules (src/mcs/) in the terms automatic imports use: the merge of
 * the observed exports, and conditions written only when they change.
 *
 * The control-plane ServiceImport carries ipFamilies, internalTrafficPolicy
 * and trafficDistribution only where the control plane's CRD keeps them
 * (`carried`; decide.ts OPTIONAL_FIELDS): Karmada's drops them, and asking
 * for a field that never reads back as written would write on every pass
 * (docs/auto-import.md says what is lost).
 */
import type { Condition, ServiceExport } from '../api/mcs.js';
import { nextConditions } from '../mcs/conditions.js';
import { mergeExports, type ExportedService } from '../mcs/merge.js';
import { OPTIONAL_FIELDS, type DesiredImport } from './decide.js';
import type { ExportRules } from './reconciler.js';
import type { ObservedExport } from './snapshot.js';

function exported(e: ObservedExport): ExportedService {
  const se = e.serviceExport as ServiceExport & { metadata: { creationTimestamp?: string | Date } };
  return {
    cluster: e.cluster,
    exportCreationTimestamp: se.metadata.creationTimestamp ?? new Date(0),
    ...(se.spec?.exportedLabels ? { exportedLabels: se.spec.exportedLabels } : {}),
    ...(se.spec?.exportedAnnotations ? { exportedAnnotations: se.spec.exportedAnnotations } : {}),
    service: e.service?.spec,
  };
}

export const exportRules: ExportRules = {
  merge(exports, carried) {
    const r = mergeExports(exports.map(exported));
    const spec = r.import?.spec;
    const optional = spec ? Object.fromEntries(OPTIONAL_FIELDS.filter((f) => carried.has(f) && spec[f] !== undefined && (!Array.isArray(spec[f]) || spec[f].length > 0)).map((f) => [f, spec[f]])) : {};
    const desired: DesiredImport | undefined = r.import && {
      type: r.import.spec.type,
      ports: r.import.spec.ports,
      sessionAffinity: r.import.spec.sessionAffinity,
      sessionAffinityConfig: r.import.spec.sessionAffinityConfig,
      ...optional,
      labels: r.import.labels,
      annotations: r.import.annotations,
    };
    return { desired, exporters: r.import?.clusters ?? [], conditions: new Map([...r.conditions].map(([cluster, c]) => [cluster, [c.valid, c.conflict]])) };
  },
  next: (existing, desired, now, generation) => nextConditions(existing as Condition[] | undefined, desired, now, generation),
};

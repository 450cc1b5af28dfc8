/**
 * The MCS rules (src/mcs/) in the terms automatic imports use: the merge of
 * the observed exports, and conditions written only when they change.
 *
 * The control-plane ServiceImport carries only what Karmada's ServiceImport
 * CRD keeps — type, ports, session affinity and its config. The API server
 * drops fields its schema lacks, so asking for internalTrafficPolicy,
 * trafficDistribution or ipFamilies there would never read back as written
 * and every pass would write again (docs/auto-import.md says what is lost).
 */
import type { Condition, ServiceExport } from '../api/mcs.js';
import { nextConditions } from '../mcs/conditions.js';
import { mergeExports, type ExportedService } from '../mcs/merge.js';
import type { DesiredImport } from './decide.js';
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
  merge(exports) {
    const r = mergeExports(exports.map(exported));
    const desired: DesiredImport | undefined = r.import && {
      type: r.import.spec.type,
      ports: r.import.spec.ports,
      sessionAffinity: r.import.spec.sessionAffinity,
      sessionAffinityConfig: r.import.spec.sessionAffinityConfig,
      labels: r.import.labels,
      annotations: r.import.annotations,
    };
    return { desired, exporters: r.import?.clusters ?? [], conditions: new Map([...r.conditions].map(([cluster, c]) => [cluster, [c.valid, c.conflict]])) };
  },
  next: (existing, desired, now, generation) => nextConditions(existing as Condition[] | undefined, desired, now, generation),
};

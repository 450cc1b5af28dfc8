/**
 * Where the MCS EndpointSlice mirrors of one key come from: the
 * EndpointSlices Karmada collected into the control plane from every
 * exporting member (src/mcs/endpointslice-mirror.ts mirrors them into each
 * importing member). Pure.
 *
 * Reading Karmada's collection, not each member's own slices, keeps the
 * controller from caching every EndpointSlice of every member: the control
 * plane holds exactly the exported Services' slices. Each collected slice
 * is labelled `kubernetes.io/service-name: derived-<svc>` and annotated
 * `work.karmada.io/namespace: karmada-es-<cluster>`, which names the
 * exporting cluster (Karmada v1.18 pkg/controllers/mcs/endpointslice_controller.go).
 */
import type { EndpointSlice } from '../api/core.js';
import { KARMADA_WORK_NAMESPACE_ANNOTATION } from '../api/mcs.js';
import type { SourceCluster } from '../mcs/endpointslice-mirror.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const EXECUTION_NAMESPACE_PREFIX = 'karmada-es-';

/**
 * The exporting clusters of `namespace/name` and their slices, as the
 * mirror plan reads them: each slice relabelled with the exported Service's
 * own name (Karmada labels it with the derived Service's). A slice whose
 * source cluster cannot be told is left out. Karmada keeps an unreachable
 * member's collected slices, so every cluster here is as Karmada last saw it.
 */
export function collectedSources(slices: readonly EndpointSlice[], namespace: string, name: string): SourceCluster[] {
  const byCluster = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    if (s.metadata.namespace !== namespace || s.metadata.labels?.[SERVICE_NAME_LABEL] !== `derived-${name}`) continue;
    const workNamespace = s.metadata.annotations?.[KARMADA_WORK_NAMESPACE_ANNOTATION] ?? '';
    if (!workNamespace.startsWith(EXECUTION_NAMESPACE_PREFIX)) continue;
    const cluster = workNamespace.slice(EXECUTION_NAMESPACE_PREFIX.length);
    if (cluster === '') continue;
    const relabelled: EndpointSlice = { ...s, metadata: { ...s.metadata, labels: { ...s.metadata.labels, [SERVICE_NAME_LABEL]: name } } };
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), relabelled]);
  }
  return [...byCluster.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cluster, list]) => ({ cluster, reachable: true as const, slices: list }));
}

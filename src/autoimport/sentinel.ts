/**
 * The sentinel: one ServiceExport that Karmada propagates to every member,
 * so that Karmada collects the exports made in the members themselves.
 *
 * Karmada's service-export controller starts watching a member's
 * ServiceExports and EndpointSlices only after a ServiceExport propagated
 * from the control plane has been applied there (Karmada v1.18
 * pkg/controllers/mcs/service_export_controller.go: it acts on Work updates
 * that hold a ServiceExport; docs/upstream-behaviour.md "Member-side
 * ServiceExports"). Until then an export made only in a member is never
 * reported, and no member can reach it. The sentinel is that propagated
 * ServiceExport. It exports nothing: there is no Service of its name, and
 * automatic imports skip its namespace.
 *
 * Its namespace is propagated by Karmada like any control-plane namespace,
 * to every member, so that the ServiceExport can be applied there; the
 * policy places it in every member, those that join later included.
 */
import type { PropagationPolicy } from '../api/karmada.js';
import { MCS_API_VERSION } from '../kube/gvr.js';
import { OUR_LABELS } from './decide.js';

/** Never imported: the sentinel's ServiceExport exports nothing. */
export const SENTINEL_NAMESPACE = 'clusterset-dns-system';
export const SENTINEL_NAME = 'clusterset-dns-sentinel';

export function sentinelObjects(): { namespace: object; serviceExport: object; policy: PropagationPolicy } {
  const metadata = { name: SENTINEL_NAME, namespace: SENTINEL_NAMESPACE, labels: { ...OUR_LABELS } };
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SENTINEL_NAMESPACE, labels: { ...OUR_LABELS } } },
    serviceExport: { apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata },
    policy: {
      apiVersion: 'policy.karmada.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata,
      // No placement: every member, now and later.
      spec: { resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceExport', name: SENTINEL_NAME }] },
    },
  };
}

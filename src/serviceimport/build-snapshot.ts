/**
 * The one function that turns cache contents (src/karmada/caches.ts, kept by
 * the cluster manager) into a Snapshot for decide().
 */
import { KARMADA_MANAGED_LABEL } from '../api/karmada.js';
import { isDeleting, type KubeObject } from '../api/meta.js';
import { fillsIps } from '../api/ownership.js';
import { parseServiceImport } from '../api/guards.js';
import type { EndpointSlice, Service } from '../api/core.js';
import type { ServiceImport } from '../api/mcs.js';
import { isOurPolicy, overridePolicyName, rulesOf } from './overridepolicy.js';
import type { ManagedRoute } from './route.js';
import type { MemberView, ServiceImportView, ServiceView, Snapshot } from './snapshot.js';
import type { Caches, ObjectReader } from '../karmada/caches.js';

/** What a decision reads of a ServiceImport; undefined when there is none or it is malformed. */
export function importView(si: ServiceImport | undefined): ServiceImportView | undefined {
  if (!si || !parseServiceImport(si).ok) return undefined;
  return {
    type: si.spec.type,
    portCount: si.spec.ports?.length ?? 0,
    ips: si.spec.ips ?? [],
    deleting: isDeleting(si),
    managed: si.metadata.labels?.[KARMADA_MANAGED_LABEL] === 'true',
    fillsIps: fillsIps(si.metadata.annotations),
    ...(si.metadata.resourceVersion !== undefined ? { resourceVersion: si.metadata.resourceVersion } : {}),
  };
}

function serviceView(svc: Service | undefined): ServiceView | undefined {
  if (!svc?.spec) return undefined;
  const ips = svc.spec.clusterIPs && svc.spec.clusterIPs.length > 0 ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return { clusterIPs: ips, ipFamilies: svc.spec.ipFamilies ?? [], type: svc.spec.type ?? 'ClusterIP' };
}

const nsDeleting = (r: ObjectReader<KubeObject>, ns: string) => isDeleting(r.get('', ns));

/**
 * Slices Karmada writes into a member carry remote endpoints, not local ones:
 * the classic ServiceExport/ServiceImport path labels them
 * endpointslice-controller.karmada.io, MultiClusterService
 * endpointslice-dispatch-controller.karmada.io (Karmada v1.18.2
 * pkg/controllers/mcs/endpointslice_controller.go and
 * pkg/controllers/multiclusterservice/; observed in
 * docs/upstream-behaviour.md#collected-endpointslices-and-derived-services).
 */
const KARMADA_SLICE_MANAGERS = new Set(['endpointslice-controller.karmada.io', 'endpointslice-dispatch-controller.karmada.io']);

export function readyEndpoints(slices: EndpointSlice[]): number {
  let n = 0;
  for (const sl of slices) {
    if (KARMADA_SLICE_MANAGERS.has(sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '')) continue;
    // EndpointSlice semantics: a nil `ready` means ready.
    for (const e of sl.endpoints ?? []) if (e.conditions?.ready !== false && (e.addresses?.length ?? 0) > 0) n++;
  }
  return n;
}

export function buildSnapshot(c: Caches, namespace: string, name: string, managedRoute: ManagedRoute): Snapshot {
  const cpSi = c.controlPlane.serviceImports.get(namespace, name);
  const cpView = importView(cpSi);
  const policy = c.controlPlane.overridePolicies.get(namespace, overridePolicyName(name));
  const members: MemberView[] = c.members().map((m) => {
    const slices = m.endpointSlicesOf(namespace, name);
    const view: MemberView = {
      cluster: m.cluster,
      reachable: m.reachable(),
      starting: m.starting(),
      ipsMaxItems: m.ipsMaxItems(),
      exports: m.serviceExports.get(namespace, name) !== undefined,
      namespaceDeleting: nsDeleting(m.namespaces, namespace),
      localReadyEndpoints: slices ? readyEndpoints(slices) : undefined,
    };
    // Only to say why there is no limit: installed, but not serving v1alpha1.
    const crdVersions = view.ipsMaxItems === undefined ? m.serviceImportCrdVersions() : undefined;
    if (crdVersions) view.crdVersions = crdVersions;
    const local = serviceView(m.services.get(namespace, name));
    if (local) view.localService = local;
    const si = importView(m.serviceImports.get(namespace, name));
    if (si) view.serviceImport = si;
    const derived = serviceView(m.services.get(namespace, `derived-${name}`));
    if (derived) view.derivedService = derived;
    return view;
  });
  const snapshot: Snapshot = {
    namespace,
    name,
    managedRoute,
    // The collected slices are watched only with run --auto-import, which mirrors them for headless imports.
    ...(c.controlPlane.collectedSlices !== undefined ? { headlessServed: true } : {}),
    controlPlane: { namespaceDeleting: nsDeleting(c.controlPlane.namespaces, namespace) },
    members,
  };
  if (cpSi && cpView) {
    snapshot.controlPlane.serviceImport = {
      ...cpView,
      uid: cpSi.metadata.uid ?? '',
      statusClusters: (cpSi.status?.clusters ?? []).map((x) => x.cluster),
      annotations: cpSi.metadata.annotations ?? {},
    };
  }
  if (policy && !isOurPolicy(policy)) {
    snapshot.controlPlane.policyNameTaken = true;
  } else if (policy) {
    snapshot.controlPlane.overrideRules = rulesOf(policy);
    snapshot.controlPlane.overridePolicy = policy;
  }
  return snapshot;
}

/**
 * One-shot lists as the controller's Caches (src/serviceimport/build-snapshot.ts), so
 * doctor can hand them to buildSnapshot and decide — the controller's own
 * code — and learn what the controller would write, without a second copy of
 * how spec.ips is chosen (docs/design.md#which-ip). Pure.
 */
import { key, type KubeObject } from '../api/meta.js';
import type { EndpointSlice } from '../api/core.js';
import { ipsMaxItemsOf, servedVersionsOf } from '../karmada/crd-schema.js';
import type { Caches, MemberCaches, ObjectReader } from '../karmada/caches.js';
import type { CpLists, Listed, ReachedMember } from './observation.js';

function reader<T extends KubeObject>(items: readonly T[]): ObjectReader<T> & { list(): T[] } {
  // Namespaces are cluster-scoped: no metadata.namespace, so their key is "/name", as the caches' get('', name) asks.
  const byKey = new Map(items.map((o) => [key(o.metadata.namespace ?? '', o.metadata.name), o]));
  return { get: (namespace, name) => byKey.get(key(namespace, name)), list: () => [...items] };
}

/** Items of a list that answered; a 404 (CRD not installed) reads as empty, as the controller's reflector sees it. */
const items = <T>(l: Listed<T>): T[] => (l.ok ? l.value : []);

export function listCaches(cp: CpLists | undefined, members: readonly ReachedMember[]): Caches {
  const none = reader<never>([]);
  const controlPlane = cp
    ? { serviceImports: reader(cp.serviceImports), overridePolicies: reader(cp.overridePolicies), namespaces: reader(cp.namespaces) }
    : { serviceImports: none, overridePolicies: none, namespaces: none };
  const memberCaches = members.map((m): MemberCaches => {
    const slices = new Map<string, EndpointSlice[]>();
    for (const sl of items(m.endpointSlices)) {
      const svc = sl.metadata.labels?.['kubernetes.io/service-name'];
      if (!svc) continue;
      const k = key(sl.metadata.namespace ?? '', svc);
      slices.set(k, [...(slices.get(k) ?? []), sl]);
    }
    const crd = m.crds.serviceimports.ok ? m.crds.serviceimports.value : undefined;
    return {
      cluster: m.member,
      // Only members whose lists all answered get here: that is what "reachable" means to the controller.
      reachable: () => true,
      starting: () => false,
      ipsMaxItems: () => ipsMaxItemsOf(crd),
      serviceImportCrdVersions: () => servedVersionsOf(crd),
      serviceImports: reader(items(m.serviceImports)),
      services: reader(items(m.services)),
      serviceExports: reader(items(m.serviceExports)),
      namespaces: reader(items(m.namespaces)),
      endpointSlicesOf: (namespace, service) => slices.get(key(namespace, service)) ?? [],
    };
  });
  return { controlPlane, members: () => memberCaches };
}

/**
 * What the cluster manager's caches keep of each object: the fields the
 * decisions read (src/serviceimport/build-snapshot.ts, decide.ts; the keys an
 * event touches, ./event-keys.ts) and what the Reflector needs (name,
 * namespace, resourceVersion), nothing more. Members' Services and
 * EndpointSlices are cached cluster-wide, in every member, so what is not
 * read there (annotations, ports, selectors, status, topology, targetRefs)
 * is most of the controller's heap at scale.
 *
 * ServiceImports keep their whole spec and status, labels, annotations and
 * owners: they are the objects the controller reasons about, small, and read
 * in more ways (routes, ownership annotations) than the other kinds.
 * Each function returns a new object with what is kept (the Reflector's
 * prune hook; src/runtime/cache/transform.ts says why not in place).
 */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { SLICE_MANAGED_BY_LABEL } from '../api/mcs.js';
import { keepOnly, pick } from '../runtime/cache/transform.js';

/** What the cache itself needs of an object's metadata (ListWatch's keys and resume point). */
const CACHE_KEY = ['name', 'namespace', 'resourceVersion'];
/** What the cached objects keep of their metadata, but members' Services and EndpointSlices: those are the many, and read only by name. */
const IDENTITY = [...CACHE_KEY, 'uid', 'deletionTimestamp'];
const metadata = (extra: readonly string[] = []) => (m: unknown) => pick(m, [...IDENTITY, ...extra]);

export function pruneServiceImport(o: object): object {
  return keepOnly(o, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], { metadata: metadata(['generation', 'labels', 'annotations', 'ownerReferences']) });
}

/**
 * build-snapshot's serviceView (spec.type, clusterIP(s), ipFamilies), and
 * what an export carries into its import (src/mcs/merge.ts): the ports
 * without targetPort and nodePort, session affinity and its config, the
 * traffic policies. Of its metadata only the cache's key: nothing reads a
 * member Service's uid or labels (a derived Service is known by its name),
 * and every unrelated Service of every member has them.
 */
export function pruneService(o: object): object {
  return keepOnly(o, ['metadata', 'spec'], {
    metadata: (m) => pick(m, CACHE_KEY),
    spec: (s) => {
      const kept = pick(s, ['type', 'clusterIP', 'clusterIPs', 'ipFamilies', 'sessionAffinity', 'sessionAffinityConfig', 'internalTrafficPolicy', 'trafficDistribution']);
      const ports = (s as { ports?: unknown } | undefined)?.ports;
      if (kept && Array.isArray(ports)) (kept as Record<string, unknown>)['ports'] = ports.map((p) => pick(p, ['name', 'protocol', 'port', 'appProtocol']));
      return kept;
    },
  });
}

/** What the MCS rules read of a ServiceExport: when it was made (oldest wins a conflict), its spec (exported labels and annotations), its conditions. */
export function pruneServiceExport(o: object): object {
  return keepOnly(o, ['metadata', 'spec', 'status'], { metadata: metadata(['creationTimestamp', 'generation', 'labels']) });
}

/**
 * An EndpointSlice mirrored for MCS (src/mcs/endpointslice-mirror.ts): every
 * address, hostname and condition of each endpoint, the ports, and the
 * metadata that says whose it is and where it came from — the
 * EndpointSlices Karmada collected from exporting members in the control
 * plane, and our mirrors in the members. Both are label-selected, so only
 * exported Services' slices are kept this way, never a member's own.
 */
export function pruneMirroredSlice(o: object): object {
  return keepOnly(o, ['metadata', 'addressType', 'endpoints', 'ports'], {
    metadata: metadata(['labels', 'annotations', 'ownerReferences']),
    endpoints: (es) =>
      Array.isArray(es)
        ? es.map((e: unknown) => {
            const kept = pick(e, ['addresses', 'hostname']) ?? {};
            const conditions = pick((e as { conditions?: unknown }).conditions, ['ready', 'serving', 'terminating']);
            return conditions ? { ...kept, conditions } : kept;
          })
        : es,
    ports: (ps) => (Array.isArray(ps) ? ps.map((p) => pick(p, ['name', 'protocol', 'port', 'appProtocol'])) : ps),
  });
}

/** Namespaces: whether they exist and are being deleted, and their labels (whose a control-plane namespace is). */
export function pruneNamespace(o: object): object {
  return keepOnly(o, ['metadata'], { metadata: metadata(['labels']) });
}

/** The two labels of an EndpointSlice that are read (./endpoint-slices.ts, readyEndpoints); the slice controller copies the Service's own labels onto each slice too. */
const SLICE_LABELS_READ = ['kubernetes.io/service-name', SLICE_MANAGED_BY_LABEL];

/** readyEndpoints: the service-name and managed-by labels, and per endpoint whether it is ready and has an address. */
export function pruneEndpointSlice(o: object): object {
  return keepOnly(o, ['metadata', 'endpoints'], {
    metadata: (m) => {
      const kept = pick(m, CACHE_KEY);
      const labels = pick((m as { labels?: unknown } | undefined)?.labels, SLICE_LABELS_READ);
      return kept && labels ? { ...kept, labels } : kept;
    },
    endpoints: (es) =>
      Array.isArray(es)
        ? es.map((e: { addresses?: unknown; conditions?: { ready?: unknown } }) => ({
            addresses: Array.isArray(e.addresses) ? e.addresses.slice(0, 1) : [],
            ...(e.conditions?.ready !== undefined ? { conditions: { ready: e.conditions.ready } } : {}),
          }))
        : undefined,
  });
}

/** ipsMaxItemsOf and servesField: each version's name, served, the schema of spec.ips, and which other spec fields exist. */
export function pruneServiceImportCrd(o: object): object {
  return keepOnly(o, ['metadata', 'spec'], {
    metadata: metadata(),
    spec: (s) => {
      const versions = (s as { versions?: unknown } | undefined)?.versions;
      if (!Array.isArray(versions)) return {};
      return {
        versions: versions.map((v: { name?: unknown; served?: unknown; schema?: { openAPIV3Schema?: { properties?: { spec?: { properties?: Record<string, unknown> } } } } }) => {
          const fields = v.schema?.openAPIV3Schema?.properties?.spec?.properties;
          // spec.ips whole (its maxItems is read); of the other spec fields only that they exist (which the API server keeps).
          const kept = fields && Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, k === 'ips' ? f : {}]));
          return { name: v.name, ...(v.served !== undefined ? { served: v.served } : {}), ...(kept !== undefined ? { schema: { openAPIV3Schema: { properties: { spec: { properties: kept } } } } } : {}) };
        }),
      };
    },
  });
}

/**
 * Control-plane OverridePolicies: ours whole; anyone else's only its name and
 * labels, enough to see that it holds a name ours would take.
 */
export function pruneOverridePolicy(o: object): object {
  const labels = (o as { metadata?: { labels?: Record<string, string> } }).metadata?.labels;
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE ? o : keepOnly(o, ['apiVersion', 'kind', 'metadata'], { metadata: metadata(['labels']) });
}

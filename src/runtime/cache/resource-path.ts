/**
 * What an API collection path names: the resource (with its group), the
 * namespace, and whether it belongs to a named API group. Used for the
 * `resource` label of logs and metrics and to tell a missing CRD (404 on
 * /apis/...) from a missing core resource.
 */

export interface ResourceRef {
  /** `configmaps`, `serviceimports.multicluster.x-k8s.io` */
  resource: string;
  namespace?: string;
  /** true for /apis/<group>/... (CRDs and aggregated APIs), false for the core /api/v1 group. */
  grouped: boolean;
}

/** Reads the resource out of a collection path. */
export function parseResourcePath(path: string): ResourceRef {
  const parts = path.split('?')[0]!.split('/').filter((p) => p !== '');
  // Karmada's cluster proxy (/apis/cluster.karmada.io/v1alpha1/clusters/<m>/proxy/...) puts one API
  // path inside another: the resource belongs to the innermost API root.
  let root = -1;
  for (let i = 0; i < parts.length; i++) if (parts[i] === 'api' || parts[i] === 'apis') root = i;
  const rest = root >= 0 ? parts.slice(root) : parts;
  const grouped = rest[0] === 'apis';
  const group = grouped ? rest[1] : undefined;
  let i = grouped ? 3 : 2;
  let namespace: string | undefined;
  if (rest[i] === 'namespaces' && rest.length > i + 2) {
    namespace = rest[i + 1];
    i += 2;
  }
  const plural = rest[i] ?? rest[rest.length - 1] ?? path;
  const ref: ResourceRef = { resource: group ? `${plural}.${group}` : plural, grouped };
  if (namespace !== undefined) ref.namespace = namespace;
  return ref;
}

/**
 * Which members hack/e2e.sh uses, and in which role: the first exports the
 * test Service, every other one imports it. Pure: the Cluster objects and the
 * contexts of members.config come in as arguments.
 */

/** What the check needs of one Cluster object. */
export interface ClusterSummary {
  name: string;
  ready: boolean;
  syncMode: string;
}

export interface Roles {
  exporter: string;
  importers: string[];
}

/**
 * The members named (or every Cluster, sorted, when none is named), with
 * everything that keeps them from being used: not registered, not Ready, no
 * context in members.config, fewer than two in all.
 */
export function chooseMembers(named: readonly string[], clusters: readonly ClusterSummary[], memberContexts: readonly string[], membersConfig: string): { roles: Roles } | { problems: string[] } {
  const names = named.length > 0 ? [...named] : clusters.map((c) => c.name).sort();
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const n of names) {
    const c = byName.get(n);
    if (!c) problems.push(`member ${n} is not a Cluster in the Karmada control plane (it has: ${[...byName.keys()].sort().join(', ') || 'none'}); join it, or fix MEMBER_CLUSTER_*_NAME`);
    else if (!c.ready) problems.push(`Cluster ${n} is not Ready; see its conditions: kubectl --context karmada-apiserver get cluster ${n} -o yaml`);
    if (!memberContexts.includes(n)) problems.push(`no context ${n} in ${membersConfig} (it has: ${memberContexts.join(', ') || 'none'})`);
  }
  if (names.length < 2) problems.push(`an export and an import need two members; found ${names.length === 0 ? 'none' : names.join(', ')}`);
  const [exporter, ...importers] = names;
  if (problems.length > 0 || exporter === undefined) return { problems };
  return { roles: { exporter, importers } };
}

/** A Cluster object → what chooseMembers needs; a Cluster without a Ready condition is not ready. */
export function summarizeCluster(obj: unknown): ClusterSummary {
  const c = obj as { metadata?: { name?: string }; spec?: { syncMode?: string }; status?: { conditions?: Array<{ type?: string; status?: string }> } } | undefined;
  return {
    name: c?.metadata?.name ?? '',
    syncMode: c?.spec?.syncMode ?? '',
    ready: (c?.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
  };
}

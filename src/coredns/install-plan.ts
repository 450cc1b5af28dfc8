/**
 * What `coredns install` would do to one member, decided from what it read
 * and nothing else: the one pure plan behind both `install --dry-run` (which
 * prints it) and the real install (which carries it out), so the diff a dry
 * run shows is the edit the install then makes. Refusals come in the order a
 * person fixes them: the Deployment, the CoreDNS version, the ConfigMap, the
 * Corefile, someone else owning the ConfigMap, then the rollout.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Result } from '../api/result.js';
import { planInstall, type Flavor } from './corefile/index.js';
import { planRollout, type RolloutPlan } from './deliver.js';
import { DEFAULT_LOCATION, type CoreDnsLocation } from './location.js';
import { serviceAccountOf, type Read } from './objects.js';
import { corefileOwner, ownerRefusal, type CorefileOwner } from './owner.js';
import { corednsRbac } from './rbac.js';
import type { RolloutOptions } from './rollout.js';
import { diffLines, type Hunk } from './text-diff.js';
import { chooseFlavor, corednsImage } from './version.js';

export interface InstallOptions {
  location?: CoreDnsLocation;
  zone?: string;
  /** `external`: the image carries github.com/coredns/multicluster (older CoreDNS). */
  flavor?: Flavor;
  /** Overrides the version read from the Deployment's image, e.g. "1.12.2". */
  version?: string;
  ttl?: number;
  headerRaFix?: boolean;
  /**
   * How the change reaches the pods, and whether it is verified and rolled
   * back. Absent: the Corefile is written and nothing else happens, for
   * library callers that handle the pods themselves; the CLI always passes
   * `{ mode }`.
   */
  rollout?: RolloutOptions;
  /** Read, plan and ask the permission checks, then report instead of writing. */
  dryRun?: boolean;
  /** Edit a ConfigMap another reconciler owns anyway (owner.ts); the CLI's --ignore-configmap-owner. */
  ignoreConfigMapOwner?: boolean;
}

/** Everything install reads before deciding. */
export interface InstallObservation {
  deployment: Read<k8s.V1Deployment>;
  configMap: Read<k8s.V1ConfigMap>;
  /** Our ClusterRole and binding as they are (undefined: absent); read only to say what applying them changes. */
  clusterRole: Result<k8s.V1ClusterRole | undefined>;
  binding: Result<k8s.V1ClusterRoleBinding | undefined>;
}

export interface RbacChange {
  kind: 'ClusterRole' | 'ClusterRoleBinding';
  name: string;
  /** `apply`: the object could not be read, so whether it changes is unknown. */
  action: 'create' | 'update' | 'unchanged' | 'apply';
  detail: string;
  /** What is server-side applied. */
  object: object;
}

export interface PlannedInstall {
  /** change: the Corefile is rewritten; unchanged: only the RBAC is applied; foreign: nothing is written. */
  kind: 'change' | 'unchanged' | 'foreign';
  flavor: Flavor;
  message: string;
  /** The ConfigMap as read: a write carries its resourceVersion. */
  configMap: k8s.V1ConfigMap;
  corefile: { before: string; after: string; diff: Hunk[] };
  /** Empty when foreign: the zone is someone else's setup, and we add nothing for it. */
  rbac: RbacChange[];
  rollout: RolloutPlan | undefined;
  /** The owner found and overridden by ignoreConfigMapOwner. */
  ignoredOwner?: CorefileOwner;
}

export type InstallPlanning =
  | PlannedInstall
  /** `preview`: what install would have written, had it not refused (someone else owns the ConfigMap). */
  | { kind: 'refused'; message: string; owner?: CorefileOwner; preview?: PlannedInstall };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What server-side applying our RBAC objects changes, given what is there now; pure. */
export function rbacChanges(serviceAccount: { namespace: string; name: string }, role: Result<k8s.V1ClusterRole | undefined>, binding: Result<k8s.V1ClusterRoleBinding | undefined>): RbacChange[] {
  const [wantRole, wantBinding] = corednsRbac(serviceAccount) as [ReturnType<typeof corednsRbac>[0], ReturnType<typeof corednsRbac>[1]];
  const labelled = (o: { metadata?: { labels?: Record<string, string> } }) => Object.entries(wantRole.metadata.labels).every(([k, v]) => o.metadata?.labels?.[k] === v);
  const rules = (r: readonly k8s.V1PolicyRule[] | undefined) => (r ?? []).map((x) => ({ apiGroups: x.apiGroups ?? [], resources: x.resources ?? [], verbs: x.verbs ?? [] }));
  const subjects = (s: readonly k8s.RbacV1Subject[] | undefined) => (s ?? []).map((x) => `${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}`);
  const bindsTo = `binds ServiceAccount ${serviceAccount.namespace}/${serviceAccount.name}`;
  const one = <T>(kind: RbacChange['kind'], object: object, read: Result<T | undefined>, detail: string, equal: (have: T) => boolean, was: (have: T) => string): RbacChange => {
    const base = { kind, name: wantRole.metadata.name, object };
    if (!read.ok) return { ...base, action: 'apply', detail: `${detail} (could not read the current one: ${read.reason})` };
    if (read.value === undefined) return { ...base, action: 'create', detail };
    return equal(read.value) ? { ...base, action: 'unchanged', detail } : { ...base, action: 'update', detail: `${detail} (now: ${was(read.value)})` };
  };
  return [
    one(
      'ClusterRole', wantRole, role, 'list, watch serviceimports.multicluster.x-k8s.io',
      (r) => labelled(r) && sameJson(rules(r.rules), wantRole.rules),
      (r) => rules(r.rules).map((x) => `${x.verbs.join(', ')} ${x.resources.join(', ')}`).join('; ') || 'no rules',
    ),
    one(
      'ClusterRoleBinding', wantBinding, binding, bindsTo,
      (b) => labelled(b) && b.roleRef.name === wantRole.metadata.name && b.roleRef.kind === 'ClusterRole' && sameJson(subjects(b.subjects), subjects(wantBinding.subjects)),
      (b) => `binds ${subjects(b.subjects).join(', ') || 'nobody'} to ${b.roleRef.kind} ${b.roleRef.name}`,
    ),
  ];
}

/** The plan for one member, from what was read; pure. */
export function planCoreDnsInstall(obs: InstallObservation, opts: InstallOptions): InstallPlanning {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const configMapName = `${loc.namespace}/${loc.configMap}`;
  if (!obs.deployment.ok) return { kind: 'refused', message: obs.deployment.reason };
  const deployment = obs.deployment.value;
  const choice = chooseFlavor(corednsImage(deployment), opts);
  if ('refused' in choice) return { kind: 'refused', message: choice.refused };
  if (!obs.configMap.ok) return { kind: 'refused', message: obs.configMap.reason };
  const configMap = obs.configMap.value;
  const before = configMap.data?.['Corefile'];
  if (before === undefined) return { kind: 'refused', message: `ConfigMap ${configMapName} has no Corefile key; pass --coredns-configmap if the Corefile lives elsewhere` };

  const plan = planInstall(before, {
    flavor: choice.flavor,
    ...(opts.zone ? { zone: opts.zone } : {}),
    ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
    ...(opts.headerRaFix ? { headerRaFix: true } : {}),
  });
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  const unchangedCorefile = { before, after: before, diff: [] };
  const base = { flavor: choice.flavor, configMap, rollout: undefined };
  if (plan.kind === 'foreign') return { ...base, kind: 'foreign', message: plan.reason, corefile: unchangedCorefile, rbac: [] };

  const rbac = rbacChanges(serviceAccountOf(deployment, loc), obs.clusterRole, obs.binding);
  if (plan.kind === 'unchanged') return { ...base, kind: 'unchanged', message: plan.reason, corefile: unchangedCorefile, rbac };

  const rollout = planRollout(opts.rollout, before, obs.deployment);
  const planned: PlannedInstall = {
    ...base,
    kind: 'change',
    message: plan.changes.join('; '),
    corefile: { before, after: plan.corefile, diff: diffLines(before, plan.corefile) },
    rbac,
    rollout: rollout && 'refused' in rollout ? undefined : rollout,
  };
  // Only a write is reverted: an owner whose Corefile already has our lines (unchanged) or
  // someone else's setup for the zone (foreign) is no reason to refuse.
  const owner = corefileOwner(configMap);
  if (owner && !opts.ignoreConfigMapOwner) return { kind: 'refused', message: ownerRefusal(owner, configMapName), owner, preview: planned };
  if (rollout && 'refused' in rollout) return { kind: 'refused', message: rollout.refused };
  return owner ? { ...planned, ignoredOwner: owner } : planned;
}

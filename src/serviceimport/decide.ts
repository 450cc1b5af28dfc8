/**
 * The decision: from a snapshot of one ServiceImport key, what `spec.ips`
 * every importing member must hold, how it gets there, and what the
 * control-plane ServiceImport's status.clusters must say. Pure: same snapshot,
 * same answer; plan.ts turns the answer into writes.
 *
 * - Which IP: in importing member X, spec.ips = the ClusterIP(s) of
 *   `derived-<svc>` in X, one per IP family, never more than X's installed
 *   CRD allows (docs/design.md#which-ip).
 * - Whose: only member ServiceImports that Karmada propagates from a
 *   control-plane ServiceImport, and unmanaged ones whose owner opted in with
 *   clusterset-dns.io/fill-ips=true. Anything else is never written
 *   (docs/design.md#ownership).
 * - Where: a Karmada-managed one by a direct patch that Karmada's retention
 *   rule keeps, or through one OverridePolicy per control-plane ServiceImport
 *   when the rule cannot be used (route.ts); moving from a policy rule to a
 *   direct write retires the rule only once the member shows the direct
 *   write, so the member never goes without its IP
 *   (docs/design.md#where-writes-go).
 * - An unreachable member keeps what it had: its rule stays as it is,
 *   nothing is written to it, and it stays in status.clusters while listed
 *   there (docs/design.md#unreachable-is-not-empty).
 */
import { FILL_IPS_ANNOTATION, FILL_IPS_VALUE } from '../api/ownership.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { MCS_VERSION, SERVICEIMPORT_CRD } from '../kube/gvr.js';
import { overridePolicyName } from './overridepolicy.js';
import { localFirstEnabled, step, type LocalFirstConfig, type LocalFirstState, type Mode } from './localfirst.js';
import type { MemberView, ServiceImportView, ServiceView, Snapshot } from './snapshot.js';

/** Local-first inputs (docs/design.md#local-first): the flag, the clock, and each importer's state from the last pass. */
export interface LocalFirstInput {
  flag: boolean;
  now: number;
  config: LocalFirstConfig;
  states: Record<string, LocalFirstState>;
}

/**
 * How one importer is written: `override-policy` and `retain` for
 * Karmada-managed ones (route.ts), `opted-in` for an unmanaged one whose
 * owner asked us to fill it (patched in the member; Karmada never touches it).
 */
export type Route = 'override-policy' | 'retain' | 'opted-in';

export interface ImporterDecision {
  cluster: string;
  route: Route;
  /** The member object already carries our ownership annotation. */
  annotated: boolean;
  /** What spec.ips must hold; 'keep' when the member is unreachable. */
  ips: string[] | 'keep';
  /** Current spec.ips in the member, for the plan's "nothing changed" check and for events. */
  current: string[];
  /** Local-first: the mode this member is in, when enabled for it. */
  mode?: Mode;
}

export type ProblemReason =
  | 'NoPorts'
  | 'DerivedServiceMissing'
  | 'DerivedServiceHeadless'
  | 'HeadlessImport'
  | 'CRDMissing'
  | 'MemberUnreachable'
  | 'TooManyIPFamilies'
  | 'NotOwned'
  | 'PolicyNameTaken';

export interface Problem {
  reason: ProblemReason;
  cluster?: string;
  message: string;
}

export interface Decision {
  importers: ImporterDecision[];
  /**
   * The OverridePolicy's rules (cluster → ips), sorted by cluster; `null` means
   * there must be no OverridePolicy. Undefined when the control plane has no
   * ServiceImport (nothing to own a policy; Karmada removes what it propagated),
   * or when an OverridePolicy not ours holds the name (PolicyNameTaken).
   */
  overrideRules?: Record<string, string[]> | null;
  /** status.clusters of the control-plane ServiceImport; undefined = leave alone. */
  statusClusters?: string[];
  problems: Problem[];
  /** Local-first: every importer's new state (replaces the previous), switches made, and when to look again. */
  localFirst?: { states: Record<string, LocalFirstState>; switches: Array<{ cluster: string; from: Mode; to: Mode }>; recheckAfterMs?: number };
}

/** The ClusterIPs spec.ips may hold for one derived Service, and why not when none. */
export function derivedIps(svc: ServiceView | undefined, maxItems: number | undefined): { ips: string[]; problem?: ProblemReason } {
  if (!svc) return { ips: [], problem: 'DerivedServiceMissing' };
  const ips = svc.clusterIPs.filter((ip) => ip !== '' && ip !== 'None');
  if (ips.length === 0) return { ips: [], problem: 'DerivedServiceHeadless' };
  // One per family (a dual-stack Service lists its primary family first).
  const max = maxItems ?? 1;
  if (ips.length > max) return { ips: ips.slice(0, max), problem: 'TooManyIPFamilies' };
  return { ips };
}

const sameIps = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
export { sameIps };

export function decide(s: Snapshot, lf?: LocalFirstInput): Decision {
  const problems: Problem[] = [];
  const lfEnabled = lf !== undefined && localFirstEnabled(lf.flag, s.controlPlane.serviceImport?.annotations);
  const lfOut: NonNullable<Decision['localFirst']> = { states: {}, switches: [] };
  const cp = s.controlPlane.serviceImport;
  const importers: ImporterDecision[] = [];
  const derivedName = `derived-${s.name}`;

  if (cp && cp.portCount === 0) {
    problems.push({ reason: 'NoPorts', message: `ServiceImport ${s.namespace}/${s.name} has no ports: CoreDNS answers NXDOMAIN for a ServiceImport without ports; add spec.ports` });
  }
  if (cp && cp.type === 'Headless' && !s.headlessServed) {
    problems.push({ reason: 'HeadlessImport', message: `ServiceImport ${s.namespace}/${s.name} is Headless: Karmada creates no derived Service for it (karmada-io/karmada#3200) and spec.ips does not apply; run --auto-import serves it through MCS EndpointSlices (docs/auto-import.md)` });
  }

  for (const m of [...s.members].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    const si = m.serviceImport;
    // No CRD serving v1alpha1: deleted (its ServiceImports went with it), or installed serving only
    // v1beta1 (its ServiceImports stay, cached as last seen, but nothing can read or write them as
    // v1alpha1). Either way it is reported, and nothing is written there.
    if (m.ipsMaxItems === undefined && m.reachable && cp) {
      problems.push({ reason: 'CRDMissing', cluster: m.cluster, message: crdMissing(m) });
      continue;
    }
    if (!si) continue;
    if (si.type !== 'ClusterSetIP' || si.deleting || m.namespaceDeleting) continue;
    // Karmada-managed but its template is gone: Karmada is deleting it.
    if (si.managed && !cp) continue;
    const route = routeOf(si, s.managedRoute);
    if (route === undefined) {
      // Someone else's: say so where there is a control-plane ServiceImport to say it on.
      if (cp && m.reachable) problems.push({ reason: 'NotOwned', cluster: m.cluster, message: notOwned(m.cluster, s.namespace, s.name) });
      continue;
    }
    const base = { cluster: m.cluster, route, annotated: si.fillsIps, current: si.ips };
    if (!m.reachable) {
      // A member still listing for the first time is kept as it is, without a warning.
      if (!m.starting) problems.push({ reason: 'MemberUnreachable', cluster: m.cluster, message: `${m.cluster} is unreachable; keeping its last known spec.ips (${si.ips.join(',') || 'none'})` });
      importers.push({ ...base, ips: 'keep' });
      continue;
    }
    if (si.managed && s.managedRoute === 'hold') {
      importers.push({ ...base, ips: 'keep' });
      continue;
    }
    if (lfEnabled && m.localReadyEndpoints === undefined) {
      // Its EndpointSlices are not listed yet: keep what it has (and its local-first state) until they are.
      importers.push({ ...base, ips: 'keep' });
      continue;
    }
    const d = derivedIps(m.derivedService, m.ipsMaxItems);
    if (lfEnabled && lf) {
      const local = derivedIps(m.localService, m.ipsMaxItems);
      const healthy = local.ips.length > 0 && (m.localReadyEndpoints ?? 0) > 0;
      const r = step(lf.states[m.cluster], healthy, lf.now, lf.config);
      lfOut.states[m.cluster] = r.state;
      if (r.switched) lfOut.switches.push({ cluster: m.cluster, ...r.switched });
      if (r.recheckAfterMs !== undefined) lfOut.recheckAfterMs = Math.min(lfOut.recheckAfterMs ?? Infinity, r.recheckAfterMs);
      // In local mode (including a pending debounce) answer with the local IP while it exists.
      if (r.state.mode === 'local' && local.ips.length > 0) {
        importers.push({ ...base, ips: local.ips, mode: 'local' });
        continue;
      }
      if (d.problem) problems.push(problemFor(d.problem, m, derivedName, s.namespace));
      importers.push({ ...base, ips: d.ips, mode: 'derived' });
      continue;
    }
    if (d.problem) problems.push(problemFor(d.problem, m, derivedName, s.namespace));
    importers.push({ ...base, ips: d.ips });
  }

  const decision: Decision = { importers, problems };
  if (lfEnabled) {
    // Unreachable members were not observed this pass: they keep their local-first state.
    for (const [c, st] of Object.entries(lf?.states ?? {})) if (!(c in lfOut.states) && importers.some((i) => i.cluster === c)) lfOut.states[c] = st;
    decision.localFirst = lfOut;
  }
  if (cp) {
    if (cp.deleting || s.controlPlane.namespaceDeleting) {
      // Karmada and the garbage collector clean up; writing now only races them.
      decision.importers = importers.filter((i) => i.route === 'opted-in');
    } else {
      let rules = overrideRules(importers, s.controlPlane.overrideRules ?? {});
      // An unreachable member (or one whose caches have not synced yet) keeps
      // its rule even when we cannot see its ServiceImport.
      for (const m of s.members) {
        const had = s.controlPlane.overrideRules?.[m.cluster];
        if (!m.reachable && had && !importers.some((i) => i.cluster === m.cluster)) (rules ??= {})[m.cluster] = had;
      }
      if (s.controlPlane.policyNameTaken) {
        // Someone else's policy holds our name: never written over, never deleted.
        if (rules) problems.push({ reason: 'PolicyNameTaken', message: policyNameTaken(s.namespace, s.name, Object.keys(rules)) });
      } else {
        decision.overrideRules = rules;
      }
      decision.statusClusters = exporters(s.members, cp.statusClusters);
    }
  }
  return decision;
}

/**
 * status.clusters: the members with a ServiceExport for the key, sorted. A
 * member we cannot see now (unreachable, still being engaged, its Secret
 * unreadable, relisting after new credentials) stays listed while
 * status.clusters still lists it: an export we cannot see is not an export
 * that is gone. It leaves once it is dropped (its Cluster deleted) or seen,
 * reachable, without a ServiceExport (docs/design.md#unreachable-is-not-empty).
 */
function exporters(members: MemberView[], listed: readonly string[]): string[] {
  return members.filter((m) => m.exports || (!m.reachable && listed.includes(m.cluster))).map((m) => m.cluster).sort();
}

/**
 * Whose is it, as decide() rules it (docs/design.md#ownership): a
 * Karmada-managed member import while its control-plane template exists, an
 * unmanaged one its owner opted in. For readers outside decide() (the
 * without-IPs gauge); decide.test.ts checks the two agree.
 */
export function isOurs(si: Pick<ServiceImportView, 'managed' | 'fillsIps'>, hasControlPlaneImport: boolean): boolean {
  return si.managed ? hasControlPlaneImport : si.fillsIps;
}

/** Whose is it: the route for an importer we may write, undefined for one that is not ours. */
function routeOf(si: NonNullable<MemberView['serviceImport']>, managedRoute: Snapshot['managedRoute']): Route | undefined {
  if (si.managed) return managedRoute === 'override-policy' ? 'override-policy' : 'retain';
  return si.fillsIps ? 'opted-in' : undefined;
}

function notOwned(cluster: string, namespace: string, name: string): string {
  return `ServiceImport ${namespace}/${name} in ${cluster} is neither propagated by Karmada nor opted in, so clusterset-dns leaves it alone; ` +
    `to have it filled, annotate it ${FILL_IPS_ANNOTATION}=${FILL_IPS_VALUE}`;
}

/** Not installed, or installed without the version CoreDNS and this controller read: the fixes differ. */
function crdMissing(m: MemberView): string {
  const fix = 'propagate the MCS CRDs to it (docs/doctor.md#installing-the-mcs-crds-in-members)';
  if (m.crdVersions === undefined) return `the ServiceImport CRD (${SERVICEIMPORT_CRD}) is not installed in ${m.cluster}; ${fix}`;
  return `the ServiceImport CRD (${SERVICEIMPORT_CRD}) in ${m.cluster} does not serve ${MCS_VERSION}, which CoreDNS and clusterset-dns read ` +
    `(serves: ${m.crdVersions.join(', ') || 'none'}); install CRDs that serve ${MCS_VERSION} too, or ${fix}`;
}

function policyNameTaken(namespace: string, name: string, clusters: string[]): string {
  const policy = overridePolicyName(name);
  return `OverridePolicy ${namespace}/${policy} exists without the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}, so clusterset-dns leaves it alone ` +
    `and cannot fill spec.ips of ${namespace}/${name} in ${clusters.join(', ')}; rename or delete that policy (it is not ours), or install the retention rule (\`clusterset-dns karmada install\`) so no policy is needed`;
}

/** The member shows our direct write: annotated, and holding what we would write. */
export const showsDirectWrite = (i: ImporterDecision): boolean => i.annotated && i.ips !== 'keep' && sameIps(i.current, i.ips);

/**
 * The OverridePolicy's rules. An override-policy importer gets its IPs (an
 * unreachable one keeps its current rule); a retain importer keeps the rule
 * it had until the member shows the direct write, then loses it. Empty → no
 * policy.
 */
function overrideRules(importers: ImporterDecision[], current: Record<string, string[]>): Record<string, string[]> | null {
  const rules: Record<string, string[]> = {};
  for (const i of importers) {
    const had = current[i.cluster];
    let ips: string[] | undefined;
    if (i.route === 'override-policy') ips = i.ips === 'keep' ? had : i.ips;
    else if (i.route === 'retain' && !showsDirectWrite(i)) ips = had;
    if (ips && ips.length > 0) rules[i.cluster] = ips;
  }
  return Object.keys(rules).length === 0 ? null : rules;
}

function problemFor(reason: ProblemReason, m: MemberView, derivedName: string, namespace: string): Problem {
  switch (reason) {
    case 'DerivedServiceMissing':
      return { reason, cluster: m.cluster, message: `Service ${namespace}/${derivedName} does not exist in ${m.cluster}; Karmada creates it from the control-plane ServiceImport (is the ServiceImport ClusterSetIP and propagated there?)` };
    case 'DerivedServiceHeadless':
      return { reason, cluster: m.cluster, message: `Service ${namespace}/${derivedName} in ${m.cluster} has no ClusterIP (headless), so there is no IP for spec.ips` };
    case 'TooManyIPFamilies':
      return { reason, cluster: m.cluster, message: `Service ${namespace}/${derivedName} in ${m.cluster} is dual-stack but the ServiceImport CRD there allows ${m.ipsMaxItems ?? 1} IP; writing the primary family only (install mcs-api >= v0.2.0 CRDs for both)` };
    default:
      return { reason, cluster: m.cluster, message: reason };
  }
}

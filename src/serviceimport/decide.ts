/**
 * The decision: from a snapshot of one ServiceImport key, what `spec.ips`
 * every importing member must hold, how it gets there, and what the
 * control-plane ServiceImport's status.clusters must say. Pure: same snapshot,
 * same answer; plan.ts turns the answer into writes.
 *
 * - Which IP: in importing member X, spec.ips = the ClusterIP(s) of
 *   `derived-<svc>` in X, one per IP family, never more than X's installed
 *   CRD allows (docs/design.md#which-ip).
 * - Where: a member ServiceImport that Karmada manages is written through one
 *   OverridePolicy per control-plane ServiceImport, since Karmada reverts
 *   direct edits (docs/upstream-behaviour.md); an unmanaged one is patched
 *   directly (docs/design.md#where-writes-go).
 * - An unreachable member keeps what it had: its rule stays as it is and
 *   nothing is written to it (docs/design.md#unreachable-is-not-empty).
 */
import { SERVICEIMPORT_CRD } from '../kube/gvr.js';
import { localFirstEnabled, step, type LocalFirstConfig, type LocalFirstState, type Mode } from './localfirst.js';
import type { MemberView, ServiceView, Snapshot } from './snapshot.js';

/** Local-first inputs (docs/design.md#local-first): the flag, the clock, and each importer's state from the last pass. */
export interface LocalFirstInput {
  flag: boolean;
  now: number;
  config: LocalFirstConfig;
  states: Record<string, LocalFirstState>;
}

export type Route = 'override-policy' | 'direct';

export interface ImporterDecision {
  cluster: string;
  route: Route;
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
  | 'TooManyIPFamilies';

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
   * ServiceImport (nothing to own a policy; Karmada removes what it propagated).
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
  if (cp && cp.type === 'Headless') {
    problems.push({ reason: 'HeadlessImport', message: `ServiceImport ${s.namespace}/${s.name} is Headless: Karmada creates no derived Service for it (karmada-io/karmada#3200) and spec.ips does not apply` });
  }

  for (const m of [...s.members].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    const si = m.serviceImport;
    if (!si) {
      if (m.ipsMaxItems === undefined && m.reachable && cp) {
        problems.push({ reason: 'CRDMissing', cluster: m.cluster, message: `the ServiceImport CRD (${SERVICEIMPORT_CRD}) is not installed in ${m.cluster}` });
      }
      continue;
    }
    if (si.type !== 'ClusterSetIP' || si.deleting || m.namespaceDeleting) continue;
    // Karmada-managed but its template is gone: Karmada is deleting it.
    if (si.managed && !cp) continue;
    // Managed and with a control-plane template: only an OverridePolicy sticks.
    const route: Route = si.managed && cp ? 'override-policy' : 'direct';
    if (!m.reachable) {
      // A member still listing for the first time is kept as it is, without a warning.
      if (!m.starting) problems.push({ reason: 'MemberUnreachable', cluster: m.cluster, message: `${m.cluster} is unreachable; keeping its last known spec.ips (${si.ips.join(',') || 'none'})` });
      importers.push({ cluster: m.cluster, route, ips: 'keep', current: si.ips });
      continue;
    }
    const d = derivedIps(m.derivedService, m.ipsMaxItems);
    if (lfEnabled && lf) {
      const local = derivedIps(m.localService, m.ipsMaxItems);
      const healthy = local.ips.length > 0 && m.localReadyEndpoints > 0;
      const r = step(lf.states[m.cluster], healthy, lf.now, lf.config);
      lfOut.states[m.cluster] = r.state;
      if (r.switched) lfOut.switches.push({ cluster: m.cluster, ...r.switched });
      if (r.recheckAfterMs !== undefined) lfOut.recheckAfterMs = Math.min(lfOut.recheckAfterMs ?? Infinity, r.recheckAfterMs);
      // In local mode (including a pending debounce) answer with the local IP while it exists.
      if (r.state.mode === 'local' && local.ips.length > 0) {
        importers.push({ cluster: m.cluster, route, ips: local.ips, current: si.ips, mode: 'local' });
        continue;
      }
      if (d.problem) problems.push(problemFor(d.problem, m, derivedName, s.namespace));
      importers.push({ cluster: m.cluster, route, ips: d.ips, current: si.ips, mode: 'derived' });
      continue;
    }
    if (d.problem) problems.push(problemFor(d.problem, m, derivedName, s.namespace));
    importers.push({ cluster: m.cluster, route, ips: d.ips, current: si.ips });
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
      decision.importers = importers.filter((i) => i.route === 'direct');
    } else {
      let rules = overrideRules(importers, s.controlPlane.overrideRules ?? {});
      // An unreachable member (or one whose caches have not synced yet) keeps
      // its rule even when we cannot see its ServiceImport.
      for (const m of s.members) {
        const had = s.controlPlane.overrideRules?.[m.cluster];
        if (!m.reachable && had && !importers.some((i) => i.cluster === m.cluster)) (rules ??= {})[m.cluster] = had;
      }
      decision.overrideRules = rules;
      decision.statusClusters = s.members.filter((m) => m.exports).map((m) => m.cluster).sort();
    }
  }
  return decision;
}

/** Rules for managed importers; an unreachable one keeps its current rule. Empty → no policy. */
function overrideRules(importers: ImporterDecision[], current: Record<string, string[]>): Record<string, string[]> | null {
  const rules: Record<string, string[]> = {};
  for (const i of importers) {
    if (i.route !== 'override-policy') continue;
    const ips = i.ips === 'keep' ? current[i.cluster] : i.ips;
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

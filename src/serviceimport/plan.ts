/**
 * What one reconcile does, as data. From the snapshot, the decision and what
 * the reconciler remembers between passes, plan() lists this pass's writes
 * and Events in the order they happen, and the state to keep for the next
 * pass. Every "nothing changed → no write" check is made here, and Events
 * mark transitions only (a problem once it is real, a local-first switch, a
 * changed spec.ips), so a pass over a key whose state already matches plans
 * no step at all (docs/design.md#where-writes-go).
 *
 * Pure, so it is table-tested (plan.test.ts). The reconciler walks the steps
 * in order: the log line of each, its Event, and the writer call.
 */
import { sameIps, type Decision, type ImporterDecision, type Problem, type Route } from './decide.js';
import type { EventRecord, EventTarget } from './events.js';
import type { LocalFirstState, Mode } from './localfirst.js';
import { overridePolicyName, policyMatches } from './overridepolicy.js';
import { problemsToReport, type ProblemLedger } from './problems.js';
import type { Snapshot } from './snapshot.js';

/** Server-side apply of our whole OverridePolicy for the key. */
export interface ApplyOverridePolicy {
  kind: 'apply-override-policy';
  namespace: string;
  /** The control-plane ServiceImport that owns the policy. */
  serviceImport: { name: string; uid: string };
  /** cluster → spec.ips for every Karmada-managed importer. */
  rules: Record<string, string[]>;
  /** Local-first mode per managed importer, shown on the policy. */
  modes: Record<string, string>;
  /** The rules the policy had, for the log; null when there was no policy. */
  had: Record<string, string[]> | null;
  /** The cached policy's resourceVersion: the apply fails with 409 if the policy changed since. */
  resourceVersion: string | undefined;
}

/** No managed importer needs spec.ips any more: our OverridePolicy goes. */
export interface DeleteOverridePolicy {
  kind: 'delete-override-policy';
  namespace: string;
  name: string;
  /** The cached policy's identity: only that object, unchanged since, is deleted. */
  uid: string | undefined;
  resourceVersion: string | undefined;
}

/**
 * spec.ips (and the local-first mode annotation) of a member ServiceImport:
 * a Karmada-managed one on the retain route, which also gets our ownership
 * annotation so Karmada's retention rule keeps the IPs, or an unmanaged one
 * its owner opted in.
 */
export interface PatchMemberIps {
  kind: 'patch-member-ips';
  cluster: string;
  namespace: string;
  name: string;
  ips: string[];
  /** The cached member object's resourceVersion the decision was based on. */
  resourceVersion: string | undefined;
  mode: Mode | undefined;
  /** Set our ownership annotation too (retain route). */
  annotate: boolean;
}

/**
 * A managed member ServiceImport back on the OverridePolicy route still
 * carries our annotation from a direct write: remove it (and the local-first
 * mode), so a retention rule no longer keeps its old spec.ips over the
 * policy's. Taken only once the policy already says what the member must hold.
 */
export interface ReleaseMember {
  kind: 'release-member';
  cluster: string;
  namespace: string;
  name: string;
  resourceVersion: string | undefined;
}

/** status.clusters of the control-plane ServiceImport: the exporting members. */
export interface PatchStatusClusters {
  kind: 'patch-status-clusters';
  namespace: string;
  name: string;
  clusters: string[];
  resourceVersion: string | undefined;
  /** What status.clusters said, for the log. */
  had: string[];
}

export type Write = ApplyOverridePolicy | DeleteOverridePolicy | PatchMemberIps | ReleaseMember | PatchStatusClusters;

/**
 * Something to tell people: always a log line, and an Event when there is a
 * control-plane ServiceImport to attach it to.
 */
export type Notice =
  | { kind: 'problem'; problem: Problem; event?: EventRecord }
  | { kind: 'local-first-switch'; cluster: string; from: Mode; to: Mode; event?: EventRecord }
  | { kind: 'ips-changed'; cluster: string; from: string[]; to: string[]; event?: EventRecord };

export type Step = Write | Notice;

export interface Plan {
  /**
   * In order. A write that fails ends the pass: the steps after it are not
   * taken, and the key is retried from fresh state. So a change is announced
   * only once the write that makes it has succeeded.
   */
  steps: Step[];
  /** Where a failed write's Warning goes: the control-plane ServiceImport, when there is one. */
  eventTarget?: EventTarget;
  /** Problems seen and reported, for the next pass; absent when there are none. */
  problems?: ProblemLedger;
  /** Every importer's local-first state, for the next pass; absent when local-first is off for the key. */
  localFirst?: Record<string, LocalFirstState>;
  /** Look again after this long: a local-first debounce or hold-down, or a problem's grace period, ends. */
  requeueAfterMs?: number;
}

/** What the reconciler remembers about a key between passes, besides the local-first state decide() takes. */
export interface Memory {
  /** The problems ledger of the last pass. */
  problems?: ProblemLedger | undefined;
}

const WRITE_KINDS: ReadonlySet<Step['kind']> = new Set<Write['kind']>(['apply-override-policy', 'delete-override-policy', 'patch-member-ips', 'release-member', 'patch-status-clusters']);
export const isWrite = (s: Step): s is Write => WRITE_KINDS.has(s.kind);

/** An Event on the control-plane ServiceImport, or nothing when there is none to attach it to. */
type Announce = (type: EventRecord['type'], reason: string, message: string) => { event?: EventRecord };

export function plan(s: Snapshot, d: Decision, memory: Memory, now: number): Plan {
  const cp = s.controlPlane.serviceImport;
  const target: EventTarget | undefined = cp ? { namespace: s.namespace, name: s.name, uid: cp.uid } : undefined;
  const announce: Announce = (type, reason, message) => (target ? { event: { involved: target, type, reason, message } } : {});
  const problems = problemsToReport(memory.problems, d.problems, now);
  const steps: Step[] = [
    ...problems.report.map((problem): Step => ({ kind: 'problem', problem, ...announce('Warning', problem.reason, problem.message) })),
    ...switchSteps(s, d, announce),
    ...overridePolicySteps(s, d, announce),
    ...directPatchSteps(s, d, announce),
    ...releaseSteps(s, d),
    ...statusSteps(s, d),
  ];
  const after = [d.localFirst?.recheckAfterMs, problems.recheckAfterMs].filter((x): x is number => x !== undefined);
  return {
    steps,
    ...(target ? { eventTarget: target } : {}),
    // Reported problems are a subset of those seen: an empty firstSeen means no problem at all.
    ...(Object.keys(problems.ledger.firstSeen).length > 0 ? { problems: problems.ledger } : {}),
    ...(d.localFirst ? { localFirst: d.localFirst.states } : {}),
    ...(after.length > 0 ? { requeueAfterMs: Math.min(...after) } : {}),
  };
}

function switchSteps(s: Snapshot, d: Decision, announce: Announce): Step[] {
  return (d.localFirst?.switches ?? []).map((sw) => {
    const failover = sw.to === 'derived';
    const message = failover
      ? `${sw.cluster}: no ready local endpoints for ${s.namespace}/${s.name}; failing over to derived-${s.name}`
      : `${sw.cluster}: local ${s.namespace}/${s.name} ready for the whole hold-down; failing back to it`;
    return { kind: 'local-first-switch', ...sw, ...announce(failover ? 'Warning' : 'Normal', failover ? 'FailedOver' : 'FailedBack', message) };
  });
}

/**
 * A real change of a member's spec.ips, logged always. The Event is kept for
 * changes of an IP a member already had: a first fill (none → IP) is what
 * every new import does, and at a cold start it would be most of our writes.
 */
function ipsChanged(cluster: string, from: string[], to: string[], via: string, announce: Announce): Step {
  const fmt = (x: string[]) => (x.length ? x.join(',') : 'none');
  const message = `${cluster}: spec.ips ${fmt(from)} → ${fmt(to)} (through ${via})`;
  return { kind: 'ips-changed', cluster, from, to, ...(from.length > 0 ? announce('Normal', 'IPsChanged', message) : {}) };
}

/** Local-first mode per Karmada-managed importer: the policy shows it. */
function policyModes(importers: ImporterDecision[]): Record<string, string> {
  const modes: Record<string, string> = {};
  for (const i of importers) if (i.mode && i.route === 'override-policy') modes[i.cluster] = i.mode;
  return modes;
}

/** Karmada-managed importers: one OverridePolicy per control-plane ServiceImport, written only when it says something else. */
function overridePolicySteps(s: Snapshot, d: Decision, announce: Announce): Step[] {
  const cp = s.controlPlane.serviceImport;
  if (d.overrideRules === undefined || !cp) return [];
  const policyName = overridePolicyName(s.name);
  const current = s.controlPlane.overridePolicy;
  const before = s.controlPlane.overrideRules ?? {};
  const after = d.overrideRules ?? {};
  const steps: Step[] = [];
  if (d.overrideRules === null) {
    if (current) steps.push({ kind: 'delete-override-policy', namespace: s.namespace, name: policyName, uid: current.metadata.uid, resourceVersion: current.metadata.resourceVersion });
  } else {
    const serviceImport = { name: s.name, uid: cp.uid };
    const modes = policyModes(d.importers);
    if (!current || !policyMatches(current, s.namespace, serviceImport, d.overrideRules, modes)) {
      steps.push({ kind: 'apply-override-policy', namespace: s.namespace, serviceImport, rules: d.overrideRules, modes, had: current ? before : null, resourceVersion: current?.metadata.resourceVersion });
    }
  }
  // A retain importer's rule only goes once the member holds the direct write: that is not a change of its IPs.
  const direct = new Set(d.importers.filter((i) => i.route !== 'override-policy').map((i) => i.cluster));
  const importer = new Map(d.importers.map((i) => [i.cluster, i]));
  for (const cluster of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (direct.has(cluster)) continue;
    const now = after[cluster] ?? [];
    if (sameIps(before[cluster] ?? [], now)) continue;
    // What the member holds now, when we see it: a rule written over IPs the member already has changes nothing there.
    const was = importer.get(cluster)?.current ?? before[cluster] ?? [];
    if (!sameIps(was, now)) steps.push(ipsChanged(cluster, was, now, `OverridePolicy ${policyName}`, announce));
  }
  return steps;
}

const PATCHED: ReadonlySet<Route> = new Set<Route>(['retain', 'opted-in']);

/**
 * Retain and opted-in importers: patched in the member, each only when its
 * spec.ips differs or, on the retain route, our annotation is missing (a
 * member moving off an OverridePolicy gets the annotation with the IPs it
 * already holds: no change of IPs to announce).
 */
function directPatchSteps(s: Snapshot, d: Decision, announce: Announce): Step[] {
  const steps: Step[] = [];
  for (const i of d.importers) {
    if (!PATCHED.has(i.route) || i.ips === 'keep') continue;
    const annotate = i.route === 'retain';
    const changed = !sameIps(i.ips, i.current);
    if (!changed && (!annotate || i.annotated)) continue;
    const resourceVersion = memberResourceVersion(s, i.cluster);
    steps.push({ kind: 'patch-member-ips', cluster: i.cluster, namespace: s.namespace, name: s.name, ips: i.ips, resourceVersion, mode: i.mode, annotate });
    if (changed) steps.push(ipsChanged(i.cluster, i.current, i.ips, 'a direct patch', announce));
  }
  return steps;
}

const memberResourceVersion = (s: Snapshot, cluster: string) => s.members.find((m) => m.cluster === cluster)?.serviceImport?.resourceVersion;

/** Override-policy importers still carrying our annotation, once the cached policy already gives them their IPs. */
function releaseSteps(s: Snapshot, d: Decision): Step[] {
  const rules = s.controlPlane.overrideRules ?? {};
  return d.importers
    .filter((i) => i.route === 'override-policy' && i.annotated && i.ips !== 'keep' && sameIps(rules[i.cluster] ?? [], i.ips))
    .map((i): Step => ({ kind: 'release-member', cluster: i.cluster, namespace: s.namespace, name: s.name, resourceVersion: memberResourceVersion(s, i.cluster) }));
}

/** status.clusters of the control-plane ServiceImport, only when it lists other exporters. */
function statusSteps(s: Snapshot, d: Decision): Step[] {
  const cp = s.controlPlane.serviceImport;
  if (!d.statusClusters || !cp || sameIps(d.statusClusters, cp.statusClusters)) return [];
  return [{ kind: 'patch-status-clusters', namespace: s.namespace, name: s.name, clusters: d.statusClusters, resourceVersion: cp.resourceVersion, had: cp.statusClusters }];
}

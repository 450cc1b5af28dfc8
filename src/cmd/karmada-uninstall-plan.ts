/**
 * `clusterset-dns karmada uninstall`, the pure half: from what was listed,
 * the plan of what to remove and what to leave (with the reason), the merge
 * patch for a member ServiceImport, the warning about a live controller, and
 * the report. ./karmada-uninstall.ts lists, carries the plan out
 * through src/karmada/retention-client.ts, and prints the report.
 *
 * Ours, and only ours:
 * - the customization named RETENTION_NAME *and* labelled
 *   app.kubernetes.io/managed-by=clusterset-dns;
 * - OverridePolicies with that label *and* the clusterset-dns- name prefix
 *   (src/serviceimport/overridepolicy.ts serviceImportOfPolicy);
 * - in members, ServiceImports Karmada propagates (karmada.io/managed=true)
 *   that carry clusterset-dns.io/fill-ips: "true": the controller filled
 *   those. It loses the annotation, the local-first mode annotation and
 *   spec.ips. An unmanaged ServiceImport with the annotation was opted in by
 *   a user: it is left as it is, and listed.
 * - in the control plane, what `run --auto-import` made, by its labels
 *   (./karmada-uninstall-autoimport.ts).
 *
 * Member ServiceExports keep the Valid, Conflict and Ready conditions the
 * controller wrote on their status: those are mcs-api's condition types,
 * which any MCS implementation writes, and the list is written whole, so
 * nothing on a condition says it is ours; removing them could take away
 * another implementation's, and status is rewritten by whoever reconciles
 * the export next (docs/auto-import.md).
 */
import { KARMADA_MANAGED_LABEL, type OverridePolicy, type ResourceInterpreterCustomization } from '../api/karmada.js';
import type { KubeObject } from '../api/meta.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, key } from '../api/meta.js';
import type { ServiceImport } from '../api/mcs.js';
import { FILL_IPS_ANNOTATION, fillsIps } from '../api/ownership.js';
import { RETENTION_NAME, RETENTION_TARGET } from '../karmada/retention.js';
import type { LeaseHolder } from '../karmada/retention-client.js';
import { OVERRIDE_POLICY_PREFIX, serviceImportOfPolicy } from '../serviceimport/overridepolicy.js';
import { LOCAL_FIRST_MODE_ANNOTATION } from '../serviceimport/writer.js';
import { planAutoImportRemoval } from './karmada-uninstall-autoimport.js';

export interface UninstallInput {
  customizations: ResourceInterpreterCustomization[];
  /** Every OverridePolicy in the control plane, every namespace. */
  policies: OverridePolicy[];
  /** The control plane's ServiceImports (the templates Karmada propagates). */
  templates: ServiceImport[];
  members: Array<{ cluster: string; imports: ServiceImport[] } | { cluster: string; error: string }>;
  /** Every control-plane namespace, PropagationPolicy and ServiceExport: what automatic imports made is among them. */
  namespaces: KubeObject[];
  propagationPolicies: KubeObject[];
  serviceExports: KubeObject[];
}

export type Step =
  | { kind: 'import'; cluster: string; namespace: string; name: string; resourceVersion: string; removes: string[] }
  | { kind: 'policy'; namespace: string; name: string; uid: string }
  | { kind: 'customization'; name: string; uid: string }
  | { kind: 'auto-policy'; namespace: string; name: string; uid: string }
  | { kind: 'auto-import'; namespace: string; name: string; uid: string }
  | { kind: 'auto-export'; namespace: string; name: string; uid: string }
  | { kind: 'namespace'; name: string; uid: string };

export interface Left {
  /** "ServiceImport shop/web in member2", "OverridePolicy shop/clusterset-dns-x". */
  what: string;
  why: string;
}

export interface UninstallPlan {
  /**
   * In the order they are carried out: member ServiceImports, then
   * OverridePolicies, then the customization, then what automatic imports
   * made (their policies, ServiceImports, the sentinel, the namespaces).
   */
  steps: Step[];
  left: Left[];
  unreached: Array<{ cluster: string; reason: string }>;
}

const isOurs = (labels: Record<string, string> | undefined) => labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
const nsName = (o: { metadata: { namespace?: string; name: string } }) => key(o.metadata.namespace ?? '', o.metadata.name);

export function planUninstall(input: UninstallInput): UninstallPlan {
  const steps: Step[] = [];
  const left: Left[] = [];
  const unreached: UninstallPlan['unreached'] = [];

  // Members first: while the rule is still there, Karmada keeps whatever is in a member, so nothing flaps in between.
  const annotatedTemplates = new Set(input.templates.filter((t) => t.metadata.annotations?.[FILL_IPS_ANNOTATION] !== undefined).map(nsName));
  for (const m of [...input.members].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    if ('error' in m) {
      unreached.push({ cluster: m.cluster, reason: m.error });
      continue;
    }
    for (const si of [...m.imports].sort((a, b) => nsName(a).localeCompare(nsName(b)))) {
      const a = si.metadata.annotations;
      if (a?.[FILL_IPS_ANNOTATION] === undefined) continue;
      const what = `ServiceImport ${nsName(si)} in ${m.cluster}`;
      if (si.metadata.labels?.[KARMADA_MANAGED_LABEL] !== 'true') {
        left.push({ what, why: `opted in by a user (${FILL_IPS_ANNOTATION} on a ServiceImport Karmada does not propagate): left as it is, spec.ips ${ipsText(si)}` });
        continue;
      }
      if (!fillsIps(a)) {
        left.push({ what, why: `${FILL_IPS_ANNOTATION} is ${JSON.stringify(a[FILL_IPS_ANNOTATION])}, not "true": clusterset-dns never filled it` });
        continue;
      }
      const removes = [`annotation ${FILL_IPS_ANNOTATION}`];
      if (a[LOCAL_FIRST_MODE_ANNOTATION] !== undefined) removes.push(`annotation ${LOCAL_FIRST_MODE_ANNOTATION}`);
      if (si.spec?.ips !== undefined) removes.push(`spec.ips ${ipsText(si)}`);
      steps.push({ kind: 'import', cluster: m.cluster, namespace: si.metadata.namespace ?? '', name: si.metadata.name, resourceVersion: si.metadata.resourceVersion ?? '', removes });
      if (annotatedTemplates.has(nsName(si))) {
        left.push({ what: `ServiceImport ${nsName(si)} in the control plane`, why: `it carries ${FILL_IPS_ANNOTATION} itself, so Karmada puts the annotation back on its members; remove it there` });
        annotatedTemplates.delete(nsName(si));
      }
    }
  }

  for (const p of [...input.policies].sort((a, b) => nsName(a).localeCompare(nsName(b)))) {
    const what = `OverridePolicy ${nsName(p)}`;
    if (serviceImportOfPolicy(p) !== undefined) steps.push({ kind: 'policy', namespace: p.metadata.namespace ?? '', name: p.metadata.name, uid: p.metadata.uid ?? '' });
    else if (p.metadata.name.startsWith(OVERRIDE_POLICY_PREFIX)) left.push({ what, why: `named like ours but not labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}: not ours` });
    else if (isOurs(p.metadata.labels)) left.push({ what, why: `labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} but not named ${OVERRIDE_POLICY_PREFIX}<ServiceImport>: not ours` });
  }

  for (const c of [...input.customizations].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const what = `ResourceInterpreterCustomization ${c.metadata.name}`;
    const forServiceImport = c.spec?.target?.apiVersion === RETENTION_TARGET.apiVersion && c.spec?.target?.kind === RETENTION_TARGET.kind;
    if (c.metadata.name === RETENTION_NAME && isOurs(c.metadata.labels)) steps.push({ kind: 'customization', name: c.metadata.name, uid: c.metadata.uid ?? '' });
    else if (c.metadata.name === RETENTION_NAME) left.push({ what, why: `has our name but not the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}: not ours` });
    else if (forServiceImport) left.push({ what, why: 'another customization of ServiceImport: not ours' });
  }

  const overridePoliciesRemoved = new Set(steps.flatMap((s) => (s.kind === 'policy' ? [`OverridePolicy ${s.namespace}/${s.name}`] : [])));
  const auto = planAutoImportRemoval({
    namespaces: input.namespaces,
    propagationPolicies: input.propagationPolicies,
    serviceExports: input.serviceExports,
    serviceImports: input.templates,
    overridePolicies: input.policies,
  }, overridePoliciesRemoved);
  return { steps: [...steps, ...auto.steps], left: [...left, ...auto.left], unreached };
}

const ipsText = (si: ServiceImport) => (si.spec?.ips === undefined ? '(none)' : `[${si.spec.ips.join(', ')}]`);

/** The merge patch that takes our marks off a member ServiceImport, only if it is still at the version the plan read. */
export function importPatch(step: Extract<Step, { kind: 'import' }>): object {
  return {
    metadata: { resourceVersion: step.resourceVersion, annotations: { [FILL_IPS_ANNOTATION]: null, [LOCAL_FIRST_MODE_ANNOTATION]: null } },
    spec: { ips: null },
  };
}

export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'import':
      return `ServiceImport ${s.namespace}/${s.name} in ${s.cluster}: ${s.removes.join(', ')}`;
    case 'policy':
      return `OverridePolicy ${s.namespace}/${s.name}`;
    case 'customization':
      return `ResourceInterpreterCustomization ${s.name}`;
    case 'auto-policy':
      return `PropagationPolicy ${s.namespace}/${s.name}`;
    case 'auto-import':
      return `ServiceImport ${s.namespace}/${s.name} in the control plane`;
    case 'auto-export':
      return `ServiceExport ${s.namespace}/${s.name}`;
    case 'namespace':
      return `Namespace ${s.name}`;
  }
}

/**
 * A warning when the controller's Lease is held and was renewed within its
 * duration: a running controller re-creates its OverridePolicies, refills
 * member ServiceImports and, with --auto-import, re-creates the sentinel and
 * the automatic imports behind uninstall. By the wall clock, so only a hint.
 */
export function liveLeaderWarning(lease: { namespace: string; name: string; holder: LeaseHolder | undefined }, now: number): string | undefined {
  const h = lease.holder;
  if (!h || h.holderIdentity === '' || h.renewTime === undefined) return undefined;
  const renewed = Date.parse(h.renewTime);
  if (Number.isNaN(renewed)) return undefined;
  const ago = Math.max(0, Math.round((now - renewed) / 1000));
  if (ago > h.leaseDurationSeconds) return undefined;
  return `the controller looks alive: Lease ${lease.namespace}/${lease.name} is held by ${JSON.stringify(h.holderIdentity)}, renewed ${ago} s ago. ` +
    'A running controller re-creates its OverridePolicies, refills member ServiceImports and, with --auto-import, re-creates the sentinel ' +
    'and the automatic imports (ServiceImports, PropagationPolicies, namespaces) after uninstall: stop it first ' +
    `(kubectl --context karmada-host -n ${lease.namespace} scale deployment clusterset-dns --replicas=0), then run uninstall again.`;
}

export type StepOutcome = { step: Step; result: 'done' | 'gone' } | { step: Step; result: 'failed'; message: string };

/** The report: what was (or, in a dry run, would be) removed, what was left and why, what failed or was not reached. */
export function formatUninstall(plan: UninstallPlan, outcomes: readonly StepOutcome[] | 'dry-run'): string {
  const lines: string[] = [];
  const section = (title: string, rows: string[]) => {
    if (rows.length > 0) lines.push(`${title}:`, ...rows.map((r) => `  ${r}`));
  };
  if (outcomes === 'dry-run') {
    section('Would remove', plan.steps.map(describeStep));
  } else {
    section('Removed', outcomes.filter((o) => o.result === 'done').map((o) => describeStep(o.step)));
    section('Already gone', outcomes.filter((o) => o.result === 'gone').map((o) => describeStep(o.step)));
    section('Failed', outcomes.flatMap((o) => (o.result === 'failed' ? [`${describeStep(o.step)}: ${o.message}`] : [])));
  }
  if (plan.steps.length === 0) lines.push('Nothing of clusterset-dns found to remove.');
  section('Left alone', plan.left.map((l) => `${l.what}: ${l.why}`));
  section('Not reached (run uninstall again once reachable)', plan.unreached.map((u) => `${u.cluster}: ${u.reason}`));
  return lines.join('\n') + '\n';
}

/** 0 when everything planned was done (or already gone) and every member was reached; 1 otherwise. */
export function uninstallExitCode(plan: UninstallPlan, outcomes: readonly StepOutcome[] | 'dry-run'): 0 | 1 {
  if (plan.unreached.length > 0) return 1;
  return outcomes !== 'dry-run' && outcomes.some((o) => o.result === 'failed') ? 1 : 0;
}

const RESULT_WORD = { done: 'removed', gone: 'already-gone', failed: 'failed' } as const;

/** The report as one document for -o json: each step and its result, what was left and why, which members were not reached. */
export function uninstallJson(plan: UninstallPlan, outcomes: readonly StepOutcome[] | 'dry-run'): object {
  const steps = outcomes === 'dry-run'
    ? plan.steps.map((s) => ({ what: describeStep(s), result: 'would-remove' }))
    : outcomes.map((o) => ({ what: describeStep(o.step), result: RESULT_WORD[o.result], ...(o.result === 'failed' ? { message: o.message } : {}) }));
  return { action: 'uninstall', ok: uninstallExitCode(plan, outcomes) === 0, dryRun: outcomes === 'dry-run', steps, left: plan.left, unreached: plan.unreached };
}

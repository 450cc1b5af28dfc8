/**
 * `clusterset-dns coredns install | uninstall` for one member: RBAC first,
 * then the Corefile, through the lossless editor in ./corefile. CoreDNS must
 * be able to list serviceimports before it loads a Corefile that makes it
 * do so, so the order is ServiceImport CRD (already installed) → RBAC →
 * Corefile → reload or rollout; uninstall runs it backwards. The CoreDNS version decides the syntax (./version.ts); a
 * CoreDNS that cannot serve the stanza is refused with what to do
 * (docs/design.md#coredns-safety).
 *
 * Every decision is a pure function (install's whole plan in
 * ./install-plan.ts — the same plan `--dry-run` prints — the permission lists
 * in ./permissions.ts, the rollout decisions in ./rollout.ts); the async
 * functions only read, check and write. Install refuses before its first
 * write whenever it can tell a later write would fail, or that someone else
 * owns the ConfigMap and would revert the edit (./owner.ts), so a refusal
 * changes nothing.
 *
 * With `rollout` options (the CLI always passes them), a changed Corefile is
 * followed by a rollout of the CoreDNS Deployment when CoreDNS would not
 * reload it itself, and a rollout that does not become healthy puts the
 * previous Corefile back and rolls the Deployment back (`rolled-back`;
 * ./deliver.ts). `status` is ./status.ts.
 *
 * Crash safety: the Corefile is written together with a change record
 * (./change-record.ts), and every install starts by judging the change a
 * previous run left (./recover.ts): a run that died mid-rollout is seen
 * through or rolled back by the next one, even when the stanza it finds is
 * already in place. A write that meets someone else's edit (409) reads the
 * ConfigMap again and plans again on top of their edit, never over it.
 * `signal` (the controller stopping) ends any wait for a rollout at once,
 * with the record left for the next run.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { fail, ok, type Result } from '../api/result.js';
import { GET_TIMEOUT_MS } from '../kube/deadlines.js';
import { apiErrorMessage, isConflict, isNotFound } from '../kube/errors.js';
import { withDeadline } from '../kube/timeout.js';
import { planUninstall, type Flavor } from './corefile/index.js';
import { corefileHash, type ChangeRecord } from './change-record.js';
import { deliver, planRollout, type RollbackFailed, type RolledBack, type RolloutReport } from './deliver.js';
import { planCoreDnsInstall, type InstallObservation, type InstallOptions, type PlannedInstall, type RbacChange } from './install-plan.js';
import { DEFAULT_LOCATION, type CoreDnsLocation } from './location.js';
import { readConfigMap, readDeployment, writeCorefile } from './objects.js';
import type { CorefileOwner } from './owner.js';
import { recoverLastChange } from './recover.js';
import { denied, deniedMessage, installPermissionChecks, uninstallPermissionChecks } from './permissions.js';
import { COREDNS_ROLE_NAME } from './rbac.js';
import { RESTARTED_AT, type RolloutOptions } from './rollout.js';
import type { Hunk } from './text-diff.js';

export type { InstallOptions } from './install-plan.js';

/** What install would write (dry run) or wrote, from the plan both share; in the JSON output as `plan`. */
export interface InstallPlanReport {
  configMap: string;
  /** The Corefile edit as unified-diff hunks (text-diff.ts); empty when the Corefile does not change. */
  corefileDiff: Hunk[];
  /** The whole Corefile after the edit. */
  corefile: string;
  rbac: Array<Omit<RbacChange, 'object'> & { object?: object }>;
  /** Whether the CoreDNS Deployment is restarted after the edit, and why. */
  rollout?: { restart: boolean; reason: string };
  /** Set when --ignore-configmap-owner let install edit a ConfigMap someone else owns. */
  ignoredOwner?: CorefileOwner;
}

export type InstallResult =
  | { kind: 'installed' | 'uninstalled' | 'unchanged' | 'foreign'; message: string; flavor?: Flavor; rollout?: RolloutReport; plan?: InstallPlanReport }
  /** --dry-run: the Corefile would change; nothing was written. */
  | { kind: 'would-install'; message: string; flavor: Flavor; plan: InstallPlanReport }
  /** `owner`: the ConfigMap is someone else's (owner.ts); `plan`, with --dry-run, what install would write otherwise. */
  | { kind: 'refused'; message: string; owner?: CorefileOwner; plan?: InstallPlanReport }
  | RolledBack
  | RollbackFailed;

const FIELD_MANAGER = 'clusterset-dns';

/** The plan as reported: the objects are printed only when they change. */
export function planReport(p: PlannedInstall, loc: CoreDnsLocation): InstallPlanReport {
  return {
    configMap: `${loc.namespace}/${loc.configMap}`,
    corefileDiff: p.corefile.diff,
    corefile: p.corefile.after,
    rbac: p.rbac.map(({ object, ...c }) => (c.action === 'unchanged' ? c : { ...c, object })),
    ...(p.rollout ? { rollout: { restart: p.rollout.decision.rollout, reason: p.rollout.decision.reason } } : {}),
    ...(p.ignoredOwner ? { ignoredOwner: p.ignoredOwner } : {}),
  };
}

async function got<T>(what: string, f: (o: Parameters<Parameters<typeof withDeadline>[2]>[0]) => Promise<T>): Promise<Result<T | undefined>> {
  try {
    return ok(await withDeadline(what, GET_TIMEOUT_MS, f));
  } catch (e) {
    return isNotFound(e) ? ok(undefined) : fail(apiErrorMessage(e));
  }
}

/** The reads install decides from (install-plan.ts); errors become values. */
export async function observeInstall(kc: k8s.KubeConfig, loc: CoreDnsLocation): Promise<InstallObservation> {
  const rbac = makeClient(kc, k8s.RbacAuthorizationV1Api);
  const [deployment, configMap, clusterRole, binding] = await Promise.all([
    readDeployment(makeClient(kc, k8s.AppsV1Api), loc),
    readConfigMap(makeClient(kc, k8s.CoreV1Api), loc),
    got(`read ClusterRole ${COREDNS_ROLE_NAME}`, (o) => rbac.readClusterRole({ name: COREDNS_ROLE_NAME }, o)),
    got(`read ClusterRoleBinding ${COREDNS_ROLE_NAME}`, (o) => rbac.readClusterRoleBinding({ name: COREDNS_ROLE_NAME }, o)),
  ]);
  return { deployment, configMap, clusterRole, binding };
}

/** How often a write that met a concurrent edit (409) is planned again before install gives up for this attempt. */
const CONFLICT_REPLANS = 3;

/**
 * The record written with a change: pending until the rollout is seen healthy;
 * with no rollout to watch (reload, --rollout=never, no options) there is
 * nothing a later run could judge, so it is written verified. Pure.
 */
export function changeRecord(planned: Pick<PlannedInstall, 'corefile' | 'rollout'>, now: Date): ChangeRecord {
  const base = { wrote: corefileHash(planned.corefile.after), previous: planned.corefile.before, at: now.toISOString() };
  if (planned.rollout?.decision.rollout !== true) return { state: 'verified', ...base };
  const before = planned.rollout.deployment?.spec?.template.metadata?.annotations?.[RESTARTED_AT];
  return { state: 'pending', ...base, restartedAt: now.toISOString(), ...(before !== undefined ? { restartedBefore: before } : {}) };
}

export async function installCoreDns(kc: k8s.KubeConfig, opts: InstallOptions = {}, signal?: AbortSignal): Promise<InstallResult> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  let warning = '';
  if (!opts.dryRun) {
    const r = await recoverLastChange(kc, loc, opts.rollout, signal);
    if (r.kind === 'restored' && r.then === 'stop') return { kind: 'rolled-back', reason: r.reason, message: r.message };
    if (r.kind === 'restore-failed') return { kind: 'failed', message: r.message, previousCorefile: r.previousCorefile };
    if (r.kind === 'none' && r.warning) warning = `; warning: ${r.warning}`;
  }
  for (let attempt = 1; ; attempt++) {
    const r = await installOnce(kc, loc, opts, signal);
    if (r !== 'conflict') return 'message' in r && warning && (r.kind === 'unchanged' || r.kind === 'installed') ? { ...r, message: r.message + warning } : r;
    if (attempt >= CONFLICT_REPLANS) {
      return { kind: 'refused', message: `ConfigMap ${loc.namespace}/${loc.configMap} changed under every one of ${CONFLICT_REPLANS} writes (someone else is editing it); nothing of theirs was overwritten — run install again` };
    }
  }
}

/** One read → plan → write; 'conflict' when the ConfigMap changed since it was read (nothing written to it). */
async function installOnce(kc: k8s.KubeConfig, loc: CoreDnsLocation, opts: InstallOptions, signal: AbortSignal | undefined): Promise<InstallResult | 'conflict'> {
  const planned = planCoreDnsInstall(await observeInstall(kc, loc), opts);
  if (planned.kind === 'refused') {
    const preview = opts.dryRun && planned.preview ? { plan: planReport(planned.preview, loc) } : {};
    return { kind: 'refused', message: planned.message, ...(planned.owner ? { owner: planned.owner } : {}), ...preview };
  }
  const plan = planReport(planned, loc);
  if (planned.kind === 'foreign') return { kind: 'foreign', message: planned.message, ...(opts.dryRun ? { plan } : {}) };

  // Ask before the first write: RBAC applied and then a forbidden ConfigMap
  // update would leave a half-done install behind. A dry run asks too, so it
  // says whether the real install would be allowed.
  const changes = planned.kind === 'change';
  const missing = await denied(kc, installPermissionChecks(loc, changes, planned.rollout?.decision.rollout === true));
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('install', missing), ...(opts.dryRun ? { plan } : {}) };
  const flavor = planned.flavor;
  if (opts.dryRun) {
    return changes
      ? { kind: 'would-install', message: `dry run, nothing changed; install would make these changes: ${planned.message}`, flavor, plan }
      : { kind: 'unchanged', message: `dry run: ${planned.message}`, flavor, plan };
  }

  // RBAC before the Corefile: CoreDNS lists serviceimports as soon as it reloads.
  // Cluster-scoped objects only, so the context's default namespace (KubernetesObjectApi.makeApiClient sets it) is not needed.
  const objects = makeClient(kc, k8s.KubernetesObjectApi);
  for (const c of planned.rbac) {
    await objects.patch(k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(c.object)), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  if (!changes) return { kind: 'unchanged', message: planned.message, flavor, plan };
  let written: k8s.V1ConfigMap;
  const record = changeRecord(planned, new Date());
  try {
    // Replace with the resourceVersion we read: a concurrent edit fails with 409 instead of being lost.
    written = await writeCorefile(makeClient(kc, k8s.CoreV1Api), loc, planned.configMap, planned.corefile.after, record);
  } catch (e) {
    if (isConflict(e)) return 'conflict';
    return { kind: 'refused', message: `could not update ConfigMap ${loc.namespace}/${loc.configMap} (the RBAC objects ${COREDNS_ROLE_NAME} are in place; run install again): ${apiErrorMessage(e)}` };
  }
  const delivered = await deliver(kc, loc, planned.rollout, { written, previous: planned.corefile.before, what: 'install', record }, signal);
  // Rolled back: the RBAC is additive and harmless on its own; uninstall removes it.
  if (delivered.kind === 'rolled-back') return { ...delivered, message: `${delivered.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay; coredns uninstall removes them)`, flavor };
  if (delivered.kind === 'failed') return delivered;
  const ignored = planned.ignoredOwner ? `; ConfigMap managed by ${planned.ignoredOwner.owner}, edited anyway (--ignore-configmap-owner): it may revert this` : '';
  return { kind: 'installed', message: planned.message + ignored, flavor, plan, ...(delivered.rollout ? { rollout: delivered.rollout } : {}) };
}

export interface UninstallOptions {
  /** As for install; absent: the Corefile is written and nothing else happens. */
  rollout?: RolloutOptions;
}

export async function uninstallCoreDns(kc: k8s.KubeConfig, location: CoreDnsLocation = DEFAULT_LOCATION, opts: UninstallOptions = {}): Promise<InstallResult> {
  const core = makeClient(kc, k8s.CoreV1Api);
  const read = await readConfigMap(core, location);
  if (!read.ok) return { kind: 'refused', message: read.reason };
  const cm = read.value;
  const corefile = cm.data?.['Corefile'] ?? '';
  const plan = planUninstall(corefile);
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  // Without a Deployment there is nothing to report on, unless it must be rolled out (planRollout refuses then).
  const dep = plan.kind === 'changed' && opts.rollout ? await readDeployment(makeClient(kc, k8s.AppsV1Api), location) : undefined;
  const rollout = plan.kind === 'changed' ? planRollout(opts.rollout, corefile, dep) : undefined;
  if (rollout && 'refused' in rollout) return { kind: 'refused', message: rollout.refused };
  const missing = await denied(kc, uninstallPermissionChecks(location, plan.kind === 'changed', rollout?.decision.rollout === true));
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('uninstall', missing) };
  let report: RolloutReport | undefined;
  if (plan.kind === 'changed') {
    // Our record goes with our stanza: a later install's recovery must not put back a Corefile from before an uninstall.
    const written = await writeCorefile(core, location, cm, plan.corefile, null);
    const delivered = await deliver(kc, location, rollout, { written, previous: corefile, what: 'uninstall' });
    // Rolled back: the stanza is back, so CoreDNS still needs the RBAC; it stays.
    if (delivered.kind === 'rolled-back') return { ...delivered, message: `${delivered.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay, as the restored Corefile needs them)` };
    if (delivered.kind === 'failed') return delivered;
    report = delivered.rollout;
  }
  // The Corefile first, then RBAC: CoreDNS must stop watching serviceimports before it loses access.
  const rbac = makeClient(kc, k8s.RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  await rbac.deleteClusterRole({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  return {
    kind: plan.kind === 'changed' ? 'uninstalled' : 'unchanged',
    message: plan.kind === 'changed' ? 'removed the clusterset stanza and RBAC' : plan.reason,
    ...(report ? { rollout: report } : {}),
  };
}

/**
 * `clusterset-dns coredns install | uninstall | status` for one member: RBAC
 * first, then the Corefile (coredns.md §9: CRD → RBAC → Corefile → reload),
 * through the lossless editor in ./corefile. The CoreDNS version decides the
 * syntax; a CoreDNS that cannot serve the stanza is refused with what to do.
 *
 * Every decision is a pure function (chooseFlavor, installPermissionChecks,
 * summarizeStatus, and the rollout decisions in ./rollout.ts); the async
 * functions only read, check and write. Install refuses before its first
 * write whenever it can tell a later write would fail, so a refusal changes
 * nothing.
 *
 * With `rollout` options (the CLI always passes them), a changed Corefile is
 * followed by a rollout of the CoreDNS Deployment when CoreDNS would not
 * reload it itself, and a rollout that does not become healthy puts the
 * previous Corefile back and rolls the Deployment back (`rolled-back`).
 */
import * as k8s from '@kubernetes/client-node';
import { apiErrorMessage, isNotFound } from '../kube/errors.js';
import { DEFAULT_ZONE, inspect, planInstall, planUninstall, type Flavor, type Inspection } from './corefile/index.js';
import { corednsRbac, COREDNS_ROLE_NAME } from './rbac.js';
import { IN_TREE_SINCE, atLeast, fmt, versionFromImage } from './version.js';
import {
  DEFAULT_ROLLOUT_TIMEOUT_MS,
  decideRollout,
  deploymentHealth,
  restartDeployment,
  rolloutPrecondition,
  undoRestart,
  waitForDeployment,
  type DeploymentRef,
  type Restart,
  type RolloutDecision,
  type RolloutMode,
  type RolloutOptions,
} from './rollout.js';

export interface CoreDnsLocation {
  namespace: string;
  deployment: string;
  configMap: string;
}

export const DEFAULT_LOCATION: CoreDnsLocation = { namespace: 'kube-system', deployment: 'coredns', configMap: 'coredns' };

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
   * back. Absent: the Corefile is written and nothing else happens (the
   * behaviour before rollouts existed; the CLI always passes `{ mode }`).
   */
  rollout?: RolloutOptions;
}

/** How a written Corefile reached CoreDNS. */
export interface RolloutReport {
  mode: RolloutMode;
  /** restarted: rolled out and healthy; reload: left to the reload plugin; none: --rollout=never. */
  action: 'restarted' | 'reload' | 'none';
  reason: string;
  /** The Deployment's state when we were done: after the rollout, or (reload/none) as read right after the write — information, not a verdict. */
  deployment?: string;
}

export type InstallResult =
  | { kind: 'installed' | 'uninstalled' | 'unchanged' | 'foreign'; message: string; flavor?: Flavor; rollout?: RolloutReport }
  | { kind: 'refused'; message: string }
  /** The rollout did not become healthy; the previous Corefile is back and the Deployment rolled back. */
  | { kind: 'rolled-back'; message: string; reason: string; flavor?: Flavor }
  /** The rollout failed and so did putting the previous Corefile back: `previousCorefile` is what to restore by hand. */
  | { kind: 'failed'; message: string; previousCorefile: string };

const FIELD_MANAGER = 'clusterset-dns';

/** Decides the flavour from the running CoreDNS; pure. */
export function chooseFlavor(image: string | undefined, opts: Pick<InstallOptions, 'flavor' | 'version'>): { flavor: Flavor } | { refused: string } {
  if (opts.flavor === 'external') return { flavor: 'external' };
  const v = versionFromImage(opts.version ? `x:${opts.version}` : image ?? '');
  if (!v) {
    if (opts.version) return { refused: `--coredns-version ${JSON.stringify(opts.version)} is not a version; pass it as MAJOR.MINOR.PATCH, e.g. 1.12.2` };
    return { refused: `cannot tell the CoreDNS version from image ${JSON.stringify(image ?? '')}; pass --coredns-version (e.g. 1.12.2), or --coredns-flavor=external if the image carries the multicluster plugin` };
  }
  if (atLeast(v, IN_TREE_SINCE)) return { flavor: 'in-tree' };
  return { refused: `CoreDNS ${fmt(v)} cannot serve clusterset.local: the in-tree multicluster support needs >= ${fmt(IN_TREE_SINCE)}. Upgrade CoreDNS, or, if this image has github.com/coredns/multicluster compiled in, pass --coredns-flavor=external` };
}

/** The CoreDNS container's image: the one named like CoreDNS, else the first. Pure. */
export function corednsImage(d: k8s.V1Deployment): string | undefined {
  const cs = d.spec?.template.spec?.containers ?? [];
  return cs.find((c) => /coredns/.test(c.image ?? ''))?.image ?? cs[0]?.image;
}

/** The account CoreDNS runs as, which the binding must name (not always kube-system/coredns). Pure. */
export function serviceAccountOf(d: k8s.V1Deployment, loc: CoreDnsLocation): { namespace: string; name: string } {
  return { namespace: loc.namespace, name: d.spec?.template.spec?.serviceAccountName || 'default' };
}

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/**
 * What install must be allowed to do, in the order it does it. Pure. The
 * ConfigMap update is checked only when the Corefile will change; RBAC is
 * server-side applied, which needs `create` as well as `patch` when the
 * object does not exist yet.
 */
export function installPermissionChecks(loc: CoreDnsLocation, corefileChanges: boolean, rollout = false): AccessCheck[] {
  const rbac = (resource: string): AccessCheck[] =>
    ['patch', 'create'].map((verb) => ({ verb, group: 'rbac.authorization.k8s.io', resource, name: COREDNS_ROLE_NAME }));
  return [
    ...(corefileChanges ? [{ verb: 'update', group: '', resource: 'configmaps', namespace: loc.namespace, name: loc.configMap }] : []),
    ...(corefileChanges && rollout ? [rolloutCheck(loc)] : []),
    ...rbac('clusterroles'),
    ...rbac('clusterrolebindings'),
  ];
}

/** Restarting (and undoing a restart of) the Deployment is a patch. */
const rolloutCheck = (loc: CoreDnsLocation): AccessCheck => ({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: loc.namespace, name: loc.deployment });

const describeCheck = (c: AccessCheck) =>
  `${c.verb} ${c.group ? `${c.resource}.${c.group}` : c.resource}${c.namespace ? ` in namespace ${c.namespace}` : ''}${c.name ? ` (${c.name})` : ''}`;

/** The checks this identity fails, asked of the API server with SelfSubjectAccessReviews. */
async function denied(kc: k8s.KubeConfig, checks: AccessCheck[]): Promise<string[]> {
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const out: string[] = [];
  for (const c of checks) {
    const r = await authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            verb: c.verb,
            group: c.group,
            resource: c.resource,
            ...(c.namespace ? { namespace: c.namespace } : {}),
            ...(c.name ? { name: c.name } : {}),
          },
        },
      },
    });
    if (!r.status?.allowed) out.push(describeCheck(c) + (r.status?.reason ? ` (${r.status.reason})` : ''));
  }
  return out;
}

const deniedMessage = (what: string, missing: string[]) =>
  `refused before changing anything: this identity may not ${missing.join(', ')}; ${what} needs them — run it as a cluster admin of this member, or grant those verbs`;

/** A read that failed says why, and whether the object is simply absent (404). */
export type Read<T> = { ok: true; value: T } | { ok: false; missing: boolean; message: string };

async function readDeployment(apps: k8s.AppsV1Api, loc: CoreDnsLocation): Promise<Read<k8s.V1Deployment>> {
  try {
    return { ok: true, value: await apps.readNamespacedDeployment({ namespace: loc.namespace, name: loc.deployment }) };
  } catch (e) {
    if (isNotFound(e)) return { ok: false, missing: true, message: `Deployment ${loc.namespace}/${loc.deployment} not found; pass --coredns-deployment (and --coredns-namespace) if CoreDNS runs under another name` };
    return { ok: false, missing: false, message: `cannot read Deployment ${loc.namespace}/${loc.deployment}: ${apiErrorMessage(e)}` };
  }
}

async function readConfigMap(core: k8s.CoreV1Api, loc: CoreDnsLocation): Promise<Read<k8s.V1ConfigMap>> {
  try {
    return { ok: true, value: await core.readNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap }) };
  } catch (e) {
    if (isNotFound(e)) return { ok: false, missing: true, message: `ConfigMap ${loc.namespace}/${loc.configMap} not found; pass --coredns-configmap if the Corefile lives in another ConfigMap` };
    return { ok: false, missing: false, message: `cannot read ConfigMap ${loc.namespace}/${loc.configMap}: ${apiErrorMessage(e)}` };
  }
}

/** What to do about the pods once the Corefile is written, decided before any write. */
type RolloutPlan = { decision: RolloutDecision; options: RolloutOptions; deployment: k8s.V1Deployment | undefined };

/**
 * Decides the rollout and checks it can be verified; pure. `deployment` is
 * what was read (undefined when absent). A refusal here comes before any write.
 */
export function planRollout(options: RolloutOptions | undefined, corefile: string, deployment: Read<k8s.V1Deployment> | undefined): RolloutPlan | { refused: string } | undefined {
  if (options === undefined) return undefined;
  const decision = decideRollout(options.mode, corefile);
  const d = deployment?.ok ? deployment.value : undefined;
  if (decision.rollout) {
    if (!deployment?.ok) return { refused: `refused before changing anything: the pods must be restarted (${decision.reason}), but ${deployment?.message ?? 'the Deployment was not read'}` };
    const pre = rolloutPrecondition(deployment.value);
    if (!pre.ok) return { refused: `refused before changing anything: ${pre.reason}` };
  }
  return { decision, options, deployment: d };
}

/** The Corefile as it is now, written back over our own write; a 409 means someone edited it since, and then we do not overwrite them. */
async function writeCorefile(core: k8s.CoreV1Api, loc: CoreDnsLocation, cm: k8s.V1ConfigMap, corefile: string): Promise<k8s.V1ConfigMap> {
  return core.replaceNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap, body: { ...cm, data: { ...cm.data, Corefile: corefile } } });
}

/** A 409 from a status update racing our patch is retried with a fresh read; anything else is the caller's. */
async function onConflictRetry<T>(f: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code !== 409 || i >= attempts) throw e;
    }
  }
}

type Applied = { ok: true; rollout: RolloutReport | undefined } | { ok: false; result: InstallResult };

/**
 * After the ConfigMap holds the new Corefile (`written`): roll out when the
 * plan says so, wait for the Deployment, and on failure put `previous` back
 * byte for byte and undo the rollout. `what` names the change in messages.
 */
async function deliver(kc: k8s.KubeConfig, loc: CoreDnsLocation, plan: RolloutPlan | undefined, written: k8s.V1ConfigMap, previous: string, what: string): Promise<Applied> {
  if (plan === undefined) return { ok: true, rollout: undefined };
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const { decision, options } = plan;
  if (!decision.rollout) {
    // No pods restart, so there is nothing to wait for: the reload plugin applies the file
    // 30-90 s later and keeps the old configuration if the new one fails to load. We only
    // report the Deployment's state as it is now (docs/coredns.md, "With reload").
    let deployment: string | undefined;
    if (plan.deployment) {
      const h = await apps.readNamespacedDeployment(ref).then(deploymentHealth, (e: unknown) => ({ state: 'unknown', reason: apiErrorMessage(e) }));
      deployment = `${h.state}: ${h.reason}`;
    }
    return { ok: true, rollout: { mode: options.mode, action: options.mode === 'never' ? 'none' : 'reload', reason: decision.reason, ...(deployment ? { deployment } : {}) } };
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  let restart: Restart | undefined;
  let failure: string;
  try {
    restart = await onConflictRetry(async () => restartDeployment(apps, ref, await apps.readNamespacedDeployment(ref), new Date()));
    const h = await waitForDeployment(apps, ref, timeoutMs, options.pollMs);
    if (h.state === 'healthy') return { ok: true, rollout: { mode: options.mode, action: 'restarted', reason: decision.reason, deployment: `healthy: ${h.reason}` } };
    failure = `the CoreDNS rollout after ${what} did not become healthy: ${h.reason}`;
  } catch (e) {
    failure = restart ? `the CoreDNS rollout after ${what} could not be followed: ${apiErrorMessage(e)}` : `could not start the CoreDNS rollout after ${what}: ${apiErrorMessage(e)}`;
  }

  // Roll back: the Corefile first (new pods must read the old one), then the pod template.
  try {
    await writeCorefile(core, loc, written, previous);
  } catch (e) {
    return {
      ok: false,
      result: {
        kind: 'failed',
        message: `${failure}; putting the previous Corefile back into ConfigMap ${loc.namespace}/${loc.configMap} failed too (${apiErrorMessage(e)}), so the new Corefile${restart ? ' and the rollout' : ''} are still in place — restore previousCorefile (in --output json) by hand`,
        previousCorefile: previous,
      },
    };
  }
  let undone = 'there was no rollout to undo';
  if (restart) {
    const r = restart;
    try {
      const u = await onConflictRetry(() => undoRestart(apps, ref, r));
      undone = u.undone ? 'rolled the Deployment back to its previous pod template' : `did not undo the rollout: ${u.reason}`;
    } catch (e) {
      undone = `could not undo the rollout (${apiErrorMessage(e)}); the pods will restart with the previous Corefile anyway`;
    }
  }
  const after = await waitForDeployment(apps, ref, timeoutMs, options.pollMs);
  return {
    ok: false,
    result: {
      kind: 'rolled-back',
      reason: failure,
      message: `${failure}; restored the previous Corefile byte for byte and ${undone}; after the rollback the Deployment is ${after.state === 'healthy' ? 'healthy' : `${after.state}: ${after.reason}`}`,
    },
  };
}

export async function installCoreDns(kc: k8s.KubeConfig, opts: InstallOptions = {}): Promise<InstallResult> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const dep = await readDeployment(apps, loc);
  if (!dep.ok) return { kind: 'refused', message: dep.message };
  const deployment = dep.value;
  const choice = chooseFlavor(corednsImage(deployment), opts);
  if ('refused' in choice) return { kind: 'refused', message: choice.refused };

  const read = await readConfigMap(core, loc);
  if (!read.ok) return { kind: 'refused', message: read.message };
  const cm = read.value;
  const corefile = cm.data?.['Corefile'];
  if (corefile === undefined) return { kind: 'refused', message: `ConfigMap ${loc.namespace}/${loc.configMap} has no Corefile key; pass --coredns-configmap if the Corefile lives elsewhere` };
  const plan = planInstall(corefile, {
    flavor: choice.flavor,
    ...(opts.zone ? { zone: opts.zone } : {}),
    ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
    ...(opts.headerRaFix ? { headerRaFix: true } : {}),
  });
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  if (plan.kind === 'foreign') return { kind: 'foreign', message: plan.reason };
  const rollout = plan.kind === 'changed' ? planRollout(opts.rollout, corefile, dep) : undefined;
  if (rollout && 'refused' in rollout) return { kind: 'refused', message: rollout.refused };

  // Ask before the first write: RBAC applied and then a forbidden ConfigMap
  // update would leave a half-done install behind.
  const missing = await denied(kc, installPermissionChecks(loc, plan.kind === 'changed', rollout?.decision.rollout === true));
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('install', missing) };

  // RBAC before the Corefile: CoreDNS lists serviceimports as soon as it reloads.
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of corednsRbac(serviceAccountOf(deployment, loc))) {
    await objects.patch(k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(o)), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  if (plan.kind === 'unchanged') return { kind: 'unchanged', message: plan.reason, flavor: choice.flavor };
  let written: k8s.V1ConfigMap;
  try {
    // Replace with the resourceVersion we read: a concurrent edit fails with 409 instead of being lost.
    written = await writeCorefile(core, loc, cm, plan.corefile);
  } catch (e) {
    return { kind: 'refused', message: `could not update ConfigMap ${loc.namespace}/${loc.configMap} (the RBAC objects ${COREDNS_ROLE_NAME} are in place; run install again): ${apiErrorMessage(e)}` };
  }
  const applied = await deliver(kc, loc, rollout, written, corefile, 'install');
  if (!applied.ok) {
    const r = applied.result;
    // The RBAC is additive and harmless on its own; uninstall removes it.
    return r.kind === 'rolled-back' ? { ...r, message: `${r.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay; coredns uninstall removes them)`, flavor: choice.flavor } : r;
  }
  return { kind: 'installed', message: plan.changes.join('; '), flavor: choice.flavor, ...(applied.rollout ? { rollout: applied.rollout } : {}) };
}

export interface UninstallOptions {
  /** As for install; absent: the Corefile is written and nothing else happens. */
  rollout?: RolloutOptions;
}

export async function uninstallCoreDns(kc: k8s.KubeConfig, location: CoreDnsLocation = DEFAULT_LOCATION, opts: UninstallOptions = {}): Promise<InstallResult> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const read = await readConfigMap(core, location);
  if (!read.ok) return { kind: 'refused', message: read.message };
  const cm = read.value;
  const corefile = cm.data?.['Corefile'] ?? '';
  const plan = planUninstall(corefile);
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  // Without a Deployment there is nothing to report on, unless it must be rolled out (planRollout refuses then).
  const dep = plan.kind === 'changed' && opts.rollout ? await readDeployment(kc.makeApiClient(k8s.AppsV1Api), location) : undefined;
  const rollout = plan.kind === 'changed' ? planRollout(opts.rollout, corefile, dep) : undefined;
  if (rollout && 'refused' in rollout) return { kind: 'refused', message: rollout.refused };
  const checks: AccessCheck[] = [
    ...(plan.kind === 'changed' ? [{ verb: 'update', group: '', resource: 'configmaps', namespace: location.namespace, name: location.configMap }] : []),
    ...(rollout?.decision.rollout ? [rolloutCheck(location)] : []),
    ...['clusterrolebindings', 'clusterroles'].map((resource) => ({ verb: 'delete', group: 'rbac.authorization.k8s.io', resource, name: COREDNS_ROLE_NAME })),
  ];
  const missing = await denied(kc, checks);
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('uninstall', missing) };
  let delivered: RolloutReport | undefined;
  if (plan.kind === 'changed') {
    const written = await writeCorefile(core, location, cm, plan.corefile);
    const applied = await deliver(kc, location, rollout, written, corefile, 'uninstall');
    // Rolled back: the stanza is back, so CoreDNS still needs the RBAC; it stays.
    if (!applied.ok) return applied.result.kind === 'rolled-back' ? { ...applied.result, message: `${applied.result.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay, as the restored Corefile needs them)` } : applied.result;
    delivered = applied.rollout;
  }
  // The Corefile first, then RBAC: CoreDNS must stop watching serviceimports before it loses access.
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  await rbac.deleteClusterRole({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  return {
    kind: plan.kind === 'changed' ? 'uninstalled' : 'unchanged',
    message: plan.kind === 'changed' ? 'removed the clusterset stanza and RBAC' : plan.reason,
    ...(delivered ? { rollout: delivered } : {}),
  };
}

// ---------------------------------------------------------------------------
// status

export interface StatusOptions {
  location?: CoreDnsLocation;
  zone?: string;
  flavor?: Flavor;
  version?: string;
}

/** What `status` observed; each field undefined when that object does not exist. */
export interface StatusObservation {
  deployment: Read<k8s.V1Deployment> | undefined;
  configMap: Read<k8s.V1ConfigMap> | undefined;
  clusterRole: k8s.V1ClusterRole | undefined;
  binding: k8s.V1ClusterRoleBinding | undefined;
}

export interface CoreDnsStatus {
  image: string | null;
  /** e.g. "v1.14.7"; null when the image has no version tag and none was given. */
  version: string | null;
  /** The syntax install would write; null with `flavorProblem` when it would refuse. */
  flavor: Flavor | null;
  flavorProblem: string | null;
  rbac: {
    clusterRole: boolean;
    binding: boolean;
    /** The account CoreDNS runs as, "namespace/name"; null without the Deployment. */
    serviceAccount: string | null;
    /** The binding names that account (false when the Deployment changed account since install). */
    bound: boolean;
  };
  corefile: Inspection | { status: 'missing'; message: string };
  /** False when something is broken: an unreadable Deployment/ConfigMap, a broken Corefile, our stanza without our RBAC. */
  ok: boolean;
  /** One line for humans, ending in what to do when something is wrong. */
  summary: string;
}

/** Turns what was read into a report; pure. */
export function summarizeStatus(obs: StatusObservation, opts: StatusOptions = {}): CoreDnsStatus {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const zone = opts.zone ?? DEFAULT_ZONE;
  const dep = obs.deployment?.ok ? obs.deployment.value : undefined;
  const image = dep ? corednsImage(dep) ?? null : null;
  const v = versionFromImage(opts.version ? `x:${opts.version}` : image ?? '');
  const choice = dep || opts.version || opts.flavor ? chooseFlavor(image ?? undefined, opts) : undefined;
  const sa = dep ? serviceAccountOf(dep, loc) : undefined;
  const bound = sa !== undefined && (obs.binding?.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace === sa.namespace && s.name === sa.name)
    && obs.binding?.roleRef.name === COREDNS_ROLE_NAME;
  const rbac = { clusterRole: obs.clusterRole !== undefined, binding: obs.binding !== undefined, serviceAccount: sa ? `${sa.namespace}/${sa.name}` : null, bound };

  let corefile: CoreDnsStatus['corefile'];
  if (obs.configMap === undefined) corefile = { status: 'missing', message: `ConfigMap ${loc.namespace}/${loc.configMap} not found; pass --coredns-configmap if the Corefile lives elsewhere` };
  else if (!obs.configMap.ok) corefile = { status: 'missing', message: obs.configMap.message };
  else {
    const text = obs.configMap.value.data?.['Corefile'];
    corefile = text === undefined ? { status: 'missing', message: `ConfigMap ${loc.namespace}/${loc.configMap} has no Corefile key` } : inspect(text, zone);
  }

  const problems: string[] = [];
  if (obs.deployment === undefined) problems.push(`Deployment ${loc.namespace}/${loc.deployment} not found; pass --coredns-deployment if CoreDNS runs under another name`);
  else if (!obs.deployment.ok) problems.push(obs.deployment.message);
  if (corefile.status === 'missing' || corefile.status === 'broken') problems.push(corefile.message);
  if (corefile.status === 'installed' && !(rbac.clusterRole && rbac.bound)) {
    problems.push(`the Corefile serves ${zone} but CoreDNS's account ${rbac.serviceAccount ?? '(unknown)'} is not bound to ${COREDNS_ROLE_NAME}, so it cannot list serviceimports; run clusterset-dns coredns install again`);
  }
  const ok = problems.length === 0;
  let summary: string;
  if (!ok) summary = problems.join('; ');
  else if (corefile.status === 'absent') summary = `${zone} is not served${choice && 'refused' in choice ? `, and install would refuse: ${choice.refused}` : '; run clusterset-dns coredns install to serve it'}`;
  else summary = corefile.message;
  return {
    image,
    version: v ? fmt(v) : null,
    flavor: choice && 'flavor' in choice ? choice.flavor : null,
    flavorProblem: choice && 'refused' in choice ? choice.refused : null,
    rbac,
    corefile,
    ok,
    summary,
  };
}

const orUndefined = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await f();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
};

/** Reads what status needs (only reads; a 404 is an answer, other errors propagate) and summarizes it. */
export async function statusCoreDns(kc: k8s.KubeConfig, opts: StatusOptions = {}): Promise<CoreDnsStatus> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const [deployment, configMap, clusterRole, binding] = await Promise.all([
    readDeployment(apps, loc).then((r) => (!r.ok && r.missing ? undefined : r)),
    readConfigMap(core, loc).then((r) => (!r.ok && r.missing ? undefined : r)),
    orUndefined(() => rbac.readClusterRole({ name: COREDNS_ROLE_NAME })),
    orUndefined(() => rbac.readClusterRoleBinding({ name: COREDNS_ROLE_NAME })),
  ]);
  return summarizeStatus({ deployment, configMap, clusterRole, binding }, opts);
}

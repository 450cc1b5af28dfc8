/**
 * `clusterset-dns coredns install | uninstall` for one member: RBAC first,
 * then the Corefile, through the lossless editor in ./corefile. CoreDNS must
 * be able to list serviceimports before it loads a Corefile that makes it
 * do so, so the order is ServiceImport CRD (already installed) → RBAC →
 * Corefile → reload or rollout; uninstall runs it backwards. The CoreDNS version decides the syntax (./version.ts); a
 * CoreDNS that cannot serve the stanza is refused with what to do
 * (docs/design.md#coredns-safety).
 *
 * Every decision is a pure function (chooseFlavor, the permission lists in
 * ./permissions.ts, planRollout and the rollout decisions in ./rollout.ts);
 * the async functions only read, check and write. Install refuses before its
 * first write whenever it can tell a later write would fail, so a refusal
 * changes nothing.
 *
 * With `rollout` options (the CLI always passes them), a changed Corefile is
 * followed by a rollout of the CoreDNS Deployment when CoreDNS would not
 * reload it itself, and a rollout that does not become healthy puts the
 * previous Corefile back and rolls the Deployment back (`rolled-back`;
 * ./deliver.ts). `status` is ./status.ts.
 */
import * as k8s from '@kubernetes/client-node';
import { apiErrorMessage, isNotFound } from '../kube/errors.js';
import { planInstall, planUninstall, type Flavor } from './corefile/index.js';
import { deliver, planRollout, type RollbackFailed, type RolledBack, type RolloutReport } from './deliver.js';
import { DEFAULT_LOCATION, readConfigMap, readDeployment, serviceAccountOf, writeCorefile, type CoreDnsLocation } from './objects.js';
import { denied, deniedMessage, installPermissionChecks, uninstallPermissionChecks } from './permissions.js';
import { corednsRbac, COREDNS_ROLE_NAME } from './rbac.js';
import type { RolloutOptions } from './rollout.js';
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
}

export type InstallResult =
  | { kind: 'installed' | 'uninstalled' | 'unchanged' | 'foreign'; message: string; flavor?: Flavor; rollout?: RolloutReport }
  | { kind: 'refused'; message: string }
  | RolledBack
  | RollbackFailed;

const FIELD_MANAGER = 'clusterset-dns';

export async function installCoreDns(kc: k8s.KubeConfig, opts: InstallOptions = {}): Promise<InstallResult> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const dep = await readDeployment(kc.makeApiClient(k8s.AppsV1Api), loc);
  if (!dep.ok) return { kind: 'refused', message: dep.reason };
  const deployment = dep.value;
  const choice = chooseFlavor(corednsImage(deployment), opts);
  if ('refused' in choice) return { kind: 'refused', message: choice.refused };

  const read = await readConfigMap(core, loc);
  if (!read.ok) return { kind: 'refused', message: read.reason };
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
  const delivered = await deliver(kc, loc, rollout, written, corefile, 'install');
  // Rolled back: the RBAC is additive and harmless on its own; uninstall removes it.
  if (delivered.kind === 'rolled-back') return { ...delivered, message: `${delivered.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay; coredns uninstall removes them)`, flavor: choice.flavor };
  if (delivered.kind === 'failed') return delivered;
  return { kind: 'installed', message: plan.changes.join('; '), flavor: choice.flavor, ...(delivered.rollout ? { rollout: delivered.rollout } : {}) };
}

export interface UninstallOptions {
  /** As for install; absent: the Corefile is written and nothing else happens. */
  rollout?: RolloutOptions;
}

export async function uninstallCoreDns(kc: k8s.KubeConfig, location: CoreDnsLocation = DEFAULT_LOCATION, opts: UninstallOptions = {}): Promise<InstallResult> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const read = await readConfigMap(core, location);
  if (!read.ok) return { kind: 'refused', message: read.reason };
  const cm = read.value;
  const corefile = cm.data?.['Corefile'] ?? '';
  const plan = planUninstall(corefile);
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  // Without a Deployment there is nothing to report on, unless it must be rolled out (planRollout refuses then).
  const dep = plan.kind === 'changed' && opts.rollout ? await readDeployment(kc.makeApiClient(k8s.AppsV1Api), location) : undefined;
  const rollout = plan.kind === 'changed' ? planRollout(opts.rollout, corefile, dep) : undefined;
  if (rollout && 'refused' in rollout) return { kind: 'refused', message: rollout.refused };
  const missing = await denied(kc, uninstallPermissionChecks(location, plan.kind === 'changed', rollout?.decision.rollout === true));
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('uninstall', missing) };
  let report: RolloutReport | undefined;
  if (plan.kind === 'changed') {
    const written = await writeCorefile(core, location, cm, plan.corefile);
    const delivered = await deliver(kc, location, rollout, written, corefile, 'uninstall');
    // Rolled back: the stanza is back, so CoreDNS still needs the RBAC; it stays.
    if (delivered.kind === 'rolled-back') return { ...delivered, message: `${delivered.message} (the RBAC objects ${COREDNS_ROLE_NAME} stay, as the restored Corefile needs them)` };
    if (delivered.kind === 'failed') return delivered;
    report = delivered.rollout;
  }
  // The Corefile first, then RBAC: CoreDNS must stop watching serviceimports before it loses access.
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  await rbac.deleteClusterRole({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  return {
    kind: plan.kind === 'changed' ? 'uninstalled' : 'unchanged',
    message: plan.kind === 'changed' ? 'removed the clusterset stanza and RBAC' : plan.reason,
    ...(report ? { rollout: report } : {}),
  };
}

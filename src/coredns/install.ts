/**
 * `clusterset-dns coredns install | uninstall | status` for one member: RBAC
 * first, then the Corefile (coredns.md §9: CRD → RBAC → Corefile → reload),
 * through the lossless editor in ./corefile. The CoreDNS version decides the
 * syntax; a CoreDNS that cannot serve the stanza is refused with what to do.
 *
 * Every decision is a pure function (chooseFlavor, installPermissionChecks,
 * summarizeStatus); the async functions only read, check and write. Install
 * refuses before its first write whenever it can tell a later write would
 * fail, so a refusal changes nothing.
 */
import * as k8s from '@kubernetes/client-node';
import { apiErrorMessage, isNotFound } from '../k8s/errors.js';
import { DEFAULT_ZONE, inspect, planInstall, planUninstall, type Flavor, type Inspection } from './corefile/index.js';
import { corednsRbac, COREDNS_ROLE_NAME } from './rbac.js';
import { IN_TREE_SINCE, atLeast, fmt, versionFromImage } from './version.js';

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
}

export type InstallResult =
  | { kind: 'installed' | 'uninstalled' | 'unchanged' | 'foreign'; message: string; flavor?: Flavor }
  | { kind: 'refused'; message: string };

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
export function installPermissionChecks(loc: CoreDnsLocation, corefileChanges: boolean): AccessCheck[] {
  const rbac = (resource: string): AccessCheck[] =>
    ['patch', 'create'].map((verb) => ({ verb, group: 'rbac.authorization.k8s.io', resource, name: COREDNS_ROLE_NAME }));
  return [
    ...(corefileChanges ? [{ verb: 'update', group: '', resource: 'configmaps', namespace: loc.namespace, name: loc.configMap }] : []),
    ...rbac('clusterroles'),
    ...rbac('clusterrolebindings'),
  ];
}

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

  // Ask before the first write: RBAC applied and then a forbidden ConfigMap
  // update would leave a half-done install behind.
  const missing = await denied(kc, installPermissionChecks(loc, plan.kind === 'changed'));
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('install', missing) };

  // RBAC before the Corefile: CoreDNS lists serviceimports as soon as it reloads.
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of corednsRbac(serviceAccountOf(deployment, loc))) {
    await objects.patch(k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(o)), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  if (plan.kind === 'unchanged') return { kind: 'unchanged', message: plan.reason, flavor: choice.flavor };
  try {
    // Replace with the resourceVersion we read: a concurrent edit fails with 409 instead of being lost.
    await core.replaceNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap, body: { ...cm, data: { ...cm.data, Corefile: plan.corefile } } });
  } catch (e) {
    return { kind: 'refused', message: `could not update ConfigMap ${loc.namespace}/${loc.configMap} (the RBAC objects ${COREDNS_ROLE_NAME} are in place; run install again): ${apiErrorMessage(e)}` };
  }
  return { kind: 'installed', message: plan.changes.join('; '), flavor: choice.flavor };
}

export async function uninstallCoreDns(kc: k8s.KubeConfig, location: CoreDnsLocation = DEFAULT_LOCATION): Promise<InstallResult> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const read = await readConfigMap(core, location);
  if (!read.ok) return { kind: 'refused', message: read.message };
  const cm = read.value;
  const plan = planUninstall(cm.data?.['Corefile'] ?? '');
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  const checks: AccessCheck[] = [
    ...(plan.kind === 'changed' ? [{ verb: 'update', group: '', resource: 'configmaps', namespace: location.namespace, name: location.configMap }] : []),
    ...['clusterrolebindings', 'clusterroles'].map((resource) => ({ verb: 'delete', group: 'rbac.authorization.k8s.io', resource, name: COREDNS_ROLE_NAME })),
  ];
  const missing = await denied(kc, checks);
  if (missing.length > 0) return { kind: 'refused', message: deniedMessage('uninstall', missing) };
  if (plan.kind === 'changed') {
    await core.replaceNamespacedConfigMap({ namespace: location.namespace, name: location.configMap, body: { ...cm, data: { ...cm.data, Corefile: plan.corefile } } });
  }
  // The Corefile first, then RBAC: CoreDNS must stop watching serviceimports before it loses access.
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  await rbac.deleteClusterRole({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  return { kind: plan.kind === 'changed' ? 'uninstalled' : 'unchanged', message: plan.kind === 'changed' ? 'removed the clusterset stanza and RBAC' : plan.reason };
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

/**
 * `clusterset-dns coredns install` for one member: RBAC first, then the
 * Corefile (coredns.md §9: CRD → RBAC → Corefile → reload), through the
 * lossless editor in ./corefile. The CoreDNS version decides the syntax; a
 * CoreDNS that cannot serve the stanza is refused with what to do.
 */
import * as k8s from '@kubernetes/client-node';
import { apiErrorMessage, isNotFound } from '../k8s/errors.js';
import { planInstall, planUninstall, type Flavor } from './corefile/index.js';
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
    return { refused: `cannot tell the CoreDNS version from image ${JSON.stringify(image ?? '')}; pass --coredns-version (e.g. 1.12.2), or --coredns-flavor=external if the image carries the multicluster plugin` };
  }
  if (atLeast(v, IN_TREE_SINCE)) return { flavor: 'in-tree' };
  return { refused: `CoreDNS ${fmt(v)} cannot serve clusterset.local: the in-tree multicluster support needs >= ${fmt(IN_TREE_SINCE)}. Upgrade CoreDNS, or, if this image has github.com/coredns/multicluster compiled in, pass --coredns-flavor=external` };
}

export async function installCoreDns(kc: k8s.KubeConfig, opts: InstallOptions = {}): Promise<InstallResult> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let deployment: k8s.V1Deployment;
  try {
    deployment = await apps.readNamespacedDeployment({ namespace: loc.namespace, name: loc.deployment });
  } catch (e) {
    if (isNotFound(e)) return { kind: 'refused', message: `Deployment ${loc.namespace}/${loc.deployment} not found; pass --coredns-deployment if CoreDNS runs under another name` };
    throw e;
  }
  const image = deployment.spec?.template.spec?.containers.find((c) => /coredns/.test(c.image ?? ''))?.image ?? deployment.spec?.template.spec?.containers[0]?.image;
  const choice = chooseFlavor(image, opts);
  if ('refused' in choice) return { kind: 'refused', message: choice.refused };

  const cm = await core.readNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap });
  const corefile = cm.data?.['Corefile'];
  if (corefile === undefined) return { kind: 'refused', message: `ConfigMap ${loc.namespace}/${loc.configMap} has no Corefile key` };
  const plan = planInstall(corefile, {
    flavor: choice.flavor,
    ...(opts.zone ? { zone: opts.zone } : {}),
    ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
    ...(opts.headerRaFix ? { headerRaFix: true } : {}),
  });
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  if (plan.kind === 'foreign') return { kind: 'foreign', message: plan.reason };

  // RBAC before the Corefile: CoreDNS lists serviceimports as soon as it reloads.
  const sa = { namespace: loc.namespace, name: deployment.spec?.template.spec?.serviceAccountName || 'default' };
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of corednsRbac(sa)) {
    await objects.patch(k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(o)), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  if (plan.kind === 'unchanged') return { kind: 'unchanged', message: plan.reason, flavor: choice.flavor };
  try {
    // Replace with the resourceVersion we read: a concurrent edit fails with 409 instead of being lost.
    await core.replaceNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap, body: { ...cm, data: { ...cm.data, Corefile: plan.corefile } } });
  } catch (e) {
    return { kind: 'refused', message: `could not update ConfigMap ${loc.namespace}/${loc.configMap}: ${apiErrorMessage(e)}` };
  }
  return { kind: 'installed', message: plan.changes.join('; '), flavor: choice.flavor };
}

export async function uninstallCoreDns(kc: k8s.KubeConfig, location: CoreDnsLocation = DEFAULT_LOCATION): Promise<InstallResult> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ namespace: location.namespace, name: location.configMap });
  const plan = planUninstall(cm.data?.['Corefile'] ?? '');
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  if (plan.kind === 'changed') {
    await core.replaceNamespacedConfigMap({ namespace: location.namespace, name: location.configMap, body: { ...cm, data: { ...cm.data, Corefile: plan.corefile } } });
  }
  // The Corefile first, then RBAC: CoreDNS must stop watching serviceimports before it loses access.
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  await rbac.deleteClusterRole({ name: COREDNS_ROLE_NAME }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  return { kind: plan.kind === 'changed' ? 'uninstalled' : 'unchanged', message: plan.kind === 'changed' ? 'removed the clusterset stanza and RBAC' : plan.reason };
}

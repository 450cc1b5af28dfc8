/**
 * CoreDNS's own objects in a member: where they are, who CoreDNS runs as,
 * and the reads and the one write (the Corefile) that install, uninstall and
 * status make on them.
 */
import * as k8s from '@kubernetes/client-node';
import type { Result } from '../api/result.js';
import { GET_TIMEOUT_MS } from '../kube/deadlines.js';
import { apiErrorMessage, isNotFound } from '../kube/errors.js';
import { withDeadline } from '../kube/timeout.js';
import { withCorefile, type ChangeRecord } from './change-record.js';
import type { CoreDnsLocation } from './location.js';

/** The account CoreDNS runs as, which the binding must name (not always kube-system/coredns). Pure. */
export function serviceAccountOf(d: k8s.V1Deployment, loc: CoreDnsLocation): { namespace: string; name: string } {
  return { namespace: loc.namespace, name: d.spec?.template.spec?.serviceAccountName || 'default' };
}

/** A write that gets no answer in this long fails (and, carrying a resourceVersion, cannot land twice). */
const WRITE_TIMEOUT_MS = 15_000;

/** A read that failed says why, and whether the object is simply absent (404). */
export type Read<T> = Result<T, { missing: boolean }>;

export async function readDeployment(apps: k8s.AppsV1Api, loc: CoreDnsLocation): Promise<Read<k8s.V1Deployment>> {
  try {
    return { ok: true, value: await withDeadline(`read Deployment ${loc.namespace}/${loc.deployment}`, GET_TIMEOUT_MS, (o) => apps.readNamespacedDeployment({ namespace: loc.namespace, name: loc.deployment }, o)) };
  } catch (e) {
    if (isNotFound(e)) return { ok: false, missing: true, reason: `Deployment ${loc.namespace}/${loc.deployment} not found; pass --coredns-deployment (and --coredns-namespace) if CoreDNS runs under another name` };
    return { ok: false, missing: false, reason: `cannot read Deployment ${loc.namespace}/${loc.deployment}: ${apiErrorMessage(e)}` };
  }
}

export async function readConfigMap(core: k8s.CoreV1Api, loc: CoreDnsLocation): Promise<Read<k8s.V1ConfigMap>> {
  try {
    return { ok: true, value: await withDeadline(`read ConfigMap ${loc.namespace}/${loc.configMap}`, GET_TIMEOUT_MS, (o) => core.readNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap }, o)) };
  } catch (e) {
    if (isNotFound(e)) return { ok: false, missing: true, reason: `ConfigMap ${loc.namespace}/${loc.configMap} not found; pass --coredns-configmap if the Corefile lives in another ConfigMap` };
    return { ok: false, missing: false, reason: `cannot read ConfigMap ${loc.namespace}/${loc.configMap}: ${apiErrorMessage(e)}` };
  }
}

/**
 * Writes `corefile` over `cm` as it was read: a replace carries the read's
 * resourceVersion, so a 409 means someone edited the ConfigMap since, and
 * then we do not overwrite them. `record` is written in the same replace
 * (null removes it, undefined leaves it as read): see ./change-record.ts.
 */
export async function writeCorefile(core: k8s.CoreV1Api, loc: CoreDnsLocation, cm: k8s.V1ConfigMap, corefile: string, record?: ChangeRecord | null): Promise<k8s.V1ConfigMap> {
  const body = withCorefile(cm, corefile, record);
  return withDeadline(`replace ConfigMap ${loc.namespace}/${loc.configMap}`, WRITE_TIMEOUT_MS, (o) => core.replaceNamespacedConfigMap({ namespace: loc.namespace, name: loc.configMap, body }, o));
}

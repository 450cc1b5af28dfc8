/**
 * What install and uninstall must be allowed to do, asked of the API server
 * before their first write: RBAC applied and then a forbidden ConfigMap
 * update would leave a half-done install behind, so a refusal here changes
 * nothing. The lists are pure; `denied` asks.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import type { CoreDnsLocation } from './location.js';
import { COREDNS_ROLE_NAME } from './rbac.js';

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const corefileUpdate = (loc: CoreDnsLocation): AccessCheck => ({ verb: 'update', group: '', resource: 'configmaps', namespace: loc.namespace, name: loc.configMap });

/** Restarting (and undoing a restart of) the Deployment is a patch. */
const rolloutCheck = (loc: CoreDnsLocation): AccessCheck => ({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: loc.namespace, name: loc.deployment });

/**
 * What install must be allowed to do, in the order it does it. Pure. The
 * ConfigMap update is checked only when the Corefile will change; RBAC is
 * server-side applied, which needs `create` as well as `patch` when the
 * object does not exist yet (docs/upstream-behaviour.md,
 * "Server-side apply of a new object needs `create`").
 */
export function installPermissionChecks(loc: CoreDnsLocation, corefileChanges: boolean, rollout = false): AccessCheck[] {
  const rbac = (resource: string): AccessCheck[] =>
    ['patch', 'create'].map((verb) => ({ verb, group: RBAC_GROUP, resource, name: COREDNS_ROLE_NAME }));
  return [
    ...(corefileChanges ? [corefileUpdate(loc)] : []),
    ...(corefileChanges && rollout ? [rolloutCheck(loc)] : []),
    ...rbac('clusterroles'),
    ...rbac('clusterrolebindings'),
  ];
}

/** What uninstall must be allowed to do, in the order it does it. Pure. */
export function uninstallPermissionChecks(loc: CoreDnsLocation, corefileChanges: boolean, rollout: boolean): AccessCheck[] {
  return [
    ...(corefileChanges ? [corefileUpdate(loc)] : []),
    ...(rollout ? [rolloutCheck(loc)] : []),
    ...['clusterrolebindings', 'clusterroles'].map((resource) => ({ verb: 'delete', group: RBAC_GROUP, resource, name: COREDNS_ROLE_NAME })),
  ];
}

const describeCheck = (c: AccessCheck) =>
  `${c.verb} ${c.group ? `${c.resource}.${c.group}` : c.resource}${c.namespace ? ` in namespace ${c.namespace}` : ''}${c.name ? ` (${c.name})` : ''}`;

/** The checks this identity fails, asked of the API server with SelfSubjectAccessReviews. */
export async function denied(kc: k8s.KubeConfig, checks: AccessCheck[]): Promise<string[]> {
  const authz = makeClient(kc, k8s.AuthorizationV1Api);
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

/** The refusal for `what` (install, uninstall) when `missing` checks were denied. */
export const deniedMessage = (what: string, missing: string[]) =>
  `refused before changing anything: this identity may not ${missing.join(', ')}; ${what} needs them — run it as a cluster admin of this member, or grant those verbs`;

/**
 * The RBAC CoreDNS needs to answer clusterset.local: list/watch on
 * multicluster.x-k8s.io serviceimports, which its multicluster support
 * watches and kubeadm's `system:coredns` does not grant. Additive — a
 * ClusterRole and binding of our own, never an edit of `system:coredns`,
 * which kubeadm owns and rewrites on upgrade (docs/design.md#coredns-safety).
 * config/members ships the same objects for Karmada to propagate; a test
 * keeps the two identical.
 */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { MCS_GROUP } from '../kube/gvr.js';

export const COREDNS_ROLE_NAME = 'clusterset-dns:coredns-serviceimports';

export function corednsRbac(serviceAccount: { namespace: string; name: string } = { namespace: 'kube-system', name: 'coredns' }) {
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: COREDNS_ROLE_NAME, labels },
      rules: [{ apiGroups: [MCS_GROUP], resources: ['serviceimports'], verbs: ['list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: COREDNS_ROLE_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: COREDNS_ROLE_NAME },
      subjects: [{ kind: 'ServiceAccount', namespace: serviceAccount.namespace, name: serviceAccount.name }],
    },
  ];
}

/**
 * The RBAC CoreDNS needs to answer clusterset.local: list/watch on
 * serviceimports (coredns.md §5). Additive — a ClusterRole and binding of our
 * own, never an edit of kubeadm's `system:coredns` (D6). config/members ships
 * the same objects for Karmada to propagate; a test keeps the two identical.
 */
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';

export const COREDNS_ROLE_NAME = 'clusterset-dns:coredns-serviceimports';

export function corednsRbac(serviceAccount: { namespace: string; name: string } = { namespace: 'kube-system', name: 'coredns' }) {
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: COREDNS_ROLE_NAME, labels },
      rules: [{ apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports'], verbs: ['list', 'watch'] }],
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

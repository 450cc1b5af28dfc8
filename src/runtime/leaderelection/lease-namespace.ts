/**
 * Where the leader-election Lease lives unless a flag says otherwise. Apart
 * from elector.ts, which loads the API client, so `run` and `karmada` can
 * name it in their flag tables without loading @kubernetes/client-node.
 */
export const DEFAULT_LEASE_NAMESPACE = 'karmada-system';

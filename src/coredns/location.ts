/**
 * Where CoreDNS's Deployment and Corefile ConfigMap are in a member. Apart
 * from objects.ts, which reads them through the API client, so a command's
 * flag defaults can name it without loading @kubernetes/client-node.
 */
export interface CoreDnsLocation {
  namespace: string;
  deployment: string;
  configMap: string;
}

export const DEFAULT_LOCATION: CoreDnsLocation = { namespace: 'kube-system', deployment: 'coredns', configMap: 'coredns' };

/**
 * kube-proxy for one member's node, in nftables mode, run inside the node's
 * network namespace (`ip netns exec`), so its rules live in that namespace's
 * nftables and never in the host's. It reaches the member's API server
 * through the node's API relay (relays.ts).
 */
import type { NodeNetwork } from './topology.js';

export function kubeProxyArgs(node: NodeNetwork, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--proxy-mode=nftables',
    `--hostname-override=${node.nodeName}`,
    // Traffic from this member's pods is "local": not masqueraded on its way to a Service.
    `--cluster-cidr=${node.podCidr}`,
    '--detect-local-mode=ClusterCIDR',
    // These listen inside the node's namespace: the same ports on every node do not collide.
    '--healthz-bind-address=127.0.0.1:10256',
    '--metrics-bind-address=127.0.0.1:10249',
    // The conntrack table's size and timeouts are kernel-wide settings a
    // namespace may not change; 0 leaves each as the kernel has it.
    '--conntrack-max-per-core=0',
    '--conntrack-min=0',
    '--conntrack-tcp-timeout-established=0',
    '--conntrack-tcp-timeout-close-wait=0',
    // NodePorts only on the node's own fabric address.
    `--nodeport-addresses=${node.nodeIp}/32`,
    '--v=2',
  ];
}

/** The nftables table kube-proxy writes once it has synced its rules (pkg/proxy/nftables, kubeProxyTable). */
export const KUBE_PROXY_TABLE = ['ip', 'kube-proxy'] as const;

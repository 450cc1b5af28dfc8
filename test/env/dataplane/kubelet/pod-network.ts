/**
 * A pod's network, routed as Calico routes it: no bridge. Each pod gets its
 * own network namespace and a veth pair to the node's namespace; the pod's
 * only route is to the gateway (an address on the node ns's `lo`, answered
 * on the pod's link through proxy ARP), and the node ns holds a /32 route per
 * pod. So every packet between pods, on one node or two, crosses the node
 * ns's netfilter — where kube-proxy's nftables rules are.
 *
 * Pure: the names and the `ip` commands; net-runner.ts runs them.
 */
import type { NodeNetwork } from './types.js';

export interface PodNetworkNames {
  /** The pod's network namespace: `<nodeNs>-<8 hex of the uid>`. */
  podNs: string;
  /** The node's end of the veth pair (Linux names are at most 15 bytes). */
  nodeVeth: string;
  /** The pod's end before it is renamed to eth0 inside the pod ns (created there, so the name cannot clash). */
  podVethTemp: string;
}

/** The 8 hex characters that name a pod's namespace and links; a uid is a UUID, so its hex digits are unique enough for one node. */
export function podKey(uid: string): string {
  const hex = uid.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length < 8) throw new Error(`pod uid ${JSON.stringify(uid)} has fewer than 8 hex digits`);
  return hex.slice(0, 8);
}

export function podNetworkNames(network: NodeNetwork, uid: string): PodNetworkNames {
  const key = podKey(uid);
  return { podNs: `${network.nodeNs}-${key}`, nodeVeth: `cp${key}`, podVethTemp: `cq${key}` };
}

/** Whether `ns` is a pod namespace this kubelet made on `network`'s node (what a restart sweeps away). */
export function isPodNamespace(network: NodeNetwork, ns: string): boolean {
  return ns.startsWith(`${network.nodeNs}-`) && /^[0-9a-f]{8}$/.test(ns.slice(network.nodeNs.length + 1));
}

/** The commands (argv, in order) that give a pod `ip` on `network`. Each must succeed. */
export function podNetworkUp(network: NodeNetwork, names: PodNetworkNames, ip: string): string[][] {
  const { nodeNs, gateway } = network;
  const { podNs, nodeVeth, podVethTemp } = names;
  return [
    ['ip', 'netns', 'add', podNs],
    ['ip', '-n', podNs, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', nodeNs, 'link', 'add', nodeVeth, 'type', 'veth', 'peer', 'name', podVethTemp, 'netns', podNs],
    ['ip', '-n', podNs, 'link', 'set', podVethTemp, 'name', 'eth0'],
    ['ip', '-n', podNs, 'addr', 'add', `${ip}/32`, 'dev', 'eth0'],
    ['ip', '-n', podNs, 'link', 'set', 'eth0', 'up'],
    // The gateway is not on the pod's (empty) subnet: it needs an on-link route before it can be a next hop.
    ['ip', '-n', podNs, 'route', 'add', gateway, 'dev', 'eth0', 'scope', 'link'],
    ['ip', '-n', podNs, 'route', 'add', 'default', 'via', gateway, 'dev', 'eth0'],
    ['ip', '-n', nodeNs, 'link', 'set', nodeVeth, 'up'],
    // The gateway is a local address of the node ns, so the node answers the pod's ARP for it anyway (arp_ignore=0);
    // proxy ARP also answers for any address the node routes, as Calico's veths do, so a pod that ARPs for an
    // off-link destination directly (a route added inside the pod) still reaches it through the node.
    ['ip', 'netns', 'exec', nodeNs, 'sh', '-c', `echo 1 > /proc/sys/net/ipv4/conf/${nodeVeth}/proxy_arp`],
    ['ip', '-n', nodeNs, 'route', 'add', `${ip}/32`, 'dev', nodeVeth],
  ];
}

/**
 * The commands that undo podNetworkUp, each allowed to fail (a half-made
 * network, or one already gone). Deleting the node's veth end deletes the
 * pair and its route; deleting the namespace removes whatever is left.
 */
export function podNetworkDown(network: NodeNetwork, names: PodNetworkNames): string[][] {
  return [
    ['ip', '-n', network.nodeNs, 'link', 'del', names.nodeVeth],
    ['ip', 'netns', 'del', names.podNs],
  ];
}

/** The pod's /etc/resolv.conf, as the kubelet writes it for dnsPolicy ClusterFirst. */
export function resolvConf(namespace: string, clusterDomain: string, nameserver: string): string {
  return [
    `nameserver ${nameserver}`,
    `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}`,
    'options ndots:5',
    '',
  ].join('\n');
}

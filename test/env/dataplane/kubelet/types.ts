/**
 * The contract between the local environment's data plane (which makes each
 * member's node network namespace, its routing and kube-proxy) and the
 * process kubelet in this folder (which runs that member's pods).
 */

/** One member's node, made by the environment before the kubelet starts. */
export interface NodeNetwork {
  member: string; // 'member1'
  nodeName: string; // 'member1-node' — the Node object's name
  nodeNs: string; // netns name of the node, e.g. 'csdns-member1' (exists; lo up; net.ipv4.ip_forward=1)
  podCidr: string; // e.g. '10.10.0.0/16'
  gateway: string; // e.g. '10.10.0.1' — already on the node ns's `lo` as /32: pods' default gateway AND their DNS server (a DNS relay listens there on :53)
  nodeIp: string; // the node's underlay address, e.g. '10.255.0.1' (report it as the Node's InternalIP)
}

export interface KubeletConfig {
  kubeconfig: string; // path to an admin kubeconfig for the member
  network: NodeNetwork;
  stateDir: string; // a directory it owns for per-pod files/logs
  clusterDomain: string; // 'cluster.local'
}

/** The `spec.schedulerName` of pods this kubelet binds to its node (no other pod is ever bound by it). */
export const SCHEDULER_NAME = 'process-kubelet';

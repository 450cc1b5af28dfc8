/**
 * The contract between the local environment's data plane (which makes each
 * member's node network namespace, its routing and kube-proxy) and the
 * process kubelet in this folder (which runs that member's pods).
 */

import type { NodeNetwork } from '../topology.js';

export type { NodeNetwork };

export interface KubeletConfig {
  kubeconfig: string; // path to an admin kubeconfig for the member
  network: NodeNetwork;
  stateDir: string; // a directory it owns for per-pod files/logs
  clusterDomain: string; // 'cluster.local'
}

/** The `spec.schedulerName` of pods this kubelet binds to its node (no other pod is ever bound by it). */
export const SCHEDULER_NAME = 'process-kubelet';

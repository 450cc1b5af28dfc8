/** The Karmada objects the controller reads and writes. */
import type { KubeObject } from './meta.js';

/** Karmada sets it on every object it propagates into a member. */
export const KARMADA_MANAGED_LABEL = 'karmada.io/managed';

export interface ClusterCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Cluster extends KubeObject {
  spec: {
    syncMode: 'Push' | 'Pull';
    apiEndpoint?: string;
    secretRef?: { namespace: string; name: string };
    impersonatorSecretRef?: { namespace: string; name: string };
    insecureSkipTLSVerification?: boolean;
    proxyURL?: string;
  };
  status?: { conditions?: ClusterCondition[]; kubernetesVersion?: string };
}

export interface OverridePolicy extends KubeObject {
  spec: {
    resourceSelectors: Array<{ apiVersion: string; kind: string; name?: string; namespace?: string }>;
    overrideRules?: Array<{
      targetCluster?: { clusterNames?: string[] };
      overriders?: { plaintext?: Array<{ path: string; operator: string; value?: unknown }> };
    }>;
  };
}

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

/** policy.karmada.io/v1alpha1 PropagationPolicy: only the fields automatic imports write and read. */
export interface PropagationPolicy extends KubeObject {
  spec: {
    resourceSelectors: Array<{ apiVersion: string; kind: string; name?: string }>;
    placement?: { clusterAffinity?: { clusterNames?: string[] } };
  };
}

/**
 * config.karmada.io/v1alpha1 ResourceInterpreterCustomization: Lua scripts
 * Karmada runs for one kind (Karmada v1.18.2
 * pkg/apis/config/v1alpha1/resourceinterpretercustomization_types.go). Only
 * the fields we read or write are typed.
 */
export interface ResourceInterpreterCustomization extends KubeObject {
  spec: {
    target: { apiVersion: string; kind: string };
    customizations: {
      retention?: { luaScript: string };
      [operation: string]: { luaScript: string } | undefined;
    };
  };
}

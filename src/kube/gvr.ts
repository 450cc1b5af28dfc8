/**
 * API groups, versions, collection paths and CRD names, spelled once. The
 * reflectors watch collection paths; doctor lists the same ones; the writer
 * addresses single objects under them.
 */

export const MCS_GROUP = 'multicluster.x-k8s.io';
export const MCS_VERSION = 'v1alpha1';
export const MCS_API_VERSION = `${MCS_GROUP}/${MCS_VERSION}`;
export const SERVICEIMPORT_CRD = `serviceimports.${MCS_GROUP}`;
export const SERVICEEXPORT_CRD = `serviceexports.${MCS_GROUP}`;

export const KARMADA_POLICY_GROUP = 'policy.karmada.io';
export const KARMADA_POLICY_VERSION = 'v1alpha1';
export const KARMADA_CLUSTER_GROUP = 'cluster.karmada.io';
export const KARMADA_CLUSTER_VERSION = 'v1alpha1';
export const KARMADA_CONFIG_GROUP = 'config.karmada.io';
export const KARMADA_CONFIG_VERSION = 'v1alpha1';

/** Collection paths, all namespaces. */
export const PATHS = {
  serviceImports: `/apis/${MCS_API_VERSION}/serviceimports`,
  serviceExports: `/apis/${MCS_API_VERSION}/serviceexports`,
  clusters: `/apis/${KARMADA_CLUSTER_GROUP}/${KARMADA_CLUSTER_VERSION}/clusters`,
  overridePolicies: `/apis/${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}/overridepolicies`,
  propagationPolicies: `/apis/${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}/propagationpolicies`,
  resourceInterpreterCustomizations: `/apis/${KARMADA_CONFIG_GROUP}/${KARMADA_CONFIG_VERSION}/resourceinterpretercustomizations`,
  services: '/api/v1/services',
  endpointSlices: '/apis/discovery.k8s.io/v1/endpointslices',
  namespaces: '/api/v1/namespaces',
  customResourceDefinitions: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
} as const;

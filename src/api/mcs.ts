/**
 * The Multi-Cluster Services API objects (multicluster.x-k8s.io), as
 * sigs.k8s.io/mcs-api v0.5.2 defines them in
 * pkg/apis/v1alpha1/serviceexport.go and serviceimport.go (v1beta1 has the
 * same fields). Only the fields the controller reads or writes are typed.
 */
import type { SessionAffinityConfig } from './core.js';
import type { KubeObject } from './meta.js';

export interface ServiceImportPort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}

export type ServiceImportType = 'ClusterSetIP' | 'Headless';

export interface ServiceImportSpec {
  type: ServiceImportType;
  ports: ServiceImportPort[];
  /** At most 2 in mcs-api's CRD; Karmada's CRD allows 1. */
  ips?: string[];
  /** "ClientIP" or "None" (the default). Ignored when type is Headless. */
  sessionAffinity?: string;
  sessionAffinityConfig?: SessionAffinityConfig;
  /** At most 2, no family twice; `ips` follow this order. */
  ipFamilies?: string[];
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}

export interface ServiceImport extends KubeObject {
  spec: ServiceImportSpec;
  status?: { clusters?: Array<{ cluster: string }>; conditions?: Condition[] };
}

/**
 * A metav1.Condition as it travels in JSON. `reason` must match
 * `^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$` (at most 1024 characters) and
 * `message` is at most 32768 characters (apimachinery
 * pkg/apis/meta/v1/types.go).
 */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ServiceExport extends KubeObject {
  spec?: {
    /** Optional for an implementation to support; copied to the import's labels. */
    exportedLabels?: Record<string, string>;
    /** Optional for an implementation to support; copied to the import's annotations. */
    exportedAnnotations?: Record<string, string>;
  };
  status?: { conditions?: Condition[] };
}

/** ServiceExport condition types (ServiceExportCondition* in serviceexport.go). */
export const ServiceExportConditionType = {
  Valid: 'Valid',
  Ready: 'Ready',
  Conflict: 'Conflict',
} as const;

/** ServiceExport condition reasons (ServiceExportReason* in serviceexport.go). */
export const ServiceExportReason = {
  // Valid
  Valid: 'Valid',
  NoService: 'NoService',
  InvalidServiceType: 'InvalidServiceType',
  // Ready
  Exported: 'Exported',
  Ready: 'Ready',
  Pending: 'Pending',
  Failed: 'Failed',
  // Conflict; several may be joined with commas.
  PortConflict: 'PortConflict',
  TypeConflict: 'TypeConflict',
  SessionAffinityConflict: 'SessionAffinityConflict',
  SessionAffinityConfigConflict: 'SessionAffinityConfigConflict',
  LabelsConflict: 'LabelsConflict',
  AnnotationsConflict: 'AnnotationsConflict',
  InternalTrafficPolicyConflict: 'InternalTrafficPolicyConflict',
  TrafficDistributionConflict: 'TrafficDistributionConflict',
  IPFamilyConflict: 'IPFamilyConflict',
  NoConflicts: 'NoConflicts',
} as const;

export type ServiceExportConflictReason = Extract<
  (typeof ServiceExportReason)[keyof typeof ServiceExportReason],
  `${string}Conflict`
>;

/** ServiceImport condition type and reasons (ServiceImportCondition*, ServiceImportReason* in serviceimport.go). */
export const ServiceImportConditionType = { Ready: 'Ready' } as const;
export const ServiceImportReason = {
  Ready: 'Ready',
  Pending: 'Pending',
  IPFamilyNotSupported: 'IPFamilyNotSupported',
} as const;

/** mcs-api v0.5.2 pkg/apis/v1alpha1/well_known_labels.go: what CoreDNS's multicluster plugin reads on an EndpointSlice. */
export const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
export const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
/** discovery.k8s.io/v1: who manages a slice; the core controllers leave slices with another value alone. */
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** Our value of SLICE_MANAGED_BY_LABEL: the mark of an MCS mirror this controller may change or delete (src/mcs/endpointslice-mirror.ts). */
export const SLICE_MANAGED_BY_VALUE = 'endpointslice-mirror.clusterset-dns.io';
/**
 * Karmada's value of SLICE_MANAGED_BY_LABEL on the EndpointSlices it
 * collected from exporting members into the control plane (Karmada v1.18
 * pkg/controllers/mcs/endpointslice_controller.go).
 */
export const KARMADA_COLLECTED_SLICE_VALUE = 'endpointslice-controller.karmada.io';
/** On a collected slice in the control plane: `karmada-es-<cluster>`, the cluster it came from. */
export const KARMADA_WORK_NAMESPACE_ANNOTATION = 'work.karmada.io/namespace';

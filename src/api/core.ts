/** The parts of core and discovery objects the controller reads. */
import type { KubeObject } from './meta.js';

export interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface ServicePort {
  name?: string;
  /** TCP (the default), UDP or SCTP. */
  protocol?: string;
  port: number;
  appProtocol?: string;
}

export interface SessionAffinityConfig {
  clientIP?: { timeoutSeconds?: number };
}

/** The parts of a core/v1 ServiceSpec a decision needs. */
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ports?: ServicePort[];
  sessionAffinity?: string;
  sessionAffinityConfig?: SessionAffinityConfig;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}

export interface Service extends KubeObject {
  spec?: ServiceSpec;
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean | null } }>;
}

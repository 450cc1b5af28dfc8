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
  /** null when the slice has none (the API server writes the empty list as null). */
  endpoints?: EndpointSliceEndpoint[] | null;
  ports?: EndpointSlicePort[] | null;
}

/** One endpoint of a discovery.k8s.io/v1 EndpointSlice: what readiness and the MCS mirror read. */
export interface EndpointSliceEndpoint {
  addresses?: string[];
  /** A null or absent condition is unknown; for `ready` that means ready. */
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  hostname?: string | null;
}

/** A port of an EndpointSlice; the API server defaults `name` to "" and `protocol` to TCP. */
export interface EndpointSlicePort {
  name?: string | null;
  /** null: every port. */
  port?: number | null;
  protocol?: string | null;
  appProtocol?: string | null;
}

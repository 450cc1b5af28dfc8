/** The parts of core and discovery objects the controller reads. */
import type { KubeObject } from './meta.js';

export interface Secret extends KubeObject {
  data?: Record<string, string>;
}

/** The parts of a core/v1 Service a decision needs. */
export interface Service extends KubeObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[] };
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean | null } }>;
}

/** The Multi-Cluster Services API objects (multicluster.x-k8s.io). */
import type { KubeObject } from './meta.js';

export interface ServiceImportPort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}

export interface ServiceImport extends KubeObject {
  spec: {
    type: 'ClusterSetIP' | 'Headless';
    ports: ServiceImportPort[];
    ips?: string[];
  };
  status?: { clusters?: Array<{ cluster: string }> };
}

/** The objects of Karmada's multi-cluster service flow, for tests and benchmarks. */
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_API_VERSION, MCS_GROUP, MCS_VERSION } from '../../src/kube/gvr.js';
import { applyAll, type Clients } from './kube.js';

export const MCS = { group: MCS_GROUP, version: MCS_VERSION };

export interface ServiceImportObject {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number; resourceVersion?: string; uid?: string };
  spec: { ips?: string[]; type: string; ports: unknown[] };
  status?: { clusters?: Array<{ cluster: string }> };
}

export function propagationPolicy(namespace: string, name: string, kind: string, resource: string, clusters: string[]): KubernetesObject {
  return {
    apiVersion: `${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`,
    kind: 'PropagationPolicy',
    metadata: { name, namespace },
    spec: {
      resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind, name: resource }],
      placement: { clusterAffinity: { clusterNames: clusters } },
    },
  } as KubernetesObject;
}

/** A Service and a ready EndpointSlice in the exporting member (tests stand in for pods). */
export function memberService(namespace: string, name: string, endpointIp: string, ready = true): KubernetesObject[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } } as KubernetesObject,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-a`, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'clusterset-dns-tests' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [endpointIp], conditions: { ready } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    } as KubernetesObject,
  ];
}

export const serviceExport = (namespace: string, name: string, clusters: string[]): KubernetesObject[] => [
  { apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata: { name, namespace } } as KubernetesObject,
  propagationPolicy(namespace, `${name}-export`, 'ServiceExport', name, clusters),
];

export const serviceImport = (namespace: string, name: string, clusters: string[], ports = [{ name: 'http', port: 80, protocol: 'TCP' }]): KubernetesObject[] => [
  { apiVersion: MCS_API_VERSION, kind: 'ServiceImport', metadata: { name, namespace }, spec: { type: 'ClusterSetIP', ports } } as KubernetesObject,
  propagationPolicy(namespace, `${name}-import`, 'ServiceImport', name, clusters),
];

export function getServiceImport(c: Clients, namespace: string, name: string): Promise<ServiceImportObject> {
  return c.custom.getNamespacedCustomObject({ ...MCS, namespace, plural: 'serviceimports', name }) as Promise<ServiceImportObject>;
}

export async function exportFrom(karmada: Clients, member: Clients, member_: string, namespace: string, name: string, endpointIp: string): Promise<void> {
  await applyAll(member, memberService(namespace, name, endpointIp));
  await applyAll(karmada, serviceExport(namespace, name, [member_]));
}

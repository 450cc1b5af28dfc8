/** The names the benchmark gives its objects, and the objects it creates. */
import { MEMBERS } from '../../test/env/environment.js';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_API_VERSION } from '../../src/kube/gvr.js';
import type { KubeObj } from './api.js';

export { MEMBERS };
export type Member = (typeof MEMBERS)[number];
/** API path prefixes of the MCS and Karmada policy groups. */
export const MCS = `/apis/${MCS_API_VERSION}`;
export const POLICY = `/apis/${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`;
export const IMPORT_LABEL = 'bench.clusterset-dns/import';
export const SEQ_LABEL = 'bench.clusterset-dns/seq';
export const OP_SEQ_LABEL = 'bench.clusterset-dns/op-seq';
/** Set on every control-plane ServiceImport by the relabel phase; Karmada carries it to the member objects. */
export const RELABEL_LABEL = 'bench.clusterset-dns/relabel';
export const OUR_POLICY_PREFIX = 'clusterset-dns-';
export const FLOOR_POLICY_PREFIX = 'bench-floor-';
export const FLOOR_CM = 'bench-floor';

export const serviceImport = (ns: string, name: string): KubeObj => ({
  apiVersion: MCS_API_VERSION,
  kind: 'ServiceImport',
  metadata: { name, namespace: ns, labels: { [IMPORT_LABEL]: 'true' } },
  spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

export const propagationPolicy = (ns: string, name: string, selector: Record<string, unknown>): KubeObj => ({
  apiVersion: `${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`,
  kind: 'PropagationPolicy',
  metadata: { name, namespace: ns },
  spec: {
    resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', ...selector }],
    placement: { clusterAffinity: { clusterNames: [...MEMBERS] } },
  },
});

export const floorPolicy = (ns: string, si: string, seq: string): KubeObj => ({
  apiVersion: `${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`,
  kind: 'OverridePolicy',
  metadata: { name: `${FLOOR_POLICY_PREFIX}${si}`, namespace: ns },
  spec: {
    resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: si }],
    overrideRules: [{ targetCluster: { clusterNames: [...MEMBERS] }, overriders: { labelsOverrider: [{ operator: 'add', value: { [OP_SEQ_LABEL]: seq } }] } }],
  },
});

/** A plain ClusterIP Service made in a member, for a ServiceExport there to export (ports as serviceImport's). */
export const memberService = (ns: string, name: string): KubeObj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
});

export const serviceExport = (ns: string, name: string): KubeObj => ({
  apiVersion: MCS_API_VERSION,
  kind: 'ServiceExport',
  metadata: { name, namespace: ns },
});

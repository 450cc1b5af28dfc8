import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import { carriedFields } from './reconciler.js';
import { exportRules } from './rules.js';
import type { ObservedExport } from './snapshot.js';

const exportOf = (cluster: string, spec: Record<string, unknown>): ObservedExport => ({
  cluster,
  reachable: true,
  serviceExport: { metadata: { name: 'web', namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' } as KubeObject['metadata'] },
  service: { metadata: { name: 'web', namespace: 'demo' }, spec: { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...spec } },
});
const crdIn = (dir: string) => parse(readFileSync(join(import.meta.dirname, '..', '..', 'crds', dir, 'multicluster.x-k8s.io_serviceimports.yaml'), 'utf8')) as KubeObject;

describe('automatic imports: what the control plane can carry', () => {
  it('Karmada\'s CRD keeps none of the optional fields; mcs-api\'s v1alpha1-only variant keeps them all', () => {
    expect([...carriedFields(crdIn(''))]).to.deep.equal([]);
    expect([...carriedFields(crdIn('mcs-api-v1alpha1'))]).to.deep.equal(['ipFamilies', 'internalTrafficPolicy', 'trafficDistribution']);
    expect([...carriedFields(undefined)], 'no CRD seen yet: ask for nothing optional').to.deep.equal([]);
  });

  const service = { ipFamilies: ['IPv4'], internalTrafficPolicy: 'Local', trafficDistribution: 'PreferClose' };
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    ['nothing carried: only what every CRD keeps', [], {}],
    ['every optional field carried', ['ipFamilies', 'internalTrafficPolicy', 'trafficDistribution'], service],
    ['only some carried', ['ipFamilies'], { ipFamilies: ['IPv4'] }],
  ];
  for (const [name, carried, want] of cases) {
    it(name, () => {
      const { desired } = exportRules.merge([exportOf('member1', service)], new Set(carried as never[]));
      const { type, ports, sessionAffinity, sessionAffinityConfig, labels, annotations, ...optional } = desired!;
      expect({ type, ports }).to.deep.equal({ type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
      expect(optional).to.deep.equal(want);
      void [sessionAffinity, sessionAffinityConfig, labels, annotations];
    });
  }
});

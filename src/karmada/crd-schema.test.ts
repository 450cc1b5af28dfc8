import { expect } from 'chai';
import type { KubeObject } from '../api/meta.js';
import { ipsMaxItemsOf, servedVersionsOf } from './crd-schema.js';

type Version = { name: string; served?: boolean; maxItems?: number };
const crd = (...versions: Version[]): KubeObject => ({
  metadata: { name: 'serviceimports.multicluster.x-k8s.io' },
  spec: {
    versions: versions.map((v) => ({
      name: v.name,
      ...(v.served !== undefined ? { served: v.served } : {}),
      schema: { openAPIV3Schema: { properties: { spec: { properties: { ips: v.maxItems !== undefined ? { maxItems: v.maxItems } : {} } } } } },
    })),
  },
} as KubeObject);

describe('ServiceImport CRD schema', () => {
  const cases: Array<{ name: string; crd: KubeObject | undefined; served: string[] | undefined; maxItems: number | undefined }> = [
    { name: 'not installed', crd: undefined, served: undefined, maxItems: undefined },
    { name: 'Karmada\'s: v1alpha1, one IP', crd: crd({ name: 'v1alpha1', maxItems: 1 }), served: ['v1alpha1'], maxItems: 1 },
    { name: 'no limit in the schema: one per family', crd: crd({ name: 'v1alpha1' }), served: ['v1alpha1'], maxItems: 2 },
    { name: 'only v1beta1 served: installed, but no v1alpha1', crd: crd({ name: 'v1alpha1', served: false, maxItems: 2 }, { name: 'v1beta1', maxItems: 2 }), served: ['v1beta1'], maxItems: undefined },
    { name: 'only v1beta1 defined', crd: crd({ name: 'v1beta1', maxItems: 2 }), served: ['v1beta1'], maxItems: undefined },
    { name: 'both served', crd: crd({ name: 'v1alpha1', maxItems: 2 }, { name: 'v1beta1', maxItems: 2 }), served: ['v1alpha1', 'v1beta1'], maxItems: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(servedVersionsOf(c.crd)).to.deep.equal(c.served);
      expect(ipsMaxItemsOf(c.crd)).to.equal(c.maxItems);
    });
  }
});

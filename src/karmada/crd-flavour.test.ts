import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import { classifyCrds, flavourLabel, type CrdFlavourName } from './crd-flavour.js';

// The real CRDs: Karmada's as its control plane holds them (crds/), and mcs-api's release (crds/mcs-api/).
const load = (path: string) => parse(readFileSync(new URL(`../../crds/${path}`, import.meta.url), 'utf8')) as KubeObject;
const karmada = { si: load('multicluster.x-k8s.io_serviceimports.yaml'), se: load('multicluster.x-k8s.io_serviceexports.yaml') };
const mcsApi = { si: load('mcs-api/multicluster.x-k8s.io_serviceimports.yaml'), se: load('mcs-api/multicluster.x-k8s.io_serviceexports.yaml') };

type Edit = (crd: { spec: { versions: Array<Record<string, unknown> & { name: string; schema: { openAPIV3Schema: { properties: Record<string, { properties: Record<string, unknown> }> } } }> } }) => void;
/** A deep copy of `crd` with `edit` applied, and without labels unless `keepLabels`. */
function edited(crd: KubeObject, edit: Edit, keepLabels = true): KubeObject {
  const copy = structuredClone(crd) as KubeObject;
  edit(copy as unknown as Parameters<Edit>[0]);
  if (!keepLabels) delete copy.metadata.labels;
  return copy;
}

const KARMADA_LACKS = [
  'v1beta1 clients',
  'dual-stack imports: spec.ips holds 1 IP',
  'ServiceImport spec.ipFamilies',
  'ServiceImport spec.internalTrafficPolicy',
  'ServiceImport spec.trafficDistribution',
  'ServiceImport conditions',
  'ServiceExport spec.exportedLabels',
  'ServiceExport spec.exportedAnnotations',
];

describe('classifyCrds: a member\'s MCS CRD flavour and what it cannot do', () => {
  const cases: Array<{ name: string; si: KubeObject | undefined; se: KubeObject | undefined; flavour: CrdFlavourName; label: string; siServed: string[] | undefined; seServed: string[] | undefined; ips: number | undefined; lacks: string[] }> = [
    { name: 'Karmada\'s CRDs', si: karmada.si, se: karmada.se, flavour: 'karmada', label: 'karmada', siServed: ['v1alpha1'], seServed: ['v1alpha1'], ips: 1, lacks: KARMADA_LACKS },
    { name: 'mcs-api v0.5.2: nothing lacking', si: mcsApi.si, se: mcsApi.se, flavour: 'mcs-api', label: 'mcs-api v0.5.2', siServed: ['v1alpha1', 'v1beta1'], seServed: ['v1alpha1', 'v1beta1'], ips: 2, lacks: [] },
    { name: 'none installed', si: undefined, se: undefined, flavour: 'missing', label: 'missing', siServed: undefined, seServed: undefined, ips: undefined, lacks: ['imports: no ServiceImport CRD, so CoreDNS cannot answer clusterset names', 'exports: no ServiceExport CRD, so this member cannot export'] },
    { name: 'ServiceExport missing: missing, though imports work', si: mcsApi.si, se: undefined, flavour: 'missing', label: 'missing', siServed: ['v1alpha1', 'v1beta1'], seServed: undefined, ips: 2, lacks: ['exports: no ServiceExport CRD, so this member cannot export'] },
    {
      name: 'mcs-api with v1alpha1 no longer served: CoreDNS cannot read it',
      si: edited(mcsApi.si, (c) => { c.spec.versions[0]!['served'] = false; }), se: mcsApi.se,
      flavour: 'mcs-api', label: 'mcs-api v0.5.2', siServed: ['v1beta1'], seServed: ['v1alpha1', 'v1beta1'], ips: undefined, lacks: ['v1alpha1 clients: CoreDNS and the controller read v1alpha1'],
    },
    {
      name: 'Karmada\'s, patched to two IPs: other, still without v1beta1',
      si: edited(karmada.si, (c) => { (c.spec.versions[0]!.schema.openAPIV3Schema.properties['spec']!.properties['ips'] as { maxItems: number }).maxItems = 2; }), se: karmada.se,
      flavour: 'other', label: 'other', siServed: ['v1alpha1'], seServed: ['v1alpha1'], ips: 2, lacks: KARMADA_LACKS.filter((l) => !l.startsWith('dual-stack')),
    },
    {
      name: 'an unlabelled copy of mcs-api without ServiceExport conditions: other',
      si: edited(mcsApi.si, () => undefined, false), se: edited(mcsApi.se, (c) => { for (const v of c.spec.versions) delete v.schema.openAPIV3Schema.properties['status']; }, false),
      flavour: 'other', label: 'other', siServed: ['v1alpha1', 'v1beta1'], seServed: ['v1alpha1', 'v1beta1'], ips: 2, lacks: ['ServiceExport conditions'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = classifyCrds(c.si, c.se);
      expect(f.flavour).to.equal(c.flavour);
      expect(flavourLabel(f)).to.equal(c.label);
      expect(f.served).to.deep.equal({ serviceImport: c.siServed, serviceExport: c.seServed });
      expect(f.ipsMaxItems).to.equal(c.ips);
      expect(f.lacks).to.deep.equal(c.lacks);
    });
  }
});

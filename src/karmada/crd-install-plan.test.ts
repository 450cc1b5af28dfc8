import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import { planCrdInstall, type CrdInstallPlan } from './crd-install-plan.js';
import { bundledMcsApiCrds } from './mcs-api-crds.js';

const load = (path: string) => parse(readFileSync(new URL(`../../crds/${path}`, import.meta.url), 'utf8')) as KubeObject;
const karmada = { serviceImport: load('multicluster.x-k8s.io_serviceimports.yaml'), serviceExport: load('multicluster.x-k8s.io_serviceexports.yaml') };
const ours = bundledMcsApiCrds();

const withLabels = (crd: KubeObject, labels: Record<string, string>): KubeObject => ({ ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...labels } } });
/** `crd` also serving `version` (a later release's). */
const serving = (crd: KubeObject, version: string): KubeObject => {
  const copy = structuredClone(crd) as KubeObject & { spec: { versions: Array<{ name: string }> } };
  copy.spec.versions.push({ ...structuredClone(copy.spec.versions[0]!), name: version });
  return copy;
};

describe('crds install: apply, leave or refuse', () => {
  const cases: Array<{ name: string; si: KubeObject | undefined; se: KubeObject | undefined; action: CrdInstallPlan['action']; from: string; message: RegExp }> = [
    { name: 'none installed: apply', si: undefined, se: undefined, action: 'apply', from: 'missing', message: /^missing → mcs-api v0\.5\.2$/ },
    { name: 'Karmada\'s, installed by hand: apply', si: karmada.serviceImport, se: karmada.serviceExport, action: 'apply', from: 'karmada', message: /^karmada → mcs-api v0\.5\.2$/ },
    { name: 'ours already: unchanged', si: ours.serviceImport, se: ours.serviceExport, action: 'unchanged', from: 'mcs-api v0.5.2', message: /^already mcs-api v0\.5\.2$/ },
    { name: 'ours, an older schema revision: apply', si: withLabels(ours.serviceImport, { 'multicluster.x-k8s.io/crd-schema-revision': '-1' }), se: ours.serviceExport, action: 'apply', from: 'mcs-api v0.5.2', message: /→ mcs-api v0\.5\.2/ },
    { name: 'an older mcs-api release: apply', si: withLabels(ours.serviceImport, { 'multicluster.x-k8s.io/release-version': 'v0.4.0' }), se: ours.serviceExport, action: 'apply', from: 'mcs-api v0.4.0', message: /^mcs-api v0\.4\.0 → mcs-api v0\.5\.2$/ },
    { name: 'a newer mcs-api release: refused', si: withLabels(ours.serviceImport, { 'multicluster.x-k8s.io/release-version': 'v0.6.0' }), se: ours.serviceExport, action: 'refuse', from: 'mcs-api v0.6.0', message: /ServiceImport CRD is from mcs-api v0\.6\.0, newer than mcs-api v0\.5\.2: installing ours would be a downgrade/ },
    { name: 'a release label that is no version: refused', si: withLabels(ours.serviceImport, { 'multicluster.x-k8s.io/release-version': 'main' }), se: ours.serviceExport, action: 'refuse', from: 'mcs-api main', message: /cannot be compared/ },
    { name: 'serving a version ours do not: refused', si: ours.serviceImport, se: serving(ours.serviceExport, 'v1'), action: 'refuse', from: 'mcs-api v0.5.2', message: /the ServiceExport CRD serves v1, which mcs-api v0\.5\.2 does not: installing ours would be a downgrade/ },
    { name: 'propagated by Karmada: refused, naming the policy to change', si: withLabels(karmada.serviceImport, { 'karmada.io/managed': 'true' }), se: karmada.serviceExport, action: 'refuse', from: 'karmada', message: /propagated by Karmada, which would put its copy back: stop propagating/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planCrdInstall({ serviceImport: c.si, serviceExport: c.se }, ours);
      expect(plan.action).to.equal(c.action);
      expect(plan.from).to.equal(c.from);
      expect(plan.message).to.match(c.message);
    });
  }
});

describe('the shipped mcs-api CRDs', () => {
  it('are read from crds/mcs-api/ with their release', () => {
    expect(ours.release).to.equal('v0.5.2');
    expect(ours.serviceImport.metadata.name).to.equal('serviceimports.multicluster.x-k8s.io');
    expect(ours.serviceExport.metadata.name).to.equal('serviceexports.multicluster.x-k8s.io');
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import type { Status } from './checks.js';
import { crdFlavourCheck } from './crd-flavour-check.js';
import type { Got, ReachedMember } from './observation.js';

const load = (path: string) => parse(readFileSync(new URL(`../../crds/${path}`, import.meta.url), 'utf8')) as KubeObject;
const found = (crd: KubeObject | undefined): Got<KubeObject> => ({ ok: true, value: crd });
const karmada = { si: found(load('multicluster.x-k8s.io_serviceimports.yaml')), se: found(load('multicluster.x-k8s.io_serviceexports.yaml')) };
const mcsApi = { si: found(load('mcs-api/multicluster.x-k8s.io_serviceimports.yaml')), se: found(load('mcs-api/multicluster.x-k8s.io_serviceexports.yaml')) };
const forbidden: Got<KubeObject> = { ok: false, code: 403, reason: 'forbidden' };

/** Only `crds` is read by this check; the rest of the observation does not matter here. */
const member = (si: Got<KubeObject>, se: Got<KubeObject>) => ({ member: 'member2', reached: true, crds: { serviceimports: si, serviceexports: se } }) as ReachedMember;

describe('doctor crd-flavour check', () => {
  const cases: Array<{ name: string; si: Got<KubeObject>; se: Got<KubeObject>; status: Status; detail: RegExp; fix?: RegExp }> = [
    { name: 'mcs-api v0.5.2: nothing lost', ...mcsApi, status: 'pass', detail: /^mcs-api v0\.5\.2 \(serves v1alpha1, v1beta1; spec\.ips holds at most 2\)$/ },
    {
      name: 'Karmada\'s: a warning naming what is lost, and crds install as the fix', ...karmada, status: 'warn',
      detail: /^karmada \(serves v1alpha1; spec\.ips holds at most 1\); this member cannot do: v1beta1 clients; dual-stack imports: spec\.ips holds 1 IP; ServiceImport spec\.ipFamilies;.*ServiceExport spec\.exportedAnnotations$/,
      fix: /^clusterset-dns crds install --cluster member2 /,
    },
    { name: 'ServiceExport missing: a warning (crds says more)', si: mcsApi.si, se: found(undefined), status: 'warn', detail: /^missing .*this member cannot do: exports: no ServiceExport CRD/ },
    { name: 'a CRD unreadable: skipped, pointing at crds', si: forbidden, se: mcsApi.se, status: 'skip', detail: /see crds/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = crdFlavourCheck(member(c.si, c.se), (m) => `--cluster ${m}`);
      expect(r.cluster).to.equal('member2');
      expect(r.check).to.equal('crd-flavour');
      expect(r.status).to.equal(c.status);
      expect(r.detail).to.match(c.detail);
      if (c.fix) expect(r.fix).to.match(c.fix);
      else if (c.status !== 'warn') expect(r.fix).to.equal(undefined);
    });
  }
});

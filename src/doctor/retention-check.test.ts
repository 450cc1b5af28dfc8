import { expect } from 'chai';
import type { ResourceInterpreterCustomization } from '../api/karmada.js';
import type { Listed } from './observation.js';
import { desiredRetention } from '../karmada/retention.js';
import type { WriteRouteFlag } from '../serviceimport/route.js';
import type { Status } from './checks.js';
import type { DoctorObservation } from './observation.js';
import { doctorRoute, retentionCheck } from './retention-check.js';

const ok = <T>(items: T[]) => ({ ok: true as const, value: items });
const foreign: ResourceInterpreterCustomization = {
  metadata: { name: 'lighthouse-si' },
  spec: { target: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport' }, customizations: { retention: { luaScript: 'function Retain(d, o) return d end' } } },
};
const outdated = (() => {
  const r = desiredRetention();
  r.spec.customizations.retention = { luaScript: 'function Retain(d, o) return d end' };
  return r;
})();

const cp = (customizations: Listed<ResourceInterpreterCustomization>): DoctorObservation => ({
  mode: 'karmada',
  controlPlane: { serviceImports: ok([]), overridePolicies: ok([]), namespaces: ok([]), customizations },
  members: [],
});

describe('doctor retention-rule check', () => {
  const cases: Array<{ name: string; obs: DoctorObservation; route?: WriteRouteFlag; status: Status; detail: RegExp; fix?: RegExp }> = [
    { name: 'installed, auto: retain', obs: cp(ok([desiredRetention()])), status: 'pass', detail: /^ResourceInterpreterCustomization clusterset-dns-serviceimport-ips is installed \(this version's rule\); --write-route=auto writes spec\.ips in the members, and Karmada keeps it \(retain\)$/ },
    { name: 'installed, override-policy: still OverridePolicies', obs: cp(ok([desiredRetention()])), route: 'override-policy', status: 'pass', detail: /--write-route=override-policy writes spec\.ips through OverridePolicies/ },
    { name: 'outdated: used, but install updates it', obs: cp(ok([outdated])), status: 'warn', detail: /another version's Lua \(still used\); --write-route=auto writes spec\.ips in the members/, fix: /^clusterset-dns karmada install .* updates it$/ },
    { name: 'missing, auto: falls back to OverridePolicies, with the cost', obs: cp(ok([])), status: 'warn', detail: /^no retention rule for ServiceImport: --write-route=auto writes spec\.ips through OverridePolicies \(override-policy\), where Karmada's work per write grows/, fix: /^clusterset-dns karmada install/ },
    { name: 'missing, retain: the controller holds managed imports', obs: cp(ok([])), route: 'retain', status: 'fail', detail: /^no retention rule for ServiceImport, so --write-route=retain leaves Karmada-managed ServiceImports as they are until the rule is usable \(hold\)$/, fix: /^clusterset-dns karmada install/ },
    { name: 'missing, override-policy: not needed', obs: cp(ok([])), route: 'override-policy', status: 'pass', detail: /and none needed/ },
    { name: 'the API is not served: missing, saying so', obs: cp({ ok: false, code: 404, reason: 'not found' }), status: 'warn', detail: /does not serve resourceinterpretercustomizations\.config\.karmada\.io/ },
    { name: 'conflict, auto: names the holder, falls back', obs: cp(ok([foreign, desiredRetention()])), status: 'warn', detail: /^ServiceImport's retention is held by ResourceInterpreterCustomization lighthouse-si, not ours .*: --write-route=auto writes spec\.ips through OverridePolicies/, fix: /^remove lighthouse-si or merge our rule into it, then run clusterset-dns karmada install/ },
    { name: 'conflict, retain: fails', obs: cp(ok([foreign])), route: 'retain', status: 'fail', detail: /held by .*lighthouse-si.*, so --write-route=retain leaves Karmada-managed ServiceImports as they are/ },
    { name: 'conflict, override-policy: not needed', obs: cp(ok([foreign])), route: 'override-policy', status: 'pass', detail: /which does not need ours/ },
    { name: 'the list is forbidden: a failure with the right to ask for', obs: cp({ ok: false, code: 403, reason: 'HTTP 403 Forbidden' }), status: 'fail', detail: /cannot list resourceinterpretercustomizations .*403/, fix: /may list resourceinterpretercustomizations\.config\.karmada\.io/ },
    { name: 'the control plane unreadable: skipped', obs: { mode: 'karmada', controlPlane: { error: 'ECONNREFUSED' }, members: [] }, status: 'skip', detail: /see control-plane/ },
    { name: 'no control plane (--member-kubeconfig): skipped', obs: { mode: 'direct', members: [] }, status: 'skip', detail: /--member-kubeconfig/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = retentionCheck(c.obs, c.route ?? 'auto');
      expect(r.cluster).to.equal(null);
      expect(r.check).to.equal('retention-rule');
      expect(r.status).to.equal(c.status);
      expect(r.detail).to.match(c.detail);
      if (c.fix) expect(r.fix).to.match(c.fix);
      if (r.status === 'fail') expect(r.fix, 'every failure has a fix').to.be.a('string');
    });
  }
});

describe('doctor: the route the controller would take', () => {
  const cases: Array<[string, DoctorObservation, WriteRouteFlag, string]> = [
    ['installed, auto', cp(ok([desiredRetention()])), 'auto', 'retain'],
    ['outdated, auto', cp(ok([outdated])), 'auto', 'retain'],
    ['missing, auto', cp(ok([])), 'auto', 'override-policy'],
    ['conflict, auto', cp(ok([foreign, desiredRetention()])), 'auto', 'override-policy'],
    ['missing, retain: hold', cp(ok([])), 'retain', 'hold'],
    ['unreadable counts as missing', cp({ ok: false, code: 403, reason: 'forbidden' }), 'retain', 'hold'],
    ['installed, override-policy', cp(ok([desiredRetention()])), 'override-policy', 'override-policy'],
    ['no control plane', { mode: 'direct', members: [] }, 'auto', 'override-policy'],
  ];
  for (const [name, obs, flag, want] of cases) {
    it(`${name} → ${want}`, () => {
      expect(doctorRoute(obs, flag)).to.equal(want);
    });
  }
});

import { expect } from 'chai';
import type { ResourceInterpreterCustomization } from '../api/karmada.js';
import { desiredRetention, RETENTION_LUA, RETENTION_NAME, retentionState, retentionUsable } from './retention.js';

function ric(name: string, kind: string, retention: string | undefined, other: Record<string, { luaScript: string }> = {}): ResourceInterpreterCustomization {
  return {
    metadata: { name },
    spec: { target: { apiVersion: kind === 'ServiceImport' ? 'multicluster.x-k8s.io/v1alpha1' : 'apps/v1', kind }, customizations: { ...other, ...(retention !== undefined ? { retention: { luaScript: retention } } : {}) } },
  };
}

describe('retentionState', () => {
  const cases: Array<{ name: string; list: ResourceInterpreterCustomization[]; want: ReturnType<typeof retentionState>; usable: boolean }> = [
    { name: 'nothing installed', list: [], want: { state: 'missing' }, usable: false },
    { name: 'ours, this build', list: [desiredRetention()], want: { state: 'installed' }, usable: true },
    { name: 'ours, another script', list: [ric(RETENTION_NAME, 'ServiceImport', 'function Retain(d, o) return d end')], want: { state: 'outdated' }, usable: true },
    { name: 'ours by name but no retention script', list: [ric(RETENTION_NAME, 'ServiceImport', undefined, { healthInterpretation: { luaScript: 'x' } })], want: { state: 'missing' }, usable: false },
    { name: 'ours by name but for another kind', list: [ric(RETENTION_NAME, 'Deployment', RETENTION_LUA)], want: { state: 'missing' }, usable: false },
    { name: 'a foreign ServiceImport retention', list: [ric('lighthouse', 'ServiceImport', 'x'), desiredRetention()], want: { state: 'conflict', owners: ['lighthouse'] }, usable: false },
    { name: 'foreign customizations of other operations or kinds do not conflict', list: [ric('deps', 'ServiceImport', undefined, { dependencyInterpretation: { luaScript: 'x' } }), ric('d', 'Deployment', 'x'), desiredRetention()], want: { state: 'installed' }, usable: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = retentionState(c.list);
      expect(got).to.deep.equal(c.want);
      expect(retentionUsable(got)).to.equal(c.usable);
    });
  }
});

describe('desiredRetention', () => {
  it('targets ServiceImport with only a retention script, labelled as ours', () => {
    const r = desiredRetention();
    expect(r.metadata.name).to.equal(RETENTION_NAME);
    expect(r.spec.target).to.deep.equal({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport' });
    expect(Object.keys(r.spec.customizations)).to.deep.equal(['retention']);
    expect(r.metadata.labels).to.deep.equal({ 'app.kubernetes.io/managed-by': 'clusterset-dns' });
    expect(RETENTION_LUA).to.contain('"clusterset-dns.io/fill-ips"');
  });
});

import { expect } from 'chai';
import { desiredOverridePolicy, policyMatches, rulesOf, serviceImportOfPolicy } from './overridepolicy.js';

const si = { name: 'web', uid: 'uid-1' };

describe('OverridePolicy rendering', () => {
  it('renders one rule per cluster, sorted, owned by the ServiceImport', () => {
    const p = desiredOverridePolicy('shop', si, { member2: ['10.98.0.7'], 'edge.eu-1': ['10.99.0.1', 'fd00::1'] });
    expect(p.metadata).to.deep.include({ name: 'clusterset-dns-web', namespace: 'shop' });
    expect(p.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: 'web', uid: 'uid-1', controller: true }]);
    expect(p.spec.overrideRules?.map((r) => r.targetCluster?.clusterNames)).to.deep.equal([['edge.eu-1'], ['member2']]);
    expect(p.spec.overrideRules?.[1]?.overriders?.plaintext).to.deep.equal([{ path: '/spec/ips', operator: 'add', value: ['10.98.0.7'] }]);
  });

  it('reads back the rules it wrote', () => {
    const rules = { member1: ['10.97.0.1'], member2: ['10.98.0.7'] };
    expect(rulesOf(desiredOverridePolicy('shop', si, rules))).to.deep.equal(rules);
  });

  it('ignores rules in another shape', () => {
    const p = desiredOverridePolicy('shop', si, {});
    p.spec.overrideRules = [{ targetCluster: { clusterNames: ['a', 'b'] }, overriders: { plaintext: [{ path: '/spec/ips', operator: 'add', value: ['1.1.1.1'] }] } }];
    expect(rulesOf(p)).to.deep.equal({});
  });

  it('matches only what it would write', () => {
    const rules = { member2: ['10.98.0.7'] };
    const p = desiredOverridePolicy('shop', si, rules);
    // Fields the API server or Karmada's webhook add do not count.
    (p.spec.resourceSelectors[0] as Record<string, unknown>)['namespace'] = 'shop';
    expect(policyMatches(p, 'shop', si, rules)).to.equal(true);
    // The API server hands keys back in its own order.
    const reordered = JSON.parse(JSON.stringify(p), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v) as typeof p;
    expect(policyMatches(reordered, 'shop', si, rules)).to.equal(true);
    expect(policyMatches(p, 'shop', si, { member2: ['10.98.0.8'] })).to.equal(false);
    expect(policyMatches(p, 'shop', { ...si, uid: 'other' }, rules)).to.equal(false);
  });

  it('recognises its own policies by label and name', () => {
    expect(serviceImportOfPolicy(desiredOverridePolicy('shop', si, {}))).to.equal('web');
    expect(serviceImportOfPolicy({ ...desiredOverridePolicy('shop', si, {}), metadata: { name: 'clusterset-dns-web' } })).to.equal(undefined);
  });
});

import { expect } from 'chai';
import { MAX_NAME_LENGTH, SERVICE_IMPORT_ANNOTATION, desiredOverridePolicy, overridePolicyName, policyMatches, rulesOf, serviceImportOfPolicy } from './overridepolicy.js';
import type { OverridePolicy } from '../api/karmada.js';

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

});

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const long = (n: number, c = 'a') => c.repeat(n);

describe('overridePolicyName', () => {
  const fits = MAX_NAME_LENGTH - 'clusterset-dns-'.length;
  const cases: Array<{ name: string; serviceImport: string; want?: string; length?: number }> = [
    { name: 'a short name is prefixed', serviceImport: 'web', want: 'clusterset-dns-web' },
    { name: 'the longest name that fits is kept whole', serviceImport: long(fits), want: `clusterset-dns-${long(fits)}` },
    { name: 'one character more is shortened to the limit', serviceImport: long(fits + 1), length: MAX_NAME_LENGTH },
    { name: 'the longest ServiceImport name is shortened to the limit', serviceImport: long(253), length: MAX_NAME_LENGTH },
    // The cut lands after a '.': the hash must not follow it directly.
    { name: 'no dot or dash is left before the hash', serviceImport: `${long(fits - 14)}.-.${long(20, 'b')}`, length: MAX_NAME_LENGTH - 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = overridePolicyName(c.serviceImport);
      if (c.want !== undefined) expect(got).to.equal(c.want);
      if (c.length !== undefined) expect(got).to.have.length(c.length).and.match(/-[0-9a-f]{10}$/);
      expect(got.length).to.be.at.most(MAX_NAME_LENGTH);
      expect(got).to.match(DNS_SUBDOMAIN);
      expect(overridePolicyName(c.serviceImport), 'deterministic').to.equal(got);
    });
  }

  it('keeps two long names with the same start apart', () => {
    expect(overridePolicyName(`${long(250)}x`)).to.not.equal(overridePolicyName(`${long(250)}y`));
  });
});

describe('serviceImportOfPolicy', () => {
  const ours = (serviceImport: string) => desiredOverridePolicy('shop', { name: serviceImport, uid: 'u' }, {});
  const without = (p: OverridePolicy, what: 'labels' | 'annotations'): OverridePolicy => ({ ...p, metadata: { ...p.metadata, [what]: {} } });
  const renamed = (p: OverridePolicy, name: string): OverridePolicy => ({ ...p, metadata: { ...p.metadata, name } });
  const cases: Array<{ name: string; policy: OverridePolicy; want: string | undefined }> = [
    { name: 'ours, short name', policy: ours('web'), want: 'web' },
    { name: 'ours, shortened name: read from the annotation', policy: ours(long(253)), want: long(253) },
    { name: 'ours from before the annotation: read from the name', policy: without(ours('web'), 'annotations'), want: 'web' },
    { name: 'named like ours without our label: someone else\'s', policy: without(ours('web'), 'labels'), want: undefined },
    { name: 'labelled, the annotation names a ServiceImport whose policy has another name', policy: renamed(ours(long(253)), `clusterset-dns-${long(238)}`), want: undefined },
    { name: 'labelled, but the annotation names another ServiceImport', policy: renamed(ours('web'), 'clusterset-dns-api'), want: undefined },
    { name: 'labelled, named otherwise', policy: without(renamed(ours('web'), 'mine'), 'annotations'), want: undefined },
  ];
  for (const c of cases) it(c.name, () => expect(serviceImportOfPolicy(c.policy)).to.equal(c.want));

  it('what we write carries the ServiceImport it belongs to', () => {
    expect(ours(long(253)).metadata.annotations?.[SERVICE_IMPORT_ANNOTATION]).to.equal(long(253));
  });
});

import { expect } from 'chai';
import type { ServiceImport } from '../api/mcs.js';
import type { DesiredImport } from './decide.js';
import { EXPORTED_KEYS_ANNOTATION, importBody, importOf, importPolicy } from './objects.js';

const desired: DesiredImport = { type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], labels: { tier: 'web' }, annotations: { note: 'a' }, sessionAffinity: 'None' };

/** What the API server returns for importBody's create, with what Karmada adds to a resource template. */
function asStored(body: object): ServiceImport {
  const b = body as ServiceImport;
  return {
    ...b,
    metadata: {
      ...b.metadata,
      resourceVersion: '5',
      labels: { ...b.metadata.labels, 'propagationpolicy.karmada.io/permanent-id': 'x' },
      annotations: { ...b.metadata.annotations, 'propagationpolicy.karmada.io/name': 'clusterset-dns-import-web' },
    },
  };
}

describe('automatic imports: objects', () => {
  it('a created ServiceImport reads back as what was asked, whatever Karmada adds', () => {
    const stored = asStored(importBody('demo', 'web', desired));
    expect(importOf(stored)).to.deep.equal({ ...desired, sessionAffinityConfig: undefined });
    expect(stored.metadata.labels).to.include({ 'app.kubernetes.io/managed-by': 'clusterset-dns', 'clusterset-dns.io/auto-import': 'true', tier: 'web' });
  });

  it('an exported label dropped since is removed, and only ours: Karmada\'s stay', () => {
    const stored = asStored(importBody('demo', 'web', desired));
    const patch = importBody('demo', 'web', { ...desired, labels: {}, annotations: { note: 'b' } }, stored) as { metadata: { resourceVersion: string; labels: Record<string, unknown>; annotations: Record<string, unknown> } };
    expect(patch.metadata.resourceVersion, 'the precondition').to.equal('5');
    expect(patch.metadata.labels).to.deep.equal({ tier: null, 'app.kubernetes.io/managed-by': 'clusterset-dns', 'clusterset-dns.io/auto-import': 'true' });
    expect(patch.metadata.annotations).to.deep.equal({ note: 'b', [EXPORTED_KEYS_ANNOTATION]: JSON.stringify({ labels: [], annotations: ['note'] }) });
  });

  it('an exported label cannot take our ownership labels away', () => {
    const body = importBody('demo', 'web', { ...desired, labels: { 'clusterset-dns.io/auto-import': 'false' } }) as ServiceImport;
    expect(body.metadata.labels?.['clusterset-dns.io/auto-import']).to.equal('true');
  });

  it('a session affinity config is written only with ClientIP affinity', () => {
    const config = { clientIP: { timeoutSeconds: 30 } };
    const spec = (d: DesiredImport) => (importBody('demo', 'web', d) as ServiceImport).spec as unknown as Record<string, unknown>;
    expect(spec({ ...desired, sessionAffinityConfig: config })['sessionAffinityConfig']).to.equal(null);
    expect(spec({ ...desired, sessionAffinity: 'ClientIP', sessionAffinityConfig: config })['sessionAffinityConfig']).to.deep.equal(config);
  });

  it('a record annotation someone broke counts as nothing exported', () => {
    const stored = asStored(importBody('demo', 'web', desired));
    stored.metadata.annotations![EXPORTED_KEYS_ANNOTATION] = '{not json';
    expect(importOf(stored)).to.include({ type: 'ClusterSetIP' }).and.to.deep.include({ labels: {}, annotations: {} });
  });

  it('the policy places our ServiceImport by cluster names, under our name and labels', () => {
    expect(importPolicy('demo', 'web', ['member1', 'member2'])).to.deep.equal({
      apiVersion: 'policy.karmada.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'clusterset-dns-import-web', namespace: 'demo', labels: { 'app.kubernetes.io/managed-by': 'clusterset-dns', 'clusterset-dns.io/auto-import': 'true' } },
      spec: { resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: 'web' }], placement: { clusterAffinity: { clusterNames: ['member1', 'member2'] } } },
    });
  });
});

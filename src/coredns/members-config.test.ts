import { expect } from 'chai';
import { join } from 'node:path';
import { kustomizeResources } from '../../test/env/controller.js';
import { corednsRbac } from './rbac.js';

// config/members (propagated by Karmada) and `coredns install` must produce the same objects,
// or members set up by the two routes would differ.
describe('config/members', () => {
  const objs = kustomizeResources(join(import.meta.dirname, '..', '..', 'config', 'members'));

  it('holds exactly the CoreDNS RBAC objects of corednsRbac()', () => {
    const rbac = objs.filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1');
    expect(rbac).to.deep.equal(corednsRbac());
  });

  it('propagates every one of them to every member with a ClusterPropagationPolicy', () => {
    const policies = objs.filter((o) => o.kind === 'ClusterPropagationPolicy') as Array<{ spec: { resourceSelectors: Array<{ apiVersion: string; kind: string; name: string }>; placement: Record<string, unknown> } }>;
    expect(policies).to.have.length(1);
    const p = policies[0]!;
    expect(p.spec.resourceSelectors).to.deep.equal(corednsRbac().map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name })));
    // No clusterAffinity: every cluster, including ones that join later.
    expect(p.spec.placement).to.deep.equal({});
    expect(objs).to.have.length(3);
  });
});

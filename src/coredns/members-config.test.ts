import { expect } from 'chai';
import { join } from 'node:path';
import { kustomizeResources } from '../../test/env/controller.js';
import { COREDNS_ROLE_NAME, corednsRbac } from './rbac.js';

// config/members (propagated by Karmada) and `coredns install` must produce the same objects,
// or members set up by the two routes would differ.
describe('config/members', () => {
  const objs = kustomizeResources(join(import.meta.dirname, '..', '..', 'config', 'members'));

  it('holds exactly the CoreDNS RBAC objects of corednsRbac()', () => {
    // Besides the controller's own member RBAC (controller-rbac.yaml, checked by src/cmd/rbac-config.test.ts).
    const rbac = objs.filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1' && o.metadata?.name === COREDNS_ROLE_NAME);
    expect(rbac).to.deep.equal(corednsRbac());
  });

  it('propagates every one of them to every member with a ClusterPropagationPolicy', () => {
    const policies = objs.filter((o) => o.kind === 'ClusterPropagationPolicy' && o.metadata?.name === 'clusterset-dns-coredns-rbac') as Array<{ spec: { resourceSelectors: Array<{ apiVersion: string; kind: string; name: string }>; placement: Record<string, unknown> } }>;
    expect(policies).to.have.length(1);
    const p = policies[0]!;
    expect(p.spec.resourceSelectors).to.deep.equal(corednsRbac().map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name })));
    // No clusterAffinity: every cluster, including ones that join later.
    expect(p.spec.placement).to.deep.equal({});
  });

  it('propagates the controller\'s member RBAC to every member too', () => {
    const policy = objs.find((o) => o.metadata?.name === 'clusterset-dns-controller-rbac') as { spec: { resourceSelectors: Array<{ kind: string; name: string }>; placement: Record<string, unknown> } } | undefined;
    const controllerRbac = objs.filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1' && o.metadata?.name !== COREDNS_ROLE_NAME);
    expect(policy?.spec.resourceSelectors.map((r) => `${r.kind}/${r.name}`)).to.deep.equal(controllerRbac.map((o) => `${o.kind}/${o.metadata?.name}`));
    expect(policy?.spec.placement).to.deep.equal({});
  });
});

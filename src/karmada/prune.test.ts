/**
 * What the caches keep of each kind, and the check that matters: the
 * decisions read the same from pruned objects as from whole ones
 * (buildSnapshot over both is equal).
 */
import { expect } from 'chai';
import type { EndpointSlice, Service } from '../api/core.js';
import type { OverridePolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import type { KubeObject } from '../api/meta.js';
import { buildSnapshot } from '../serviceimport/build-snapshot.js';
import { desiredOverridePolicy, overridePolicyName, serviceImportOfPolicy } from '../serviceimport/overridepolicy.js';
import type { Caches } from './caches.js';
import { ipsMaxItemsOf, servesField } from './crd-schema.js';
import { pruneEndpointSlice, pruneOverridePolicy, pruneService, pruneServiceImport, pruneServiceImportCrd, pruneNamespace, pruneServiceExport } from './prune.js';

const clone = <T>(o: T): T => structuredClone(o);
const pruned = <T extends object>(o: T, prune: (o: object) => object): T => prune(clone(o)) as T;

const bigMeta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `uid-${name}`,
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2025-01-01T00:00:00Z',
  labels: { app: name, 'karmada.io/managed': 'true' },
  annotations: { 'clusterset-dns.io/fill-ips': 'true', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb', 'resourcetemplate.karmada.io/uid': 'x' },
  finalizers: ['karmada.io/binding-controller'],
  ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'x', uid: 'y' }],
  managedFields: [{ manager: 'kube-controller-manager', fieldsV1: { 'f:spec': {} } }],
});

const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: bigMeta('derived-web', 'shop'),
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7', 'fd00::7'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], selector: { app: 'web' }, sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' },
  status: { loadBalancer: {} },
};
const HEADLESS = { metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } };

const SLICE = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { ...bigMeta('web-abc', 'shop'), labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', app: 'web', 'app.kubernetes.io/part-of': 'shop' } },
  addressType: 'IPv4',
  endpoints: [
    { addresses: ['10.0.0.1', '10.0.0.9'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'a', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'p1' } },
    { addresses: ['10.0.0.2'], conditions: { ready: false, serving: false }, nodeName: 'n2' },
    { addresses: ['10.0.0.3'], conditions: {}, nodeName: 'n3' },
    { addresses: [], conditions: { ready: true } },
    { addresses: ['10.0.0.4'] },
  ],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
};
const KARMADA_SLICE = { metadata: { name: 'imported-member1-web', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.karmada.io' } }, endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true } }] };

const IMPORT = {
  apiVersion: 'multicluster.x-k8s.io/v1alpha1',
  kind: 'ServiceImport',
  metadata: bigMeta('web', 'shop'),
  spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }], ips: ['10.96.0.7'], sessionAffinity: 'None' },
  status: { clusters: [{ cluster: 'member1' }] },
};

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: bigMeta('serviceimports.multicluster.x-k8s.io'),
  spec: {
    group: 'multicluster.x-k8s.io',
    names: { kind: 'ServiceImport', plural: 'serviceimports' },
    scope: 'Namespaced',
    versions: [
      { name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', description: 'long text', properties: { spec: { type: 'object', properties: { ips: { type: 'array', maxItems: 2, items: { type: 'string' } }, ports: { type: 'array' } } }, status: { type: 'object' } } } }, subresources: { status: {} } },
      { name: 'v1beta1', served: false, storage: false },
    ],
  },
  status: { acceptedNames: { kind: 'ServiceImport' }, conditions: [{ type: 'Established', status: 'True' }] },
};

describe('prune: what the caches keep', () => {
  it('a Service: name, namespace and resourceVersion (no uid, no labels), type, cluster IPs and families, and what an import carries (ports without targetPort, affinity, traffic policy)', () => {
    expect(pruned(SERVICE, pruneService)).to.deep.equal({
      metadata: { name: 'derived-web', namespace: 'shop', resourceVersion: '42' },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7', 'fd00::7'], ipFamilies: ['IPv4', 'IPv6'], sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP' }] },
    });
  });

  it('an EndpointSlice: name, namespace, resourceVersion, the service-name and managed-by labels, and per endpoint one address and `ready`', () => {
    expect(pruned(SLICE, pruneEndpointSlice)).to.deep.equal({
      metadata: { name: 'web-abc', namespace: 'shop', resourceVersion: '42', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: { ready: true } },
        { addresses: ['10.0.0.2'], conditions: { ready: false } },
        { addresses: ['10.0.0.3'] },
        { addresses: [], conditions: { ready: true } },
        { addresses: ['10.0.0.4'] },
      ],
    });
  });

  it('a ServiceImport: all of spec and status, labels, annotations (ownership) and owners; no managedFields, finalizers or timestamps', () => {
    const { managedFields: _m, finalizers: _f, creationTimestamp: _c, ...meta } = IMPORT.metadata;
    expect(pruned(IMPORT, pruneServiceImport)).to.deep.equal({ ...IMPORT, metadata: meta });
  });

  it('a Namespace: identity, deletionTimestamp and labels', () => {
    const ns = { metadata: { ...bigMeta('shop'), labels: { team: 'a' }, deletionTimestamp: '2025-01-02T00:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } };
    expect(pruned(ns, pruneNamespace)).to.deep.equal({ metadata: { name: 'shop', uid: 'uid-shop', resourceVersion: '42', labels: { team: 'a' }, deletionTimestamp: '2025-01-02T00:00:00Z' } });
  });

  it('a ServiceExport: identity, creation time, generation, labels, spec and status', () => {
    const meta = bigMeta('web', 'shop');
    const se = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: meta, spec: { exportedLabels: { tier: 'web' } }, status: { conditions: [{ type: 'Valid', status: 'True' }] } };
    const { managedFields: _m, finalizers: _f, annotations: _a, ownerReferences: _o, ...kept } = meta as Record<string, unknown>;
    expect(pruned(se, pruneServiceExport)).to.deep.equal({ metadata: kept, spec: se.spec, status: se.status });
  });

  it('the ServiceImport CRD: each version\'s name, served, the spec.ips schema and the other spec fields\' names; maxItems and servesField read the same', () => {
    const p = pruned(CRD, pruneServiceImportCrd);
    expect(p).to.deep.equal({
      metadata: { name: 'serviceimports.multicluster.x-k8s.io', uid: 'uid-serviceimports.multicluster.x-k8s.io', resourceVersion: '42' },
      spec: { versions: [{ name: 'v1alpha1', served: true, schema: { openAPIV3Schema: { properties: { spec: { properties: { ips: CRD.spec.versions[0]!.schema!.openAPIV3Schema.properties.spec.properties.ips, ports: {} } } } } } }, { name: 'v1beta1', served: false }] },
    });
    expect(ipsMaxItemsOf(p as KubeObject)).to.equal(ipsMaxItemsOf(CRD as KubeObject)).and.to.equal(2);
    for (const f of ['ports', 'ipFamilies']) expect(servesField(p as KubeObject, 'v1alpha1', ['spec', f]), f).to.equal(servesField(CRD as KubeObject, 'v1alpha1', ['spec', f]));
    const noLimit = clone(CRD);
    delete (noLimit.spec.versions[0]!.schema!.openAPIV3Schema.properties.spec.properties as { ips?: unknown }).ips;
    expect(ipsMaxItemsOf(pruned(noLimit, pruneServiceImportCrd) as KubeObject)).to.equal(ipsMaxItemsOf(noLimit as KubeObject));
  });

  it('buildSnapshot reads the same from pruned caches as from whole objects', () => {
    type Prune = (o: object) => object;
    const cachesOf = (p: { si: Prune; svc: Prune; slice: Prune; ns: Prune; se: Prune }): Caches => {
      const one = <T>(o: object, prune: Prune) => pruned(o, prune) as T;
      const cpImport = one<ServiceImport>(IMPORT, p.si);
      const memberImport = one<ServiceImport>({ ...IMPORT, status: {} }, p.si);
      const derived = one<Service>(SERVICE, p.svc);
      const local = one<Service>({ ...HEADLESS, spec: { ...SERVICE.spec, clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'] } }, p.svc);
      const slices = [one<EndpointSlice>(SLICE, p.slice), one<EndpointSlice>(KARMADA_SLICE, p.slice)];
      const ns = one<KubeObject>({ metadata: bigMeta('shop'), status: { phase: 'Active' } }, p.ns);
      const exp = one<KubeObject>({ metadata: bigMeta('web', 'shop'), status: { conditions: [{ type: 'Valid' }] } }, p.se);
      const get = <T>(objs: Record<string, T>) => ({ get: (n: string, name: string) => objs[`${n}/${name}`], list: () => Object.values(objs) });
      return {
        controlPlane: { serviceImports: get({ 'shop/web': cpImport }), overridePolicies: get({}), namespaces: get({ '/shop': ns }) },
        members: () => [{
          cluster: 'member1',
          reachable: () => true,
          starting: () => false,
          ipsMaxItems: () => 2,
          serviceImportCrdVersions: () => ['v1alpha1'],
          serviceImports: get({ 'shop/web': memberImport }),
          services: get({ 'shop/derived-web': derived, 'shop/web': local }),
          serviceExports: get({ 'shop/web': exp }),
          namespaces: get({ '/shop': ns }),
          endpointSlicesOf: () => slices,
        }],
      };
    };
    const keep = (o: object) => o;
    const whole = buildSnapshot(cachesOf({ si: keep, svc: keep, slice: keep, ns: keep, se: keep }), 'shop', 'web', 'retain');
    const cut = buildSnapshot(cachesOf({ si: pruneServiceImport, svc: pruneService, slice: pruneEndpointSlice, ns: pruneNamespace, se: pruneServiceExport }), 'shop', 'web', 'retain');
    expect(cut).to.deep.equal(whole);
    expect(whole.members[0]).to.include({ localReadyEndpoints: 3, exports: true });
    expect(whole.members[0]?.serviceImport, 'the ownership annotation is read from the cache').to.include({ fillsIps: true, managed: true });
  });
});

describe('prune: control-plane OverridePolicies', () => {
  /** Ours as written (label, annotations, owner, rules), with what the API server adds. */
  const OURS = ((): OverridePolicy => {
    const p = desiredOverridePolicy('shop', { name: 'web', uid: 'u1' }, { member1: ['10.97.0.9'] }, { member1: 'derived' });
    return { ...p, metadata: { ...p.metadata, uid: 'uid-policy', resourceVersion: '42', generation: 2 } };
  })();
  /** The same object under someone else's labels. */
  const foreign = (labels?: Record<string, string>): OverridePolicy => {
    const { labels: _ours, ...metadata } = OURS.metadata;
    return { ...OURS, metadata: { ...metadata, ...(labels ? { labels } : {}) } };
  };
  const identity = { name: overridePolicyName('web'), namespace: 'shop', uid: 'uid-policy', resourceVersion: '42' };
  const head = { apiVersion: OURS.apiVersion, kind: OURS.kind };

  const cases: Array<{ name: string; policy: object; want: object }> = [
    { name: 'ours (our label, with our annotations, owner and rules): kept whole', policy: OURS, want: OURS },
    { name: 'someone else\'s without labels: identity only; annotations, owners and spec dropped', policy: foreign(), want: { ...head, metadata: identity } },
    { name: 'someone else\'s with labels: identity and its labels', policy: foreign({ team: 'payments' }), want: { ...head, metadata: { ...identity, labels: { team: 'payments' } } } },
    { name: 'our label key with another manager\'s value: not ours, pruned', policy: foreign({ 'app.kubernetes.io/managed-by': 'Helm' }), want: { ...head, metadata: { ...identity, labels: { 'app.kubernetes.io/managed-by': 'Helm' } } } },
    { name: 'our value under another key: not ours, pruned', policy: foreign({ 'app.kubernetes.io/part-of': 'clusterset-dns' }), want: { ...head, metadata: { ...identity, labels: { 'app.kubernetes.io/part-of': 'clusterset-dns' } } } },
    { name: 'no metadata at all: only apiVersion and kind', policy: { ...head, spec: OURS.spec }, want: head },
  ];
  for (const c of cases) it(c.name, () => expect(pruned(c.policy, pruneOverridePolicy)).to.deep.equal(c.want));

  it('whose it is and what buildSnapshot reads are the same from pruned policies as from whole ones', () => {
    const snapshotWith = (p: OverridePolicy) => {
      const get = <T>(objs: Record<string, T>) => ({ get: (n: string, name: string) => objs[`${n}/${name}`], list: () => Object.values(objs) });
      const caches: Caches = { controlPlane: { serviceImports: get<ServiceImport>({}), overridePolicies: get({ [`shop/${p.metadata.name}`]: p }), namespaces: get({}) }, members: () => [] };
      return buildSnapshot(caches, 'shop', 'web', 'override-policy');
    };
    for (const p of [OURS, foreign(), foreign({ 'app.kubernetes.io/managed-by': 'Helm' })]) {
      const cut = pruned(p, pruneOverridePolicy);
      expect(serviceImportOfPolicy(cut), p.metadata.labels ? JSON.stringify(p.metadata.labels) : 'no labels').to.equal(serviceImportOfPolicy(p));
      expect(snapshotWith(cut)).to.deep.equal(snapshotWith(p));
    }
    expect(snapshotWith(pruned(foreign(), pruneOverridePolicy)).controlPlane, 'someone else\'s still holds the name').to.include({ policyNameTaken: true });
    expect(snapshotWith(pruned(OURS, pruneOverridePolicy)).controlPlane.overrideRules, 'ours keeps its rules').to.deep.equal({ member1: ['10.97.0.9'] });
  });
});

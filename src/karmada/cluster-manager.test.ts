/**
 * The manager's bookkeeping — when the controller may start deciding, that a
 * member coming back re-decides everything, and that a malformed Cluster is
 * an unreachable member with a reason — over in-memory informers
 * (test/support/cluster-manager.ts; the real reflectors are exercised by
 * test/integration and test/e2e). How members are reached, and their
 * credentials: ./cluster-manager-credentials.test.ts.
 */
import { expect } from 'chai';
import type { Cluster, OverridePolicy } from '../api/karmada.js';
import { type KubeObject } from '../api/meta.js';
import type { Secret } from '../api/core.js';
import { startTlsServer, type TlsServer } from '../../test/support/tls-server.js';
import { b64, setup } from '../../test/support/cluster-manager.js';
import { pruneEndpointSlice, pruneService, pruneServiceImport, pruneServiceImportCrd, pruneNamespace, pruneServiceExport } from './prune.js';

const si = (namespace: string, name: string): KubeObject => ({ metadata: { namespace, name } });
/** The ServiceImport CRD as a member serves it: v1alpha1, spec.ips with one item. */
const crd: KubeObject = {
  metadata: { name: 'serviceimports.multicluster.x-k8s.io', resourceVersion: '1' },
  spec: { versions: [{ name: 'v1alpha1', served: true, schema: { openAPIV3Schema: { properties: { spec: { properties: { ips: { maxItems: 1 } } } } } } }] },
} as KubeObject;

describe('ClusterManager: when deciding may start, and re-deciding when a member returns', () => {
  it('does not count as synced while a listed Cluster has no member yet, or its member is still listing', async () => {
    const t = setup();
    // Cluster objects arrive in the list before the engage (a Secret GET) completes.
    t.startWithClusters('member1', 'member2');
    expect(t.m.synced(), 'Clusters listed, members not engaged').to.equal(false);
    await t.settle();
    expect(t.of('member1'), 'five watches; EndpointSlices only with local-first').to.have.length(5);
    // Each cache keeps only what the decisions read (./prune.ts).
    expect(Object.fromEntries(t.of('member1').map((i) => [i.spec.resource, i.spec.prune]))).to.deep.equal({
      serviceimports: pruneServiceImport, services: pruneService, serviceexports: pruneServiceExport, namespaces: pruneNamespace, crds: pruneServiceImportCrd,
    });
    expect(t.m.synced(), 'engaged, first lists in flight').to.equal(false);
    t.syncAll('member1');
    expect(t.m.synced(), 'member2 still listing').to.equal(false);
    // A member whose watch fails is settled: it is decided as unreachable (its last known state is kept).
    t.of('member2', 'services')[0]!.set({ running: false, lastError: 'connection refused', lastErrorReason: 'network' });
    expect(t.m.synced()).to.equal(true);
    // Latched: a member failing later does not un-ready the controller.
    t.of('member1', 'services')[0]!.set({ running: false, lastError: 'connection refused', lastErrorReason: 'network' });
    expect(t.m.synced()).to.equal(true);
  });

  it('a member that becomes reachable again re-enqueues the keys it takes part in; so does one that goes away (unreachable, or its Cluster deleted)', async () => {
    const t = setup();
    t.m.start();
    const clusters = t.of('karmada', 'clusters')[0]!;
    t.of('karmada', 'serviceimports')[0]!.add(si('shop', 'web'));
    t.of('karmada', 'serviceimports')[0]!.add(si('blog', 'db'));
    clusters.add(t.cluster('member2'));
    await t.settle();
    // Listed while still unreachable: the object's own event, then the transition.
    t.of('member2', 'serviceimports')[0]!.add(si('shop', 'web'));
    t.of('member2', 'serviceexports')[0]!.add(si('shop', 'api'));
    t.of('member2', 'crds')[0]!.add(crd);
    t.keys.length = 0;
    t.syncAll('member2');
    expect(t.keys, 'first reachable: its import and export, not blog/db').to.deep.equal([['shop/api', 'shop/web']]);
    t.keys.length = 0;
    const se = t.of('member2', 'services')[0]!;
    se.set({ running: false, lastError: 'Forbidden', lastErrorReason: 'forbidden' });
    expect(t.keys, 'unreachable').to.deep.equal([['shop/api', 'shop/web']]);
    t.keys.length = 0;
    se.set({ running: true });
    expect(t.keys, 'back').to.deep.equal([['shop/api', 'shop/web']]);
    t.keys.length = 0;
    se.set({ running: true, synced: true });
    expect(t.keys, 'no transition, no enqueue').to.deep.equal([]);
    clusters.delete(t.cluster('member2'));
    await t.settle();
    expect(t.keys, 'Cluster deleted').to.deep.include(['shop/api', 'shop/web']);
    expect(t.keys.flat(), 'never everything').not.to.include('all');
    expect(t.m.members(), 'and its member with it').to.deep.equal([]);
  });

  it('a member that comes back re-enqueues the keys whose status.clusters lists it, though nothing of it is cached', async () => {
    const t = setup();
    t.m.start();
    t.of('karmada', 'serviceimports')[0]!.add({ metadata: { namespace: 'shop', name: 'web' }, status: { clusters: [{ cluster: 'member2' }] } } as KubeObject);
    t.of('karmada', 'serviceimports')[0]!.add({ metadata: { namespace: 'shop', name: 'api' }, status: { clusters: [{ cluster: 'member1' }] } } as KubeObject);
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member2'));
    await t.settle();
    t.of('member2', 'crds')[0]!.add(crd);
    t.keys.length = 0;
    t.syncAll('member2');
    // Its export went while it was out of sight: only status.clusters still names it.
    expect(t.keys).to.deep.equal([['shop/web']]);
  });

  it('a Namespace event re-enqueues only the keys in that namespace', async () => {
    const t = setup();
    t.m.start();
    t.of('karmada', 'serviceimports')[0]!.add(si('shop', 'web'));
    t.of('karmada', 'serviceimports')[0]!.add(si('blog', 'db'));
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member1'));
    await t.settle();
    t.of('member1', 'serviceimports')[0]!.add(si('shop', 'hand-made'));
    t.keys.length = 0;
    t.of('karmada', 'namespaces')[0]!.add({ metadata: { name: 'shop' } });
    t.of('member1', 'namespaces')[0]!.add({ metadata: { name: 'shop' } });
    t.of('member1', 'namespaces')[0]!.add({ metadata: { name: 'kube-system' } });
    expect(t.keys).to.deep.equal([['shop/hand-made', 'shop/web'], ['shop/hand-made', 'shop/web']]);
  });

  it('a CRD change re-enqueues the member\'s keys and those our policies name it in; every control-plane key when CRDMissing flips', async () => {
    const t = setup({ serviceImportOfPolicy: (p) => p.spec.resourceSelectors[0]?.name });
    t.m.start();
    t.of('karmada', 'serviceimports')[0]!.add(si('shop', 'web'));
    t.of('karmada', 'serviceimports')[0]!.add(si('blog', 'db'));
    t.of('karmada', 'overridepolicies')[0]!.add({
      metadata: { namespace: 'shop', name: 'clusterset-dns-web' },
      spec: { resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: 'web' }], overrideRules: [{ targetCluster: { clusterNames: ['member1'] } }] },
    } as OverridePolicy);
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member1'));
    await t.settle();
    t.of('member1', 'crds')[0]!.add(crd);
    t.syncAll('member1');
    t.keys.length = 0;
    t.of('member1', 'crds')[0]!.add({ ...crd, metadata: { ...crd.metadata, resourceVersion: '2' } });
    expect(t.keys, 'still installed: the policy\'s key').to.deep.equal([['shop/web']]);
    t.keys.length = 0;
    t.of('member1', 'crds')[0]!.delete(crd);
    expect(t.keys, 'removed while reachable').to.deep.equal([['blog/db', 'shop/web']]);
  });

  it('the ServiceImport CRD back (or serving v1alpha1 again) wakes that member\'s ServiceImport and ServiceExport watches at once, and no other', async () => {
    const t = setup();
    t.startWithClusters('member1', 'member2');
    await t.settle();
    t.syncAll('member1');
    t.syncAll('member2');
    const retries = () => Object.fromEntries(t.informers.filter((i) => i.retries > 0).map((i) => [`${i.spec.cluster}/${i.spec.resource}`, i.retries]));
    const crds = t.of('member1', 'crds')[0]!;
    crds.add({ ...crd, spec: { versions: [{ name: 'v1beta1', served: true }] } } as KubeObject);
    expect(retries(), 'a CRD that does not serve v1alpha1: the watches would meet 404 again').to.deep.equal({});
    crds.add(crd);
    expect(retries(), 'v1alpha1 served').to.deep.equal({ 'member1/serviceimports': 1, 'member1/serviceexports': 1 });
    crds.delete(crd);
    expect(retries(), 'a deletion wakes nothing').to.deep.equal({ 'member1/serviceimports': 1, 'member1/serviceexports': 1 });
  });

  it('a member still on its first list is unreachable but "starting"; one whose watch failed is unreachable and not starting', async () => {
    const t = setup();
    t.m.start();
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member1'));
    await t.settle();
    const [m1] = t.m.members();
    expect(m1!.reachable()).to.equal(false);
    expect(m1!.starting()).to.equal(true);
    t.of('member1', 'crds')[0]!.set({ running: false, lastError: 'timeout', lastErrorReason: 'network' });
    expect(m1!.reachable()).to.equal(false);
    expect(m1!.starting()).to.equal(false);
  });

  it('a Cluster whose engage throws is recorded as unreachable with the reason, and does not hold back synced()', async () => {
    const t = setup({ failFactoryFor: 'member2' });
    t.startWithClusters('member1', 'member2');
    await t.settle();
    await t.settle();
    t.syncAll('member1');
    expect(t.m.memberStatus()).to.deep.include({ cluster: 'member2', reachable: false, reason: 'engaging failed: cannot build a client' });
    expect(t.m.synced()).to.equal(true);
  });

  it('a Cluster whose engage is still pending when deciding starts is an unreachable, starting member, not a missing one (its rules are kept)', async () => {
    const t = setup({ hangSecretFor: 'member2', settleMs: 50 });
    t.startWithClusters('member1', 'member2');
    await t.settle();
    t.syncAll('member1');
    expect(t.m.synced(), 'member2 still engaging').to.equal(false);
    t.clock.advance(50);
    expect(t.m.synced()).to.equal(true);
    const seen = t.m.members().map((m) => [m.cluster, m.reachable(), m.starting()]);
    expect(seen).to.deep.include.members([['member1', true, false], ['member2', false, true]]);
    expect(t.m.memberStatus()).to.deep.include({ cluster: 'member2', reachable: false, reason: 'being engaged: its Secret is not read yet' });
  });

  it('a member that neither lists nor fails, or an engage stuck on its Secret, holds deciding back only for the settle time', async () => {
    const t = setup({ hangSecretFor: 'member2', settleMs: 50 });
    t.startWithClusters('member1', 'member2');
    await t.settle();
    expect(t.m.synced(), 'member1 listing, member2 stuck').to.equal(false);
    t.clock.advance(49);
    expect(t.m.synced(), 'not before the settle time').to.equal(false);
    t.clock.advance(1);
    expect(t.m.synced(), 'after the settle time').to.equal(true);
  });
});

describe('ClusterManager: control-plane events become keys', () => {
  const policy = (namespace: string, name: string, serviceImport: string): OverridePolicy => ({
    metadata: { namespace, name },
    spec: { resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: serviceImport }] },
  });

  it('an OverridePolicy event is mapped to its ServiceImport key by serviceImportOfPolicy; one it disowns touches only the key whose policy name it holds', () => {
    const asked: string[] = [];
    const t = setup({
      serviceImportOfPolicy: (p) => {
        asked.push(p.metadata.name);
        return p.metadata.name.startsWith('ours-') ? p.spec.resourceSelectors[0]?.name : undefined;
      },
    });
    t.m.start();
    const policies = t.of('karmada', 'overridepolicies');
    expect(policies, 'one control-plane OverridePolicy informer').to.have.length(1);
    expect(policies[0]!.spec.labelSelector, 'every policy is watched: someone else\'s may hold our name').to.equal(undefined);

    policies[0]!.add(policy('shop', 'ours-web', 'web'));
    expect(t.keys, 'the key of the ServiceImport the function names, in the policy\'s namespace').to.deep.equal([['shop/web']]);

    t.keys.length = 0;
    const imports = t.of('karmada', 'serviceimports')[0]!;
    imports.add({ metadata: { namespace: 'shop', name: 'web' } } as KubeObject);
    imports.add({ metadata: { namespace: 'shop', name: 'api' } } as KubeObject);
    imports.add({ metadata: { namespace: 'other', name: 'web' } } as KubeObject);
    t.keys.length = 0;
    policies[0]!.add(policy('shop', 'clusterset-dns-web', 'web'));
    expect(t.keys, 'disowned at the name shop/web\'s policy would have: that key, not shop/api nor other/web').to.deep.equal([['shop/web']]);
    t.keys.length = 0;
    policies[0]!.add(policy('shop', 'someone-elses', 'web'));
    expect(t.keys, 'disowned at a name none of ours would have: no key').to.deep.equal([]);
    expect(asked).to.deep.equal(['ours-web', 'clusterset-dns-web', 'someone-elses']);
  });
});

describe('ClusterManager: malformed Clusters from the control plane', () => {
  const ref = { namespace: 'karmada-cluster', name: 'bad' };
  const secret = (data?: Record<string, string>): Secret => ({ metadata: { name: 'bad', namespace: 'karmada-cluster' }, ...(data ? { data } : {}) });
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const endpoint = 'https://127.0.0.1:1003';
  const syncModeReason = 'Cluster bad: spec.syncMode must be Push or Pull';
  const noToken = 'Secret karmada-cluster/bad for Cluster bad has no "token" key (or it is empty)';
  const cases: Array<{ name: string; cluster: unknown; secret?: Secret; reason: string }> = [
    { name: 'no spec', cluster: { metadata: { name: 'bad' } }, reason: syncModeReason },
    { name: 'spec is null', cluster: { metadata: { name: 'bad' }, spec: null }, reason: syncModeReason },
    { name: 'no spec.syncMode', cluster: { metadata: { name: 'bad' }, spec: { apiEndpoint: endpoint, secretRef: ref } }, secret: secret({ token: b64('t') }), reason: syncModeReason },
    { name: 'spec.syncMode neither Push nor Pull', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Poll', apiEndpoint: endpoint, secretRef: ref } }, secret: secret({ token: b64('t') }), reason: syncModeReason },
    { name: 'spec.syncMode in the wrong case', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'push', apiEndpoint: endpoint, secretRef: ref } }, secret: secret({ token: b64('t') }), reason: syncModeReason },
    { name: 'Push without spec.apiEndpoint', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', secretRef: ref } }, secret: secret({ token: b64('t') }), reason: 'Push cluster bad has no spec.apiEndpoint' },
    { name: 'Push with a blank spec.apiEndpoint', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: '  ', secretRef: ref } }, secret: secret({ token: b64('t') }), reason: 'Push cluster bad has no spec.apiEndpoint' },
    { name: 'Push without spec.secretRef', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint } }, reason: 'Push cluster bad has no spec.secretRef' },
    { name: 'secretRef naming a Secret that does not exist', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: { ...ref, name: 'absent' } } }, reason: 'Secret karmada-cluster/absent named by Cluster bad does not exist' },
    { name: 'secretRef naming a Secret without `token`', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: ref } }, secret: secret({ caBundle: b64(PEM) }), reason: noToken },
    { name: 'secretRef naming a Secret with a blank `token`', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: ref } }, secret: secret({ token: b64(' \n') }), reason: noToken },
    { name: 'secretRef naming a Secret with no data', cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: ref } }, secret: secret(), reason: noToken },
    {
      name: 'caBundle not PEM',
      cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: ref } },
      secret: secret({ token: b64('t'), caBundle: b64('MIIB not a certificate') }),
      reason: 'Secret karmada-cluster/bad for Cluster bad: "caBundle" is not a PEM certificate',
    },
    {
      name: 'Pull without spec.impersonatorSecretRef',
      cluster: { metadata: { name: 'bad' }, spec: { syncMode: 'Pull' } },
      reason: 'Pull cluster bad has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it; register it with an impersonator secret (karmadactl register does)',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: unreachable with that reason, no watches; member1 is engaged and synced() still becomes true`, async () => {
      const t = setup(c.secret ? { secrets: { [c.secret.metadata.name]: c.secret } } : {});
      t.m.start();
      const clusters = t.of('karmada', 'clusters')[0]!;
      expect(() => clusters.add(c.cluster as Cluster), 'the event handler').not.to.throw();
      clusters.add(t.cluster('member1'));
      for (const i of t.of('karmada')) i.set({ synced: true, running: true });
      await t.settle();
      await t.settle();
      expect(t.of('bad'), 'no watch on a cluster that cannot be reached').to.deep.equal([]);
      expect(t.of('member1'), 'member1 engaged').to.have.length(5);
      expect(t.m.synced(), 'member1 still listing').to.equal(false);
      t.syncAll('member1');
      expect(t.m.memberStatus()).to.have.deep.members([
        { cluster: 'bad', reachable: false, reason: c.reason },
        { cluster: 'member1', reachable: true },
      ]);
      expect(t.m.synced()).to.equal(true);
    });
  }

  it('the same Cluster, well-formed, is engaged: the cases above are not unreachable by construction', async () => {
    const t = setup({ secrets: { bad: secret({ token: b64('t'), caBundle: b64(PEM) }) } });
    t.m.start();
    const wellFormed: Cluster = { metadata: { name: 'bad' }, spec: { syncMode: 'Push', apiEndpoint: endpoint, secretRef: ref } };
    t.of('karmada', 'clusters')[0]!.add(wellFormed);
    await t.settle();
    await t.settle();
    t.syncAll('bad');
    expect(t.m.memberStatus()).to.deep.equal([{ cluster: 'bad', reachable: true }]);
  });
});

describe('ClusterManager: a member\'s write connections', () => {
  let server: TlsServer;
  beforeEach(async () => {
    server = await startTlsServer();
  });
  afterEach(() => server.close());

  /** A Push Cluster at the TLS server, its Secret trusting the server's certificate with `token`. */
  function member(name: string, token: string) {
    const secret: Secret = { metadata: { name, namespace: 'karmada-cluster' }, data: { token: b64(token), caBundle: b64(server.cert) } };
    const c: Cluster = { metadata: { name }, spec: { syncMode: 'Push', apiEndpoint: server.url, secretRef: { namespace: 'karmada-cluster', name } } };
    return { secret, cluster: c };
  }
  const write = (t: ReturnType<typeof setup>, cluster: string) =>
    t.m.memberClient(cluster)!.getNamespacedCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1alpha1', namespace: 'ns', plural: 'serviceimports', name: 'web' });

  it('share one keep-alive connection, closed when the Cluster is deleted', async () => {
    const { secret, cluster } = member('m', 't1');
    const t = setup({ secrets: { m: secret } });
    t.m.start();
    const clusters = t.of('karmada', 'clusters')[0]!;
    clusters.add(cluster);
    await t.settle();
    for (let i = 0; i < 3; i++) await write(t, 'm');
    expect(server.connections(), 'one TLS connection for three writes').to.equal(1);
    clusters.delete(cluster);
    await t.settle();
    await server.allClosed();
    expect(t.m.memberClient('m')).to.equal(undefined);
  });

  it('are closed when the member is re-engaged with new credentials, and when the manager stops', async () => {
    const first = member('m', 't1');
    const secrets: Record<string, Secret> = { m: first.secret };
    const t = setup({ secrets });
    t.m.start();
    const clusters = t.of('karmada', 'clusters')[0]!;
    clusters.add(first.cluster);
    await t.settle();
    await write(t, 'm');
    // A rotated token: the Secret changes, the Cluster is seen again.
    secrets['m'] = member('m', 't2').secret;
    clusters.add({ ...first.cluster, metadata: { name: 'm', resourceVersion: '2' } });
    await t.settle();
    await server.allClosed();
    await write(t, 'm');
    expect(server.authorizations).to.deep.equal(['Bearer t1', 'Bearer t2']);
    expect(server.open()).to.equal(1);
    await t.m.stop();
    await server.allClosed();
  });
});

describe('ClusterManager: members\' EndpointSlices are watched only while local-first is used', () => {
  const LF = 'clusterset-dns.io/local-first';
  const lfImport = (name: string): KubeObject => ({ metadata: { namespace: 'shop', name, annotations: { [LF]: 'true' } } });
  const setupLf = () => setup({ needsEndpointSlices: (o) => o.metadata.annotations?.[LF] === 'true' });
  const slice = (service: string): KubeObject =>
    ({ metadata: { namespace: 'shop', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } }, endpoints: [{ addresses: ['10.0.0.1'] }] }) as KubeObject;

  it('no ServiceImport uses it: no EndpointSlice watch, and the member is reachable without one', async () => {
    const t = setupLf();
    t.startWithClusters('member1');
    t.of('karmada', 'serviceimports')[0]!.add(si('shop', 'web'));
    await t.settle();
    expect(t.of('member1', 'endpointslices')).to.deep.equal([]);
    t.syncAll('member1');
    expect(t.m.memberStatus()).to.deep.equal([{ cluster: 'member1', reachable: true }]);
    expect(t.m.synced()).to.equal(true);
    expect(t.m.members()[0]!.endpointSlicesOf('shop', 'web'), 'unknown, not empty').to.equal(undefined);
  });

  it('starts with the first ServiceImport that uses it, on engaged members and on those engaged later; stops with the last', async () => {
    const t = setupLf();
    t.startWithClusters('member1');
    await t.settle();
    t.syncAll('member1');
    const imports = t.of('karmada', 'serviceimports')[0]!;
    imports.add(lfImport('web'));
    imports.add(lfImport('api'));
    const [watch] = t.of('member1', 'endpointslices');
    expect(watch?.spec.prune).to.equal(pruneEndpointSlice);
    expect(watch?.health(), 'started on the engaged member').to.include({ running: true });
    expect(t.m.memberStatus(), 'listing it does not make the member unreachable').to.deep.equal([{ cluster: 'member1', reachable: true }]);
    const m1 = t.m.members()[0]!;
    expect(m1.endpointSlicesOf('shop', 'web'), 'not listed yet: unknown').to.equal(undefined);
    t.of('member1', 'serviceimports')[0]!.add(si('shop', 'web'));
    watch!.add(slice('web'));
    t.keys.length = 0;
    watch!.set({ synced: true });
    expect(m1.endpointSlicesOf('shop', 'web')).to.have.length(1);
    expect(t.keys, 'listed: the member\'s keys are decided again').to.deep.equal([['shop/web']]);

    t.of('karmada', 'clusters')[0]!.add(t.cluster('member2'));
    await t.settle();
    expect(t.of('member2', 'endpointslices'), 'a member engaged later watches them too').to.have.length(1);

    imports.delete(lfImport('web'));
    expect(watch!.health().running, 'one ServiceImport still uses it').to.equal(true);
    imports.add({ metadata: { namespace: 'shop', name: 'api' } });
    expect(watch!.health().running, 'the last one stopped using it').to.equal(false);
    expect(t.of('member2', 'endpointslices')[0]!.health().running).to.equal(false);
    expect(m1.endpointSlicesOf('shop', 'web')).to.equal(undefined);
  });
});

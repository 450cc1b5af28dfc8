/**
 * Malformed ServiceImports, as an API server may hand them over, going
 * through the whole read side: caches → buildSnapshot → decide → plan. Each
 * must read as "no ServiceImport" (never a crash, never a half-parsed view),
 * must lead to no write of its own, and must leave well-formed objects in the
 * same caches as they are. Last, an OverridePolicy someone else made under
 * the name ours would have: read as taken, never written or deleted.
 */
import { expect } from 'chai';
import type { Service } from '../api/core.js';
import type { OverridePolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import type { KubeObject } from '../api/meta.js';
import type { Caches, MemberCaches, ObjectReader } from '../karmada/caches.js';
import { buildSnapshot } from './build-snapshot.js';
import { decide } from './decide.js';
import { desiredOverridePolicy } from './overridepolicy.js';
import { plan } from './plan.js';
import type { MemberView, ServiceImportView, ServiceView, Snapshot } from './snapshot.js';

/**
 * A reader over objects filed under the key they are listed at
 * (namespace/name), whatever their own metadata says: an object without
 * metadata.name still reaches buildSnapshot.
 */
function reader<T>(entries: Record<string, unknown> = {}): ObjectReader<T> & { list(): T[] } {
  const m = new Map(Object.entries(entries) as Array<[string, T]>);
  return { get: (ns, name) => m.get(`${ns}/${name}`), list: () => [...m.values()] };
}
const byKey = <T extends KubeObject>(objs: T[]) => Object.fromEntries(objs.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));

const MANAGED = { 'karmada.io/managed': 'true' };

const goodImport = (name: string, o: { managed?: boolean; optedIn?: boolean; uid?: string; ips?: string[]; clusters?: string[] } = {}): ServiceImport => ({
  metadata: {
    name, namespace: 'ns', resourceVersion: '1', ...(o.uid ? { uid: o.uid } : {}), ...(o.managed ? { labels: MANAGED } : {}),
    ...(o.optedIn ? { annotations: { 'clusterset-dns.io/fill-ips': 'true' } } : {}),
  },
  spec: { type: 'ClusterSetIP', ports: [{ port: 80 }], ...(o.ips ? { ips: o.ips } : {}) },
  ...(o.clusters ? { status: { clusters: o.clusters.map((cluster) => ({ cluster })) } } : {}),
});
const service = (name: string, ip: string): Service => ({ metadata: { name, namespace: 'ns' }, spec: { clusterIP: ip, clusterIPs: [ip] } });
const exported = (name: string): KubeObject => ({ metadata: { name, namespace: 'ns' } });

function member(cluster: string, o: { imports?: Record<string, unknown>; services?: Service[]; exports?: string[] }): MemberCaches {
  return {
    cluster,
    reachable: () => true,
    starting: () => false,
    ipsMaxItems: () => 1,
    serviceImportCrdVersions: () => ['v1alpha1'],
    serviceImports: reader(o.imports),
    services: reader(byKey(o.services ?? [])),
    serviceExports: reader(byKey((o.exports ?? []).map(exported))),
    namespaces: reader(),
    endpointSlicesOf: () => [],
  };
}

/**
 * ns/api, well-formed everywhere and already settled (its OverridePolicy and
 * status.clusters say what decide() wants), shares every cache with the
 * malformed ns/web: member1 exports both, member2 imports api.
 */
const API_POLICY = desiredOverridePolicy('ns', { name: 'api', uid: 'u-api' }, { member2: ['10.98.0.9'] });
const API_IMPORT = goodImport('api', { uid: 'u-api', clusters: ['member1'] });
const API_IN_MEMBER2 = { 'ns/api': goodImport('api', { managed: true, ips: ['10.98.0.9'] }) };
const API_DERIVED = service('derived-api', '10.98.0.9');

/** The well-formed ServiceImport of ns/web in the control plane, and its settled OverridePolicy. */
const WEB_IMPORT = goodImport('web', { uid: 'u-web', clusters: ['member1'] });
const webPolicy = (rules: Record<string, string[]>) => desiredOverridePolicy('ns', { name: 'web', uid: 'u-web' }, rules);

function caches(cp: { web?: unknown; webPolicy?: OverridePolicy }, members: MemberCaches[]): Caches {
  return {
    controlPlane: {
      serviceImports: reader({ 'ns/api': API_IMPORT, ...(cp.web !== undefined ? { 'ns/web': cp.web } : {}) }),
      overridePolicies: reader(byKey([API_POLICY, ...(cp.webPolicy ? [cp.webPolicy] : [])])),
      namespaces: reader(),
    },
    members: () => members,
  };
}

const view = (cluster: string, o: Partial<MemberView> = {}): MemberView => ({
  cluster, reachable: true, starting: false, ipsMaxItems: 1, exports: false, namespaceDeleting: false, localReadyEndpoints: 0, ...o,
});
const importView = (ips: string[], managed = true): ServiceImportView => ({ type: 'ClusterSetIP', portCount: 1, ips, deleting: false, managed, fillsIps: false, resourceVersion: '1' });
const serviceView = (ip: string): ServiceView => ({ clusterIPs: [ip], ipFamilies: [], type: 'ClusterIP' });
const cpImportView = (uid: string) => ({ ...importView([], false), uid, statusClusters: ['member1'], annotations: {} });

/** What ns/api reads as, in every world below: the malformed neighbour changes none of it. */
const API_SNAPSHOT: Snapshot = {
  namespace: 'ns',
  name: 'api',
  managedRoute: 'override-policy',
  controlPlane: { namespaceDeleting: false, serviceImport: cpImportView('u-api'), overrideRules: { member2: ['10.98.0.9'] }, overridePolicy: API_POLICY },
  members: [
    view('member1', { exports: true }),
    view('member2', { serviceImport: importView(['10.98.0.9']), derivedService: serviceView('10.98.0.9') }),
    view('member3'),
  ],
};

/** No importer, no problem, no step planned for ns/web; and ns/api, in the same caches, reads as ever. */
function expectNothingToDo(c: Caches, s: Snapshot) {
  const d = decide(s);
  expect(d).to.deep.equal({ importers: [], problems: [] });
  expect(plan(s, d, {}, 0)).to.deep.equal({ steps: [] });
  expect(buildSnapshot(c, 'ns', 'api', 'override-policy')).to.deep.equal(API_SNAPSHOT);
}

/**
 * ServiceImports as they may arrive from an API server that does not
 * validate them (no CRD schema, an old one, or a hand-written object). Each
 * is ns/web, with `labels` in its metadata when it has metadata.
 */
const PORTS = [{ port: 80 }];
const meta = (labels?: Record<string, string>) => ({ name: 'web', namespace: 'ns', ...(labels ? { labels } : {}) });
const MALFORMED: Array<[string, (labels?: Record<string, string>) => unknown]> = [
  ['no spec', (l) => ({ metadata: meta(l) })],
  ['spec is null', (l) => ({ metadata: meta(l), spec: null })],
  ['spec is a list', (l) => ({ metadata: meta(l), spec: [{ type: 'ClusterSetIP', ports: PORTS }] })],
  ['no spec.type', (l) => ({ metadata: meta(l), spec: { ports: PORTS } })],
  ['spec.type LoadBalancer', (l) => ({ metadata: meta(l), spec: { type: 'LoadBalancer', ports: PORTS } })],
  ['spec.type in the wrong case', (l) => ({ metadata: meta(l), spec: { type: 'clustersetip', ports: PORTS } })],
  ['spec.ports an object, not a list', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: { port: 80 } } })],
  ['spec.ports a string', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: '80' } })],
  ['a port without spec.ports[].port', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP' }] } })],
  ['a port whose port is a string', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: [{ port: 80 }, { port: '443' }] } })],
  ['a port that is a bare number', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: [80] } })],
  ['spec.ips a string, not a list', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: PORTS, ips: '10.98.0.7' } })],
  ['spec.ips holding a number', (l) => ({ metadata: meta(l), spec: { type: 'ClusterSetIP', ports: PORTS, ips: ['10.98.0.7', 174194695] } })],
  ['no metadata.name', (l) => ({ metadata: { namespace: 'ns', ...(l ? { labels: l } : {}) }, spec: { type: 'ClusterSetIP', ports: PORTS } })],
  ['an empty metadata.name', (l) => ({ metadata: { ...meta(l), name: '' }, spec: { type: 'ClusterSetIP', ports: PORTS } })],
  ['no metadata', () => ({ spec: { type: 'ClusterSetIP', ports: PORTS } })],
];

describe('buildSnapshot → decide → plan: a malformed control-plane ServiceImport', () => {
  // member2 still holds the import Karmada propagated from it when it was
  // well-formed, and our OverridePolicy still has member2's rule.
  const world = (bad: unknown) => caches({ web: bad, webPolicy: webPolicy({ member2: ['10.98.0.7'] }) }, [
    member('member1', { exports: ['web', 'api'] }),
    member('member2', { imports: { 'ns/web': goodImport('web', { managed: true, ips: ['10.98.0.7'] }), ...API_IN_MEMBER2 }, services: [service('derived-web', '10.98.0.7'), API_DERIVED] }),
    member('member3', {}),
  ]);

  for (const [shape, make] of MALFORMED) {
    it(`${shape}: reads as no ServiceImport, writes nothing, and leaves ns/api alone`, () => {
      const c = world(make());
      const s = buildSnapshot(c, 'ns', 'web', 'override-policy');
      expect(s).to.deep.equal({
        namespace: 'ns',
        name: 'web',
        managedRoute: 'override-policy',
        controlPlane: { namespaceDeleting: false, overrideRules: { member2: ['10.98.0.7'] }, overridePolicy: webPolicy({ member2: ['10.98.0.7'] }) },
        members: [
          view('member1', { exports: true }),
          view('member2', { serviceImport: importView(['10.98.0.7']), derivedService: serviceView('10.98.0.7') }),
          view('member3'),
        ],
      } satisfies Snapshot);
      // Without a template, member2's managed import is Karmada's to remove, and the policy is left as it is.
      expectNothingToDo(c, s);
    });
  }

  it('the same world with a well-formed import decides member2\'s spec.ips: the cases above are not empty by construction', () => {
    const s = buildSnapshot(world(WEB_IMPORT), 'ns', 'web', 'override-policy');
    expect(decide(s).importers).to.deep.equal([{ cluster: 'member2', route: 'override-policy', annotated: false, ips: ['10.98.0.7'], current: ['10.98.0.7'] }]);
  });
});

describe('buildSnapshot → decide → plan: a malformed Karmada-managed member ServiceImport next to a valid control-plane one', () => {
  // member2's import is malformed; member3's, of the same key, is well-formed and settled.
  const world = (bad: unknown) => caches({ web: WEB_IMPORT, webPolicy: webPolicy({ member3: ['10.98.0.8'] }) }, [
    member('member1', { exports: ['web', 'api'] }),
    member('member2', { imports: { 'ns/web': bad, ...API_IN_MEMBER2 }, services: [service('derived-web', '10.98.0.7'), API_DERIVED] }),
    member('member3', { imports: { 'ns/web': goodImport('web', { managed: true, ips: ['10.98.0.8'] }) }, services: [service('derived-web', '10.98.0.8')] }),
  ]);

  for (const [shape, make] of MALFORMED) {
    it(`${shape}: member2 has no ServiceImport and is no importer; member3 and ns/api are unaffected`, () => {
      const c = world(make(MANAGED));
      const s = buildSnapshot(c, 'ns', 'web', 'override-policy');
      expect(s).to.deep.equal({
        namespace: 'ns',
        name: 'web',
        managedRoute: 'override-policy',
        controlPlane: { namespaceDeleting: false, serviceImport: cpImportView('u-web'), overrideRules: { member3: ['10.98.0.8'] }, overridePolicy: webPolicy({ member3: ['10.98.0.8'] }) },
        members: [
          view('member1', { exports: true }),
          view('member2', { derivedService: serviceView('10.98.0.7') }),
          view('member3', { serviceImport: importView(['10.98.0.8']), derivedService: serviceView('10.98.0.8') }),
        ],
      } satisfies Snapshot);
      const d = decide(s);
      expect(d).to.deep.equal({
        importers: [{ cluster: 'member3', route: 'override-policy', annotated: false, ips: ['10.98.0.8'], current: ['10.98.0.8'] }],
        problems: [],
        overrideRules: { member3: ['10.98.0.8'] },
        statusClusters: ['member1'],
      });
      expect(plan(s, d, {}, 0)).to.deep.equal({ steps: [], eventTarget: { namespace: 'ns', name: 'web', uid: 'u-web' } });
      expect(buildSnapshot(c, 'ns', 'api', 'override-policy')).to.deep.equal(API_SNAPSHOT);
    });
  }

  it('the same world with a well-formed member2 import makes member2 an importer too', () => {
    const s = buildSnapshot(world(goodImport('web', { managed: true })), 'ns', 'web', 'override-policy');
    expect(decide(s).importers.map((i) => i.cluster)).to.deep.equal(['member2', 'member3']);
  });

  it('counts as no import at all: a rule our OverridePolicy had for that member is dropped (the policy goes with it)', () => {
    const c = caches({ web: WEB_IMPORT, webPolicy: webPolicy({ member2: ['10.98.0.7'] }) }, [
      member('member1', { exports: ['web'] }),
      member('member2', { imports: { 'ns/web': { metadata: meta(MANAGED), spec: { type: 'ClusterSetIP', ports: PORTS, ips: '10.98.0.7' } } }, services: [service('derived-web', '10.98.0.7')] }),
    ]);
    const s = buildSnapshot(c, 'ns', 'web', 'override-policy');
    expect(s.members[1]).to.deep.equal(view('member2', { derivedService: serviceView('10.98.0.7') }));
    const d = decide(s);
    expect(d).to.deep.equal({ importers: [], problems: [], overrideRules: null, statusClusters: ['member1'] });
    const target = { namespace: 'ns', name: 'web', uid: 'u-web' };
    expect(plan(s, d, {}, 0)).to.deep.equal({
      steps: [
        { kind: 'delete-override-policy', namespace: 'ns', name: 'clusterset-dns-web', uid: undefined, resourceVersion: undefined },
        {
          kind: 'ips-changed', cluster: 'member2', from: ['10.98.0.7'], to: [],
          event: { involved: target, type: 'Normal', reason: 'IPsChanged', message: 'member2: spec.ips 10.98.0.7 → none (through OverridePolicy clusterset-dns-web)' },
        },
      ],
      eventTarget: target,
    });
  });
});

describe('buildSnapshot → decide → plan: a malformed member ServiceImport Karmada does not manage', () => {
  // No control-plane ns/web: member2's import would be patched directly, were it well-formed.
  const world = (bad: unknown) => caches({}, [
    member('member1', { exports: ['api'] }),
    member('member2', { imports: { 'ns/web': bad, ...API_IN_MEMBER2 }, services: [service('derived-web', '10.98.0.7'), API_DERIVED] }),
    member('member3', {}),
  ]);

  for (const [shape, make] of MALFORMED) {
    it(`${shape}: reads as no ServiceImport and is never patched; ns/api is unaffected`, () => {
      const c = world(make());
      const s = buildSnapshot(c, 'ns', 'web', 'override-policy');
      expect(s).to.deep.equal({
        namespace: 'ns',
        name: 'web',
        managedRoute: 'override-policy',
        controlPlane: { namespaceDeleting: false },
        members: [view('member1'), view('member2', { derivedService: serviceView('10.98.0.7') }), view('member3')],
      } satisfies Snapshot);
      expectNothingToDo(c, s);
    });
  }

  it('the same import, well-formed, is patched: the cases above are not empty by construction', () => {
    const s = buildSnapshot(world(goodImport('web', { optedIn: true })), 'ns', 'web', 'override-policy');
    expect(plan(s, decide(s), {}, 0).steps.map((x) => x.kind)).to.deep.equal(['patch-member-ips', 'ips-changed']);
  });
});

describe('buildSnapshot → decide → plan: an OverridePolicy not ours holds our name', () => {
  const foreign = (rules: Record<string, string[]>): OverridePolicy => {
    const p = webPolicy(rules);
    return { ...p, metadata: { ...p.metadata, labels: { team: 'shop' } } };
  };
  const world = (memberImport: boolean) => caches({ web: WEB_IMPORT, webPolicy: foreign({ member2: ['10.0.0.1'] }) }, [
    member('member1', { exports: ['web'] }),
    member('member2', { ...(memberImport ? { imports: { 'ns/web': goodImport('web', { managed: true }) } } : {}), services: [service('derived-web', '10.98.0.7')] }),
  ]);
  const cases = [
    { name: 'an importer needs the policy: nothing written, PolicyNameTaken reported', memberImport: true, problems: ['PolicyNameTaken'] },
    { name: 'no importer needs it: the policy is not deleted', memberImport: false, problems: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = buildSnapshot(world(c.memberImport), 'ns', 'web', 'override-policy');
      expect(s.controlPlane).to.include({ policyNameTaken: true });
      expect(s.controlPlane.overrideRules, 'its rules are not ours to keep').to.equal(undefined);
      const d = decide(s);
      expect(d.problems.map((p) => p.reason)).to.deep.equal(c.problems);
      const steps = plan(s, d, {}, 0).steps;
      expect(steps.filter((x) => x.kind === 'apply-override-policy' || x.kind === 'delete-override-policy')).to.deep.equal([]);
      expect(steps.filter((x) => x.kind === 'problem').map((x) => x.kind === 'problem' && x.event?.reason)).to.deep.equal(c.problems);
    });
  }
});

import { expect } from 'chai';
import { decide, derivedIps, isOurs, type Decision } from './decide.js';
import type { MemberView, ServiceImportView, Snapshot } from './snapshot.js';

const si = (o: Partial<ServiceImportView> = {}): ServiceImportView => ({ type: 'ClusterSetIP', portCount: 1, ips: [], deleting: false, managed: true, fillsIps: false, ...o });
const member = (cluster: string, o: Partial<MemberView> = {}): MemberView => ({
  cluster,
  reachable: true,
  ipsMaxItems: 1,
  exports: false,
  namespaceDeleting: false,
  localReadyEndpoints: 0,
  ...o,
});
const derived = (...clusterIPs: string[]) => ({ clusterIPs, ipFamilies: clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')), type: 'ClusterIP' });
const snap = (members: MemberView[], cp: Partial<Snapshot['controlPlane']> | null = {}, managedRoute: Snapshot['managedRoute'] = 'override-policy'): Snapshot => ({
  namespace: 'ns',
  name: 'web',
  managedRoute,
  controlPlane: cp === null
    ? { namespaceDeleting: false }
    : { namespaceDeleting: false, serviceImport: { ...si(), uid: 'u1', statusClusters: [], annotations: {} }, ...cp },
  members,
});

describe('derivedIps (which IP)', () => {
  const cases: Array<[string, Parameters<typeof derivedIps>, ReturnType<typeof derivedIps>]> = [
    ['single-stack, CRD allows 1', [derived('10.98.0.5'), 1], { ips: ['10.98.0.5'] }],
    ['single-stack, CRD allows 2', [derived('10.98.0.5'), 2], { ips: ['10.98.0.5'] }],
    ['dual-stack, CRD allows 2: one per family', [derived('10.98.0.5', 'fd00::5'), 2], { ips: ['10.98.0.5', 'fd00::5'] }],
    ['dual-stack, CRD allows 1: primary family only', [derived('fd00::5', '10.98.0.5'), 1], { ips: ['fd00::5'], problem: 'TooManyIPFamilies' }],
    ['missing derived Service', [undefined, 1], { ips: [], problem: 'DerivedServiceMissing' }],
    ['headless derived Service', [derived('None'), 1], { ips: [], problem: 'DerivedServiceHeadless' }],
    ['unknown CRD limit counts as Karmada\'s 1', [derived('10.98.0.5', 'fd00::5'), undefined], { ips: ['10.98.0.5'], problem: 'TooManyIPFamilies' }],
  ];
  for (const [name, args, want] of cases) it(name, () => expect(derivedIps(...args)).to.deep.equal(want));
});

describe('decide', () => {
  interface Case {
    name: string;
    snapshot: Snapshot;
    /** Each field named must equal the decision's; undefined says it must be absent. */
    want: { [K in keyof Decision]?: Decision[K] | undefined };
    problems?: string[];
  }
  const cases: Case[] = [
    {
      name: 'one managed importer: its own derived ClusterIP, through the OverridePolicy',
      snapshot: snap([member('member1', { exports: true }), member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') })]),
      want: {
        importers: [{ cluster: 'member2', route: 'override-policy', annotated: false, ips: ['10.98.0.7'], current: [] }],
        overrideRules: { member2: ['10.98.0.7'] },
        statusClusters: ['member1'],
      },
    },
    {
      name: 'several importers each get their own IP; exporters sorted',
      snapshot: snap([
        member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7'), exports: true }),
        member('member1', { serviceImport: si({ ips: ['10.97.0.9'] }), derivedService: derived('10.97.0.9'), exports: true }),
      ]),
      want: {
        importers: [
          { cluster: 'member1', route: 'override-policy', annotated: false, ips: ['10.97.0.9'], current: ['10.97.0.9'] },
          { cluster: 'member2', route: 'override-policy', annotated: false, ips: ['10.98.0.7'], current: [] },
        ],
        overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] },
        statusClusters: ['member1', 'member2'],
      },
    },
    {
      name: 'an unmanaged member ServiceImport that opted in is patched directly',
      snapshot: snap([member('edge.eu-1', { serviceImport: si({ managed: false, fillsIps: true }), derivedService: derived('10.99.0.1') })]),
      want: { importers: [{ cluster: 'edge.eu-1', route: 'opted-in', annotated: true, ips: ['10.99.0.1'], current: [] }], overrideRules: null, statusClusters: [] },
    },
    {
      name: 'an unmanaged member ServiceImport that did not opt in is not ours: never written, and said where a control-plane import exists',
      snapshot: snap([member('edge.eu-1', { serviceImport: si({ managed: false, ips: ['10.9.9.9'] }), derivedService: derived('10.99.0.1') })]),
      want: { importers: [], overrideRules: null },
      problems: ['NotOwned'],
    },
    {
      name: 'no control-plane ServiceImport: opted-in imports are direct, others untouched and unmentioned; managed ones are Karmada\'s to delete; no policy, status untouched',
      snapshot: snap([
        member('member1', { serviceImport: si({ managed: false, fillsIps: true }), derivedService: derived('10.97.0.7') }),
        member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') }),
        member('member3', { serviceImport: si({ managed: false, ips: ['10.9.9.9'] }) }),
      ], null),
      want: { importers: [{ cluster: 'member1', route: 'opted-in', annotated: true, ips: ['10.97.0.7'], current: [] }] },
    },
    {
      name: 'unreachable member keeps its last rule, reachable one is updated',
      snapshot: snap(
        [
          member('member1', { reachable: false, serviceImport: si({ ips: ['10.97.0.9'] }) }),
          member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') }),
        ],
        { overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.1'] } },
      ),
      want: {
        importers: [
          { cluster: 'member1', route: 'override-policy', annotated: false, ips: 'keep', current: ['10.97.0.9'] },
          { cluster: 'member2', route: 'override-policy', annotated: false, ips: ['10.98.0.7'], current: [] },
        ],
        overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] },
      },
      problems: ['MemberUnreachable'],
    },
    {
      name: 'a member still on its first list (starting) keeps its rule and IPs without a MemberUnreachable warning',
      snapshot: snap(
        [member('member1', { reachable: false, starting: true, serviceImport: si({ ips: ['10.97.0.9'] }) })],
        { overrideRules: { member1: ['10.97.0.9'] } },
      ),
      want: { importers: [{ cluster: 'member1', route: 'override-policy', annotated: false, ips: 'keep', current: ['10.97.0.9'] }], overrideRules: { member1: ['10.97.0.9'] } },
      problems: [],
    },
    {
      name: 'a member not synced yet (unreachable, its ServiceImport unseen) keeps its rule: a restart changes nothing',
      snapshot: snap(
        [member('member1', { reachable: false }), member('member2', { serviceImport: si({ ips: ['10.98.0.7'] }), derivedService: derived('10.98.0.7') })],
        { overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] } },
      ),
      want: { overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] } },
    },
    {
      name: 'derived Service missing: no IP for that member, and a problem that says why',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'] }) })], { overrideRules: { member2: ['10.98.0.7'] } }),
      want: { importers: [{ cluster: 'member2', route: 'override-policy', annotated: false, ips: [], current: ['10.98.0.7'] }], overrideRules: null },
      problems: ['DerivedServiceMissing'],
    },
    {
      name: 'derived Service headless',
      snapshot: snap([member('member2', { serviceImport: si(), derivedService: derived('None') })]),
      want: { overrideRules: null },
      problems: ['DerivedServiceHeadless'],
    },
    {
      name: 'no ports: still written, and flagged (CoreDNS answers NXDOMAIN)',
      snapshot: snap([member('member2', { serviceImport: si({ portCount: 0 }), derivedService: derived('10.98.0.7') })], {
        serviceImport: { ...si({ portCount: 0 }), uid: 'u1', statusClusters: [], annotations: {} },
      }),
      want: { overrideRules: { member2: ['10.98.0.7'] } },
      problems: ['NoPorts'],
    },
    {
      name: 'namespace being deleted in the control plane: no policy writes, no status',
      snapshot: snap([member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') })], { namespaceDeleting: true }),
      want: { importers: [] },
    },
    {
      name: 'namespace being deleted in a member: that member is left alone',
      snapshot: snap([member('member2', { namespaceDeleting: true, serviceImport: si(), derivedService: derived('10.98.0.7') })]),
      want: { importers: [], overrideRules: null },
    },
    {
      name: 'member ServiceImport being deleted is left alone',
      snapshot: snap([member('member2', { serviceImport: si({ deleting: true }), derivedService: derived('10.98.0.7') })]),
      want: { importers: [], overrideRules: null },
    },
    {
      name: 'CRD missing in a reachable member is reported',
      snapshot: snap([member('member3', { ipsMaxItems: undefined })]),
      want: { importers: [], overrideRules: null },
      problems: ['CRDMissing'],
    },
    {
      name: 'our policy\'s name held by someone else\'s: no rules decided (left alone), and reported',
      snapshot: snap([member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') })], { policyNameTaken: true }),
      want: { importers: [{ cluster: 'member2', route: 'override-policy', annotated: false, ips: ['10.98.0.7'], current: [] }], overrideRules: undefined },
      problems: ['PolicyNameTaken'],
    },
    {
      name: 'our policy\'s name held by someone else\'s while no policy is needed: left alone (never deleted), nothing to report',
      snapshot: snap([], { policyNameTaken: true }),
      want: { importers: [], overrideRules: undefined },
      problems: [],
    },
    {
      name: 'headless control-plane import is reported',
      snapshot: snap([], { serviceImport: { ...si({ type: 'Headless' }), uid: 'u1', statusClusters: [], annotations: {} } }),
      want: { overrideRules: null },
      problems: ['HeadlessImport'],
    },
    {
      name: 'headless control-plane import served by the MCS mirrors (run --auto-import): nothing to report',
      snapshot: { ...snap([], { serviceImport: { ...si({ type: 'Headless' }), uid: 'u1', statusClusters: [], annotations: {} } }), headlessServed: true },
      want: { overrideRules: null },
      problems: [],
    },
    {
      name: 'dual-stack against an mcs-api CRD allowing 2',
      snapshot: snap([member('member2', { ipsMaxItems: 2, serviceImport: si(), derivedService: derived('10.98.0.7', 'fd00:98::7') })]),
      want: { overrideRules: { member2: ['10.98.0.7', 'fd00:98::7'] } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.snapshot);
      for (const [k, v] of Object.entries(c.want)) expect(d[k as keyof Decision], k).to.deep.equal(v);
      expect(d.problems.map((p) => p.reason)).to.deep.equal(c.problems ?? []);
      for (const p of d.problems) expect(p.message).to.be.a('string').and.not.equal(p.reason);
    });
  }

  it('is a pure function: same snapshot, same decision, snapshot untouched', () => {
    const s = snap([member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7') })]);
    const before = JSON.stringify(s);
    expect(decide(s)).to.deep.equal(decide(s));
    expect(JSON.stringify(s)).to.equal(before);
  });
});

describe('decide: status.clusters keeps members it cannot see (unreachable is not empty)', () => {
  const listing = (statusClusters: string[]) => ({ serviceImport: { ...si(), uid: 'u1', statusClusters, annotations: {} } });
  const cases: Array<{ name: string; members: MemberView[]; listed: string[]; want: string[] | undefined; cp?: Partial<Snapshot['controlPlane']> }> = [
    { name: 'reachable exporters, sorted', members: [member('member2', { exports: true }), member('member1', { exports: true })], listed: [], want: ['member1', 'member2'] },
    { name: 'an unreachable exporter whose export is still cached stays', members: [member('member1', { reachable: false, exports: true })], listed: ['member1'], want: ['member1'] },
    { name: 'a member whose Secret cannot be read (nothing cached) stays while listed', members: [member('member1', { reachable: false })], listed: ['member1'], want: ['member1'] },
    { name: 'a member relisting after a token rotation (starting, nothing listed yet) stays while listed', members: [member('member1', { reachable: false, starting: true }), member('member2', { exports: true })], listed: ['member1', 'member2'], want: ['member1', 'member2'] },
    { name: 'an unreachable member last seen exporting is listed', members: [member('member1', { reachable: false, exports: true })], listed: [], want: ['member1'] },
    { name: 'an unreachable member not listed and not seen exporting is not added', members: [member('member1', { reachable: false })], listed: [], want: [] },
    { name: 'a reachable member without a ServiceExport leaves: its export was removed', members: [member('member1'), member('member2', { exports: true })], listed: ['member1', 'member2'], want: ['member2'] },
    { name: 'a member that is gone (Cluster deleted) leaves, even while listed', members: [member('member2', { exports: true })], listed: ['member1', 'member2'], want: ['member2'] },
    { name: 'the control-plane ServiceImport being deleted: left alone', members: [member('member1', { exports: true })], listed: [], want: undefined, cp: { serviceImport: { ...si({ deleting: true }), uid: 'u1', statusClusters: [], annotations: {} } } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(decide(snap(c.members, { ...listing(c.listed), ...c.cp })).statusClusters).to.deep.equal(c.want));
  }
});

describe('decide: CRDMissing says whether the CRD is missing or serves no v1alpha1', () => {
  const cases: Array<{ name: string; crdVersions?: string[]; message: RegExp }> = [
    { name: 'not installed', message: /is not installed in member3; propagate the MCS CRDs/ },
    { name: 'installed, serving only v1beta1', crdVersions: ['v1beta1'], message: /in member3 does not serve v1alpha1, which CoreDNS and clusterset-dns read \(serves: v1beta1\)/ },
    { name: 'installed, serving nothing', crdVersions: [], message: /does not serve v1alpha1.*\(serves: none\)/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = member('member3', { ipsMaxItems: undefined, ...(c.crdVersions ? { crdVersions: c.crdVersions } : {}) });
      const problems = decide(snap([m])).problems;
      expect(problems.map((p) => p.reason)).to.deep.equal(['CRDMissing']);
      expect(problems[0]?.message).to.match(c.message);
      if (c.crdVersions) expect(problems[0]?.message).to.not.match(/not installed/);
    });
  }

  it('v1alpha1 no longer served while its ServiceImport is still cached as last seen: reported, and nothing written there', () => {
    const m = member('member3', { ipsMaxItems: undefined, crdVersions: ['v1beta1'], serviceImport: si({ ips: ['10.99.0.7'] }), derivedService: derived('10.99.0.8') });
    const d = decide(snap([m], {}, 'retain'));
    expect(d.problems.map((p) => p.reason)).to.deep.equal(['CRDMissing']);
    expect(d.problems[0]?.message).to.match(/does not serve v1alpha1.*\(serves: v1beta1\)/);
    expect(d.importers, 'no write where nothing can be written').to.deep.equal([]);
  });
});

describe('decide on the retain route', () => {
  const retain = (members: MemberView[], cp: Partial<Snapshot['controlPlane']> = {}) => snap(members, cp, 'retain');
  const D = '10.98.0.7';
  const cases: Array<{ name: string; snapshot: Snapshot; want: Partial<Decision>; problems?: string[] }> = [
    {
      name: 'a managed importer is written in the member; no policy',
      snapshot: retain([member('member2', { serviceImport: si(), derivedService: derived(D) })]),
      want: { importers: [{ cluster: 'member2', route: 'retain', annotated: false, ips: [D], current: [] }], overrideRules: null },
    },
    {
      name: 'moving off a policy: the rule stays while the member lacks our annotation',
      snapshot: retain([member('member2', { serviceImport: si({ ips: [D] }), derivedService: derived(D) })], { overrideRules: { member2: [D] } }),
      want: { importers: [{ cluster: 'member2', route: 'retain', annotated: false, ips: [D], current: [D] }], overrideRules: { member2: [D] } },
    },
    {
      name: 'moving off a policy: the rule goes once the member shows the direct write',
      snapshot: retain([member('member2', { serviceImport: si({ ips: [D], fillsIps: true }), derivedService: derived(D) })], { overrideRules: { member2: [D] } }),
      want: { importers: [{ cluster: 'member2', route: 'retain', annotated: true, ips: [D], current: [D] }], overrideRules: null },
    },
    {
      name: 'moving off a policy while the IP changes: the old rule stays as it is until the member holds the new IP',
      snapshot: retain([member('member2', { serviceImport: si({ ips: ['10.98.0.1'], fillsIps: true }), derivedService: derived(D) })], { overrideRules: { member2: ['10.98.0.1'] } }),
      want: { overrideRules: { member2: ['10.98.0.1'] } },
    },
    {
      name: 'only migrated members lose their rule; an unreachable one keeps it',
      snapshot: retain([
        member('member1', { reachable: false, serviceImport: si({ ips: ['10.97.0.9'] }) }),
        member('member2', { serviceImport: si({ ips: [D], fillsIps: true }), derivedService: derived(D) }),
      ], { overrideRules: { member1: ['10.97.0.9'], member2: [D] } }),
      want: { overrideRules: { member1: ['10.97.0.9'] } },
      problems: ['MemberUnreachable'],
    },
    {
      name: 'hold (--write-route=retain without a usable rule): managed importers keep what they have, their rules too; opted-in ones are still written',
      snapshot: snap([
        member('member1', { serviceImport: si({ managed: false, fillsIps: true }), derivedService: derived('10.97.0.7') }),
        member('member2', { serviceImport: si({ ips: [D] }), derivedService: derived('10.98.0.99') }),
      ], { overrideRules: { member2: [D] } }, 'hold'),
      want: {
        importers: [
          { cluster: 'member1', route: 'opted-in', annotated: true, ips: ['10.97.0.7'], current: [] },
          { cluster: 'member2', route: 'retain', annotated: false, ips: 'keep', current: [D] },
        ],
        overrideRules: { member2: [D] },
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.snapshot);
      for (const [k, v] of Object.entries(c.want)) expect(d[k as keyof Decision], k).to.deep.equal(v);
      expect(d.problems.map((p) => p.reason)).to.deep.equal(c.problems ?? []);
    });
  }
});

describe('decide with local-first', () => {
  const local = (ready: number, ip = '10.98.0.50') => ({ localService: derived(ip), localReadyEndpoints: ready });
  const cfg = { debounceMs: 200, holdDownMs: 30_000 };
  const lf = (now: number, states = {}, flag = true) => ({ flag, now, config: cfg, states });
  const m2 = (o: Partial<MemberView>) => member('member2', { serviceImport: si(), derivedService: derived('10.98.0.7'), ...o });

  it('answers with the local ClusterIP while the local copy has ready endpoints', () => {
    const d = decide(snap([m2(local(2))]), lf(0));
    expect(d.importers[0]).to.include({ mode: 'local' });
    expect(d.overrideRules).to.deep.equal({ member2: ['10.98.0.50'] });
  });

  it('fails over to the derived IP after the debounce, and asks to be rechecked meanwhile', () => {
    const first = decide(snap([m2(local(2))]), lf(0));
    const during = decide(snap([m2(local(0))]), lf(1000, first.localFirst?.states));
    expect(during.overrideRules).to.deep.equal({ member2: ['10.98.0.50'] });
    expect(during.localFirst?.recheckAfterMs).to.equal(200);
    const after = decide(snap([m2(local(0))]), lf(1200, during.localFirst?.states));
    expect(after.overrideRules).to.deep.equal({ member2: ['10.98.0.7'] });
    expect(after.localFirst?.switches).to.deep.equal([{ cluster: 'member2', from: 'local', to: 'derived' }]);
  });

  it('fails over at once when the local Service is deleted (no local IP to keep)', () => {
    const first = decide(snap([m2(local(2))]), lf(0));
    const gone = decide(snap([m2({ localReadyEndpoints: 0 })]), lf(10, first.localFirst?.states));
    expect(gone.overrideRules).to.deep.equal({ member2: ['10.98.0.7'] });
  });

  it('is off without the flag, and the annotation wins over the flag', () => {
    expect(decide(snap([m2(local(2))]), lf(0, {}, false)).overrideRules).to.deep.equal({ member2: ['10.98.0.7'] });
    const on = snap([m2(local(2))], { serviceImport: { ...si(), uid: 'u1', statusClusters: [], annotations: { 'clusterset-dns.io/local-first': 'true' } } });
    expect(decide(on, lf(0, {}, false)).overrideRules).to.deep.equal({ member2: ['10.98.0.50'] });
    const off = snap([m2(local(2))], { serviceImport: { ...si(), uid: 'u1', statusClusters: [], annotations: { 'clusterset-dns.io/local-first': 'false' } } });
    expect(decide(off, lf(0)).overrideRules).to.deep.equal({ member2: ['10.98.0.7'] });
    expect(decide(off, lf(0)).localFirst).to.equal(undefined);
  });

  it('keeps an unreachable member\'s local-first state and IPs', () => {
    const first = decide(snap([m2(local(2))]), lf(0));
    const down = decide(snap([m2({ reachable: false, serviceImport: si({ ips: ['10.98.0.50'] }) })], { overrideRules: { member2: ['10.98.0.50'] } }), lf(5000, first.localFirst?.states));
    expect(down.overrideRules).to.deep.equal({ member2: ['10.98.0.50'] });
    expect(down.localFirst?.states['member2']?.mode).to.equal('local');
  });

  it('keeps a member whose EndpointSlices are not listed yet, rather than failing over on "no ready endpoint"', () => {
    const first = decide(snap([m2(local(2))]), lf(0));
    const unknown = { localService: derived('10.98.0.50'), localReadyEndpoints: undefined, serviceImport: si({ ips: ['10.98.0.50'] }) };
    const d = decide(snap([m2(unknown)], { overrideRules: { member2: ['10.98.0.50'] } }), lf(5000, first.localFirst?.states));
    expect(d.importers[0]).to.include({ ips: 'keep' });
    expect(d.overrideRules).to.deep.equal({ member2: ['10.98.0.50'] });
    expect(d.localFirst?.states['member2']?.mode, 'its state kept').to.equal('local');
    expect(d.problems, 'reachable: no warning').to.deep.equal([]);
    // Without local-first the slices are not read at all.
    expect(decide(snap([m2(unknown)]), lf(0, {}, false)).overrideRules).to.deep.equal({ member2: ['10.98.0.7'] });
  });
});


describe('isOurs agrees with decide on whose an importer is', () => {
  // Every combination of the three facts ownership depends on, under every route.
  for (const managed of [true, false]) {
    for (const fillsIps of [true, false]) {
      for (const template of [true, false]) {
        for (const route of ['override-policy', 'retain', 'hold'] as const) {
          it(`managed=${managed} fill-ips=${fillsIps} template=${template} route=${route}`, () => {
            const d = decide(snap([member('member2', { serviceImport: si({ managed, fillsIps }), derivedService: derived('10.98.0.7') })], template ? {} : null, route));
            const decided = d.importers.some((i) => i.cluster === 'member2');
            expect(isOurs({ managed, fillsIps }, template)).to.equal(decided);
          });
        }
      }
    }
  }
});

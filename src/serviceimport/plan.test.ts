import { expect } from 'chai';
import { decide, type Decision, type ImporterDecision, type Problem } from './decide.js';
import type { EventRecord } from './events.js';
import { desiredOverridePolicy } from './overridepolicy.js';
import { isWrite, plan, type Memory, type Plan, type Step } from './plan.js';
import type { ProblemLedger } from './problems.js';
import type { MemberView, ServiceImportView, Snapshot } from './snapshot.js';

const si = (o: Partial<ServiceImportView> = {}): ServiceImportView => ({ type: 'ClusterSetIP', portCount: 1, ips: [], deleting: false, managed: true, fillsIps: false, ...o });
const member = (cluster: string, o: Partial<MemberView> = {}): MemberView => ({ cluster, reachable: true, ipsMaxItems: 1, exports: false, namespaceDeleting: false, localReadyEndpoints: 0, ...o });
const cpImport = (o: { statusClusters?: string[]; resourceVersion?: string } = {}) => ({ ...si(), uid: 'u1', statusClusters: [], annotations: {}, ...o });
/** What the API server adds to a policy; the writes carry it back as preconditions. */
const withIdentity = <T extends { metadata: object }>(p: T): T => ({ ...p, metadata: { ...p.metadata, uid: 'p1', resourceVersion: '41' } });
/** Our OverridePolicy as it would be cached after we wrote `rules` (and `modes`). */
const policy = (rules: Record<string, string[]>, modes: Record<string, string> = {}) => ({
  overrideRules: rules,
  overridePolicy: withIdentity(desiredOverridePolicy('ns', { name: 'web', uid: 'u1' }, rules, modes)),
});
const snap = (members: MemberView[], cp: Partial<Snapshot['controlPlane']> | null = {}, managedRoute: Snapshot['managedRoute'] = 'override-policy'): Snapshot => ({
  namespace: 'ns',
  name: 'web',
  managedRoute,
  controlPlane: cp === null ? { namespaceDeleting: false } : { namespaceDeleting: false, serviceImport: cpImport(), ...cp },
  members,
});
const decision = (o: Partial<Decision> = {}): Decision => ({ importers: [], problems: [], ...o });
const managed = (cluster: string, ips: string[] | 'keep', current: string[] = [], mode?: 'local' | 'derived', annotated = false): ImporterDecision =>
  ({ cluster, route: 'override-policy', annotated, ips, current, ...(mode ? { mode } : {}) });
const direct = (cluster: string, ips: string[] | 'keep', current: string[] = [], mode?: 'local' | 'derived'): ImporterDecision =>
  ({ cluster, route: 'opted-in', annotated: true, ips, current, ...(mode ? { mode } : {}) });
const retained = (cluster: string, ips: string[] | 'keep', current: string[] = [], annotated = false, mode?: 'local' | 'derived'): ImporterDecision =>
  ({ cluster, route: 'retain', annotated, ips, current, ...(mode ? { mode } : {}) });

const target = { namespace: 'ns', name: 'web', uid: 'u1' };
const event = (type: EventRecord['type'], reason: string, message: string) => ({ event: { involved: target, type, reason, message } });
const ipsChanged = (cluster: string, from: string[], to: string[], message: string): Step =>
  ({ kind: 'ips-changed', cluster, from, to, ...event('Normal', 'IPsChanged', message) });

const noPorts: Problem = { reason: 'NoPorts', message: 'ServiceImport ns/web has no ports' };
const missing: Problem = { reason: 'DerivedServiceMissing', cluster: 'member2', message: 'derived-web missing in member2' };

describe('plan: the writes and Events of one pass', () => {
  interface Case {
    name: string;
    snapshot: Snapshot;
    decision: Decision;
    memory?: Memory;
    now?: number;
    steps: Step[];
  }
  const cases: Case[] = [
    // The OverridePolicy of Karmada-managed importers.
    {
      name: 'no policy yet: apply it, and tell each importer\'s new spec.ips',
      snapshot: snap([]),
      decision: decision({ importers: [managed('member2', ['10.98.0.7'])], overrideRules: { member2: ['10.98.0.7'] } }),
      steps: [
        { kind: 'apply-override-policy', namespace: 'ns', serviceImport: { name: 'web', uid: 'u1' }, rules: { member2: ['10.98.0.7'] }, modes: {}, had: null, resourceVersion: undefined },
        { kind: 'ips-changed', cluster: 'member2', from: [], to: ['10.98.0.7'] },
      ],
    },
    {
      name: 'the policy says something else: apply it; only the importer whose IPs changed is told',
      snapshot: snap([], policy({ member1: ['10.97.0.9'], member2: ['10.98.0.1'] })),
      decision: decision({ overrideRules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] } }),
      steps: [
        { kind: 'apply-override-policy', namespace: 'ns', serviceImport: { name: 'web', uid: 'u1' }, rules: { member1: ['10.97.0.9'], member2: ['10.98.0.7'] }, modes: {}, had: { member1: ['10.97.0.9'], member2: ['10.98.0.1'] }, resourceVersion: '41' },
        ipsChanged('member2', ['10.98.0.1'], ['10.98.0.7'], 'member2: spec.ips 10.98.0.1 → 10.98.0.7 (through OverridePolicy clusterset-dns-web)'),
      ],
    },
    {
      name: 'only the local-first modes the policy shows differ: apply it, no IP changed',
      snapshot: snap([], policy({ member2: ['10.98.0.50'] }, { member2: 'derived' })),
      decision: decision({ importers: [managed('member2', ['10.98.0.50'], ['10.98.0.50'], 'local')], overrideRules: { member2: ['10.98.0.50'] } }),
      steps: [
        { kind: 'apply-override-policy', namespace: 'ns', serviceImport: { name: 'web', uid: 'u1' }, rules: { member2: ['10.98.0.50'] }, modes: { member2: 'local' }, had: { member2: ['10.98.0.50'] }, resourceVersion: '41' },
      ],
    },
    {
      name: 'the policy already says it (modes included): nothing',
      snapshot: snap([], policy({ member2: ['10.98.0.7'] }, { member2: 'derived' })),
      decision: decision({ importers: [managed('member2', ['10.98.0.7'], ['10.98.0.7'], 'derived')], overrideRules: { member2: ['10.98.0.7'] } }),
      steps: [],
    },
    {
      name: 'no managed importer needs spec.ips: delete the policy, and tell the importer it lost its IPs',
      snapshot: snap([], policy({ member2: ['10.98.0.7'] })),
      decision: decision({ overrideRules: null }),
      steps: [
        { kind: 'delete-override-policy', namespace: 'ns', name: 'clusterset-dns-web', uid: 'p1', resourceVersion: '41' },
        ipsChanged('member2', ['10.98.0.7'], [], 'member2: spec.ips 10.98.0.7 → none (through OverridePolicy clusterset-dns-web)'),
      ],
    },
    {
      name: 'no policy wanted and none there: nothing',
      snapshot: snap([]),
      decision: decision({ overrideRules: null }),
      steps: [],
    },
    {
      name: 'no control-plane ServiceImport: the policy is left to Karmada\'s garbage collection',
      snapshot: snap([], null),
      decision: decision({ overrideRules: { member2: ['10.98.0.7'] }, statusClusters: ['member1'] }),
      steps: [],
    },
    // Direct patches of unmanaged importers.
    {
      name: 'an unmanaged importer with other IPs: patch it with the resourceVersion seen, then tell',
      snapshot: snap([member('edge.eu-1', { serviceImport: si({ managed: false, ips: ['10.99.0.2'], resourceVersion: '42' }) })]),
      decision: decision({ importers: [direct('edge.eu-1', ['10.99.0.1'], ['10.99.0.2'], 'derived')], overrideRules: null }),
      steps: [
        { kind: 'patch-member-ips', cluster: 'edge.eu-1', namespace: 'ns', name: 'web', ips: ['10.99.0.1'], resourceVersion: '42', mode: 'derived', annotate: false },
        ipsChanged('edge.eu-1', ['10.99.0.2'], ['10.99.0.1'], 'edge.eu-1: spec.ips 10.99.0.2 → 10.99.0.1 (through a direct patch)'),
      ],
    },
    {
      name: 'an unmanaged importer that already holds its IPs: nothing',
      snapshot: snap([member('edge.eu-1', { serviceImport: si({ managed: false, ips: ['10.99.0.1'] }) })]),
      decision: decision({ importers: [direct('edge.eu-1', ['10.99.0.1'], ['10.99.0.1'])], overrideRules: null }),
      steps: [],
    },
    {
      name: 'an unreachable unmanaged importer keeps what it has: nothing',
      snapshot: snap([member('edge.eu-1', { reachable: false, serviceImport: si({ managed: false, ips: ['10.99.0.1'] }) })]),
      decision: decision({ importers: [direct('edge.eu-1', 'keep', ['10.99.0.1'])], overrideRules: null }),
      steps: [],
    },
    // The retain route: Karmada-managed importers written in the member, with our annotation.
    {
      name: 'retain: a first fill is one patch with our annotation, logged without an Event',
      snapshot: snap([member('member2', { serviceImport: si({ resourceVersion: '5' }) })], {}, 'retain'),
      decision: decision({ importers: [retained('member2', ['10.98.0.7'])], overrideRules: null }),
      steps: [
        { kind: 'patch-member-ips', cluster: 'member2', namespace: 'ns', name: 'web', ips: ['10.98.0.7'], resourceVersion: '5', mode: undefined, annotate: true },
        { kind: 'ips-changed', cluster: 'member2', from: [], to: ['10.98.0.7'] },
      ],
    },
    {
      name: 'retain: a changed IP is one patch and one Event',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.1'], fillsIps: true, resourceVersion: '6' }) })], {}, 'retain'),
      decision: decision({ importers: [retained('member2', ['10.98.0.7'], ['10.98.0.1'], true)], overrideRules: null }),
      steps: [
        { kind: 'patch-member-ips', cluster: 'member2', namespace: 'ns', name: 'web', ips: ['10.98.0.7'], resourceVersion: '6', mode: undefined, annotate: true },
        ipsChanged('member2', ['10.98.0.1'], ['10.98.0.7'], 'member2: spec.ips 10.98.0.1 → 10.98.0.7 (through a direct patch)'),
      ],
    },
    {
      name: 'retain: annotated and holding its IPs: nothing',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'], fillsIps: true }) })], {}, 'retain'),
      decision: decision({ importers: [retained('member2', ['10.98.0.7'], ['10.98.0.7'], true)], overrideRules: null }),
      steps: [],
    },
    {
      name: 'moving off a policy: the member holding the policy\'s IP gets our annotation; no IP change to announce, the policy stays',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'], resourceVersion: '8' }) })], policy({ member2: ['10.98.0.7'] }), 'retain'),
      decision: decision({ importers: [retained('member2', ['10.98.0.7'], ['10.98.0.7'])], overrideRules: { member2: ['10.98.0.7'] } }),
      steps: [{ kind: 'patch-member-ips', cluster: 'member2', namespace: 'ns', name: 'web', ips: ['10.98.0.7'], resourceVersion: '8', mode: undefined, annotate: true }],
    },
    {
      name: 'moving off a policy: once the member shows the direct write the policy goes, with no IP change to announce',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'], fillsIps: true }) })], policy({ member2: ['10.98.0.7'] }), 'retain'),
      decision: decision({ importers: [retained('member2', ['10.98.0.7'], ['10.98.0.7'], true)], overrideRules: null }),
      steps: [{ kind: 'delete-override-policy', namespace: 'ns', name: 'clusterset-dns-web', uid: 'p1', resourceVersion: '41' }],
    },
    {
      name: 'back on the policy route: an annotated member is released once the policy gives it its IPs',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'], fillsIps: true, resourceVersion: '9' }) })], policy({ member2: ['10.98.0.7'] })),
      decision: decision({ importers: [managed('member2', ['10.98.0.7'], ['10.98.0.7'], undefined, true)], overrideRules: { member2: ['10.98.0.7'] } }),
      steps: [{ kind: 'release-member', cluster: 'member2', namespace: 'ns', name: 'web', resourceVersion: '9' }],
    },
    {
      name: 'back on the policy route: an annotated member is not released before the policy has its rule',
      snapshot: snap([member('member2', { serviceImport: si({ ips: ['10.98.0.7'], fillsIps: true }) })]),
      decision: decision({ importers: [managed('member2', ['10.98.0.7'], ['10.98.0.7'], undefined, true)], overrideRules: { member2: ['10.98.0.7'] } }),
      steps: [{ kind: 'apply-override-policy', namespace: 'ns', serviceImport: { name: 'web', uid: 'u1' }, rules: { member2: ['10.98.0.7'] }, modes: {}, had: null, resourceVersion: undefined }],
    },
    // status.clusters of the control-plane ServiceImport.
    {
      name: 'status.clusters lists other exporters: patch it with the resourceVersion seen',
      snapshot: snap([], { serviceImport: cpImport({ statusClusters: ['member1'], resourceVersion: '7' }) }),
      decision: decision({ overrideRules: null, statusClusters: ['member1', 'member2'] }),
      steps: [{ kind: 'patch-status-clusters', namespace: 'ns', name: 'web', clusters: ['member1', 'member2'], resourceVersion: '7', had: ['member1'] }],
    },
    {
      name: 'status.clusters already lists them: nothing',
      snapshot: snap([], { serviceImport: cpImport({ statusClusters: ['member1', 'member2'] }) }),
      decision: decision({ overrideRules: null, statusClusters: ['member1', 'member2'] }),
      steps: [],
    },
    // Problems: a Warning once it is real, once per problem.
    {
      name: 'a problem without grace: one Warning',
      snapshot: snap([]),
      decision: decision({ problems: [noPorts] }),
      steps: [{ kind: 'problem', problem: noPorts, ...event('Warning', 'NoPorts', noPorts.message) }],
    },
    {
      name: 'a problem still in its grace period: nothing yet',
      snapshot: snap([]),
      decision: decision({ problems: [missing] }),
      steps: [],
    },
    {
      name: 'a problem already reported: nothing',
      snapshot: snap([]),
      decision: decision({ problems: [noPorts] }),
      memory: { problems: { firstSeen: { 'NoPorts/': 0 }, reported: ['NoPorts/'] } },
      now: 5_000,
      steps: [],
    },
    // Local-first switches.
    {
      name: 'a fail-over: a Warning',
      snapshot: snap([]),
      decision: decision({ localFirst: { states: {}, switches: [{ cluster: 'member2', from: 'local', to: 'derived' }] } }),
      steps: [{ kind: 'local-first-switch', cluster: 'member2', from: 'local', to: 'derived', ...event('Warning', 'FailedOver', 'member2: no ready local endpoints for ns/web; failing over to derived-web') }],
    },
    {
      name: 'a fail-back: a Normal Event',
      snapshot: snap([]),
      decision: decision({ localFirst: { states: {}, switches: [{ cluster: 'member2', from: 'derived', to: 'local' }] } }),
      steps: [{ kind: 'local-first-switch', cluster: 'member2', from: 'derived', to: 'local', ...event('Normal', 'FailedBack', 'member2: local ns/web ready for the whole hold-down; failing back to it') }],
    },
    // Without a control-plane ServiceImport there is nothing to attach an Event to; the log lines remain.
    {
      name: 'no control-plane ServiceImport: steps without Events',
      snapshot: snap([member('edge.eu-1', { serviceImport: si({ managed: false }) })], null),
      decision: decision({ importers: [direct('edge.eu-1', ['10.99.0.1'])], problems: [noPorts], localFirst: { states: {}, switches: [{ cluster: 'edge.eu-1', from: 'derived', to: 'local' }] } }),
      steps: [
        { kind: 'problem', problem: noPorts },
        { kind: 'local-first-switch', cluster: 'edge.eu-1', from: 'derived', to: 'local' },
        { kind: 'patch-member-ips', cluster: 'edge.eu-1', namespace: 'ns', name: 'web', ips: ['10.99.0.1'], resourceVersion: undefined, mode: undefined, annotate: false },
        { kind: 'ips-changed', cluster: 'edge.eu-1', from: [], to: ['10.99.0.1'] },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(plan(c.snapshot, c.decision, c.memory ?? {}, c.now ?? 0).steps).to.deep.equal(c.steps));
  }

  it('orders a pass: problems, switches, the policy and its changes, direct patches, status', () => {
    const p = plan(
      snap([member('edge.eu-1', { serviceImport: si({ managed: false }) })]),
      decision({
        importers: [managed('member2', ['10.98.0.7']), direct('edge.eu-1', ['10.99.0.1'])],
        overrideRules: { member2: ['10.98.0.7'] },
        statusClusters: ['member1'],
        problems: [noPorts],
        localFirst: { states: {}, switches: [{ cluster: 'member2', from: 'local', to: 'derived' }] },
      }),
      {},
      0,
    );
    expect(p.steps.map((s) => s.kind)).to.deep.equal([
      'problem', 'local-first-switch', 'apply-override-policy', 'ips-changed', 'patch-member-ips', 'ips-changed', 'patch-status-clusters',
    ]);
    expect(p.steps.map(isWrite)).to.deep.equal([false, false, true, false, true, false, true]);
  });

  describe('status.clusters through decide: a member we cannot see is not written out of it', () => {
    const listed = (statusClusters: string[]) => ({ serviceImport: cpImport({ statusClusters, resourceVersion: '7' }) });
    const patch = (clusters: string[], had: string[]): Step => ({ kind: 'patch-status-clusters', namespace: 'ns', name: 'web', clusters, resourceVersion: '7', had });
    const cases: Array<{ name: string; members: MemberView[]; listed: string[]; steps: Step[] }> = [
      { name: 'its token rotated: re-engaged, relisting, nothing seen yet: no write', members: [member('member1', { reachable: false, starting: true })], listed: ['member1'], steps: [] },
      { name: 'its Secret cannot be read: no write', members: [member('member1', { reachable: false })], listed: ['member1'], steps: [] },
      { name: 'reachable again, its ServiceExport gone: written out', members: [member('member1')], listed: ['member1'], steps: [patch([], ['member1'])] },
      { name: 'its Cluster deleted: written out', members: [member('member2', { exports: true })], listed: ['member1', 'member2'], steps: [patch(['member2'], ['member1', 'member2'])] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const s = snap(c.members, listed(c.listed));
        expect(plan(s, decide(s), {}, 0).steps.filter((x) => x.kind === 'patch-status-clusters')).to.deep.equal(c.steps);
      });
    }
  });

  it('says where a failed write\'s Warning goes, when there is a control-plane ServiceImport', () => {
    expect(plan(snap([]), decision(), {}, 0).eventTarget).to.deep.equal(target);
    expect(plan(snap([], null), decision(), {}, 0)).to.not.have.property('eventTarget');
  });

  describe('the state it hands on', () => {
    it('keeps the problems ledger while there are problems, and drops it when they are gone', () => {
      const first = plan(snap([]), decision({ problems: [noPorts, missing] }), {}, 1_000);
      expect(first.problems).to.deep.equal({ firstSeen: { 'NoPorts/': 1_000, 'DerivedServiceMissing/member2': 1_000 }, reported: ['NoPorts/'] } satisfies ProblemLedger);
      const gone = plan(snap([]), decision(), { problems: first.problems }, 2_000);
      expect(gone).to.not.have.property('problems');
    });

    it('hands on the local-first states, and none when local-first is off', () => {
      const states = { member2: { mode: 'local' as const, healthySince: 0 } };
      expect(plan(snap([]), decision({ localFirst: { states, switches: [] } }), {}, 0).localFirst).to.deep.equal(states);
      expect(plan(snap([]), decision(), {}, 0)).to.not.have.property('localFirst');
    });

    it('asks to look again at the earliest of a local-first recheck and a problem\'s grace end', () => {
      const cases: Array<[Partial<Decision>, Plan['requeueAfterMs']]> = [
        [{}, undefined],
        [{ localFirst: { states: {}, switches: [], recheckAfterMs: 200 } }, 200],
        [{ problems: [missing] }, 30_000],
        [{ problems: [missing], localFirst: { states: {}, switches: [], recheckAfterMs: 200 } }, 200],
      ];
      for (const [d, want] of cases) expect(plan(snap([]), decision(d), {}, 0).requeueAfterMs).to.equal(want);
    });
  });

  it('is a pure function: same input, same plan, inputs untouched', () => {
    const s = snap([member('edge.eu-1', { serviceImport: si({ managed: false }) })], policy({ member2: ['10.98.0.1'] }));
    const d = decision({ importers: [direct('edge.eu-1', ['10.99.0.1'])], overrideRules: { member2: ['10.98.0.7'] }, problems: [noPorts] });
    const before = JSON.stringify([s, d]);
    expect(plan(s, d, {}, 0)).to.deep.equal(plan(s, d, {}, 0));
    expect(JSON.stringify([s, d])).to.equal(before);
  });
});

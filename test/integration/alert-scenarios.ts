/**
 * Timelines of a two-replica controller for the alert rule tests: what each
 * replica's caches, problems ledger, CoreDNS set-up and leader election hold
 * at every minute, scraped through the controller's own Metrics registry
 * (createMetrics), so the series carry the names and labels /metrics really
 * shows, and a renamed metric or label leaves the alerts' expressions
 * selecting nothing, which fails the tests.
 */
import type { ProblemCount } from '../../src/runtime/clusterset-metrics.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import type { Scrape } from '../env/prometheus-series.js';

/** The Lease the controller elects on by default (clusterset-dns karmada install). */
const LEASE = 'clusterset-dns';
const REPLICAS = ['clusterset-dns-0', 'clusterset-dns-1'] as const;

/** What one replica holds at one minute; absent = nothing to report. */
export interface ReplicaState {
  readonly leading?: boolean;
  readonly reachable?: Readonly<Record<string, boolean>>;
  readonly withoutIps?: Readonly<Record<string, number>>;
  readonly problems?: readonly ProblemCount[];
  /** The leader's set-up outcomes; a replica not leading exports none, as in run --manage-coredns. */
  readonly corednsConfigured?: Readonly<Record<string, boolean>>;
  readonly leaseTransitions?: number;
}

/** An alert expected to fire: its labels beyond alertname and severity, and its rendered summary. */
export interface FiringAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
}

export interface Scenario {
  readonly name: string;
  readonly minutes: number;
  /** Both replicas' state at a minute. */
  readonly at: (minute: number) => readonly [ReplicaState, ReplicaState];
  /** What must be firing, by alert, at the given minutes; alerts not named must not fire. */
  readonly expect: ReadonlyArray<{ readonly minute: number; readonly firing: Readonly<Record<string, readonly FiringAlert[]>> }>;
}

/** Scrapes each replica once a minute for the scenario's length: steps[minute] holds one scrape per replica. */
export async function scrapeScenario(s: Scenario): Promise<Scrape[][]> {
  const replicas = REPLICAS.map((pod) => {
    const metrics = createMetrics({ defaultMetrics: false, buildInfo: { version: '0.0.0-test', commit: 'test', nodeVersion: process.version } });
    const holder: { state: ReplicaState } = { state: {} };
    metrics.readStateFrom({
      membersReachable: () => Object.entries(holder.state.reachable ?? {}),
      serviceImportsWithoutIps: () => Object.entries(holder.state.withoutIps ?? {}),
      problems: () => holder.state.problems ?? [],
      corednsConfigured: () => (holder.state.leading ? Object.entries(holder.state.corednsConfigured ?? {}) : []),
    });
    return { pod, metrics, holder };
  });
  const steps: Scrape[][] = [];
  for (let minute = 0; minute <= s.minutes; minute++) {
    const states = s.at(minute);
    const scrapes: Scrape[] = [];
    for (const [i, r] of replicas.entries()) {
      const state = states[i]!;
      r.holder.state = state;
      r.metrics.leaderElection.setLeading(LEASE, state.leading ?? false);
      if (state.leaseTransitions !== undefined) r.metrics.leaderElection.setLeaseTransitions?.(LEASE, state.leaseTransitions);
      scrapes.push({ target: { job: 'clusterset-dns', pod: r.pod }, text: (await r.metrics.scrape()).body });
    }
    steps.push(scrapes);
  }
  return steps;
}

const allReachable = { member1: true, member2: true };
const healthy: ReplicaState = { reachable: allReachable, withoutIps: { member1: 0, member2: 0 }, corednsConfigured: { member1: true, member2: true }, leaseTransitions: 1 };
const leader = (s: ReplicaState = {}): ReplicaState => ({ ...healthy, ...s, leading: true });
const follower = (s: ReplicaState = {}): ReplicaState => ({ ...healthy, ...s, leading: false });

const WITHOUT_IPS = 'ClustersetDNSServiceImportWithoutIPs';
const UNREACHABLE = 'ClustersetDNSMemberUnreachable';
const NOT_SERVING = 'ClustersetDNSCoreDNSNotServingZone';
const FLAPPING = 'ClustersetDNSLeaderFlapping';
export const ALERTS = [WITHOUT_IPS, UNREACHABLE, NOT_SERVING, FLAPPING] as const;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'healthy: two members served, one leader, one rollout long ago',
    minutes: 70,
    at: () => [leader(), follower()],
    expect: [10, 30, 70].map((minute) => ({ minute, firing: {} })),
  },
  (() => {
    // member1: two imports stay without IPs; member2: one recovers after 8 minutes (Karmada was slow to create derived-<svc>).
    const state = (m: number): ReplicaState => ({ withoutIps: { member1: 2, member2: m < 8 ? 1 : 0 }, problems: [{ reason: 'DerivedServiceMissing', member: 'member1', count: 2 }] });
    return {
      name: 'imports without IPs: fires for the member that stays without for 10 minutes, not for one that recovers',
      minutes: 20,
      at: (m) => [leader(state(m)), follower({ withoutIps: state(m).withoutIps ?? {} })],
      expect: [
        { minute: 9, firing: {} },
        { minute: 10, firing: { [WITHOUT_IPS]: [{ labels: { member_cluster: 'member1' }, summary: '2 ServiceImport(s) in member1 have had no spec.ips for 10 minutes' }] } },
        { minute: 20, firing: { [WITHOUT_IPS]: [{ labels: { member_cluster: 'member1' }, summary: '2 ServiceImport(s) in member1 have had no spec.ips for 10 minutes' }] } },
      ],
    };
  })(),
  (() => {
    // member1: only one replica cannot read it (its own network), so the controller still can;
    // member2: no replica can, from minute 3; member3: a 3-minute outage.
    const reachable = (m: number, replica: 0 | 1) => ({ member1: replica === 1, member2: m < 3, member3: m < 2 || m > 4 });
    return {
      name: 'member unreachable: fires when no replica reads it for 5 minutes, not for one replica nor a short outage',
      minutes: 15,
      at: (m) => [leader({ reachable: reachable(m, 0) }), follower({ reachable: reachable(m, 1) })],
      expect: [
        { minute: 7, firing: {} },
        { minute: 8, firing: { [UNREACHABLE]: [{ labels: { member_cluster: 'member2' }, summary: 'The controller cannot read member member2' }] } },
        { minute: 15, firing: { [UNREACHABLE]: [{ labels: { member_cluster: 'member2' }, summary: 'The controller cannot read member member2' }] } },
      ],
    };
  })(),
  (() => {
    // CoreDNS in member1 stays unconfigured (say, the ConfigMap is Helm's) across a change of leader at minute 10.
    const coredns = { corednsConfigured: { member1: false, member2: true } };
    return {
      name: 'CoreDNS not serving the zone: fires after 15 minutes, across a change of leader',
      minutes: 20,
      at: (m) => (m < 10 ? [leader(coredns), follower(coredns)] : [follower({ ...coredns, leaseTransitions: 2 }), leader({ ...coredns, leaseTransitions: 2 })]),
      expect: [
        { minute: 14, firing: {} },
        { minute: 15, firing: { [NOT_SERVING]: [{ labels: { member_cluster: 'member1' }, summary: 'CoreDNS in member1 is not set up for the clusterset zone' }] } },
      ],
    };
  })(),
  (() => {
    // A rollout took the lease to 2 before minute 0; from minute 62 it changes hands every 2 minutes.
    const transitions = (m: number) => (m < 62 ? 2 : 2 + Math.floor((m - 60) / 2));
    return {
      name: 'leader flapping: fires on the 4th change of hands within an hour, not on a rollout',
      minutes: 70,
      at: (m) => [leader({ leaseTransitions: transitions(m) }), follower({ leaseTransitions: transitions(m) })],
      expect: [
        { minute: 61, firing: {} },
        { minute: 66, firing: {} },
        { minute: 68, firing: { [FLAPPING]: [{ labels: { name: LEASE }, summary: 'Leadership of clusterset-dns changed hands 4 times in an hour' }] } },
      ],
    };
  })(),
];

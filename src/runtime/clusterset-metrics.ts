/**
 * This controller's own metrics, for what controller-runtime has no name for:
 * the build, members, informers, writes, decisions, and the current state an
 * operator alerts on. Every name starts with `clusterset_dns_`; the names and
 * labels are a stable interface (docs/metrics.md lists each one).
 *
 * A series about one member cluster carries `member_cluster`, the label
 * Karmada's own metrics use for the same thing (cluster_ready_state,
 * create_resource_to_cluster, … in karmada pkg/metrics), so the two join
 * with `on(member_cluster)`. The informer metrics keep `cluster`: they
 * describe an API server watched, and one of those is the Karmada control
 * plane ("karmada"), which is not a member.
 *
 * The current-state gauges are not kept up to date by the code that changes
 * the state: at each scrape they ask a reader (StateReaders) for the state
 * the controller already holds — caches, the problems ledger, the CoreDNS
 * set-up outcomes — and replace their series with the answer. A member or a
 * reason that is gone takes its series with it, and no API call is made.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Decisions are pure functions over an in-memory snapshot: expect micro- to
 * milliseconds, and anything near a second means a snapshot too large.
 */
export const DECISION_DURATION_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** A value per member cluster. */
export type PerMember<T> = Iterable<readonly [member: string, value: T]>;

/** Standing problems of one reason in one member ('' when the problem is not about a member). */
export interface ProblemCount {
  readonly reason: string;
  readonly member: string;
  readonly count: number;
}

/**
 * Where the current-state gauges read from, at each scrape. Each is a pure
 * read of in-memory state and must not throw (a throw fails the scrape). A
 * reader not given yet leaves its gauge without series.
 */
export interface StateReaders {
  /** Every member the controller knows, and whether its caches are live. */
  membersReachable?: (() => PerMember<boolean>) | undefined;
  /** Per member, the ServiceImports that are ours to fill and hold no spec.ips now. */
  serviceImportsWithoutIps?: (() => PerMember<number>) | undefined;
  /** Problems standing now (reported, and not yet gone). */
  problems?: (() => Iterable<ProblemCount>) | undefined;
  /** run --manage-coredns: whether the last set-up left each member's CoreDNS serving the zone; nothing while not leading. */
  corednsConfigured?: (() => PerMember<boolean>) | undefined;
}

/** A gauge whose series are replaced by `read()` at every scrape. */
function stateGauge<L extends string>(
  registers: Registry[],
  def: { name: string; help: string; labelNames: readonly L[] },
  read: () => Iterable<readonly [Partial<Record<L, string>>, number]> | undefined,
): Gauge<L> {
  return new Gauge({
    ...def,
    registers,
    collect() {
      this.reset();
      for (const [labels, value] of read() ?? []) this.set(labels, value);
    },
  });
}

function* perMember<T>(read: (() => PerMember<T>) | undefined, value: (v: T) => number): Iterable<readonly [{ member_cluster: string }, number]> {
  for (const [member, v] of read?.() ?? []) yield [{ member_cluster: member }, value(v)];
}

const one = (b: boolean) => (b ? 1 : 0);

/** The gauges read at scrape time from `state` (its readers may be set after this is called). */
function stateMetrics(registers: Registry[], state: StateReaders) {
  return {
    memberReachable: stateGauge(registers, {
      name: 'clusterset_dns_member_reachable',
      help: 'Whether the controller can read the member cluster now (1) or not (0); joins Karmada\'s cluster_ready_state on member_cluster.',
      labelNames: ['member_cluster'] as const,
    }, () => perMember(state.membersReachable, one)),
    serviceImportsWithoutIps: stateGauge(registers, {
      name: 'clusterset_dns_serviceimports_without_ips',
      help: 'ServiceImports in the member that are ours to fill and hold no spec.ips now: CoreDNS answers no address for them there (last known state while the member is unreachable).',
      labelNames: ['member_cluster'] as const,
    }, () => perMember(state.serviceImportsWithoutIps, (n) => n)),
    problems: stateGauge(registers, {
      name: 'clusterset_dns_problems',
      help: 'Problems standing now, by reason (the Warning Event reasons) and member_cluster ("" when not about one member); counted once reported (after any grace period) until they go away. Leader only.',
      labelNames: ['reason', 'member_cluster'] as const,
    }, function* () {
      for (const p of state.problems?.() ?? []) yield [{ reason: p.reason, member_cluster: p.member }, p.count];
    }),
    corednsConfigured: stateGauge(registers, {
      name: 'clusterset_dns_coredns_configured',
      help: 'run --manage-coredns: 1 when the last set-up left the member\'s CoreDNS serving the clusterset zone (installed, unchanged, or set up by someone else), 0 otherwise or while the first attempt runs. Leader only.',
      labelNames: ['member_cluster'] as const,
    }, () => perMember(state.corednsConfigured, one)),
  };
}

/** This controller's own metrics, registered in this order. */
export function clustersetMetrics(registers: Registry[], state: StateReaders) {
  return {
    // The Prometheus convention for build metadata: a constant 1, the facts in labels, joined onto other series with `* on(pod) group_left(version, commit)`.
    buildInfo: new Gauge({
      name: 'clusterset_dns_build_info',
      help: 'Always 1; the labels say which build runs: version (package.json), commit (the git commit it was built from, "unknown" when not recorded) and node_version.',
      labelNames: ['version', 'commit', 'node_version'] as const,
      registers,
    }),
    informerLastEventTimestampSeconds: new Gauge({
      name: 'clusterset_dns_informer_last_event_timestamp_seconds',
      help: 'Unix time of the last list or watch event an informer received; alert on time() minus this. cluster is the API server: "karmada" for the control plane, else the member.',
      labelNames: ['cluster', 'resource'] as const,
      registers,
    }),
    informerRestartsTotal: new Counter({
      name: 'clusterset_dns_informer_restarts_total',
      help: 'Times an informer restarted its list/watch, by reason. cluster is the API server: "karmada" for the control plane, else the member.',
      labelNames: ['cluster', 'resource', 'reason'] as const,
      registers,
    }),
    ...stateMetrics(registers, state),
    writesTotal: new Counter({
      name: 'clusterset_dns_writes_total',
      help: 'Writes to the API by kind (overridepolicy, serviceimport, status; with --auto-import also namespace, propagationpolicy, serviceexport, serviceexport-status, endpointslice) and result (success, conflict, error, fenced).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    writeRoute: new Gauge({
      name: 'clusterset_dns_write_route',
      help: 'How Karmada-managed member ServiceImports are written: 1 for the route in use (retain, override-policy or hold), 0 for the others.',
      labelNames: ['route'] as const,
      registers,
    }),
    localFirstSwitchesTotal: new Counter({
      name: 'clusterset_dns_local_first_switches_total',
      help: 'Local-first switches: to "derived" (fail over) or to "local" (fail back after the hold-down).',
      labelNames: ['to'] as const,
      registers,
    }),
    corednsSetupTotal: new Counter({
      name: 'clusterset_dns_coredns_setup_total',
      help: 'run --manage-coredns: CoreDNS set-up attempts per member by result (installed, unchanged, foreign, refused, owned, rolled-back, failed, error).',
      labelNames: ['member_cluster', 'result'] as const,
      registers,
    }),
    leaderLeaseTransitions: new Gauge({
      name: 'clusterset_dns_leader_lease_transitions',
      help: 'spec.leaseTransitions of the leader-election Lease as this replica last read it: how many times leadership changed hands. Alert on its increase.',
      labelNames: ['name'] as const,
      registers,
    }),
    decisionDurationSeconds: new Histogram({
      name: 'clusterset_dns_decision_duration_seconds',
      help: 'Time spent in the pure decision function of one reconcile.',
      labelNames: [] as const,
      buckets: [...DECISION_DURATION_BUCKETS],
      registers,
    }),
  };
}

/**
 * `clusterset-dns run`: wiring only. Builds the parts — the caches of the
 * Karmada control plane and its members, the ServiceImport controller, the
 * event recorder, and with --manage-coredns the CoreDNS set-up — and hands
 * them to the Manager (src/runtime/manager.ts), which starts them, runs the
 * writers only while this replica holds the lease, serves the probes and
 * metrics, and stops everything in order. Every behaviour lives in the
 * module named beside each step.
 */
import * as k8s from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import type { Secret } from '../api/core.js';
import type { ServiceImport } from '../api/mcs.js';
import { ClusterManager } from '../karmada/cluster-manager.js';
import { reflectorInformerFactory } from '../runtime/cache/reflector-informer.js';
import { Controller } from '../serviceimport/controller.js';
import { EventRecorder } from '../serviceimport/events.js';
import { Reconciler } from '../serviceimport/reconciler.js';
import { standingProblems } from '../serviceimport/problems.js';
import { serviceImportsWithoutIps } from '../serviceimport/without-ips.js';
import { serviceImportOfPolicy } from '../serviceimport/overridepolicy.js';
import { localFirstEnabled } from '../serviceimport/localfirst.js';
import { Writer } from '../serviceimport/writer.js';
import { RouteSelector, WRITE_ROUTE_FLAGS, type ManagedRoute, type WriteRouteFlag } from '../serviceimport/route.js';
import { retentionState } from '../karmada/retention.js';
import { realClock } from '../runtime/clock.js';
import { installCoreDns, type InstallOptions } from '../coredns/install.js';
import { CoreDnsManager } from '../coredns/manage.js';
import { closeConnections, makeClient } from '../kube/client.js';
import { undefinedIfNotFound } from '../kube/errors.js';
import { condition, parseBindAddress } from '../runtime/health.js';
import { resolveLevel } from '../runtime/log-level.js';
import { createLogger, type Logger } from '../runtime/logging.js';
import { DEFAULT_LEASE_NAMESPACE } from '../runtime/leaderelection/lease-namespace.js';
import { Manager, startStop, untilAborted, type Runnable } from '../runtime/manager.js';
import { createMetrics, type Metrics } from '../runtime/metrics.js';
import { RateLimitingQueue } from '../runtime/workqueue/ratelimiting.js';
import { COREDNS_FLAGS, parseInstallOptions } from './coredns.js';
import { HELP_FLAG, UsageError, flagHelp, parseFlags, type FlagSpec, type FlagValues, type HelpRequest } from './internal/flags.js';
import { EXIT_FAILURE, parseOrExit, processIo, reportError, type Io } from './internal/io.js';
import { loadKubeConfig } from './internal/kubeconfig.js';
import { memberReadiness } from './internal/member-readiness.js';


/** `coredns install`'s option flags, taken as they are, for --manage-coredns. */
const MANAGE_COREDNS_FLAGS = COREDNS_FLAGS.filter((f) =>
  ['zone', 'coredns-namespace', 'coredns-deployment', 'coredns-configmap', 'coredns-version', 'coredns-flavor', 'ttl', 'header-ra-fix', 'rollout', 'rollout-timeout'].includes(f.name));
const MANAGE_COREDNS_DEFAULTS = parseFlags(MANAGE_COREDNS_FLAGS, [], {});

/**
 * The install options --manage-coredns uses, validated by `coredns install`'s
 * own parser. Throws UsageError; undefined without --manage-coredns, where
 * setting one of its flags is a mistake worth saying.
 */
export function manageCorednsOptions(flags: FlagValues): InstallOptions | undefined {
  if (flags['manage-coredns']) return parseInstallOptions(flags);
  const given = MANAGE_COREDNS_FLAGS.filter((f) => flags[f.name] !== MANAGE_COREDNS_DEFAULTS[f.name]);
  if (given.length > 0) throw new UsageError(`${given.map((f) => `--${f.name}`).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} with --manage-coredns only`);
  return undefined;
}

/**
 * A cold fill is bound by write latency, not CPU: each reconcile that writes
 * spends most of its time waiting for the API server, one write after
 * another. 16 workers keep 8-16 writes in flight per member API server for
 * one or two members (docs/design.md#runtime).
 */
export const DEFAULT_WORKERS = 16;

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', default: '', help: 'Kubeconfig of the Karmada API server (karmada-apiserver). Empty: $KUBECONFIG, then in-cluster config; never ~/.kube/config (docs/cli.md).' },
  { name: 'context', kind: 'string', default: '', env: 'KARMADA_CONTEXT', help: 'Context in --kubeconfig to use. Empty: its current context.' },
  { name: 'leader-elect', kind: 'bool', default: 'true', help: 'Elect a leader on a Lease in the Karmada control plane, so replicas never write at once (client-go timings: 15s lease, 10s renew deadline, 2s retry).' },
  { name: 'leader-election-namespace', kind: 'string', default: DEFAULT_LEASE_NAMESPACE, help: 'Namespace of the leader-election Lease, on the Karmada API server.' },
  { name: 'leader-election-id', kind: 'string', default: 'clusterset-dns', help: 'Name of the leader-election Lease.' },
  { name: 'write-route', kind: 'string', default: 'auto', help: 'How Karmada-managed member ServiceImports get spec.ips: "retain" patches the member and relies on the retention rule (`clusterset-dns karmada install`) to keep it; "override-policy" writes one OverridePolicy per ServiceImport; "auto" uses retain while the rule is installed and usable, OverridePolicies otherwise (docs/design.md#where-writes-go).' },
  { name: 'workers', kind: 'int', default: String(DEFAULT_WORKERS), help: `ServiceImport keys reconciled in parallel. A reconcile that writes waits on the API server, so a cold fill (every import at start-up) goes as fast as writes in flight allow; ${DEFAULT_WORKERS} keeps about ${DEFAULT_WORKERS / 2} writes in flight per member API server with two members (docs/design.md#runtime).` },
  { name: 'health-probe-bind-address', kind: 'string', default: ':8081', help: 'Address of /healthz and /readyz ("0" disables).' },
  { name: 'metrics-bind-address', kind: 'string', default: ':8080', help: 'Address of /metrics ("0" disables; the same as the probe address serves both on one port).' },
  { name: 'local-first', kind: 'bool', default: 'false', help: 'Prefer the importing member\'s own <svc> while it has ready endpoints (docs/local-first.md). Per ServiceImport, the annotation clusterset-dns.io/local-first: "true"|"false" wins.' },
  { name: 'failover-debounce', kind: 'duration', default: '200ms', help: 'Local-first: how long "no ready local endpoint" must last before failing over (absorbs EndpointSlice replacement).' },
  { name: 'fail-back-hold-down', kind: 'duration', default: '30s', help: 'Local-first: how long the local copy must stay ready before failing back, so a flapping pod cannot flap DNS.' },
  { name: 'manage-coredns', kind: 'bool', default: 'false', help: 'Set CoreDNS up in every member as it joins, as `clusterset-dns coredns install` does (RBAC + Corefile stanza; refusals and "set up by someone else" are respected; retried with backoff). The leader does it. The --zone, --coredns-*, --ttl, --header-ra-fix and --rollout* flags below apply to it. docs/coredns.md.' },
  ...MANAGE_COREDNS_FLAGS,
  { name: 'log-level', kind: 'string', default: 'info', env: 'LOG_LEVEL', help: 'fatal, error, warn, info, debug or trace. Logs are JSON on stdout; tokens are never logged.' },
  HELP_FLAG,
];

export const RUN_HELP = `Usage: clusterset-dns run [flags]

Fills ServiceImport.spec.ips in every importing member cluster of a Karmada
federation with that member's derived-<svc> ClusterIP, so CoreDNS answers
<svc>.<ns>.svc.clusterset.local. Karmada-managed member ServiceImports are
patched in the member and kept by Karmada's retention rule, or written through
one OverridePolicy per ServiceImport (clusterset-dns-<name>) without it (see
--write-route). A ServiceImport Karmada does not propagate is written only when
annotated clusterset-dns.io/fill-ips=true. See docs/architecture.md.

Exit codes: 0 stopped by SIGTERM or SIGINT; 1 failed (a port in use, or a part stopped
unexpectedly; the logs say why); 2 usage (a flag, or the kubeconfig or context it names).

Flags (some can also come from the environment variable shown):
${flagHelp(RUN_FLAGS)}
`;

export interface RunCommand {
  flags: FlagValues;
  coredns: InstallOptions | undefined;
}

/** argv (after "run") → the flags, checked; pure but for the environment variables the flags read. Throws UsageError. */
export function parseRunArgs(argv: string[], env: Record<string, string | undefined> = process.env): RunCommand | HelpRequest {
  if (argv[0] === 'help') return { help: undefined };
  const flags = parseFlags(RUN_FLAGS, argv, env);
  if (flags['help']) return { help: undefined };
  const coredns = manageCorednsOptions(flags);
  if (!WRITE_ROUTE_FLAGS.includes(String(flags['write-route']) as WriteRouteFlag)) {
    throw new UsageError(`--write-route: want ${WRITE_ROUTE_FLAGS.join(', ')}, got ${JSON.stringify(String(flags['write-route']))}`);
  }
  if (Number(flags['workers']) < 1) throw new UsageError('--workers: want at least 1');
  // The parsers the logger and the health server use, run now: a bad value is a usage error before anything starts.
  const checks: Array<[string, (v: string) => unknown]> = [
    ['log-level', (v) => resolveLevel({ level: v })],
    ['health-probe-bind-address', parseBindAddress],
    ['metrics-bind-address', parseBindAddress],
  ];
  for (const [name, check] of checks) {
    try {
      check(String(flags[name]));
    } catch (e) {
      throw new UsageError(`--${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { flags, coredns };
}

/** Which flag names the address a listen error is about, so the message says what to change. */
function listenFailure(e: unknown, flags: FlagValues): string | undefined {
  const { code, port } = e as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  const flag = ['health-probe-bind-address', 'metrics-bind-address'].find((f) => parseBindAddress(String(flags[f]))?.port === port);
  const why = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'needs privileges' : 'is not an address of this host';
  return `${flag ? `--${flag} ${String(flags[flag])}` : `port ${String(port)}`} ${why}; give it another address, or "0" to turn it off`;
}

function secretReader(kc: k8s.KubeConfig): (namespace: string, name: string) => Promise<Secret | undefined> {
  const core = makeClient(kc, k8s.CoreV1Api);
  return (namespace, name) => undefinedIfNotFound(async () => (await core.readNamespacedSecret({ namespace, name })) as unknown as Secret);
}

/**
 * A retention rule that appears while we run is used after this long: Karmada's
 * controllers load customizations from their own watch, and an OverridePolicy
 * rule retired before they have it would let Karmada empty the member's spec.ips.
 */
const RETENTION_SETTLE_MS = 5_000;
const MANAGED_ROUTES: readonly ManagedRoute[] = ['retain', 'override-policy', 'hold'];
const ROUTE_RECHECK_MS = 2_000;

/** The ServiceImport controller as a leader runnable: reconciles everything once, then what changes, until stopped. */
function controllerRunnable(controller: Controller, queue: RateLimitingQueue<string>, clusters: ClusterManager, route: RouteSelector, metrics: Metrics, workers: number, log: Logger): Runnable {
  return {
    start: async (signal) => {
      const choice = route.start(retentionState(clusters.customizations()));
      metrics.setWriteRoute(choice.route, MANAGED_ROUTES);
      log.info({ route: choice.route }, `write route: ${choice.why}`);
      log.info({ members: clusters.memberStatus() }, 'caches synced (control plane, and every member listed or failed); reconciling');
      controller.enqueue('all');
      const done = controller.run(workers);
      void untilAborted(signal).then(() => queue.shutDown());
      await done;
      route.stop();
    },
  };
}

/** The caches, the controller and the event recorder, wired to each other and to the metrics. */
function buildController(kc: k8s.KubeConfig, flags: FlagValues, metrics: Metrics, log: Logger) {
  const workers = Number(flags['workers']);
  const queue = new RateLimitingQueue<string>({ name: 'serviceimport', metrics: metrics.workQueue('serviceimport') });
  // onKeys is first called once the caches run, when `controller` below exists.
  // Members' EndpointSlices are watched only while some ServiceImport uses local-first.
  const needsEndpointSlices = (si: ServiceImport) => localFirstEnabled(Boolean(flags['local-first']), si.metadata.annotations);
  const clusters = new ClusterManager(kc, reflectorInformerFactory(log, metrics), secretReader(kc), (keys) => controller.enqueue(keys), log, { serviceImportOfPolicy, needsEndpointSlices });
  const route = new RouteSelector({
    flag: String(flags['write-route']) as WriteRouteFlag,
    clock: realClock,
    settleMs: RETENTION_SETTLE_MS,
    // Cheap: a list of a few cached objects.
    poll: { read: () => retentionState(clusters.customizations()), everyMs: ROUTE_RECHECK_MS },
    onChange: (now, before) => {
      metrics.setWriteRoute(now.route, MANAGED_ROUTES);
      if (now.route === before.route) return log.info({ route: now.route }, `write route: ${now.why}`);
      log.warn({ route: now.route, was: before.route }, `write route changed: ${now.why}`);
      // Every key may now be written another way: look at each once.
      controller.enqueue('all');
    },
  });
  clusters.onCustomizationsChanged(() => route.update(retentionState(clusters.customizations())));
  const writer = new Writer(kc, (cluster) => clusters.memberClient(cluster), (kind, result) => {
    if (kind !== 'event') metrics.write(kind, result);
  });
  const events = new EventRecorder((e) => writer.event(e.involved, e.type, e.reason, e.message), log);
  const reconciler = new Reconciler({
    caches: clusters,
    writer,
    events,
    log,
    hooks: {
      decisionSeconds: (s) => metrics.observeDecision(s),
      localFirstSwitch: (to) => metrics.localFirstSwitch(to),
    },
    localFirst: {
      flag: Boolean(flags['local-first']),
      config: { debounceMs: Number(flags['failover-debounce']), holdDownMs: Number(flags['fail-back-hold-down']) },
    },
    managedRoute: () => route.current().route,
  });
  // Current state for the gauges, read at each scrape from what the caches and the reconciler hold.
  metrics.readStateFrom({
    membersReachable: () => clusters.memberStatus().map((s) => [s.cluster, s.reachable] as const),
    serviceImportsWithoutIps: () => serviceImportsWithoutIps(clusters),
    problems: () => standingProblems(reconciler.problemLedgers()),
  });
  const ctrlMetrics = metrics.controller('serviceimport', { maxConcurrentReconciles: workers });
  const controller: Controller = new Controller(queue, reconciler, () => clusters.allKeys(), log, {
    reconciled: (result, s) => ctrlMetrics.reconciled(result, s),
    activeWorkers: (d) => (d > 0 ? ctrlMetrics.workerBusy() : ctrlMetrics.workerIdle()),
  });
  return { clusters, events, controller: controllerRunnable(controller, queue, clusters, route, metrics, workers, log) };
}

export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const parsed = parseOrExit('run', () => RUN_HELP, parseRunArgs, argv, io);
  if (typeof parsed === 'number') return parsed;
  const { flags, coredns: corednsOptions } = parsed;
  let kc: k8s.KubeConfig;
  try {
    kc = loadKubeConfig({ path: String(flags['kubeconfig']), context: String(flags['context']), whenNoPath: 'in-cluster' });
  } catch (e) {
    return reportError('run', e, io);
  }
  const log = createLogger({ level: String(flags['log-level']) }).child({ controller: 'serviceimport' });
  process.on('unhandledRejection', (reason) => {
    // A promise nobody awaited failed: the process state is unknown. Fail loudly.
    log.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });

  const metrics = createMetrics();
  const { clusters, events, controller } = buildController(kc, flags, metrics, log);
  const podName = process.env['POD_NAME'];
  const mgr = new Manager({
    log,
    health: { registry: metrics.registry, probeAddress: String(flags['health-probe-bind-address']), metricsAddress: String(flags['metrics-bind-address']) },
    leaderElection: {
      enabled: Boolean(flags['leader-elect']),
      name: String(flags['leader-election-id']),
      namespace: String(flags['leader-election-namespace']),
      // In a pod, its name (the hostname otherwise), plus a fresh UUID as client-go does.
      ...(podName ? { identity: `${podName}_${randomUUID()}` } : {}),
      kubeConfig: kc,
      metrics: metrics.leaderElection,
    },
  });

  // Probes: alive while the event loop runs; ready once the control-plane caches synced.
  mgr.addHealthzCheck('ping', () => {});
  mgr.addReadyzCheck('informers', condition(() => clusters.synced(), 'caches not synced yet: the control plane, or a member still on its first list'));

  // Stopped in reverse: the readiness refresher, then the recorder (it sends what is queued while the members' clients still work), then the caches, then the control plane's pooled connections.
  mgr.add(startStop({ stop: () => closeConnections(kc) }), { needLeaderElection: false });
  mgr.add(startStop(clusters), { needLeaderElection: false });
  mgr.add(startStop({ stop: () => events.stop() }), { needLeaderElection: false });
  mgr.add(memberReadiness({ status: () => clusters.memberStatus(), addReadyzCheck: (n, c, o) => mgr.addReadyzCheck(n, c, o) }), { needLeaderElection: false });

  // --manage-coredns: told about every member the caches engage; acts while leading.
  if (corednsOptions) {
    const coredns = new CoreDnsManager({ install: installCoreDns, options: corednsOptions, log: log.child({ component: 'coredns' }), counted: (c, r) => metrics.corednsSetup(c, r) });
    clusters.onMemberEngaged((cluster, mkc) => coredns.engaged(cluster, mkc));
    clusters.onMemberGone((cluster) => coredns.gone(cluster));
    metrics.readStateFrom({ corednsConfigured: () => coredns.configured() });
    mgr.add(startStop(coredns), { needLeaderElection: true });
  }
  mgr.add(controller, { needLeaderElection: true });
  try {
    return await mgr.start();
  } catch (e) {
    // start() rejects only when the probe or metrics server cannot listen, before anything else started.
    const why = listenFailure(e, flags);
    if (why === undefined) throw e;
    io.stderr(`clusterset-dns run: ${why}\n`);
    return EXIT_FAILURE;
  }
}

/**
 * `clusterset-dns run` once its flags are checked (./run.ts parses them):
 * builds the parts and hands them to the Manager (src/runtime/manager.ts).
 * Imported by run.ts only after parsing, because these modules load the API
 * client, the logger and the metrics library.
 */import * as k8s from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import type { Secret } from '../api/core.js';
import type { ServiceImport } from '../api/mcs.js';
import { ClusterManager, type MemberAccessConfig } from '../karmada/cluster-manager.js';
import type { MemberAccessMode } from '../karmada/member-access-mode.js';
import { reflectorInformerFactory } from '../runtime/cache/reflector-informer.js';
import { Controller, WEDGED_RECONCILE_MS } from '../runtime/controller.js';
import { EventRecorder } from '../serviceimport/events.js';
import { Reconciler } from '../serviceimport/reconciler.js';
import { standingProblems } from '../serviceimport/problems.js';
import { serviceImportsWithoutIps } from '../serviceimport/without-ips.js';
import { overridePolicyName, serviceImportOfPolicy } from '../serviceimport/overridepolicy.js';
import { localFirstEnabled } from '../serviceimport/localfirst.js';
import { Writer, type WriteFence } from '../serviceimport/writer.js';
import { RouteSelector, type ManagedRoute, type WriteRouteFlag } from '../serviceimport/route.js';
import { AUTO_IMPORT_SELECTOR, buildAutoImports, type AutoImports } from './run-autoimport.js';
import { retentionState } from '../karmada/retention.js';
import { realClock } from '../runtime/clock.js';
import { installCoreDns } from '../coredns/install.js';
import { CoreDnsManager } from '../coredns/manage.js';
import { closeConnections, makeClient } from '../kube/client.js';
import { undefinedIfNotFound } from '../kube/errors.js';
import { condition, parseBindAddress } from '../runtime/health.js';
import { createLogger, type Logger } from '../runtime/logging.js';
import { Manager, startStop, untilAborted, type Runnable } from '../runtime/manager.js';
import { createMetrics, type Metrics } from '../runtime/metrics.js';
import { RateLimitingQueue } from '../runtime/workqueue/ratelimiting.js';
import { wedgedWorkersCheck } from '../runtime/workqueue/wedged.js';
import type { FlagValues } from './internal/flags.js';
import { EXIT_FAILURE, reportError, type Io } from './internal/io.js';
import type { RunCommand } from './run.js';
import { loadKubeConfig } from './internal/kubeconfig.js';
import { memberReadiness } from './internal/member-readiness.js';
import { credentialsSource, ownCredentialsWatch } from './internal/own-credentials-watch.js';


/** Which flag names the address a listen error is about, so the message says what to change. */
function listenFailure(e: unknown, flags: FlagValues): string | undefined {
  const { code, port } = e as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  const flag = ['health-probe-bind-address', 'metrics-bind-address'].find((f) => parseBindAddress(String(flags[f]))?.port === port);
  const why = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'needs privileges' : 'is not an address of this host';
  return `${flag ? `--${flag} ${String(flags[flag])}` : `port ${String(port)}`} ${why}; give it another address, or "0" to turn it off`;
}

/** --member-access: only the direct way gets a Secret reader (and needs config/karmada/direct-access). */
function memberAccessConfig(kc: k8s.KubeConfig, mode: MemberAccessMode): MemberAccessConfig {
  if (mode === 'proxy') return { mode };
  const core = makeClient(kc, k8s.CoreV1Api);
  return { mode, getSecret: (namespace, name) => undefinedIfNotFound(async () => (await core.readNamespacedSecret({ namespace, name })) as unknown as Secret) };
}

/**
 * A retention rule that appears while we run is used after this long: Karmada's
 * controllers load customizations from their own watch, and an OverridePolicy
 * rule retired before they have it would let Karmada empty the member's spec.ips.
 */
const RETENTION_SETTLE_MS = 5_000;
const MANAGED_ROUTES: readonly ManagedRoute[] = ['retain', 'override-policy', 'hold'];
const ROUTE_RECHECK_MS = 2_000;

/**
 * The ServiceImport controller as a leader runnable: reconciles everything
 * once, then what changes, until stopped. Stopping cancels the writes in
 * flight (`stopWrites`), so the workers return at once and the lease is
 * released without waiting on a silent API server.
 */
function controllerRunnable(controller: Controller, queue: RateLimitingQueue<string>, stopWrites: AbortController, clusters: ClusterManager, route: RouteSelector, metrics: Metrics, workers: number, log: Logger): Runnable {
  return {
    start: async (signal) => {
      const choice = route.start(retentionState(clusters.customizations()));
      metrics.setWriteRoute(choice.route, MANAGED_ROUTES);
      log.info({ route: choice.route }, `write route: ${choice.why}`);
      log.info({ members: clusters.memberStatus() }, 'caches synced (control plane, and every member listed or failed); reconciling');
      controller.enqueue('all');
      const done = controller.run(workers);
      void untilAborted(signal).then(() => {
        queue.shutDown();
        stopWrites.abort();
      });
      await done;
      route.stop();
    },
  };
}

/** The caches, the controller and the event recorder, wired to each other and to the metrics. */
function buildController(kc: k8s.KubeConfig, flags: FlagValues, metrics: Metrics, log: Logger, fence: WriteFence) {
  const workers = Number(flags['workers']);
  const queue = new RateLimitingQueue<string>({ name: 'serviceimport', metrics: metrics.workQueue('serviceimport') });
  // onKeys is first called once the caches run, when `controller` below exists.
  // Members' EndpointSlices are watched only while some ServiceImport uses local-first.
  const needsEndpointSlices = (si: ServiceImport) => localFirstEnabled(Boolean(flags['local-first']), si.metadata.annotations);
  const autoImport = Boolean(flags['auto-import']);
  // Every change goes to the ServiceImport controller, and with --auto-import to automatic imports too (same keys: namespace/name).
  const onKeys = (keys: string[] | 'all') => {
    controller.enqueue(keys);
    autoImports?.enqueue(keys);
  };
  const clusters = new ClusterManager(kc, reflectorInformerFactory(log, metrics), memberAccessConfig(kc, flags['member-access'] as MemberAccessMode), onKeys, log, {
    serviceImportOfPolicy,
    policyNameOf: overridePolicyName,
    needsEndpointSlices,
    autoImport: autoImport ? { policyLabelSelector: AUTO_IMPORT_SELECTOR } : undefined,
  });
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
  const stopWrites = new AbortController();
  const writer = new Writer(
    kc,
    (cluster) => clusters.memberClient(cluster),
    (kind, result) => {
      if (kind !== 'event') metrics.write(kind, result);
    },
    undefined,
    { stop: stopWrites.signal, fence },
  );
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
  const autoImports: AutoImports | undefined = autoImport ? buildAutoImports(kc, clusters, metrics, log, fence, stopWrites.signal) : undefined;
  return { clusters, events, queue, autoImports, controller: controllerRunnable(controller, queue, stopWrites, clusters, route, metrics, workers, log) };
}

/** Runs the controller `run`'s flags describe until SIGTERM or SIGINT; the exit code. */
export async function runManager(parsed: RunCommand, io: Io): Promise<number> {
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
  // The writer asks the manager (created next) before each write whether this replica may still write.
  const { clusters, events, queue, controller, autoImports } = buildController(kc, flags, metrics, log, () => mgr.writeFence());
  const podName = process.env['POD_NAME'];
  const mgr: Manager = new Manager({
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

  // Probes: alive while the event loop runs and no reconcile is wedged; ready once the control-plane caches synced.
  mgr.addHealthzCheck('ping', () => {});
  mgr.addHealthzCheck('workers', wedgedWorkersCheck(() => queue.running(), WEDGED_RECONCILE_MS));
  mgr.addReadyzCheck('informers', condition(() => clusters.synced(), 'caches not synced yet: the control plane, or a member still on its first list'));

  // Stopped in reverse: the readiness refresher, then the recorder (it sends what is queued while the members' clients still work), then the caches, then the control plane's pooled connections.
  mgr.add(startStop({ stop: () => closeConnections(kc) }), { needLeaderElection: false });
  mgr.add(startStop(clusters), { needLeaderElection: false });
  mgr.add(startStop({ stop: () => events.stop() }), { needLeaderElection: false });
  mgr.add(memberReadiness({ status: () => clusters.memberStatus(), addReadyzCheck: (n, c, o) => mgr.addReadyzCheck(n, c, o) }), { needLeaderElection: false });
  // Credentials the control plane keeps rejecting: /readyz says so, then the process exits with 1 naming what to renew (docs/reliability.md).
  mgr.add(ownCredentialsWatch({ caches: () => clusters.controlPlaneHealth(), renew: credentialsSource(String(flags['kubeconfig']), process.env), log, addReadyzCheck: (n, c, o) => mgr.addReadyzCheck(n, c, o) }), { needLeaderElection: false });

  // --manage-coredns: told about every member the caches engage; acts while leading.
  if (corednsOptions) {
    const coredns = new CoreDnsManager({ install: installCoreDns, options: corednsOptions, log: log.child({ component: 'coredns' }), counted: (c, r) => metrics.corednsSetup(c, r) });
    clusters.onMemberEngaged((cluster, mkc) => coredns.engaged(cluster, mkc));
    clusters.onMemberGone((cluster) => coredns.gone(cluster));
    metrics.readStateFrom({ corednsConfigured: () => coredns.configured() });
    mgr.add(startStop(coredns), { needLeaderElection: true });
  }
  mgr.add(controller, { needLeaderElection: true });
  if (autoImports) {
    mgr.addHealthzCheck('autoimport-workers', wedgedWorkersCheck(() => autoImports.queue.running(), WEDGED_RECONCILE_MS));
    mgr.add(autoImports.runnable, { needLeaderElection: true });
  }
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

/**
 * `clusterset-dns run`: wiring only. Connects to the Karmada control plane,
 * follows member clusters, and runs the ServiceImport controller under leader
 * election, with probes and metrics. Every behaviour lives in the module named
 * beside each step.
 */
import * as k8s from '@kubernetes/client-node';
import type { Secret } from '../api/core.js';
import { ClusterManager } from '../karmada/cluster-manager.js';
import { reflectorInformerFactory } from '../runtime/cache/reflector-informer.js';
import { Controller } from '../serviceimport/controller.js';
import { EventRecorder } from '../serviceimport/events.js';
import { Reconciler } from '../serviceimport/reconciler.js';
import { serviceImportOfPolicy } from '../serviceimport/overridepolicy.js';
import { Writer } from '../serviceimport/writer.js';
import { installCoreDns, type InstallOptions } from '../coredns/install.js';
import { CoreDnsManager } from '../coredns/manage.js';
import { isNotFound } from '../kube/errors.js';
import { CheckSet, condition, startHealthServer } from '../runtime/health.js';
import { DEFAULT_LEASE_NAMESPACE, LeaderElector, defaultIdentity } from '../runtime/leaderelection/elector.js';
import { createLogger } from '../runtime/logging.js';
import { createMetrics } from '../runtime/metrics.js';
import { RateLimitingQueue } from '../runtime/workqueue/queue.js';
import { COREDNS_FLAGS, parseInstallOptions } from './coredns.js';
import { UsageError, flagHelp, parseFlags, type FlagSpec, type FlagValues } from './internal/flags.js';
import { loadKubeConfig } from './internal/kubeconfig.js';

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

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', default: '', env: 'KUBECONFIG', help: 'Kubeconfig of the Karmada API server (karmada-apiserver). Empty: in-cluster config.' },
  { name: 'context', kind: 'string', default: '', env: 'KARMADA_CONTEXT', help: 'Context in --kubeconfig to use. Empty: its current context.' },
  { name: 'leader-elect', kind: 'bool', default: 'true', help: 'Elect a leader on a Lease in the Karmada control plane, so replicas never write at once (client-go timings: 15s lease, 10s renew deadline, 2s retry).' },
  { name: 'leader-election-namespace', kind: 'string', default: DEFAULT_LEASE_NAMESPACE, help: 'Namespace of the leader-election Lease, on the Karmada API server.' },
  { name: 'leader-election-id', kind: 'string', default: 'clusterset-dns', help: 'Name of the leader-election Lease.' },
  { name: 'workers', kind: 'int', default: '4', help: 'ServiceImport keys reconciled in parallel.' },
  { name: 'health-probe-bind-address', kind: 'string', default: ':8081', help: 'Address of /healthz and /readyz ("0" disables).' },
  { name: 'metrics-bind-address', kind: 'string', default: ':8080', help: 'Address of /metrics ("0" disables; the same as the probe address serves both on one port).' },
  { name: 'local-first', kind: 'bool', default: 'false', help: 'Prefer the importing member\'s own <svc> while it has ready endpoints (D2; docs/local-first.md). Per ServiceImport, the annotation clusterset-dns.io/local-first: "true"|"false" wins.' },
  { name: 'failover-debounce', kind: 'duration', default: '200ms', help: 'Local-first: how long "no ready local endpoint" must last before failing over (absorbs EndpointSlice replacement).' },
  { name: 'fail-back-hold-down', kind: 'duration', default: '30s', help: 'Local-first: how long the local copy must stay ready before failing back, so a flapping pod cannot flap DNS.' },
  { name: 'manage-coredns', kind: 'bool', default: 'false', help: 'Set CoreDNS up in every member as it joins, as `clusterset-dns coredns install` does (RBAC + Corefile stanza; refusals and "set up by someone else" are respected; retried with backoff). The leader does it. The --zone, --coredns-*, --ttl, --header-ra-fix and --rollout* flags below apply to it. docs/coredns.md.' },
  ...MANAGE_COREDNS_FLAGS,
  { name: 'log-level', kind: 'string', default: 'info', env: 'LOG_LEVEL', help: 'fatal, error, warn, info, debug or trace. Logs are JSON on stdout; tokens are never logged.' },
  { name: 'help', kind: 'bool', default: 'false', help: 'Print this help.' },
];

export const RUN_HELP = `Usage: clusterset-dns run [flags]

Fills ServiceImport.spec.ips in every importing member cluster of a Karmada
federation with that member's derived-<svc> ClusterIP, so CoreDNS answers
<svc>.<ns>.svc.clusterset.local. Karmada-managed member ServiceImports are
written through one OverridePolicy per ServiceImport (clusterset-dns-<name>);
unmanaged ones are patched in the member. See docs/architecture.md.

Flags (each can also come from the environment variable shown):
${flagHelp(RUN_FLAGS)}
`;

export async function run(argv: string[]): Promise<number> {
  let flags;
  let corednsOptions: InstallOptions | undefined;
  try {
    flags = parseFlags(RUN_FLAGS, argv);
    corednsOptions = manageCorednsOptions(flags);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`clusterset-dns run: ${e.message}\n\n${RUN_HELP}`);
      return 2;
    }
    throw e;
  }
  if (flags['help']) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const log = createLogger({ level: String(flags['log-level']) }).child({ controller: 'serviceimport' });
  process.on('unhandledRejection', (reason) => {
    // A promise nobody awaited failed: the process state is unknown. Fail loudly.
    log.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });

  const kc = loadKubeConfig({ path: String(flags['kubeconfig']), context: String(flags['context']), whenNoPath: 'in-cluster' });
  const metrics = createMetrics();
  const workers = Number(flags['workers']);
  const queue = new RateLimitingQueue<string>({ name: 'serviceimport', metrics: metrics.workQueue('serviceimport') });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const getSecret = async (namespace: string, name: string): Promise<Secret | undefined> => {
    try {
      return (await core.readNamespacedSecret({ namespace, name })) as unknown as Secret;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  let controller: Controller | undefined;
  const manager = new ClusterManager(kc, reflectorInformerFactory(log, metrics), getSecret, (keys) => controller?.enqueue(keys), log, { serviceImportOfPolicy });
  const writer = new Writer(kc, (cluster) => manager.memberClient(cluster), (kind, result) => {
    if (kind !== 'event') metrics.write(kind, result);
  });
  const events = new EventRecorder((e) => writer.event(e.involved, e.type, e.reason, e.message), log);
  const reconciler = new Reconciler({
    caches: manager,
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
  });
  const ctrlMetrics = metrics.controller('serviceimport', { maxConcurrentReconciles: workers });
  controller = new Controller(queue, reconciler, () => manager.allKeys(), log, {
    reconciled: (result, s) => ctrlMetrics.reconciled(result, s),
    activeWorkers: (d) => (d > 0 ? ctrlMetrics.workerBusy() : ctrlMetrics.workerIdle()),
  });

  // Probes: alive while the event loop runs; ready once the control-plane caches synced.
  const healthz = new CheckSet('healthz');
  healthz.add('ping', () => {});
  const readyz = new CheckSet('readyz');
  readyz.add('informers', condition(() => manager.synced(), 'caches not synced yet: the control plane, or a member still on its first list'));
  const memberChecks = new Set<string>();
  const refreshClusters = () => {
    for (const s of manager.memberStatus()) {
      metrics.setClusterReady(s.cluster, s.reachable);
      const check = `cluster-${s.cluster.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      if (!memberChecks.has(check)) {
        memberChecks.add(check);
        // A member that is down is reported, but does not make us unready (D5: we keep serving the rest).
        readyz.add(check, () => {
          const now = manager.memberStatus().find((x) => x.cluster === s.cluster);
          if (now && !now.reachable) throw new Error(now.reason ?? 'unreachable');
        }, { affectsAggregate: false });
      }
    }
  };
  const clusterTimer = setInterval(refreshClusters, 2000);
  const server = await startHealthServer({
    healthz,
    readyz,
    registry: metrics.registry,
    probeAddress: String(flags['health-probe-bind-address']),
    metricsAddress: String(flags['metrics-bind-address']),
  });

  // --manage-coredns: told about every member the manager engages; acts once leading.
  const coredns = corednsOptions
    ? new CoreDnsManager({ install: installCoreDns, options: corednsOptions, log: log.child({ component: 'coredns' }), counted: (c, r) => metrics.corednsSetup(c, r) })
    : undefined;
  if (coredns) {
    manager.onMemberEngaged((cluster, mkc) => coredns.engaged(cluster, mkc));
    manager.onMemberGone((cluster) => coredns.gone(cluster));
  }

  manager.start();
  const startWork = async (signal: AbortSignal): Promise<void> => {
    while (!manager.synced() && !signal.aborted) await new Promise((r) => setTimeout(r, 100));
    if (signal.aborted) return;
    coredns?.start();
    log.info({ members: manager.memberStatus() }, 'caches synced (control plane, and every member listed or failed); reconciling');
    controller?.enqueue('all');
    const done = controller?.run(workers);
    signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    await done;
  };

  const abort = new AbortController();
  let elector: LeaderElector | undefined;
  let exitCode = 0;
  let finished: Promise<unknown>;
  if (flags['leader-elect']) {
    elector = new LeaderElector({
      name: String(flags['leader-election-id']),
      namespace: String(flags['leader-election-namespace']),
      identity: process.env['POD_NAME'] ? `${process.env['POD_NAME']}_${defaultIdentity().split('_').pop()}` : defaultIdentity(),
      kubeConfig: kc,
      metrics: metrics.leaderElection,
      logger: log,
      callbacks: {
        onStartedLeading: (signal) => startWork(signal),
        onStoppedLeading: ({ reason }) => {
          if (reason === 'lost') {
            // As controller-runtime: never keep running without the lease.
            log.fatal('leader election lost; exiting');
            process.exit(1);
          }
        },
        onNewLeader: (id) => log.info({ leader: id }, 'new leader'),
      },
    });
    finished = elector.run();
  } else {
    metrics.leaderElection.setLeading(String(flags['leader-election-id']), true);
    finished = startWork(abort.signal);
  }

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    abort.abort();
    queue.shutDown();
    await elector?.stop(); // releases the Lease so a standby takes over at once
    clearInterval(clusterTimer);
    coredns?.stop();
    await events.stop(); // send what is queued before the informers go
    await manager.stop();
    await server.close();
  };
  await new Promise<void>((resolve) => {
    // Handlers stay installed during shutdown: a second signal (Ctrl-C under
    // tsx or npm arrives twice: from the terminal and relayed) must not kill
    // the process halfway, before the Lease is released and Events are sent.
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        log.info({ signal: sig }, 'already shutting down');
        return;
      }
      stopping = true;
      shutdown(sig).then(resolve, (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        exitCode = 1;
        resolve();
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    void finished.then(() => {
      if (!abort.signal.aborted && !stopping) {
        stopping = true;
        log.error('controller stopped unexpectedly');
        exitCode = 1;
        shutdown('internal').then(resolve, resolve);
      }
    });
  });
  log.info('stopped');
  return exitCode;
}

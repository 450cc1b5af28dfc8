/**
 * The local environment: a Karmada federation with two member clusters and a
 * CoreDNS per member, all real binaries on 127.0.0.1, no Docker.
 *
 *   etcd (one, a prefix per API server)
 *   karmada-apiserver + kube-controller-manager + karmada-aggregated-apiserver
 *     + karmada-webhook + karmada-controller-manager + karmada-scheduler
 *   member1, member2: kube-apiserver + kube-controller-manager each,
 *     joined as Push clusters; CoreDNS running their kube-system/coredns Corefile
 *
 * `up()` is idempotent, `down()` leaves no process or port behind; state lives
 * in .cache/env (env.json, kubeconfig, logs). Used by `npm run env:up|down`,
 * the integration and end-to-end tests, and the demo.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, ensureBinaries, karmadaModuleDir, karmadaVersion, repoRoot, requiredVersion, type Binaries } from './binaries.js';
import { apply, conditionTrue, getJson, kubeConfigFor, kubeConfigYaml, type ClusterAccess } from './kube.js';
import {
  MCS_CRDS,
  aggregatedApiService,
  clusterRegistration,
  karmadaCrds,
  karmadaNamespaces,
  kubeadmCoreDns,
  mcsCrdPropagation,
  memberJoinObjects,
  webhookConfigurations,
} from './manifests.js';
import { apiserverArgs, etcdArgs, httpOk } from './components.js';
import { ensurePki, type Pki } from './pki.js';
import { delay, freePorts, isAlive, portHolder, portInUse, rssBytes, startProcess, stopProcess, waitUntil, type ProcessInfo, type ProcessSpec } from './process.js';
import type { SyncerConfig } from './coredns-syncer.js';

export const MEMBERS = ['member1', 'member2'] as const;
export const KARMADA_CONTEXT = 'karmada-apiserver';

export interface MemberState {
  server: string;
  context: string;
  /** CoreDNS for this member, as host:port (UDP and TCP). */
  dns: string;
  serviceClusterIpRange: string;
  /** The file this member's CoreDNS reads (rewritten from the ConfigMap). */
  corefile: string;
}

export interface EnvState {
  version: 1;
  dir: string;
  kubeconfig: string;
  karmada: { server: string; context: string };
  etcd: { url: string };
  members: Record<string, MemberState>;
  /** Admin bearer tokens per context (system:masters); local use only. */
  tokens: Record<string, string>;
  caFile: string;
  processes: Record<string, ProcessInfo & { ports: Record<string, number> }>;
  versions: { kubernetes: string; karmada: string; coredns: string };
  startedAt: string;
  startupSeconds: number;
}

export const envDir = () => process.env['CLUSTERSET_DNS_ENV_DIR'] ?? join(repoRoot, '.cache', 'env');
const statePath = () => join(envDir(), 'env.json');

type Log = (line: string) => void;
const defaultLog: Log = (l) => console.error(l);

export function readState(): EnvState | undefined {
  if (!existsSync(statePath())) return undefined;
  try {
    return JSON.parse(readFileSync(statePath(), 'utf8')) as EnvState;
  } catch {
    return undefined;
  }
}

/** Credentials for one context of the environment (admin). */
export function access(state: EnvState, context: string): ClusterAccess {
  const server = context === KARMADA_CONTEXT ? state.karmada.server : state.members[context]?.server;
  const token = state.tokens[context];
  if (!server || !token) throw new Error(`no context ${context} in the local environment`);
  return { name: context, server, token, caFile: state.caFile };
}

export function kubeConfig(state: EnvState, context: string): KubeConfig {
  return kubeConfigFor(access(state, context));
}

/** Health of a running environment: every process alive, every API server ready. */
export async function check(state: EnvState): Promise<string[]> {
  const problems: string[] = [];
  for (const p of Object.values(state.processes)) {
    if (!isAlive(p.pid)) problems.push(`${p.name} (pid ${p.pid}) is not running; log: ${p.log}`);
  }
  for (const ctx of [KARMADA_CONTEXT, ...Object.keys(state.members)]) {
    try {
      const r = await getJson(access(state, ctx), '/readyz');
      if (r !== 'ok') problems.push(`${ctx} /readyz answered ${JSON.stringify(r)}`);
    } catch (e) {
      problems.push(`${ctx} /readyz: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

interface Ctx {
  dir: string;
  bins: Binaries;
  pki: Pki;
  ca: Buffer;
  log: Log;
  processes: EnvState['processes'];
  karmadaDir: string;
}

function launch(ctx: Ctx, spec: ProcessSpec, ports: Record<string, number> = {}): ProcessInfo {
  const logDir = join(ctx.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const info = startProcess(spec, join(logDir, `${spec.name}.log`));
  ctx.processes[spec.name] = { ...info, ports };
  return info;
}

async function timed<T>(log: Log, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await f();
  log(`  ✓ ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return r;
}

/** Brings the environment up, or leaves a healthy running one as it is. */
export async function up(log: Log = defaultLog): Promise<EnvState> {
  const existing = readState();
  if (existing) {
    const problems = await check(existing);
    if (problems.length === 0) {
      log(`local environment already running (kubeconfig ${existing.kubeconfig})`);
      return existing;
    }
    log(`local environment is unhealthy; restarting it:\n  ${problems.join('\n  ')}`);
    await down(log);
  }

  const t0 = Date.now();
  const bins = await ensureBinaries(log);
  const dir = envDir();
  // A fresh start: keep the PKI, drop data from any earlier run.
  for (const sub of ['etcd', 'logs', 'karmada', 'member1', 'member2', 'coredns', 'webhook']) rmSync(join(dir, sub), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pki = ensurePki(join(dir, 'pki'));
  const ctx: Ctx = { dir, bins, pki, ca: readFileSync(pki.caCert), log, processes: {}, karmadaDir: karmadaModuleDir() };
  const caPem = ctx.ca.toString();

  const [etcdClient, etcdPeer, karmadaPort, m1Port, m2Port, kcmK, kcm1, kcm2, aggPort, whPort, whHealth, kcmHealth, schedHealth, ...dnsPorts] =
    (await freePorts(13 + 4 * MEMBERS.length)) as [number, number, number, number, number, number, number, number, number, number, number, number, number, ...number[]];
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const tokens: Record<string, string> = {};
  const server = (port: number) => `https://127.0.0.1:${port}`;
  const clusters = [
    { name: KARMADA_CONTEXT, prefix: 'karmada', port: karmadaPort, kcmPort: kcmK, cidr: '10.96.0.0/16', karmada: true },
    { name: 'member1', prefix: 'member1', port: m1Port, kcmPort: kcm1, cidr: '10.97.0.0/16', karmada: false },
    { name: 'member2', prefix: 'member2', port: m2Port, kcmPort: kcm2, cidr: '10.98.0.0/16', karmada: false },
  ];
  const state: EnvState = {
    version: 1,
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    karmada: { server: server(karmadaPort), context: KARMADA_CONTEXT },
    etcd: { url: etcdUrl },
    members: {},
    tokens,
    caFile: pki.caCert,
    processes: ctx.processes,
    versions: {
      kubernetes: requiredVersion(join(repoRoot, 'hack', 'tools', 'k8s'), 'k8s.io/kubernetes'),
      karmada: karmadaVersion(),
      coredns: requiredVersion(join(repoRoot, 'hack', 'tools', 'coredns'), 'github.com/coredns/coredns'),
    },
    startedAt: new Date().toISOString(),
    startupSeconds: 0,
  };
  const save = () => writeFileSync(statePath(), JSON.stringify(state, null, 2) + '\n');

  try {
    log('starting the local environment');
    // 1. etcd
    const etcd = launch(ctx, {
      name: 'etcd',
      bin: bins.etcd,
      args: etcdArgs(join(dir, 'etcd'), etcdClient, etcdPeer),
    }, { client: etcdClient, peer: etcdPeer });
    save();
    await timed(log, 'etcd', () => waitUntil('etcd /health', () => httpOk(`${etcdUrl}/health`), { timeoutMs: 30_000, proc: etcd }));

    // 2. three API servers, in parallel
    await timed(log, 'kube-apiservers (karmada-apiserver, member1, member2)', () => Promise.all(clusters.map(async (c) => {
      const cdir = join(dir, c.prefix);
      mkdirSync(cdir, { recursive: true });
      const token = randomBytes(16).toString('hex');
      tokens[c.name] = token;
      if (!c.karmada) state.members[c.name] = { server: server(c.port), context: c.name, serviceClusterIpRange: c.cidr, dns: '', corefile: '' };
      const tokensFile = join(cdir, 'tokens.csv');
      writeFileSync(tokensFile, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
      const proc = launch(ctx, {
        name: `${c.prefix}-kube-apiserver`,
        bin: bins['kube-apiserver'],
        args: apiserverArgs(pki, { etcdPrefix: `/${c.prefix}`, port: c.port, etcd: etcdUrl, serviceCidr: c.cidr, tokensFile, karmada: c.karmada }),
      }, { secure: c.port });
      save();
      await waitUntil(`${c.name} /readyz`, async () => (await getJson(access(state, c.name), '/readyz')) === 'ok', { timeoutMs: 120_000, intervalMs: 500, proc });
    })));
    writeKubeconfigs(state, clusters.map((c) => c.name));
    save();

    // 3. kube-controller-managers: GC, namespace deletion, SA tokens (members: also Deployments)
    await timed(log, 'kube-controller-managers', () => Promise.all(clusters.map(async (c) => {
      const proc = launch(ctx, {
        name: `${c.prefix}-kube-controller-manager`,
        bin: bins['kube-controller-manager'],
        args: [
          `--kubeconfig=${join(dir, c.prefix, 'admin.kubeconfig')}`,
          '--leader-elect=false',
          // Members also run the deployment and replicaset controllers, so a CoreDNS rollout
          // (`coredns install --rollout`) is carried out for real; with no scheduler or kubelet
          // their pods stay Pending unless a test writes their status as a kubelet would.
          `--controllers=namespace,garbagecollector,serviceaccount-token,serviceaccount,clusterrole-aggregation${c.karmada ? '' : ',deployment,replicaset'}`,
          `--service-account-private-key-file=${pki.saPrivateKey}`,
          `--root-ca-file=${pki.caCert}`,
          '--bind-address=127.0.0.1', `--secure-port=${c.kcmPort}`,
          `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
        ],
      }, { secure: c.kcmPort });
      save();
      await waitUntil(`${c.prefix} kube-controller-manager /healthz`, () => httpOk(`${server(c.kcmPort)}/healthz`, ctx.ca), { timeoutMs: 60_000, proc });
    })));

    const karmadaKc = kubeConfig(state, KARMADA_CONTEXT);
    const karmadaAdminKubeconfig = join(dir, 'karmada', 'admin.kubeconfig');

    // 4. Karmada CRDs and namespaces
    await timed(log, 'Karmada CRDs', async () => {
      await apply(karmadaKc, [...karmadaNamespaces(), ...karmadaCrds(ctx.karmadaDir)]);
    });

    // 5. aggregated apiserver (serves cluster.karmada.io: Cluster is not a CRD)
    await timed(log, 'karmada-aggregated-apiserver', async () => {
      const proc = launch(ctx, {
        name: 'karmada-aggregated-apiserver',
        bin: bins['karmada-aggregated-apiserver'],
        args: [
          `--kubeconfig=${karmadaAdminKubeconfig}`,
          `--authentication-kubeconfig=${karmadaAdminKubeconfig}`,
          `--authorization-kubeconfig=${karmadaAdminKubeconfig}`,
          `--etcd-servers=${etcdUrl}`, '--etcd-prefix=/karmada',
          '--bind-address=127.0.0.1', `--secure-port=${aggPort}`,
          `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
        ],
      }, { secure: aggPort });
      save();
      await waitUntil('karmada-aggregated-apiserver /readyz', () => httpOk(`${server(aggPort)}/readyz`, ctx.ca), { timeoutMs: 60_000, proc });
      await apply(karmadaKc, aggregatedApiService(ctx.karmadaDir, aggPort, caPem));
      await waitUntil('APIService v1alpha1.cluster.karmada.io Available', async () =>
        conditionTrue(await getJson(access(state, KARMADA_CONTEXT), '/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.cluster.karmada.io'), 'Available'),
      { timeoutMs: 60_000, proc });
    });

    // 6. webhook: permanent ids, propagateDeps for ServiceImports, policy defaults
    await timed(log, 'karmada-webhook', async () => {
      const certDir = join(dir, 'webhook');
      mkdirSync(certDir, { recursive: true });
      writeFileSync(join(certDir, 'tls.crt'), readFileSync(pki.servingCert));
      writeFileSync(join(certDir, 'tls.key'), readFileSync(pki.servingKey), { mode: 0o600 });
      const proc = launch(ctx, {
        name: 'karmada-webhook',
        bin: bins['karmada-webhook'],
        args: [
          `--kubeconfig=${karmadaAdminKubeconfig}`,
          '--bind-address=127.0.0.1', `--secure-port=${whPort}`, `--cert-dir=${certDir}`,
          '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${whHealth}`,
        ],
      }, { secure: whPort, health: whHealth });
      save();
      // karmada-webhook registers no health checks; wait for its TLS server to answer.
      await waitUntil('karmada-webhook to serve TLS', () => httpOk(`${server(whPort)}/`, ctx.ca, true), { timeoutMs: 60_000, proc });
      await apply(karmadaKc, webhookConfigurations(ctx.karmadaDir, whPort, caPem));
    });

    // 7. controller-manager and scheduler
    await timed(log, 'karmada-controller-manager, karmada-scheduler', async () => {
      const kcm = launch(ctx, {
        name: 'karmada-controller-manager',
        bin: bins['karmada-controller-manager'],
        args: [
          `--kubeconfig=${karmadaAdminKubeconfig}`, '--leader-elect=false',
          '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${kcmHealth}`,
          '--cluster-status-update-frequency=2s',
          // A short resync (default: none) so tests can watch Karmada's periodic
          // re-sync of Works happen within a test's time (D3 must survive it).
          '--resync-period=30s',
          ...karmadaClientRateFlags(),
        ],
      }, { health: kcmHealth });
      const sched = launch(ctx, {
        name: 'karmada-scheduler',
        bin: bins['karmada-scheduler'],
        args: [
          `--kubeconfig=${karmadaAdminKubeconfig}`, '--leader-elect=false',
          '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${schedHealth}`,
          '--enable-scheduler-estimator=false',
        ],
      }, { health: schedHealth });
      save();
      await Promise.all([
        waitUntil('karmada-controller-manager /healthz', () => httpOk(`http://127.0.0.1:${kcmHealth}/healthz`), { timeoutMs: 60_000, proc: kcm }),
        waitUntil('karmada-scheduler /healthz', () => httpOk(`http://127.0.0.1:${schedHealth}/healthz`), { timeoutMs: 60_000, proc: sched }),
      ]);
    });

    // 8. join the members as Push clusters, as karmadactl join leaves them
    await timed(log, 'members joined and Ready', () => Promise.all(MEMBERS.map(async (m) => {
      const mAccess = access(state, m);
      await apply(kubeConfig(state, m), memberJoinObjects(m));
      const token = async (name: string) => {
        let value = '';
        await waitUntil(`${m} token Secret karmada-cluster/${name}`, async () => {
          const s = (await getJson(mAccess, `/api/v1/namespaces/karmada-cluster/secrets/${name}`)) as { data?: { token?: string } } | undefined;
          value = s?.data?.token ? Buffer.from(s.data.token, 'base64').toString() : '';
          return value !== '';
        }, { timeoutMs: 30_000, proc: ctx.processes[`${m}-kube-controller-manager`] });
        return value;
      };
      await apply(karmadaKc, clusterRegistration(m, mAccess.server, await token(`karmada-${m}`), await token('karmada-impersonator'), caPem));
      await waitUntil(`Cluster ${m} Ready`, async () =>
        conditionTrue(await getJson(access(state, KARMADA_CONTEXT), `/apis/cluster.karmada.io/v1alpha1/clusters/${m}`), 'Ready'),
      { timeoutMs: 60_000, proc: ctx.processes['karmada-controller-manager'] });
    })));

    // 9. ServiceExport/ServiceImport CRDs reach the members the Karmada way
    await timed(log, 'MCS CRDs propagated to members', async () => {
      await apply(karmadaKc, [mcsCrdPropagation([...MEMBERS])]);
      await Promise.all(MEMBERS.flatMap((m) => MCS_CRDS.map((crd) =>
        waitUntil(`CRD ${crd} Established in ${m}`, async () =>
          conditionTrue(await getJson(access(state, m), `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`), 'Established'),
        { timeoutMs: 60_000, proc: ctx.processes['karmada-controller-manager'] }))));
    });

    // 10. CoreDNS per member, as kubeadm installs it, fed by the ConfigMap syncer
    await timed(log, 'CoreDNS in members', async () => {
      const syncer: SyncerConfig = { members: [] };
      await Promise.all(MEMBERS.map(async (m, i) => {
        const kc = kubeConfig(state, m);
        await apply(kc, kubeadmCoreDns(state.versions.coredns));
        const tr = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
          name: 'coredns', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 365 * 24 * 3600 } },
        });
        const cdir = join(dir, 'coredns', m);
        mkdirSync(cdir, { recursive: true });
        const corednsKubeconfig = join(cdir, 'kubeconfig');
        // CoreDNS authenticates as system:serviceaccount:kube-system:coredns, so RBAC for it is real.
        writeFileSync(corednsKubeconfig, kubeConfigYaml([{ ...access(state, m), name: m, token: tr.status?.token ?? '' }], m), { mode: 0o600 });
        const [dnsPort, healthPort, readyPort, metricsPort] = dnsPorts.slice(i * 4, i * 4 + 4) as [number, number, number, number];
        Object.assign(state.members[m] ?? {}, { dns: `127.0.0.1:${dnsPort}`, corefile: join(cdir, 'Corefile') });
        syncer.members.push({
          access: access(state, m),
          corefilePath: join(cdir, 'Corefile'),
          rewrite: { dnsPort, healthPort, readyPort, metricsPort, kubeconfig: corednsKubeconfig },
        });
      }));
      const syncerConfig = join(dir, 'coredns', 'syncer.json');
      writeFileSync(syncerConfig, JSON.stringify(syncer, null, 2), { mode: 0o600 });
      const syncProc = launch(ctx, {
        name: 'coredns-syncer',
        bin: process.execPath,
        args: ['--import', 'tsx', join(repoRoot, 'test', 'env', 'coredns-syncer.ts'), syncerConfig],
        cwd: repoRoot,
      });
      save();
      await Promise.all(syncer.members.map(async (s) => {
        await waitUntil(`Corefile for ${s.access.name} written`, async () => existsSync(s.corefilePath), { timeoutMs: 30_000, proc: syncProc });
        const proc = launch(ctx, {
          name: `${s.access.name}-coredns`,
          bin: bins.coredns,
          args: ['-conf', s.corefilePath],
          cwd: join(dir, 'coredns', s.access.name),
        }, { dns: s.rewrite.dnsPort, health: s.rewrite.healthPort, ready: s.rewrite.readyPort, metrics: s.rewrite.metricsPort });
        save();
        await waitUntil(`${s.access.name} CoreDNS /ready`, () => httpOk(`http://127.0.0.1:${s.rewrite.readyPort}/ready`), { timeoutMs: 30_000, proc });
      }));
    });

    state.startupSeconds = Math.round((Date.now() - t0) / 100) / 10;
    save();
    log(`local environment up in ${state.startupSeconds}s; kubeconfig: ${state.kubeconfig} (contexts ${KARMADA_CONTEXT}, ${MEMBERS.join(', ')})`);
    return state;
  } catch (e) {
    save();
    log(`local environment failed to start: ${e instanceof Error ? e.message : String(e)}`);
    log('stopping what was started');
    await down(() => {});
    throw e;
  }
}

function writeKubeconfigs(state: EnvState, contexts: string[]): void {
  const all = contexts.map((c) => access(state, c));
  writeFileSync(state.kubeconfig, kubeConfigYaml(all, KARMADA_CONTEXT), { mode: 0o600 });
  for (const a of all) {
    const prefix = a.name === KARMADA_CONTEXT ? 'karmada' : a.name;
    writeFileSync(join(state.dir, prefix, 'admin.kubeconfig'), kubeConfigYaml([a], a.name), { mode: 0o600 });
  }
}

/**
 * CLUSTERSET_DNS_KARMADA_QPS=N raises karmada-controller-manager's client
 * rate limits (default --kube-api-qps=40 / burst 60, the same for members,
 * cmd/controller-manager/app/options/options.go) to N / 1.5 N. At 40 qps
 * Karmada propagates about one ServiceImport per second, which makes a
 * 1,000-import benchmark wait 17+ minutes for Karmada alone (BENCHMARKS.md).
 * Unset: Karmada's defaults, as a real installation has them.
 */
export function karmadaClientRateFlags(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env['CLUSTERSET_DNS_KARMADA_QPS'];
  if (raw === undefined || raw === '') return [];
  const qps = Number(raw);
  if (!Number.isInteger(qps) || qps < 1) throw new Error(`CLUSTERSET_DNS_KARMADA_QPS: want a whole number >= 1, got ${JSON.stringify(raw)}`);
  const burst = Math.ceil(qps * 1.5);
  return [`--kube-api-qps=${qps}`, `--kube-api-burst=${burst}`, `--cluster-api-qps=${qps}`, `--cluster-api-burst=${burst}`];
}

/** Stops every process of the environment and checks that its ports are free. */
export async function down(log: Log = defaultLog): Promise<void> {
  const state = readState();
  if (!state) {
    log('local environment is not running');
    return;
  }
  // Reverse start order: clients before the servers they talk to.
  const procs = Object.values(state.processes).reverse();
  await Promise.all(procs.map((p) => stopProcess(p.pid)));
  // Every process has exited; a port still answering is someone else's. Look
  // a few times before saying so (a listener can outlive its process's exit
  // status by a moment while the kernel tears the socket down).
  let busy: string[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    busy = [];
    for (const p of procs) {
      for (const [name, port] of Object.entries(p.ports)) {
        if (await portInUse(port)) busy.push(`${p.name} ${name} port ${port} (held by ${portHolder(port) ?? "nobody listening now"})`);
      }
    }
    if (busy.length === 0) break;
    await delay(500);
  }
  rmSync(statePath(), { force: true });
  if (busy.length > 0) throw new Error(`ports still in use after stopping the environment: ${busy.join(', ')}`);
  log(`local environment stopped (${procs.length} processes)`);
}

/** Stops one component (tests use this to break things); its record stays, so it can be restarted. */
export async function stopComponent(state: EnvState, name: string): Promise<void> {
  const p = state.processes[name];
  if (!p) throw new Error(`no component ${name}`);
  await stopProcess(p.pid);
}

/** Starts a stopped component again with the same command, ports and log; waits for `ready`. */
export async function startComponent(state: EnvState, name: string, ready?: () => Promise<boolean>): Promise<void> {
  const p = state.processes[name];
  if (!p) throw new Error(`no component ${name}`);
  if (isAlive(p.pid)) return;
  const [bin, ...args] = p.command;
  if (!bin) throw new Error(`no command recorded for ${name}`);
  const info = startProcess({ name, bin, args, cwd: name.endsWith('-coredns') ? join(state.dir, 'coredns', name.slice(0, -'-coredns'.length)) : repoRoot }, p.log);
  state.processes[name] = { ...p, pid: info.pid };
  writeFileSync(statePath(), JSON.stringify(state, null, 2) + '\n');
  if (ready) await waitUntil(`${name} ready after restart`, ready, { timeoutMs: 120_000, intervalMs: 250, proc: info });
}

/** A table of processes with PID, RSS and log, for `env:status`. */
export function describe(state: EnvState): string {
  const rows = Object.values(state.processes).map((p) => {
    const rss = rssBytes(p.pid);
    return `${p.name.padEnd(36)} ${String(p.pid).padStart(8)} ${rss === undefined ? '    dead' : `${(rss / 2 ** 20).toFixed(0).padStart(5)} MiB`}  ${p.log}`;
  });
  return [`${'component'.padEnd(36)} ${'pid'.padStart(8)}   rss      log`, ...rows].join('\n');
}

export { cacheRoot };

/**
 * The start of the local environment, one step per component group, in the
 * order `up()` runs them (docs/local-environment.md, "How it is set up").
 * Each step launches its processes, records them in the state file, and
 * waits until they serve.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATHS } from '../../src/kube/gvr.js';
import { ensureBinaries, karmadaModuleDir, karmadaVersion, repoRoot, requiredVersion, type Binaries } from './binaries.js';
import { apiserverArgs, etcdArgs, httpOk, kubeControllerManagerArgs } from './components.js';
import type { SyncerConfig } from './coredns-syncer.js';
import { apply, conditionTrue, getJson, kubeConfigYaml } from './kube.js';
import {
  clusterProxyAdmin,
  MCS_CRDS,
  aggregatedApiService,
  clusterRegistration,
  karmadaCrds,
  karmadaNamespaces,
  kubeadmCoreDns,
  mcsApiCrds,
  mcsCrdPropagation,
  memberCrdSource,
  memberJoinObjects,
  webhookConfigurations,
} from './manifests.js';
import { writeKarmadaLayout } from './karmada-layout.js';
import { ensurePki, type Pki } from './pki.js';
import { freePorts, startProcess, waitUntil, type ProcessInfo, type ProcessSpec } from './process.js';
import { KARMADA_CONTEXT, MEMBERS, access, envDir, kubeConfig, writeState, type EnvState } from './state.js';

/** karmada-controller-manager's --resync-period here (its default: none), so tests can wait out a resync. */
export const KARMADA_RESYNC_MS = 30_000;

export type Log = (line: string) => void;

/** The environment's admin user on every API server (its tokens.csv), in group system:masters. */
export const ADMIN_USER = 'admin';

/** One API server of the environment (the control plane's or a member's) and its kube-controller-manager. */
interface Cluster {
  name: string;
  /** Its directory, process-name and etcd prefix. */
  prefix: string;
  port: number;
  kcmPort: number;
  cidr: string;
  karmada: boolean;
}

/** Everything the steps share: where things go, the binaries and PKI, the ports, and the state being recorded. */
export interface StartContext {
  dir: string;
  bins: Binaries;
  pki: Pki;
  ca: Buffer;
  caPem: string;
  log: Log;
  processes: EnvState['processes'];
  karmadaDir: string;
  state: EnvState;
  /** Writes the state file (after every launch, so that `down` finds what a failed start left). */
  save: () => void;
  etcdUrl: string;
  tokens: Record<string, string>;
  clusters: Cluster[];
  karmadaAdminKubeconfig: string;
  ports: { etcdClient: number; etcdPeer: number; aggPort: number; whPort: number; whHealth: number; kcmHealth: number; schedHealth: number; dnsPorts: number[] };
}

const server = (port: number) => `https://127.0.0.1:${port}`;

/** Binaries, a clean data directory (the PKI is kept), free ports, and the state to record; nothing is started yet. */
export async function prepareStart(log: Log): Promise<StartContext> {
  const bins = await ensureBinaries(log);
  const dir = envDir();
  // A fresh start: keep the PKI, drop data from any earlier run.
  for (const sub of ['etcd', 'logs', 'karmada', 'member1', 'member2', 'coredns', 'webhook', 'dataplane']) rmSync(join(dir, sub), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pki = ensurePki(join(dir, 'pki'));
  const ca = readFileSync(pki.caCert);
  const processes: EnvState['processes'] = {};
  const karmadaDir = karmadaModuleDir();
  const caPem = ca.toString();

  const [etcdClient, etcdPeer, karmadaPort, m1Port, m2Port, kcmK, kcm1, kcm2, aggPort, whPort, whHealth, kcmHealth, schedHealth, ...dnsPorts] =
    (await freePorts(13 + 4 * MEMBERS.length)) as [number, number, number, number, number, number, number, number, number, number, number, number, number, ...number[]];
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const tokens: Record<string, string> = {};
  const clusters: Cluster[] = [
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
    processes,
    versions: {
      kubernetes: requiredVersion(join(repoRoot, 'hack', 'tools', 'k8s'), 'k8s.io/kubernetes'),
      karmada: karmadaVersion(),
      coredns: requiredVersion(join(repoRoot, 'hack', 'tools', 'coredns'), 'github.com/coredns/coredns'),
    },
    startedAt: new Date().toISOString(),
    startupSeconds: 0,
    karmadaResyncSeconds: karmadaResyncFlags().length > 0 ? KARMADA_RESYNC_MS / 1000 : null,
    memberCrds: memberCrdSource(),
  };
  return {
    dir, bins, pki, ca, caPem, log, processes, karmadaDir, state,
    save: () => writeState(state),
    etcdUrl, tokens, clusters,
    karmadaAdminKubeconfig: join(dir, 'karmada', 'admin.kubeconfig'),
    ports: { etcdClient, etcdPeer, aggPort, whPort, whHealth, kcmHealth, schedHealth, dnsPorts },
  };
}

export function launch(ctx: StartContext, spec: ProcessSpec, ports: Record<string, number> = {}): ProcessInfo {
  const logDir = join(ctx.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const info = startProcess(spec, join(logDir, `${spec.name}.log`));
  ctx.processes[spec.name] = { ...info, ports };
  return info;
}

export async function timed<T>(log: Log, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await f();
  log(`  ✓ ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return r;
}

/** Step 1: etcd. */
export async function startEtcd(ctx: StartContext): Promise<void> {
  const { log, dir, bins, save, etcdUrl } = ctx;
  const { etcdClient, etcdPeer } = ctx.ports;
  const etcd = launch(ctx, {
    name: 'etcd',
    bin: bins.etcd,
    args: etcdArgs(join(dir, 'etcd'), etcdClient, etcdPeer),
  }, { client: etcdClient, peer: etcdPeer });
  save();
  await timed(log, 'etcd', () => waitUntil('etcd /health', () => httpOk(`${etcdUrl}/health`), { timeoutMs: 30_000, proc: etcd }));
}

/** Step 2: three API servers, in parallel. */
export async function startApiServers(ctx: StartContext): Promise<void> {
  const { log, dir, bins, pki, state, save, etcdUrl, tokens, clusters } = ctx;
  await timed(log, 'kube-apiservers (karmada-apiserver, member1, member2)', () => Promise.all(clusters.map(async (c) => {
    const cdir = join(dir, c.prefix);
    mkdirSync(cdir, { recursive: true });
    const token = randomBytes(16).toString('hex');
    tokens[c.name] = token;
    if (!c.karmada) state.members[c.name] = { server: server(c.port), context: c.name, serviceClusterIpRange: c.cidr, dns: '', corefile: '' };
    const tokensFile = join(cdir, 'tokens.csv');
    writeFileSync(tokensFile, `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
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
}

/** Step 3: kube-controller-managers: GC, namespace deletion, SA tokens (members: also Deployments). */
export async function startKubeControllerManagers(ctx: StartContext): Promise<void> {
  const { log, dir, bins, pki, save, clusters } = ctx;
  await timed(log, 'kube-controller-managers', () => Promise.all(clusters.map(async (c) => {
    const proc = launch(ctx, {
      name: `${c.prefix}-kube-controller-manager`,
      bin: bins['kube-controller-manager'],
      args: kubeControllerManagerArgs(pki, { kubeconfig: join(dir, c.prefix, 'admin.kubeconfig'), port: c.kcmPort, member: !c.karmada }),
    }, { secure: c.kcmPort });
    save();
    await waitUntil(`${c.prefix} kube-controller-manager /healthz`, () => httpOk(`${server(c.kcmPort)}/healthz`, ctx.ca), { timeoutMs: 60_000, proc });
  })));
}

/** Step 4: Karmada CRDs and namespaces. */
export async function installKarmadaCrds(ctx: StartContext, karmadaKc: KubeConfig): Promise<void> {
  const { log } = ctx;
  await timed(log, 'Karmada CRDs', async () => {
    // With mcs-api's CRDs (the default) the control plane gets their schema too, so its ServiceImports
    // keep ipFamilies and the traffic policies that Karmada's CRD drops (docs/auto-import.md) — serving
    // v1alpha1 only: with v1beta1 served, Karmada's MCS controllers never collect an export.
    const mcsApi = (ctx.state.memberCrds ?? 'karmada') === 'mcs-api';
    const mcs = new Set(MCS_CRDS);
    const crds = mcsApi ? [...karmadaCrds(ctx.karmadaDir).filter((o) => !mcs.has(o.metadata?.name ?? '')), ...mcsApiCrds(repoRoot, 'mcs-api-v1alpha1')] : karmadaCrds(ctx.karmadaDir);
    await apply(karmadaKc, [...karmadaNamespaces(), ...crds]);
  });
}

/** Step 5: aggregated apiserver (serves cluster.karmada.io: Cluster is not a CRD). */
export async function startKarmadaAggregatedApiServer(ctx: StartContext, karmadaKc: KubeConfig): Promise<void> {
  const { log, bins, pki, caPem, state, save, etcdUrl, karmadaAdminKubeconfig } = ctx;
  const { aggPort } = ctx.ports;
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
}

/** Step 6: webhook: permanent ids, propagateDeps for ServiceImports, policy defaults. */
export async function startKarmadaWebhook(ctx: StartContext, karmadaKc: KubeConfig): Promise<void> {
  const { log, dir, bins, pki, caPem, save, karmadaAdminKubeconfig } = ctx;
  const { whPort, whHealth } = ctx.ports;
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
}

/** Step 7: controller-manager and scheduler. */
export async function startKarmadaControllers(ctx: StartContext): Promise<void> {
  const { log, bins, save, karmadaAdminKubeconfig } = ctx;
  const { kcmHealth, schedHealth } = ctx.ports;
  await timed(log, 'karmada-controller-manager, karmada-scheduler', async () => {
    const kcm = launch(ctx, {
      name: 'karmada-controller-manager',
      bin: bins['karmada-controller-manager'],
      args: [
        `--kubeconfig=${karmadaAdminKubeconfig}`, '--leader-elect=false',
        '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${kcmHealth}`,
        '--cluster-status-update-frequency=2s',
        // A short resync (default: none) so tests can watch Karmada's periodic
        // re-sync of Works happen within a test's time (the spec.ips our OverridePolicies
        // put in members must survive it: docs/design.md#where-writes-go).
        ...karmadaResyncFlags(),
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
}

/**
 * The admin may use the cluster proxy, as after `karmadactl init`
 * (manifests.ts, clusterProxyAdmin); waits until each member answers the
 * admin through it, since Karmada's unifiedAuth controller puts the
 * impersonation rights in the members asynchronously. Idempotent: also run
 * on an environment started before this step existed.
 */
export async function ensureAdminClusterProxy(state: EnvState): Promise<void> {
  await apply(kubeConfig(state, KARMADA_CONTEXT), clusterProxyAdmin(ADMIN_USER));
  await Promise.all(MEMBERS.map((m) => waitUntil(`member ${m} through the Karmada cluster proxy as the admin`, async () => {
    await getJson(access(state, KARMADA_CONTEXT), `${PATHS.clusters}/${m}/proxy/api/v1/namespaces?limit=1`);
    return true;
  }, { timeoutMs: 60_000, intervalMs: 500 })));
}

/** Step 8: join the members as Push clusters, as karmadactl join leaves them. */
export async function joinMembers(ctx: StartContext, karmadaKc: KubeConfig): Promise<void> {
  const { log, caPem, state } = ctx;
  await apply(karmadaKc, clusterProxyAdmin(ADMIN_USER));
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
      conditionTrue(await getJson(access(state, KARMADA_CONTEXT), `${PATHS.clusters}/${m}`), 'Ready'),
    { timeoutMs: 60_000, proc: ctx.processes['karmada-controller-manager'] });
  })));
}

/**
 * Step 9: ServiceExport/ServiceImport CRDs in the members: mcs-api's,
 * applied to each member (the default), or Karmada's, propagated the Karmada
 * way (CLUSTERSET_DNS_MEMBER_CRDS=karmada; test/env/manifests.ts).
 */
export async function installMemberCrds(ctx: StartContext, karmadaKc: KubeConfig): Promise<void> {
  const { log, state } = ctx;
  const source = state.memberCrds ?? 'karmada';
  await timed(log, `MCS CRDs (${source}) in members`, async () => {
    if (source === 'karmada') await apply(karmadaKc, [mcsCrdPropagation([...MEMBERS])]);
    else await Promise.all(MEMBERS.map((m) => apply(kubeConfig(state, m), mcsApiCrds(repoRoot))));
    await Promise.all(MEMBERS.flatMap((m) => MCS_CRDS.map((crd) =>
      waitUntil(`CRD ${crd} Established in ${m}`, async () =>
        conditionTrue(await getJson(access(state, m), `${PATHS.customResourceDefinitions}/${crd}`), 'Established'),
      { timeoutMs: 60_000, proc: ctx.processes[source === 'karmada' ? 'karmada-controller-manager' : `${m}-kube-apiserver`] }))));
  });
}

/** Step 10: CoreDNS per member, as kubeadm installs it, fed by the ConfigMap syncer. */
export async function startCoreDns(ctx: StartContext): Promise<void> {
  const { log, dir, bins, state, save } = ctx;
  const { dnsPorts } = ctx.ports;
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
}

function writeKubeconfigs(state: EnvState, contexts: string[]): void {
  const all = contexts.map((c) => access(state, c));
  writeFileSync(state.kubeconfig, kubeConfigYaml(all, KARMADA_CONTEXT), { mode: 0o600 });
  for (const a of all) {
    const prefix = a.name === KARMADA_CONTEXT ? 'karmada' : a.name;
    writeFileSync(join(state.dir, prefix, 'admin.kubeconfig'), kubeConfigYaml([a], a.name), { mode: 0o600 });
  }
  writeKarmadaLayout(state);
}

/**
 * karmada-controller-manager's resync: every KARMADA_RESYNC_MS, unless
 * CLUSTERSET_DNS_KARMADA_RESYNC=off, which leaves Karmada's default (none).
 * The resync re-checks every Work, a background cost that grows with the
 * number of imports (BENCHMARKS.md, run E), so a large benchmark may turn it
 * off; the tests that wait out a resync then refuse to run
 * (test/support/environment.ts, requireKarmadaResync).
 */
export function karmadaResyncFlags(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env['CLUSTERSET_DNS_KARMADA_RESYNC'];
  if (raw === undefined || raw === '' || raw === 'on') return [`--resync-period=${KARMADA_RESYNC_MS / 1000}s`];
  if (raw === 'off') return [];
  throw new Error(`CLUSTERSET_DNS_KARMADA_RESYNC: want on or off, got ${JSON.stringify(raw)}`);
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

/**
 * Benchmark for issue 3 (the controller): N ServiceImports imported into both
 * members of the local environment, measured from our own watches.
 *
 *   npx tsx bench/clusterset-dns.ts --n=1000 --idle-seconds=300
 *
 * Phases, run in the order --phases lists them (default
 * floors,burst,idle,trickle,restart,cold):
 *   floors   API write→watch latency on each API server, on an idle system
 *   prepare  (instead of burst) N ServiceImports created with NO controller
 *            running; waits for Karmada's derived Services in both members
 *   burst    controller running; N ServiceImports created at once (bounded
 *            concurrency); per (import, member): derived Service seen →
 *            OverridePolicy rule seen (control plane) → spec.ips seen (member)
 *   idle     --idle-seconds with no change: writes counted three ways
 *   trickle  with N in place: K more imports one at a time, interleaved with
 *            floor samples (API write→watch; Karmada propagation of a template
 *            label and of an OverridePolicy change) taken in the same minutes
 *   restart  everything filled; a fresh controller process is started and
 *            observed for --restart-seconds: it must change nothing
 *   cold     controller stopped, our OverridePolicies deleted and Karmada left
 *            to clear spec.ips; a fresh controller's time from start to all
 *            filled, and its peak RSS
 *
 * Flags: --n (imports, default 100), --namespaces (1), --concurrency (16),
 * --idle-seconds (300), --trickle (30), --floor-samples (100),
 * --karmada-floor-samples (30), --probes (3), --policy=shared|per-import
 * (one label-selecting PropagationPolicy per namespace, or one per import),
 * --fill-timeout (1200 s per wait), --restart-seconds (30),
 * --controller=tsx|dist (startController's `node --import tsx`, or the
 * compiled build under plain node as the Dockerfile runs it),
 * --phases=..., --keep, --out=DIR, --allow-other-controllers,
 * --controller-arg=--flag=value (repeatable, passed to `clusterset-dns run`).
 *
 * Results: a JSON file and a markdown report under bench/results/. Every loop
 * is bounded in count and time; everything is on 127.0.0.1. The namespaces
 * created here are deleted at the end unless --keep.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KARMADA_CONTEXT, access, type EnvState } from '../test/env/environment.js';
import { repoRoot } from '../test/env/binaries.js';
import { startController, type RunningController } from '../test/env/controller.js';
import { buildController, startBuiltController } from './lib/controller.js';
import { useEnvironment } from '../test/support/environment.js';
import { Api, ApiError, Watcher, now, pool, sleep, waitFor, type EventType, type KubeObj } from './lib/api.js';
import { cpuSeconds, foreignClusterProcesses, hwmMiB, machineCpu, otherControllers, RssSampler } from './lib/proc.js';
import { latencyTable, ms, summarize, table, type Summary } from './lib/stats.js';

// ---------------------------------------------------------------------------
// Flags

interface Flags {
  n: number;
  namespaces: number;
  concurrency: number;
  idleSeconds: number;
  trickle: number;
  floorSamples: number;
  karmadaFloorSamples: number;
  probes: number;
  policy: 'shared' | 'per-import';
  fillTimeout: number;
  restartSeconds: number;
  controller: 'tsx' | 'dist';
  phases: string[];
  keep: boolean;
  allowOtherControllers: boolean;
  controllerArgs: string[];
  out: string;
}

function parseArgs(argv: string[]): Flags {
  const kv = new Map<string, string>();
  const controllerArgs: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    if (m[1] === 'controller-arg') controllerArgs.push(m[2] ?? '');
    else kv.set(m[1] as string, m[2] ?? 'true');
  }
  const known = ['n', 'namespaces', 'concurrency', 'idle-seconds', 'trickle', 'floor-samples', 'karmada-floor-samples', 'probes', 'policy', 'fill-timeout', 'restart-seconds', 'controller', 'phases', 'keep', 'allow-other-controllers', 'out', 'help'];
  for (const k of kv.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k} (known: ${known.join(', ')}, controller-arg)`);
  if (kv.has('help')) {
    process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
    process.exit(0);
  }
  const int = (k: string, d: number, min = 0, max = 100_000) => {
    const v = Number(kv.get(k) ?? d);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]`);
    return v;
  };
  const policy = kv.get('policy') ?? 'shared';
  if (policy !== 'shared' && policy !== 'per-import') throw new Error('--policy must be shared or per-import');
  const n = int('n', 100, 1, 5000);
  const controller = kv.get('controller') ?? 'tsx';
  if (controller !== 'tsx' && controller !== 'dist') throw new Error('--controller must be tsx or dist');
  return {
    n,
    namespaces: int('namespaces', 1, 1, 100),
    concurrency: int('concurrency', 16, 1, 128),
    idleSeconds: int('idle-seconds', 300, 0, 3600),
    trickle: int('trickle', 30, 0, 1000),
    floorSamples: int('floor-samples', 100, 1, 10_000),
    karmadaFloorSamples: int('karmada-floor-samples', 30, 1, 1000),
    probes: int('probes', 3, 1, 50),
    policy,
    fillTimeout: int('fill-timeout', 1200, 10, 7200),
    restartSeconds: int('restart-seconds', 30, 1, 600),
    controller,
    phases: (kv.get('phases') ?? 'floors,burst,idle,trickle,restart,cold').split(',').filter(Boolean),
    keep: kv.get('keep') === 'true',
    allowOtherControllers: kv.get('allow-other-controllers') === 'true',
    controllerArgs,
    out: kv.get('out') ?? join(repoRoot, 'bench', 'results'),
  };
}

// ---------------------------------------------------------------------------
// Names and objects

const MEMBERS = ['member1', 'member2'] as const;
type Member = (typeof MEMBERS)[number];
const MCS = '/apis/multicluster.x-k8s.io/v1alpha1';
const POLICY = '/apis/policy.karmada.io/v1alpha1';
const IMPORT_LABEL = 'bench.clusterset-dns/import';
const SEQ_LABEL = 'bench.clusterset-dns/seq';
const OP_SEQ_LABEL = 'bench.clusterset-dns/op-seq';
const OUR_POLICY_PREFIX = 'clusterset-dns-';
const FLOOR_POLICY_PREFIX = 'bench-floor-';
const FLOOR_CM = 'bench-floor';

const serviceImport = (ns: string, name: string): KubeObj => ({
  apiVersion: 'multicluster.x-k8s.io/v1alpha1',
  kind: 'ServiceImport',
  metadata: { name, namespace: ns, labels: { [IMPORT_LABEL]: 'true' } },
  spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

const propagationPolicy = (ns: string, name: string, selector: Record<string, unknown>): KubeObj => ({
  apiVersion: 'policy.karmada.io/v1alpha1',
  kind: 'PropagationPolicy',
  metadata: { name, namespace: ns },
  spec: {
    resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', ...selector }],
    placement: { clusterAffinity: { clusterNames: [...MEMBERS] } },
  },
});

const floorPolicy = (ns: string, si: string, seq: string): KubeObj => ({
  apiVersion: 'policy.karmada.io/v1alpha1',
  kind: 'OverridePolicy',
  metadata: { name: `${FLOOR_POLICY_PREFIX}${si}`, namespace: ns },
  spec: {
    resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: si }],
    overrideRules: [{ targetCluster: { clusterNames: [...MEMBERS] }, overriders: { labelsOverrider: [{ operator: 'add', value: { [OP_SEQ_LABEL]: seq } }] } }],
  },
});

// ---------------------------------------------------------------------------
// What the watches saw

interface Track {
  /** First time a derived-<svc> with a ClusterIP was seen in this member, and whether it came from a watch event (not the initial list). */
  derivedAt?: number;
  derivedFromWatch?: boolean;
  derivedIp?: string;
  /** Member ServiceImport spec.ips (joined), as it changed. */
  ips: Array<[number, string]>;
  curIps: string;
  /** Our OverridePolicy's rule for this member (joined ips), as it changed. */
  op: Array<[number, string]>;
  curOp: string;
}

const firstAfter = (h: Array<[number, string]>, value: string, after: number) => h.find(([t, v]) => v === value && t >= after)?.[0];

class Observed {
  readonly track = new Map<Member, Map<string, Track>>(MEMBERS.map((m) => [m, new Map()]));
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, (t: number) => void>();
  readonly namespaces = new Set<string>();
  /** Events on our OverridePolicies and member ServiceImports, and controller Events, by type (for the idle phase). */
  readonly counters = { ourPolicyEvents: 0, memberSiModified: 0, controllerEvents: 0, controllerEventsByReason: new Map<string, number>() };

  t(m: Member, key: string): Track {
    const mm = this.track.get(m) as Map<string, Track>;
    let t = mm.get(key);
    if (!t) {
      t = { ips: [], curIps: '', op: [], curOp: '' };
      mm.set(key, t);
    }
    return t;
  }

  filled(m: Member, key: string): boolean {
    const t = this.track.get(m)?.get(key);
    return !!t?.derivedIp && t.curIps === t.derivedIp;
  }

  opDone(m: Member, key: string): boolean {
    const t = this.track.get(m)?.get(key);
    return !!t?.derivedIp && t.curOp === t.derivedIp;
  }

  count(keys: string[], f: (m: Member, k: string) => boolean): number {
    let n = 0;
    for (const m of MEMBERS) for (const k of keys) if (f(m, k)) n++;
    return n;
  }

  signal(key: string, t: number) {
    if (this.seen.has(key)) return;
    this.seen.set(key, t);
    this.waiters.get(key)?.(t);
    this.waiters.delete(key);
  }

  /** Resolves with the time `key` was signalled, or undefined after `timeoutMs`. */
  expect(key: string, timeoutMs: number): Promise<number | undefined> {
    const t = this.seen.get(key);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  ours = (o: KubeObj) => this.namespaces.has(o.metadata.namespace ?? '');

  memberService(m: Member) {
    return (type: EventType, o: KubeObj, t: number) => {
      if (!this.ours(o) || !o.metadata.name.startsWith('derived-')) return;
      const key = `${o.metadata.namespace}/${o.metadata.name.slice('derived-'.length)}`;
      const tr = this.t(m, key);
      const ip = o.spec?.clusterIP;
      if (type === 'DELETED') {
        delete tr.derivedIp;
        delete tr.derivedAt;
        return;
      }
      if (!ip || ip === 'None') return;
      if (tr.derivedIp !== ip) {
        tr.derivedIp = ip;
        tr.derivedAt = t;
        tr.derivedFromWatch = type !== 'LIST';
      }
    };
  }

  memberServiceImport(m: Member) {
    return (type: EventType, o: KubeObj, t: number) => {
      if (!this.ours(o)) return;
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      const tr = this.t(m, key);
      if (type === 'MODIFIED') this.counters.memberSiModified++;
      const ips = type === 'DELETED' ? '' : (o.spec?.ips ?? []).join(',');
      if (ips !== tr.curIps) {
        tr.curIps = ips;
        tr.ips.push([t, ips]);
      }
      const seq = o.metadata.labels?.[SEQ_LABEL];
      if (seq) this.signal(`b1:${m}:${seq}`, t);
      const opSeq = o.metadata.labels?.[OP_SEQ_LABEL];
      if (opSeq) this.signal(`b2:${m}:${opSeq}`, t);
    };
  }

  controlPlaneServiceImport = (_type: EventType, o: KubeObj, t: number) => {
    if (!this.ours(o)) return;
    const seq = o.metadata.labels?.[SEQ_LABEL];
    if (seq) this.signal(`b1:cp:${seq}`, t);
  };

  overridePolicy = (type: EventType, o: KubeObj, t: number) => {
    if (!this.ours(o)) return;
    const name = o.metadata.name;
    const spec = o.spec as { overrideRules?: Array<{ targetCluster?: { clusterNames?: string[] }; overriders?: { plaintext?: Array<{ path: string; value: unknown }>; labelsOverrider?: Array<{ value?: Record<string, string> }> } }> } | undefined;
    if (name.startsWith(FLOOR_POLICY_PREFIX)) {
      const v = spec?.overrideRules?.[0]?.overriders?.labelsOverrider?.[0]?.value?.[OP_SEQ_LABEL];
      if (v) this.signal(`b2:cp:${v}`, t);
      return;
    }
    if (!name.startsWith(OUR_POLICY_PREFIX)) return;
    if (type !== 'LIST') this.counters.ourPolicyEvents++;
    const key = `${o.metadata.namespace}/${name.slice(OUR_POLICY_PREFIX.length)}`;
    const rules = new Map<string, string>();
    if (type !== 'DELETED') {
      for (const r of spec?.overrideRules ?? []) {
        const c = r.targetCluster?.clusterNames?.[0];
        const v = r.overriders?.plaintext?.find((p) => p.path === '/spec/ips')?.value;
        if (c && Array.isArray(v)) rules.set(c, v.join(','));
      }
    }
    for (const m of MEMBERS) {
      const tr = this.t(m, key);
      const v = rules.get(m) ?? '';
      if (v !== tr.curOp) {
        tr.curOp = v;
        tr.op.push([t, v]);
      }
    }
  };

  configMap(api: string) {
    return (_type: EventType, o: KubeObj, t: number) => {
      const seq = o.data?.['seq'];
      if (seq) this.signal(`a:${api}:${seq}`, t);
    };
  }

  controllerEvent = (type: EventType, o: KubeObj) => {
    if (type !== 'ADDED' || !this.ours(o)) return;
    this.counters.controllerEvents++;
    const reason = String((o as { reason?: string }).reason ?? '?');
    this.counters.controllerEventsByReason.set(reason, (this.counters.controllerEventsByReason.get(reason) ?? 0) + 1);
  };
}

// ---------------------------------------------------------------------------
// Controller metrics

interface ControllerMetrics {
  writes: Record<string, number>;
  writesTotal: number;
  reconciles: Record<string, number>;
  decisionCount: number;
  decisionSum: number;
  reconcileCount: number;
  reconcileSum: number;
}

async function scrape(c: RunningController): Promise<ControllerMetrics> {
  const text = await c.metricsText();
  const out: ControllerMetrics = { writes: {}, writesTotal: 0, reconciles: {}, decisionCount: 0, decisionSum: 0, reconcileCount: 0, reconcileSum: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const v = Number(line.split(' ').pop());
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const label = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(labels)?.[1] ?? '';
    if (line.startsWith('clusterset_dns_writes_total{')) {
      const k = `${label('kind')}/${label('result')}`;
      out.writes[k] = (out.writes[k] ?? 0) + v;
      out.writesTotal += v;
    } else if (line.startsWith('controller_runtime_reconcile_total{')) {
      out.reconciles[label('result')] = (out.reconciles[label('result')] ?? 0) + v;
    } else if (line.startsWith('clusterset_dns_decision_duration_seconds_count')) {
      out.decisionCount += v;
    } else if (line.startsWith('clusterset_dns_decision_duration_seconds_sum')) {
      out.decisionSum += v;
    } else if (line.startsWith('controller_runtime_reconcile_time_seconds_count')) {
      out.reconcileCount += v;
    } else if (line.startsWith('controller_runtime_reconcile_time_seconds_sum')) {
      out.reconcileSum += v;
    }
  }
  return out;
}

/** Sums apiserver_request_total by verb from an API server's /metrics (text format). */
async function requestCounts(api: Api): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let text = '';
  try {
    text = await api.text('/metrics');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '?';
    if (verb === 'WATCH') continue;
    out[verb] = (out[verb] ?? 0) + Number(line.split(' ').pop());
  }
  return out;
}

const diffCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]).filter(([, v]) => v !== 0));

// ---------------------------------------------------------------------------
// CPU accounting

type CpuSnapshot = Record<string, number>;

function cpuSnapshot(env: EnvState, controllerPid: number | undefined): CpuSnapshot {
  const s: CpuSnapshot = {};
  for (const [name, p] of Object.entries(env.processes)) {
    const c = cpuSeconds(p.pid);
    if (c !== undefined) s[name] = c;
  }
  if (controllerPid !== undefined) {
    const c = cpuSeconds(controllerPid);
    if (c !== undefined) s['clusterset-dns (controller)'] = c;
  }
  const u = process.cpuUsage();
  s['bench (this process)'] = (u.user + u.system) / 1e6;
  const tracked = Object.values(s).reduce((a, b) => a + b, 0);
  const m = machineCpu();
  s['(machine busy, all processes)'] = m.busy;
  s['(machine idle)'] = m.idle;
  // Everything not listed above: other tests, other environments, the kernel. Should stay near 0.
  s['(untracked: busy minus the above)'] = m.busy - tracked;
  return s;
}

const cpuDelta = (a: CpuSnapshot, b: CpuSnapshot) => Object.fromEntries(Object.keys(b).map((k) => [k, +(b[k]! - (a[k] ?? 0)).toFixed(2)]));

// ---------------------------------------------------------------------------

interface PhaseRecord {
  name: string;
  wallSeconds: number;
  cpuSeconds: Record<string, number>;
  loadavg1: number;
  benchEventLoopDelayMs: { p50: number; p99: number; max: number };
  [k: string]: unknown;
}

async function main() {
  const flags = parseArgs(process.argv.slice(2));
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-').toLowerCase()}`;
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
  mkdirSync(flags.out, { recursive: true });

  const env = await useEnvironment();
  const others = otherControllers();
  if (others.length > 0 && !flags.allowOtherControllers) {
    throw new Error(`other clusterset-dns controllers are running against (probably) this environment; they would reconcile the benchmark's objects too:\n${others.map((o) => `  ${o.pid} ${o.cmd}`).join('\n')}\n(--allow-other-controllers to run anyway)`);
  }
  const foreign = foreignClusterProcesses(Object.values(env.processes).map((p) => p.pid));
  if (foreign.length > 0 && !flags.allowOtherControllers) {
    throw new Error(`other API servers / Karmada processes are running on this machine (another environment or a test); they would compete for the 2 cores:\n${foreign.slice(0, 8).map((o) => `  ${o.pid} ${o.cmd}`).join('\n')}\n(--allow-other-controllers to run anyway)`);
  }
  const cp = new Api(access(env, KARMADA_CONTEXT));
  const members = Object.fromEntries(MEMBERS.map((m) => [m, new Api(access(env, m))])) as Record<Member, Api>;
  const obs = new Observed();
  const nsNames = Array.from({ length: flags.namespaces }, (_, j) => `cdns-bench-${runId.slice(-6)}-${j}`);
  for (const ns of nsNames) obs.namespaces.add(ns);
  const floorNs = nsNames[0] as string;

  const elu = monitorEventLoopDelay({ resolution: 5 });
  elu.enable();
  const phases: PhaseRecord[] = [];
  let controller: RunningController | undefined;
  let rss: RssSampler | undefined;
  const watchers: Watcher[] = [];
  const controllers: unknown[] = [];
  const result: Record<string, unknown> = {
    runId,
    date: new Date().toISOString(),
    flags,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch}` },
    versions: env.versions,
    controllerSource: gitProvenance(),
    namespaces: nsNames,
    otherControllersAtStart: others,
    foreignClusterProcessesAtStart: foreign,
    phases,
    controllers,
  };

  /** apiserver_request_total by verb (WATCH excluded) on each API server: everyone's requests, ours included. */
  const apiRequests = async (): Promise<Record<string, Record<string, number>>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, api] of [['karmada-apiserver', cp], ['member1', members.member1], ['member2', members.member2]] as const) {
      out[name] = await requestCounts(api);
    }
    return out;
  };

  const phase = async <T extends Record<string, unknown>>(name: string, f: () => Promise<T>): Promise<T> => {
    log(`── phase ${name}`);
    const c0 = cpuSnapshot(env, controller?.proc.pid);
    const r0 = await apiRequests();
    const t0 = now();
    elu.reset();
    const extra = await f();
    const c1 = cpuSnapshot(env, controller?.proc.pid);
    const r1 = await apiRequests();
    const rec: PhaseRecord = {
      name: `${name}${phaseSuffix}`,
      controllerKind: controllerKind ?? null,
      wallSeconds: +((now() - t0) / 1000).toFixed(2),
      cpuSeconds: cpuDelta(c0, c1),
      loadavg1: +(loadavg()[0] ?? 0).toFixed(2),
      apiRequests: Object.fromEntries(Object.keys(r1).map((k) => [k, diffCounts(r0[k] ?? {}, r1[k] ?? {})])),
      // Seen at the end of the phase: anything here competed with (or wrote to) what was measured.
      interference: {
        otherControllers: otherControllers(controller ? [controller.proc.pid] : []).map((o) => o.pid),
        foreignClusterProcesses: foreignClusterProcesses(Object.values(env.processes).map((p) => p.pid)).length,
      },
      benchEventLoopDelayMs: { p50: +(elu.percentile(50) / 1e6).toFixed(2), p99: +(elu.percentile(99) / 1e6).toFixed(2), max: +(elu.max / 1e6).toFixed(2) },
      ...extra,
    };
    phases.push(rec);
    log(`   ${name}: ${rec.wallSeconds}s wall; cpu ${JSON.stringify(rec.cpuSeconds)}`);
    writeFileSync(join(flags.out, `${runId}-n${flags.n}.json`), JSON.stringify(result, replacer, 2));
    return extra;
  };

  // Build the compiled controller up front, so that tsc's CPU does not land in a measured phase.
  let builtMain: string | undefined = flags.controller === 'dist' || flags.phases.some((p) => p.endsWith(':dist')) ? buildController(log) : undefined;
  /** Which controller build the current phase runs (--controller, or a phase's `:tsx`/`:dist` suffix). */
  let phaseKind: 'tsx' | 'dist' = flags.controller;
  let phaseSuffix = '';
  let controllerKind: 'tsx' | 'dist' | undefined;
  const startCtl = async () => {
    const t0 = now();
    const args = ['--leader-elect=false', ...flags.controllerArgs];
    let c: RunningController;
    controllerKind = phaseKind;
    if (phaseKind === 'dist') {
      builtMain ??= buildController(log);
      c = await startBuiltController(env, builtMain, args, 'clusterset-dns-bench');
    } else {
      c = await startController(env, args, 'clusterset-dns-bench');
    }
    const ready = now();
    controller = c;
    rss = new RssSampler(c.proc.pid).start();
    log(`controller pid ${c.proc.pid} ready in ${((ready - t0) / 1000).toFixed(2)}s; log ${c.proc.log}`);
    return { c, t0, ready };
  };
  const stopCtl = async () => {
    if (!controller) return undefined;
    rss?.stop();
    const info = { kind: controllerKind, pid: controller.proc.pid, log: controller.proc.log, logSummary: summarizeLog(controller.proc.log), vmHwmMiB: hwmMiB(controller.proc.pid), sampledMaxRssMiB: rss?.maxRssMiB, sampledMaxTreeRssMiB: rss?.maxTreeRssMiB, samples: rss?.samples };
    await controller.stop();
    info.logSummary = summarizeLog(info.log);
    controller = undefined;
    controllerKind = undefined;
    return info;
  };

  const stopAll = async () => {
    await stopCtl().catch(() => undefined);
    for (const w of watchers) await w.stop();
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('SIGINT: stopping the controller and cleaning up');
  });
  const checkInterrupted = () => {
    if (interrupted) throw new Error('interrupted');
  };

  const allKeys: string[] = [];
  const svcKeys = Array.from({ length: flags.n }, (_, i) => `${nsNames[i % nsNames.length]}/svc-${String(i).padStart(4, '0')}`);
  const probeKeys = Array.from({ length: flags.probes }, (_, p) => `${floorNs}/probe-${p}`);
  const createImport = async (key: string) => {
    const [ns, name] = key.split('/') as [string, string];
    if (flags.policy === 'per-import') await cp.create(`${POLICY}/namespaces/${ns}/propagationpolicies`, propagationPolicy(ns, `${name}-import`, { name }));
    await cp.create(`${MCS}/namespaces/${ns}/serviceimports`, serviceImport(ns, name));
    allKeys.push(key);
  };
  const progress = (keys: string[]) =>
    `derived ${obs.count(keys, (m, k) => !!obs.track.get(m)?.get(k)?.derivedIp)}/${2 * keys.length}, policy rules ${obs.count(keys, (m, k) => obs.opDone(m, k))}, spec.ips ${obs.count(keys, (m, k) => obs.filled(m, k))}`;

  try {
    // ---- setup: namespaces (Karmada propagates them to members), watches, probes
    const setupT0 = now();
    await pool(nsNames, 4, async (ns) => cp.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'bench.clusterset-dns/run': runId } } }));
    for (const m of MEMBERS) {
      for (const ns of nsNames) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            await members[m].get(`/api/v1/namespaces/${ns}`);
            break;
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404) || Date.now() > deadline) throw e;
            await sleep(200);
          }
        }
      }
    }
    const mkWatch = (api: Api, path: string, params: Record<string, string>, h: (type: EventType, o: KubeObj, t: number) => void) => {
      const w = new Watcher(api, path, params, h, log);
      watchers.push(w);
      return w.start();
    };
    await Promise.all([
      ...MEMBERS.flatMap((m) => [
        mkWatch(members[m], '/api/v1/services', { labelSelector: 'karmada.io/managed=true' }, obs.memberService(m)),
        mkWatch(members[m], `${MCS}/serviceimports`, {}, obs.memberServiceImport(m)),
        mkWatch(members[m], `/api/v1/namespaces/${floorNs}/configmaps`, { fieldSelector: `metadata.name=${FLOOR_CM}` }, obs.configMap(m)),
      ]),
      mkWatch(cp, `${POLICY}/overridepolicies`, {}, obs.overridePolicy),
      mkWatch(cp, `${MCS}/serviceimports`, { labelSelector: IMPORT_LABEL }, obs.controlPlaneServiceImport),
      mkWatch(cp, `/api/v1/namespaces/${floorNs}/configmaps`, { fieldSelector: `metadata.name=${FLOOR_CM}` }, obs.configMap('karmada')),
      mkWatch(cp, '/api/v1/events', { fieldSelector: 'source=clusterset-dns' }, (type, o) => obs.controllerEvent(type, o)),
    ]);
    for (const api of [cp, members.member1, members.member2]) {
      await api.create(`/api/v1/namespaces/${floorNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FLOOR_CM, namespace: floorNs }, data: { seq: 'init' } });
    }
    if (flags.policy === 'shared') {
      for (const ns of nsNames) await cp.create(`${POLICY}/namespaces/${ns}/propagationpolicies`, propagationPolicy(ns, 'bench-import', { labelSelector: { matchLabels: { [IMPORT_LABEL]: 'true' } } }));
    }
    log(`setup: ${nsNames.length} namespace(s) ${nsNames.join(', ')}; watches on ${watchers.length} collections (${((now() - setupT0) / 1000).toFixed(1)}s)`);

    // ---- floor samplers
    let seq = 0;
    const floorA = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
    const floorArtt = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
    const apiByName = { karmada: cp, member1: members.member1, member2: members.member2 };
    const sampleFloorA = async (which: keyof typeof floorA, into = floorA, rtt = floorArtt) => {
      const v = `a${seq++}`;
      const api = apiByName[which];
      const wait = obs.expect(`a:${which}:${v}`, 10_000);
      const t0 = now();
      await api.mergePatch(`/api/v1/namespaces/${floorNs}/configmaps/${FLOOR_CM}`, { data: { seq: v } });
      rtt[which].push(now() - t0);
      const t = await wait;
      if (t !== undefined) into[which].push(t - t0);
    };
    // member*: control-plane watch event → member watch event; fromWrite: write sent → member event;
    // cpWriteToWatch: write sent → control-plane watch event (for b2, an OverridePolicy write through karmada-webhook).
    const floorB1 = { member1: [] as number[], member2: [] as number[], fromWrite: [] as number[], cpWriteToWatch: [] as number[] };
    const floorB2 = { member1: [] as number[], member2: [] as number[], fromWrite: [] as number[], cpWriteToWatch: [] as number[] };
    let probeTurn = 0;
    const sampleFloorB = async (kind: 'b1' | 'b2') => {
      const p = probeKeys[probeTurn++ % probeKeys.length] as string;
      const [ns, name] = p.split('/') as [string, string];
      const v = `${kind}-${seq++}`;
      const waits = { cp: obs.expect(`${kind}:cp:${v}`, 60_000), member1: obs.expect(`${kind}:member1:${v}`, 60_000), member2: obs.expect(`${kind}:member2:${v}`, 60_000) };
      const t0 = now();
      if (kind === 'b1') await cp.mergePatch(`${MCS}/namespaces/${ns}/serviceimports/${name}`, { metadata: { labels: { [SEQ_LABEL]: v } } });
      else await cp.mergePatch(`${POLICY}/namespaces/${ns}/overridepolicies/${FLOOR_POLICY_PREFIX}${name}`, { spec: floorPolicy(ns, name, v).spec });
      const tcp = await waits.cp;
      const into = kind === 'b1' ? floorB1 : floorB2;
      if (tcp !== undefined) into.cpWriteToWatch.push(tcp - t0);
      for (const m of MEMBERS) {
        const t = await waits[m];
        if (t !== undefined && tcp !== undefined) into[m].push(t - tcp);
        if (t !== undefined) into.fromWrite.push(t - t0);
      }
    };

    const runners: Record<string, () => Promise<void>> = {};
    const ensureController = async (running: boolean): Promise<RunningController | undefined> => {
      if (!running) {
        if (controller) controllers.push(await stopCtl());
        return undefined;
      }
      if (controller && controllerKind === phaseKind) return controller;
      if (controller) controllers.push(await stopCtl());
      const { c } = await startCtl();
      await sleep(2000); // let it sync the members before the phase starts
      return c;
    };
    let probesCreated = false;
    const createProbes = async () => {
      if (probesCreated) return;
      probesCreated = true;
      await pool(probeKeys, 4, createImport);
      for (const p of probeKeys) {
        const [ns, name] = p.split('/') as [string, string];
        await cp.create(`${POLICY}/namespaces/${ns}/overridepolicies`, floorPolicy(ns, name, 'init'));
      }
    };

    // ---- phase: floors on an idle system
    runners['floors'] = async () => {
      await phase('floors-idle', async () => {
        const into = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
        const rtt = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
        for (let i = 0; i < flags.floorSamples; i++) {
          for (const w of ['karmada', 'member1', 'member2'] as const) await sampleFloorA(w, into, rtt);
          await sleep(10);
        }
        return {
          apiWriteToWatch: { karmada: summarize(into.karmada), member1: summarize(into.member1), member2: summarize(into.member2) },
          apiWriteRtt: { karmada: summarize(rtt.karmada), member1: summarize(rtt.member1), member2: summarize(rtt.member2) },
        };
      });
    };

    // ---- phase: prepare — N imports (+ probes) created with no controller running; wait for Karmada's derived Services
    runners['prepare'] = async () => {
      await ensureController(false);
      await phase('prepare', async () => {
        const t0 = now();
        await createProbes();
        await pool(svcKeys, flags.concurrency, async (k) => {
          checkInterrupted();
          await createImport(k);
        });
        const tCreated = now();
        const keys = [...probeKeys, ...svcKeys];
        const deadline = Date.now() + flags.fillTimeout * 1000;
        let lastLog = 0;
        const derived = () => obs.count(keys, (m, k) => !!obs.track.get(m)?.get(k)?.derivedIp);
        while (Date.now() < deadline && derived() < 2 * keys.length) {
          checkInterrupted();
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`  prepare +${((now() - t0) / 1000).toFixed(0)}s: ${progress(keys)}`);
          }
          await sleep(200);
        }
        const n = derived();
        log(`  prepare: ${progress(keys)} after ${((now() - t0) / 1000).toFixed(1)}s`);
        if (n < 2 * keys.length) throw new Error(`prepare: Karmada created ${n}/${2 * keys.length} derived Services within --fill-timeout=${flags.fillTimeout}s`);
        return { imports: keys.length, pairs: 2 * keys.length, createSeconds: +((tCreated - t0) / 1000).toFixed(2), allDerivedSeconds: +((now() - t0) / 1000).toFixed(2) };
      });
    };

    // ---- phase: burst — controller running, N imports (+ probes) created at once
    runners['burst'] = async () => {
      const c = (await ensureController(true)) as RunningController;
      const m0 = await scrape(c);
      await phase('burst', async () => {
        const t0 = now();
        // Probes first (they serve the Karmada floor later), then the N imports.
        await createProbes();
        await pool(svcKeys, flags.concurrency, async (k) => {
          checkInterrupted();
          await createImport(k);
        });
        const tCreated = now();
        log(`created ${svcKeys.length} ServiceImports in ${((tCreated - t0) / 1000).toFixed(1)}s`);
        let tAllDerived: number | undefined;
        let tAllPolicies: number | undefined;
        const deadline = Date.now() + flags.fillTimeout * 1000;
        let lastLog = 0;
        const keys = [...probeKeys, ...svcKeys];
        while (Date.now() < deadline) {
          checkInterrupted();
          const t = now();
          if (tAllDerived === undefined && obs.count(keys, (m, k) => !!obs.track.get(m)?.get(k)?.derivedIp) === 2 * keys.length) tAllDerived = t;
          if (tAllPolicies === undefined && obs.count(keys, (m, k) => obs.opDone(m, k)) === 2 * keys.length) tAllPolicies = t;
          if (obs.count(keys, (m, k) => obs.filled(m, k)) === 2 * keys.length) break;
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`  burst +${((t - t0) / 1000).toFixed(0)}s: ${progress(keys)}; controller RSS ${rss?.maxRssMiB.toFixed(0)} MiB`);
          }
          await sleep(100);
        }
        const tEnd = now();
        const filled = obs.count(keys, (m, k) => obs.filled(m, k));
        log(`  burst done: ${progress(keys)} after ${((tEnd - t0) / 1000).toFixed(1)}s`);
        // Per (import, member) latencies, for derived Services that appeared during this phase.
        const total: number[] = [], ours: number[] = [], karmada: number[] = [];
        const byMember: Record<string, number[]> = { member1: [], member2: [] };
        const samples: Array<{ key: string; member: string; derivedAtS: number; oursMs: number | null; karmadaMs: number | null; totalMs: number | null }> = [];
        for (const m of MEMBERS) {
          for (const k of keys) {
            const tr = obs.track.get(m)?.get(k);
            if (!tr?.derivedAt || !tr.derivedIp || !tr.derivedFromWatch || tr.derivedAt < t0) continue;
            const tIps = firstAfter(tr.ips, tr.derivedIp, 0);
            const tOp = firstAfter(tr.op, tr.derivedIp, 0);
            if (tIps !== undefined) { total.push(tIps - tr.derivedAt); byMember[m]!.push(tIps - tr.derivedAt); }
            if (tOp !== undefined) ours.push(tOp - tr.derivedAt);
            if (tOp !== undefined && tIps !== undefined) karmada.push(tIps - tOp);
            samples.push({ key: k, member: m, derivedAtS: +((tr.derivedAt - t0) / 1000).toFixed(3), oursMs: tOp === undefined ? null : +(tOp - tr.derivedAt).toFixed(1), karmadaMs: tOp === undefined || tIps === undefined ? null : +(tIps - tOp).toFixed(1), totalMs: tIps === undefined ? null : +(tIps - tr.derivedAt).toFixed(1) });
          }
        }
        const m1 = await scrape(c);
        return {
          imports: keys.length,
          pairs: 2 * keys.length,
          filledPairs: filled,
          complete: filled === 2 * keys.length,
          createSeconds: +((tCreated - t0) / 1000).toFixed(2),
          allDerivedSeconds: tAllDerived === undefined ? null : +((tAllDerived - t0) / 1000).toFixed(2),
          allPolicyRulesSeconds: tAllPolicies === undefined ? null : +((tAllPolicies - t0) / 1000).toFixed(2),
          allFilledSeconds: filled === 2 * keys.length ? +((tEnd - t0) / 1000).toFixed(2) : null,
          latency: {
            derivedToIps: summarize(total),
            derivedToIpsMember1: summarize(byMember['member1']!),
            derivedToIpsMember2: summarize(byMember['member2']!),
            derivedToPolicy: summarize(ours),
            policyToIps: summarize(karmada),
          },
          controllerWrites: diffCounts(m0.writes, m1.writes),
          controllerReconciles: diffCounts(m0.reconciles, m1.reconciles),
          controllerEvents: Object.fromEntries(obs.counters.controllerEventsByReason),
          controllerRssMiB: { sampledMax: +(rss?.maxRssMiB ?? 0).toFixed(1), vmHwm: hwmMiB(c.proc.pid) },
          samples,
        };
      });
    };

    // ---- phase: idle — nothing changes; count writes
    runners['idle'] = async () => {
      const c = (await ensureController(true)) as RunningController;
      await phase('idle', async () => {
        await sleep(5000); // let stragglers (events, status) land before the window opens
        const before = await scrape(c);
        const ev0 = { ...obs.counters, controllerEventsByReason: undefined };
        const end = Date.now() + flags.idleSeconds * 1000;
        while (Date.now() < end) {
          checkInterrupted();
          await sleep(Math.min(10_000, end - Date.now()));
        }
        const after = await scrape(c);
        return {
          seconds: flags.idleSeconds,
          writesTotalDelta: after.writesTotal - before.writesTotal,
          writesByKind: diffCounts(before.writes, after.writes),
          reconcilesDelta: diffCounts(before.reconciles, after.reconciles),
          ourPolicyWatchEvents: obs.counters.ourPolicyEvents - ev0.ourPolicyEvents,
          controllerEventsCreated: obs.counters.controllerEvents - ev0.controllerEvents,
          memberServiceImportUpdates: obs.counters.memberSiModified - ev0.memberSiModified,
          filledPairs: obs.count(allKeys, (m, k) => obs.filled(m, k)),
          pairs: 2 * allKeys.length,
        };
      });
    };

    // ---- phase: trickle — one import at a time with N in place, floors interleaved
    runners['trickle'] = async () => {
      const c = (await ensureController(true)) as RunningController;
      await phase('trickle', async () => {
        const before = await scrape(c);
        const total: number[] = [], ours: number[] = [], karmada: number[] = [];
        const into = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
        const rtt = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
        const aPerStep = Math.max(1, Math.ceil(flags.floorSamples / Math.max(1, flags.trickle)));
        const bPerStep = Math.max(1, Math.ceil(flags.karmadaFloorSamples / Math.max(1, flags.trickle)));
        let incomplete = 0;
        const samples: Array<{ key: string; member: string; oursMs: number | null; karmadaMs: number | null; totalMs: number | null }> = [];
        for (let k = 0; k < flags.trickle; k++) {
          checkInterrupted();
          const key = `${floorNs}/tr-${String(k).padStart(3, '0')}`;
          const t0 = now();
          await createImport(key);
          const done = await waitFor(() => MEMBERS.every((m) => obs.filled(m, key)), 120_000, 10);
          if (!done) incomplete++;
          for (const m of MEMBERS) {
            const tr = obs.track.get(m)?.get(key);
            if (!tr?.derivedAt || !tr.derivedIp) continue;
            const tIps = firstAfter(tr.ips, tr.derivedIp, t0);
            const tOp = firstAfter(tr.op, tr.derivedIp, t0);
            if (tIps !== undefined) total.push(tIps - tr.derivedAt);
            if (tOp !== undefined) ours.push(tOp - tr.derivedAt);
            if (tOp !== undefined && tIps !== undefined) karmada.push(tIps - tOp);
            samples.push({ key, member: m, oursMs: tOp === undefined ? null : +(tOp - tr.derivedAt).toFixed(1), karmadaMs: tOp === undefined || tIps === undefined ? null : +(tIps - tOp).toFixed(1), totalMs: tIps === undefined ? null : +(tIps - tr.derivedAt).toFixed(1) });
          }
          for (let j = 0; j < bPerStep; j++) {
            await sampleFloorB('b1');
            await sampleFloorB('b2');
          }
          for (let j = 0; j < aPerStep; j++) for (const w of ['karmada', 'member1', 'member2'] as const) await sampleFloorA(w, into, rtt);
          if (k % 10 === 9) log(`  trickle ${k + 1}/${flags.trickle}: derived→ips p50 ${ms(summarize(total).p50)} ms`);
          await sleep(200);
        }
        const after = await scrape(c);
        return {
          imports: flags.trickle,
          incomplete,
          latency: {
            derivedToIps: summarize(total),
            derivedToPolicy: summarize(ours),
            policyToIps: summarize(karmada),
          },
          floors: {
            apiWriteToWatch: { karmada: summarize(into.karmada), member1: summarize(into.member1), member2: summarize(into.member2) },
            apiWriteRtt: { karmada: summarize(rtt.karmada), member1: summarize(rtt.member1), member2: summarize(rtt.member2) },
            karmadaTemplateLabel: { member1: summarize(floorB1.member1), member2: summarize(floorB1.member2), both: summarize([...floorB1.member1, ...floorB1.member2]), fromWrite: summarize(floorB1.fromWrite), cpWriteToWatch: summarize(floorB1.cpWriteToWatch) },
            karmadaOverridePolicy: { member1: summarize(floorB2.member1), member2: summarize(floorB2.member2), both: summarize([...floorB2.member1, ...floorB2.member2]), fromWrite: summarize(floorB2.fromWrite), cpWriteToWatch: summarize(floorB2.cpWriteToWatch) },
          },
          raw: { floorB1, floorB2, floorA: into },
          samples,
          controllerWrites: diffCounts(before.writes, after.writes),
        };
      });
    };

    // ---- phase: restart — everything filled; a fresh controller must change nothing
    runners['restart'] = async () => {
      const keys = [...allKeys];
      await ensureController(false);
      await phase('restart', async () => {
        const ev0 = obs.counters.ourPolicyEvents;
        const cev0 = obs.counters.controllerEvents;
        const reasons0 = new Map(obs.counters.controllerEventsByReason);
        const filled0 = obs.count(keys, (m, k) => obs.filled(m, k));
        const { c, t0, ready } = await startCtl();
        const end = Date.now() + flags.restartSeconds * 1000;
        while (Date.now() < end) {
          checkInterrupted();
          await sleep(Math.min(1000, end - Date.now()));
        }
        const mm = await scrape(c);
        // Every change after the start, per (member, import): policy rule and member spec.ips.
        const changes: Array<{ member: string; key: string; what: 'policy rule' | 'spec.ips'; atMs: number; value: string }> = [];
        for (const m of MEMBERS) for (const k of keys) {
          const tr = obs.track.get(m)?.get(k);
          for (const [t, v] of tr?.op ?? []) if (t >= t0) changes.push({ member: m, key: k, what: 'policy rule', atMs: +(t - t0).toFixed(1), value: v });
          for (const [t, v] of tr?.ips ?? []) if (t >= t0) changes.push({ member: m, key: k, what: 'spec.ips', atMs: +(t - t0).toFixed(1), value: v });
        }
        changes.sort((a, b) => a.atMs - b.atMs);
        const reasons = Object.fromEntries([...obs.counters.controllerEventsByReason].map(([r, n]) => [r, n - (reasons0.get(r) ?? 0)]).filter(([, n]) => n !== 0));
        log(`  restart: ${changes.length} changes, writes ${JSON.stringify(mm.writes)}`);
        return {
          observeSeconds: flags.restartSeconds,
          readySeconds: +((ready - t0) / 1000).toFixed(2),
          filledBefore: filled0,
          filledAfter: obs.count(keys, (m, k) => obs.filled(m, k)),
          writes: mm.writes,
          writesTotal: mm.writesTotal,
          ourPolicyWatchEvents: obs.counters.ourPolicyEvents - ev0,
          controllerEventsCreated: obs.counters.controllerEvents - cev0,
          controllerEventsByReason: reasons,
          policyRuleChanges: changes.filter((x) => x.what === 'policy rule').length,
          specIpsChanges: changes.filter((x) => x.what === 'spec.ips').length,
          firstChanges: changes.slice(0, 30),
        };
      });
    };

    // ---- phase: cold start — no OverridePolicies, a fresh controller
    runners['cold'] = async () => {
      const keys = [...allKeys];
      await ensureController(false);
      await phase('cold-clear', async () => {
        // Delete our OverridePolicies (the bench is admin), then let Karmada clear spec.ips.
        const t0 = now();
        for (const ns of nsNames) await cp.delete(`${POLICY}/namespaces/${ns}/overridepolicies?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=clusterset-dns')}`);
        const cleared = await waitFor(() => obs.count(keys, (m, k) => (obs.track.get(m)?.get(k)?.curIps ?? '') !== '') === 0, flags.fillTimeout * 1000, 200);
        const left = obs.count(keys, (m, k) => (obs.track.get(m)?.get(k)?.curIps ?? '') !== '');
        log(`  Karmada cleared spec.ips of ${2 * keys.length - left}/${2 * keys.length} in ${((now() - t0) / 1000).toFixed(1)}s`);
        return { cleared, stillFilled: left, karmadaClearSeconds: +((now() - t0) / 1000).toFixed(2) };
      });
      await phase('cold-start', async () => {
        const phaseT0 = now();
        const { c, t0, ready } = await startCtl();
        let tAllPolicies: number | undefined;
        const deadline = Date.now() + flags.fillTimeout * 1000;
        let lastLog = 0;
        while (Date.now() < deadline) {
          checkInterrupted();
          if (tAllPolicies === undefined && obs.count(keys, (m, k) => obs.opDone(m, k)) === 2 * keys.length) tAllPolicies = now();
          if (obs.count(keys, (m, k) => obs.filled(m, k)) === 2 * keys.length) break;
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`  cold +${((now() - t0) / 1000).toFixed(0)}s: ${progress(keys)}; controller RSS ${rss?.maxRssMiB.toFixed(0)} MiB`);
          }
          await sleep(50);
        }
        const tEnd = now();
        const filled = obs.count(keys, (m, k) => obs.filled(m, k));
        // When each pair's rule and IP landed (after start), for the distribution.
        const ruleAt: number[] = [], ipsAt: number[] = [];
        for (const m of MEMBERS) for (const k of keys) {
          const tr = obs.track.get(m)?.get(k);
          if (!tr?.derivedIp) continue;
          const a = firstAfter(tr.op, tr.derivedIp, phaseT0);
          const b = firstAfter(tr.ips, tr.derivedIp, phaseT0);
          if (a !== undefined) ruleAt.push(a - t0);
          if (b !== undefined) ipsAt.push(b - t0);
        }
        await sleep(3000);
        const mm = await scrape(c);
        return {
          imports: keys.length,
          pairs: 2 * keys.length,
          filledPairs: filled,
          complete: filled === 2 * keys.length,
          readySeconds: +((ready - t0) / 1000).toFixed(2),
          allPolicyRulesSeconds: tAllPolicies === undefined ? null : +((tAllPolicies - t0) / 1000).toFixed(2),
          allFilledSeconds: filled === 2 * keys.length ? +((tEnd - t0) / 1000).toFixed(2) : null,
          ruleWrittenAfterStartMs: summarize(ruleAt),
          ipsVisibleAfterStartMs: summarize(ipsAt),
          controllerWrites: mm.writes,
          controllerReconciles: mm.reconciles,
          decision: { count: mm.decisionCount, meanMs: mm.decisionCount ? +((mm.decisionSum / mm.decisionCount) * 1000).toFixed(3) : null },
          // Whole reconciles (decision + every write and Event it awaits), from the controller's own histogram.
          reconcile: { count: mm.reconcileCount, meanMs: mm.reconcileCount ? +((mm.reconcileSum / mm.reconcileCount) * 1000).toFixed(2) : null, totalSeconds: +mm.reconcileSum.toFixed(2) },
          controllerRssMiB: { sampledMax: +(rss?.maxRssMiB ?? 0).toFixed(1), sampledMaxWithChildren: +(rss?.maxTreeRssMiB ?? 0).toFixed(1), vmHwm: hwmMiB(c.proc.pid) },
        };
      });
    };

    for (const token of flags.phases) {
      const [name, kind] = token.split(':') as [string, string | undefined];
      const run = runners[name];
      if (!run) throw new Error(`unknown phase ${name} (known: ${Object.keys(runners).join(', ')})`);
      if (kind !== undefined && kind !== 'tsx' && kind !== 'dist') throw new Error(`phase ${token}: the controller is tsx or dist`);
      phaseKind = (kind ?? flags.controller) as 'tsx' | 'dist';
      phaseSuffix = kind ? `:${kind}` : '';
      checkInterrupted();
      await run();
    }
  } finally {
    if (controller) controllers.push(await stopCtl().catch(() => undefined));
    await stopAll();
    if (!flags.keep) {
      log('cleanup: deleting namespaces');
      const t0 = now();
      for (const ns of nsNames) await cp.delete(`/api/v1/namespaces/${ns}`).catch((e: unknown) => log(`  delete ${ns}: ${e instanceof Error ? e.message : String(e)}`));
      // Karmada removes what it propagated; the members' namespaces go with the control plane's.
      const gone = async (api: Api, ns: string) => {
        try {
          await api.get(`/api/v1/namespaces/${ns}`);
          return false;
        } catch (e) {
          return e instanceof ApiError && e.code === 404;
        }
      };
      const deadline = Date.now() + 10 * 60_000;
      let allGone = false;
      while (Date.now() < deadline) {
        const states = await Promise.all(nsNames.flatMap((ns) => [gone(cp, ns), ...MEMBERS.map((m) => gone(members[m], ns))]));
        if (states.every(Boolean)) {
          allGone = true;
          break;
        }
        await sleep(2000);
      }
      result['cleanup'] = { namespacesGone: allGone, seconds: +((now() - t0) / 1000).toFixed(1) };
      log(`cleanup: ${allGone ? 'namespaces gone' : 'namespaces still terminating after 10 min'} (${((now() - t0) / 1000).toFixed(0)}s)`);
    }
    elu.disable();
    const file = join(flags.out, `${runId}-n${flags.n}.json`);
    writeFileSync(file, JSON.stringify(result, replacer, 2));
    writeFileSync(file.replace(/\.json$/, '.md'), report(result));
    log(`results: ${file} (+ .md)`);
    process.stdout.write(report(result));
  }
}

/** Which controller code ran: the commit, and whether src/ differed from it (others edit it while we measure). */
function gitProvenance() {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', 'HEAD'), srcDirty: dirty ? dirty.split('\n') : [], srcDiffSha: dirty ? execFileSync('sh', ['-c', 'git diff HEAD -- src | sha256sum'], { cwd: repoRoot, encoding: 'utf8' }).trim().split(' ')[0] : '' };
}

/** Counts of the controller's log lines by level and message (JSON lines from pino). */
function summarizeLog(file: string): Record<string, number> {
  const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
  const out: Record<string, number> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { level?: number; msg?: string };
      const msg = String(o.msg ?? '').replace(/\b[\w.-]+\/[\w.-]+\b/g, '<ns>/<name>').replace(/\d+\.\d+\.\d+\.\d+/g, '<ip>').slice(0, 100);
      const k = `${levels[o.level ?? 0] ?? o.level}: ${msg}`;
      out[k] = (out[k] ?? 0) + 1;
    } catch {
      /* not JSON */
    }
  }
  return out;
}

function replacer(_k: string, v: unknown) {
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** The markdown summary of one run (what BENCHMARKS.md quotes). */
function report(r: Record<string, unknown>): string {
  type P = PhaseRecord & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const phases = ((r['phases'] as PhaseRecord[]) ?? []) as P[];
  const out: string[] = [`# clusterset-dns benchmark run ${String(r['runId'])}`, '', '```', JSON.stringify({ flags: r['flags'], machine: r['machine'], versions: r['versions'], controllerSource: r['controllerSource'] }, null, 1), '```', ''];
  const ctl = (p: P) => (p['controllerKind'] ? ` [controller: ${p['controllerKind']}]` : '');
  for (const p of phases) {
    const base = p.name.split(':')[0];
    if (base === 'floors-idle') {
      out.push('## Floors, idle system (API write → own watch event)', '', latencyTable([
        ['karmada-apiserver ConfigMap write→watch', p['apiWriteToWatch'].karmada as Summary],
        ['member1 ConfigMap write→watch', p['apiWriteToWatch'].member1 as Summary],
        ['member2 ConfigMap write→watch', p['apiWriteToWatch'].member2 as Summary],
      ]), '');
    } else if (base === 'prepare') {
      out.push(`## Prepare: ${p['imports']} imports created with no controller running`, '', `created in ${p['createSeconds']} s; all ${p['pairs']} derived Services seen after ${p['allDerivedSeconds']} s`, '');
    } else if (base === 'burst') {
      out.push(`## Burst: ${p['imports']} imports created at once (${p['pairs']} import×member pairs)${ctl(p)}`, '',
        `created in ${p['createSeconds']} s; all derived Services seen ${p['allDerivedSeconds']} s; all policy rules ${p['allPolicyRulesSeconds']} s; all spec.ips ${p['allFilledSeconds']} s (filled ${p['filledPairs']}/${p['pairs']})`, '',
        latencyTable([
          ['derived Service seen → spec.ips seen (total)', p['latency'].derivedToIps],
          ['  member1', p['latency'].derivedToIpsMember1],
          ['  member2', p['latency'].derivedToIpsMember2],
          ['derived Service seen → OverridePolicy rule seen (ours)', p['latency'].derivedToPolicy],
          ['OverridePolicy rule seen → spec.ips seen (Karmada)', p['latency'].policyToIps],
        ]), '', `controller writes: ${JSON.stringify(p['controllerWrites'])}; events: ${JSON.stringify(p['controllerEvents'])}; RSS ${JSON.stringify(p['controllerRssMiB'])}`, '');
    } else if (base === 'idle') {
      out.push(`## Idle ${p['seconds']} s (${p['filledPairs']}/${p['pairs']} pairs filled)${ctl(p)}`, '', table(['counter', 'delta'], [
        ['clusterset_dns_writes_total', p['writesTotalDelta']],
        ['OverridePolicy watch events (ours)', p['ourPolicyWatchEvents']],
        ['Events created by the controller', p['controllerEventsCreated']],
        ['member ServiceImport updates (anyone)', p['memberServiceImportUpdates']],
        ['reconciles', JSON.stringify(p['reconcilesDelta'])],
      ]), '');
    } else if (base === 'trickle') {
      const f = p['floors'];
      out.push(`## Trickle: ${p['imports']} imports one at a time, with the others in place${ctl(p)}`, '', latencyTable([
        ['derived Service seen → spec.ips seen (total)', p['latency'].derivedToIps],
        ['derived Service seen → OverridePolicy rule seen (ours)', p['latency'].derivedToPolicy],
        ['OverridePolicy rule seen → spec.ips seen (Karmada)', p['latency'].policyToIps],
        ['floor: karmada-apiserver write→watch', f.apiWriteToWatch.karmada],
        ['floor: member1 write→watch', f.apiWriteToWatch.member1],
        ['floor: member2 write→watch', f.apiWriteToWatch.member2],
        ['floor: OverridePolicy write→watch (karmada-apiserver + karmada-webhook)', f.karmadaOverridePolicy.cpWriteToWatch ?? summarize([])],
        ['floor: Karmada, template label seen → member', f.karmadaTemplateLabel.both],
        ['floor: Karmada, OverridePolicy change seen → member', f.karmadaOverridePolicy.both],
      ]), '', `controller writes: ${JSON.stringify(p['controllerWrites'])}; incomplete: ${p['incomplete']}`, '');
    } else if (base === 'restart') {
      out.push(`## Restart with everything filled (${p['observeSeconds']} s observed)${ctl(p)}`, '', table(['counter', 'value'], [
        ['ready after (s)', p['readySeconds']],
        ['filled pairs before / after', `${p['filledBefore']} / ${p['filledAfter']}`],
        ['clusterset_dns_writes_total', `${p['writesTotal']} ${JSON.stringify(p['writes'])}`],
        ['OverridePolicy watch events (ours)', p['ourPolicyWatchEvents']],
        ['policy rule changes / member spec.ips changes', `${p['policyRuleChanges']} / ${p['specIpsChanges']}`],
        ['Events created by the controller', `${p['controllerEventsCreated']} ${JSON.stringify(p['controllerEventsByReason'])}`],
      ]), '');
    } else if (base === 'cold-clear') {
      out.push(`## Cold start${ctl(p)}`, '', `Karmada cleared spec.ips after our policies were deleted: ${p['karmadaClearSeconds']} s (still filled: ${p['stillFilled']})`, '');
    } else if (base === 'cold-start') {
      out.push(`fresh controller${ctl(p)}: ready ${p['readySeconds']} s; all policy rules ${p['allPolicyRulesSeconds']} s; all ${p['pairs']} spec.ips ${p['allFilledSeconds']} s (filled ${p['filledPairs']}); RSS ${JSON.stringify(p['controllerRssMiB'])}; writes ${JSON.stringify(p['controllerWrites'])}`, '',
        latencyTable([['policy rule seen, from process start', p['ruleWrittenAfterStartMs']], ['spec.ips seen, from process start', p['ipsVisibleAfterStartMs']]]), '',
        `reconciles: ${JSON.stringify(p['controllerReconciles'])}; mean reconcile ${p['reconcile']?.meanMs} ms (${p['reconcile']?.totalSeconds} s in total); mean decision ${p['decision']?.meanMs} ms`, '');
    }
  }
  out.push('## CPU seconds by phase', '');
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.cpuSeconds)))];
  out.push(table(['process', ...phases.map((p) => `${p.name} (${p.wallSeconds}s)`)], names.map((n) => [n, ...phases.map((p) => p.cpuSeconds[n] ?? '')])), '');
  out.push('## API requests by phase (apiserver_request_total, all verbs but WATCH, everyone\'s)', '');
  const servers = ['karmada-apiserver', 'member1', 'member2'];
  out.push(table(['phase', ...servers.map((s) => `${s} total`), 'karmada-apiserver by verb'], phases.map((p) => {
    const req = (p['apiRequests'] ?? {}) as Record<string, Record<string, number>>;
    const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
    return [p.name, ...servers.map((s) => sum(req[s])), JSON.stringify(req['karmada-apiserver'] ?? {})];
  })), '');
  out.push(table(['phase', 'bench event-loop delay p99 ms', 'max ms', 'load avg 1m', 'other controllers / foreign cluster processes at end'], phases.map((p) => [p.name, p.benchEventLoopDelayMs.p99, p.benchEventLoopDelayMs.max, p.loadavg1, JSON.stringify(p['interference'] ?? {})])), '');
  return out.join('\n') + '\n';
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);

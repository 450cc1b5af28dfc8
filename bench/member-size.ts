/**
 * Memory against member size: the compiled controller, as the image runs it,
 * with a few imports, while member1 holds N Services and M EndpointSlices no
 * import refers to — next to the same controller and imports without them.
 *
 *   npm run bench:member-size                          # floor, fill, filled (defaults: 20,000 / 60,000)
 *   npm run bench:member-size -- --phases=filled       # again, with the filler already in place
 *   npm run bench:member-size -- --cleanup             # remove the filler and the demo imports
 *
 * Phases, in order (--phases; flags in bench/lib/member-size.ts):
 *   floor   the controller against the demo imports with no filler in member1
 *           (refused while any filler namespace exists);
 *   fill    creates what is missing of the filler in member1 (namespaces
 *           cdns-filler-*, labelled, so --cleanup finds them), --concurrency
 *           creates in flight, with progress lines;
 *   filled  the same controller and imports again, with the filler.
 * Each measurement starts a fresh controller and reads: the time to /readyz,
 * to member1's EndpointSlices listed (the demo's first import uses
 * local-first, so they are watched), and to caught up (a reconcile for every
 * filler Service's key, the queue empty); then it samples RSS for
 * --settle-seconds and reads VmHWM (peak RSS), the sampled maximum, and RSS
 * and V8 heap used from the controller's /metrics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_FIRST_ANNOTATION } from '../src/serviceimport/localfirst.js';
import { KARMADA_CONTEXT, access, readState } from '../test/env/environment.js';
import { ApiError, Api, now, pool, sleep, type KubeObj } from './lib/api.js';
import { buildController, startBuiltController } from './lib/controller.js';
import {
  DEMO_NAMESPACE,
  FILLER_LABEL,
  MEMBER_SIZE_HELP,
  fillerNamespace,
  fillerNamespaceNames,
  fillerPlan,
  fillerService,
  fillerSlice,
  measurementTable,
  metricSum,
  metricValue,
  parseMemberSizeFlags,
  sliceName,
  type Measurement,
} from './lib/member-size.js';
import { IMPORT_LABEL, MCS, MEMBERS, POLICY, propagationPolicy, serviceImport } from './lib/objects.js';
import { hwmMiB, RssSampler } from './lib/proc.js';
import { gitProvenance } from './lib/provenance.js';
import { checkCompetitors } from './lib/run.js';

/** config/host/deployment.yaml's memory limit. */
const LIMIT_MIB = 384;

const parsed = parseMemberSizeFlags(process.argv.slice(2));
if (parsed === 'help') {
  process.stdout.write(MEMBER_SIZE_HELP);
  process.exit(0);
}
const flags = parsed;
const log = (l: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${l}\n`);
const env = readState();
if (!env) throw new Error('no local environment is running (npm run env:up)');
const cp = new Api(access(env, KARMADA_CONTEXT));
const member1 = new Api(access(env, 'member1'));
const seconds = (from: number) => Number(((now() - from) / 1000).toFixed(1));
const mib = (bytes: number | undefined) => (bytes === undefined ? null : Number((bytes / 2 ** 20).toFixed(1)));

async function gone(api: Api, path: string): Promise<boolean> {
  return !(await api.exists(path));
}

async function cleanup(): Promise<void> {
  const namespaces = (await member1.list('/api/v1/namespaces', { labelSelector: FILLER_LABEL })).items.map((n) => n.metadata.name);
  log(`cleanup: deleting ${namespaces.length} filler namespace(s) in member1 and ${DEMO_NAMESPACE} in the control plane`);
  for (const ns of namespaces) await member1.delete(`/api/v1/namespaces/${ns}`).catch((e: unknown) => log(`  ${ns}: ${String(e)}`));
  await cp.delete(`/api/v1/namespaces/${DEMO_NAMESPACE}`).catch((e: unknown) => void (e instanceof ApiError && e.code === 404 ? undefined : log(`  ${DEMO_NAMESPACE}: ${String(e)}`)));
  const t0 = now();
  // member1's namespace controller deletes every object first: tens of thousands take minutes.
  for (;;) {
    const left = (await Promise.all([...namespaces.map((ns) => gone(member1, `/api/v1/namespaces/${ns}`)), gone(cp, `/api/v1/namespaces/${DEMO_NAMESPACE}`)])).filter((g) => !g).length;
    if (left === 0) break;
    log(`cleanup: ${left} namespace(s) still terminating (${seconds(t0)} s)`);
    await sleep(10_000);
  }
  log(`cleanup: done in ${seconds(t0)} s`);
}

/** The demo imports (the first local-first), propagated to both members; waits for their derived Services. */
async function ensureDemoImports(): Promise<void> {
  await cp.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE } });
  await cp.create(`${POLICY}/namespaces/${DEMO_NAMESPACE}/propagationpolicies`, propagationPolicy(DEMO_NAMESPACE, 'bench-import', { labelSelector: { matchLabels: { [IMPORT_LABEL]: 'true' } } }));
  for (let i = 0; i < flags.imports; i++) {
    const si = serviceImport(DEMO_NAMESPACE, `demo-${i}`);
    if (i === 0) si.metadata['annotations'] = { [LOCAL_FIRST_ANNOTATION]: 'true' };
    await cp.create(`${MCS}/namespaces/${DEMO_NAMESPACE}/serviceimports`, si);
  }
  const t0 = now();
  const members = MEMBERS.map((m) => new Api(access(env!, m)));
  for (;;) {
    const present = await Promise.all(members.flatMap((api) => Array.from({ length: flags.imports }, (_, i) => api.exists(`/api/v1/namespaces/${DEMO_NAMESPACE}/services/derived-demo-${i}`).catch(() => false))));
    if (present.every(Boolean)) break;
    if (seconds(t0) > 600) throw new Error(`the demo imports' derived Services did not all appear in 10 min (${present.filter(Boolean).length}/${present.length})`);
    await sleep(2000);
  }
  log(`demo: ${flags.imports} imports in ${DEMO_NAMESPACE} (demo-0 local-first), derived Services in every member`);
}

/** Member ServiceImports of the demo holding spec.ips: the controller's output, whatever its write route. */
async function filledCount(): Promise<number> {
  const counts = await Promise.all(MEMBERS.map(async (m) => {
    const list = await new Api(access(env!, m)).list(`${MCS}/namespaces/${DEMO_NAMESPACE}/serviceimports`);
    return list.items.filter((si) => ((si.spec as { ips?: unknown[] } | undefined)?.ips?.length ?? 0) > 0).length;
  }));
  return counts.reduce((a, b) => a + b, 0);
}

/** Names that exist under a collection path, with the filler label. */
async function existing(path: string): Promise<Set<string>> {
  return new Set((await member1.list(path, { labelSelector: FILLER_LABEL })).items.map((o) => o.metadata.name));
}

/** Creates what is missing of the filler; returns how many Services and slices exist afterwards. */
async function fill(): Promise<{ services: number; slices: number }> {
  const plan = fillerPlan(flags);
  for (const ns of fillerNamespaceNames(flags)) await member1.create('/api/v1/namespaces', fillerNamespace(ns));
  const haveServices = new Set<string>();
  const haveSlices = new Set<string>();
  for (const ns of fillerNamespaceNames(flags)) {
    for (const n of await existing(`/api/v1/namespaces/${ns}/services`)) haveServices.add(`${ns}/${n}`);
    for (const n of await existing(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`)) haveSlices.add(`${ns}/${n}`);
  }
  // Bodies are made as they are sent: 60,000 slices built up front would be a few hundred MB here.
  const work: Array<{ path: string; body: () => KubeObj }> = [];
  for (const s of plan) {
    if (!haveServices.has(`${s.namespace}/${s.name}`)) work.push({ path: `/api/v1/namespaces/${s.namespace}/services`, body: () => fillerService(s) });
    for (let j = 0; j < s.slices; j++) {
      if (!haveSlices.has(`${s.namespace}/${sliceName(s, j)}`)) work.push({ path: `/apis/discovery.k8s.io/v1/namespaces/${s.namespace}/endpointslices`, body: () => fillerSlice(s, j) });
    }
  }
  log(`fill: ${haveServices.size} Services and ${haveSlices.size} EndpointSlices already there; ${work.length} objects to create, ${flags.concurrency} in flight`);
  const t0 = now();
  let done = 0;
  const progress = setInterval(() => log(`fill: ${done}/${work.length} (${Math.round(done / Math.max(0.001, seconds(t0)))}/s)`), 10_000);
  try {
    await pool(work, flags.concurrency, async (w) => {
      await member1.create(w.path, w.body());
      done++;
    });
  } finally {
    clearInterval(progress);
  }
  log(`fill: ${work.length} created in ${seconds(t0)} s`);
  const total = plan.reduce((n, s) => n + s.slices, 0);
  return { services: plan.length, slices: total };
}

/** One fresh controller: times to ready, slices listed and caught up; its memory after --settle-seconds. */
async function measure(phase: Measurement['phase'], mainJs: string, filler: { services: number; slices: number }): Promise<Measurement> {
  const expectedFilled = flags.imports * MEMBERS.length;
  log(`${phase}: starting the controller (image settings), member1 filler ${filler.services} Services / ${filler.slices} EndpointSlices`);
  const t0 = now();
  const c = await startBuiltController(env!, mainJs, ['--leader-elect=false'], `clusterset-dns-member-size-${phase}`);
  const readySeconds = seconds(t0);
  const rss = new RssSampler(c.proc.pid).start();
  try {
    let slicesListedSeconds: number | null = null;
    let caughtUpSeconds: number | null = null;
    while (caughtUpSeconds === null && seconds(t0) < flags.timeoutSeconds) {
      await sleep(500);
      const text = await c.metricsText();
      if (slicesListedSeconds === null && (metricValue(text, 'clusterset_dns_informer_last_event_timestamp_seconds', { cluster: 'member1', resource: 'endpointslices' }) ?? 0) > 0) slicesListedSeconds = seconds(t0);
      // Every filler Service's add enqueues its key once: caught up when that many reconciles are done and nothing waits.
      const reconciles = metricSum(text, 'controller_runtime_reconcile_total', { controller: 'serviceimport' });
      const depth = metricSum(text, 'workqueue_depth', { name: 'serviceimport' });
      if (slicesListedSeconds !== null && depth === 0 && reconciles >= filler.services) caughtUpSeconds = seconds(t0);
    }
    log(`${phase}: ready ${readySeconds} s, slices listed ${slicesListedSeconds ?? 'n/a'} s, caught up ${caughtUpSeconds ?? 'n/a'} s; sampling ${flags.settleSeconds} s`);
    await sleep(flags.settleSeconds * 1000);
    const text = await c.metricsText();
    rss.stop();
    const hwm = hwmMiB(c.proc.pid);
    return {
      phase,
      fillerServices: filler.services,
      fillerSlices: filler.slices,
      readySeconds,
      slicesListedSeconds,
      caughtUpSeconds,
      filled: await filledCount(),
      expectedFilled,
      peakRssMiB: hwm === undefined ? null : Number(hwm.toFixed(1)),
      sampledMaxRssMiB: rss.samples > 0 ? Number(rss.maxRssMiB.toFixed(1)) : null,
      endRssMiB: mib(metricValue(text, 'process_resident_memory_bytes')),
      endHeapUsedMiB: mib(metricValue(text, 'nodejs_heap_size_used_bytes')),
    };
  } finally {
    rss.stop();
    await c.stop();
  }
}

if (flags.cleanup) {
  await cleanup();
  process.exit(0);
}
const competitors = checkCompetitors(env, flags.allowOtherControllers);
const fillerPresent = async () => (await member1.list('/api/v1/namespaces', { labelSelector: FILLER_LABEL })).items.length > 0;
if (flags.phases.includes('floor') && (await fillerPresent())) {
  throw new Error('the floor is measured without the filler, but member1 has filler namespaces: run with --cleanup first, or --phases=filled to measure with it only');
}
const mainJs = buildController(log);
await ensureDemoImports();
const started = new Date();
const measurements: Measurement[] = [];
const result: Record<string, unknown> = { flags, provenance: gitProvenance(), startedAt: started.toISOString(), competitors, limitMiB: LIMIT_MIB, measurements };
const file = join(flags.out, `member-size-${started.toISOString().replace(/[-:]/g, '').slice(0, 15)}.json`);
mkdirSync(flags.out, { recursive: true });
const save = () => writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
// The filler's size as planned; `fill` confirms it, and a `filled` run without `fill` trusts the flags.
let filler = { services: flags.services, slices: fillerPlan(flags).reduce((n, s) => n + s.slices, 0) };
for (const phase of flags.phases) {
  if (phase === 'fill') {
    filler = await fill();
    result['fill'] = filler;
  } else {
    measurements.push(await measure(phase, mainJs, phase === 'floor' ? { services: 0, slices: 0 } : filler));
    log(JSON.stringify(measurements.at(-1)));
  }
  save();
}
const table = measurementTable(measurements, LIMIT_MIB);
writeFileSync(file.replace(/\.json$/, '.md'), table);
process.stdout.write(`\n${table}`);
log(`results: ${file} (+ .md)`);

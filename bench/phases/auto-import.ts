/**
 * Phase `auto-import`: how long automatic imports (`run --auto-import`,
 * docs/auto-import.md) take from a ServiceExport made in member1 to spec.ips
 * holding the derived ClusterIP in every member, next to Karmada's own
 * propagation measured in the same run.
 *
 *   auto-import-native  the floor: the controller WITHOUT --auto-import; the
 *                       bench writes each export's control-plane ServiceImport
 *                       and PropagationPolicy itself the moment the export is
 *                       created (the Karmada-native flow), then Karmada makes
 *                       derived-<name> in every member and the controller
 *                       fills spec.ips
 *   auto-import         the controller WITH --auto-import; the bench writes
 *                       nothing in the control plane
 *
 * Each runs in a fresh namespace of its own, created in the control plane so
 * that Karmada puts it in both members (the same starting point for both):
 * --exports Services made in member1 first (not measured), then one
 * ServiceExport per Service, --export-rate per second, so the numbers are
 * latency rather than queueing. Every time comes from the bench's watches
 * (lib/export-timeline.ts). The native floor runs first, so that the
 * sentinel the auto-import controller creates is not there to make Karmada
 * collect the floor's member-side exports.
 *
 * Afterwards: the controller started with --auto-import is stopped, each
 * namespace is deleted (Karmada removes it from the members) and waited for,
 * and the sentinel is removed if it was not there before (as
 * test/e2e/auto-import.test.ts does), unless --keep.
 */
import type { RunningController } from '../../test/env/controller.js';
import { SENTINEL_NAME, SENTINEL_NAMESPACE } from '../../src/autoimport/sentinel.js';
import { ApiError, Watcher, now, pool, sleep, type Api, type Handler } from '../lib/api.js';
import { ExportTimelines, summarizeRows } from '../lib/export-timeline.js';
import { diffCounts, scrape } from '../lib/metrics.js';
import { MCS, MEMBERS, POLICY, memberService, propagationPolicy, serviceExport, serviceImport } from '../lib/objects.js';
import type { BenchRun } from '../lib/run.js';
import { summarize } from '../lib/stats.js';

type Mode = 'native' | 'auto';

const SENTINEL_POLICY = `${POLICY}/namespaces/${SENTINEL_NAMESPACE}/propagationpolicies/${SENTINEL_NAME}`;
/** How long setup and cleanup wait for a namespace to appear or go, everywhere. */
const NAMESPACE_WAIT_MS = 5 * 60_000;

export async function runAutoImport(run: BenchRun): Promise<void> {
  const sentinelBefore = await run.cp.exists(SENTINEL_POLICY);
  try {
    await measureExports(run, 'native');
    await measureExports(run, 'auto');
  } finally {
    // The sentinel makes Karmada collect every member-side export; later phases and tests expect Karmada as it starts.
    await run.ctl.ensure(false);
    if (!sentinelBefore && !run.flags.keep) {
      await run.cp.delete(SENTINEL_POLICY).catch(ignoreNotFound);
      await run.cp.delete(`/api/v1/namespaces/${SENTINEL_NAMESPACE}`).catch(ignoreNotFound);
    }
  }
}

async function measureExports(run: BenchRun, mode: Mode): Promise<void> {
  const { flags, log, cp, members, ctl, phase, checkInterrupted } = run;
  const ns = `cdns-bench-${run.runId.slice(-6)}-${mode === 'auto' ? 'auto' : 'native'}`;
  const names = Array.from({ length: flags.exports }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const keys = names.map((n) => `${ns}/${n}`);
  const timelines = new ExportTimelines(keys, MEMBERS);
  const watchers: Watcher[] = [];
  ctl.phaseArgs = mode === 'auto' ? ['--auto-import'] : [];
  try {
    await cp.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'bench.clusterset-dns/run': run.runId } } });
    for (const m of MEMBERS) await waitForNamespace(members[m], ns, true);
    await pool(names, flags.concurrency, (name) => members.member1.create(`/api/v1/namespaces/${ns}/services`, memberService(ns, name)));
    const watch = async (api: Api, path: string, h: Handler) => {
      const w = new Watcher(api, path, {}, h, log);
      watchers.push(w);
      await w.start();
    };
    await Promise.all([
      watch(cp, `${MCS}/namespaces/${ns}/serviceimports`, timelines.controlPlaneServiceImport),
      ...MEMBERS.flatMap((m) => [
        watch(members[m], `/api/v1/namespaces/${ns}/services`, timelines.memberService(m)),
        watch(members[m], `${MCS}/namespaces/${ns}/serviceimports`, timelines.memberServiceImport(m)),
      ]),
    ]);
    const c = (await ctl.ensure(true)) as RunningController;
    const createExport = async (name: string) => {
      await members.member1.create(`${MCS}/namespaces/${ns}/serviceexports`, serviceExport(ns, name));
      if (mode === 'native') {
        await cp.create(`${POLICY}/namespaces/${ns}/propagationpolicies`, propagationPolicy(ns, `${name}-import`, { name }));
        await cp.create(`${MCS}/namespaces/${ns}/serviceimports`, serviceImport(ns, name));
      }
    };
    await phase(mode === 'auto' ? 'auto-import' : 'auto-import-native', async () => {
      const m0 = await scrape(c);
      const t0 = now();
      const { sendLagMs, errors } = await atRate(names, flags.exportRate, checkInterrupted, (name, t) => {
        timelines.exportSent(`${ns}/${name}`, t);
        return createExport(name);
      });
      const tCreated = now();
      log(`  ${mode}: ${names.length} exports created in ${((tCreated - t0) / 1000).toFixed(1)}s (${errors.length} failed)`);
      const complete = await untilComplete(run, timelines, flags.fillTimeout * 1000, mode);
      const m1 = await scrape(c);
      const rows = timelines.rows();
      return {
        mode,
        namespace: ns,
        exportRatePerSecond: flags.exportRate,
        createSeconds: +((tCreated - t0) / 1000).toFixed(2),
        // How late each create left against its slot: large values mean the bench, not the rate, set the pace.
        sendLagMs: summarize(sendLagMs),
        createErrors: errors.slice(0, 20),
        filledExports: timelines.filled,
        complete,
        ...summarizeRows(rows),
        controllerWrites: diffCounts(m0.writes, m1.writes),
        controllerWritesTotal: m1.writesTotal - m0.writesTotal,
        controllerReconciles: diffCounts(m0.reconciles, m1.reconciles),
        samples: rows,
      };
    });
  } finally {
    for (const w of watchers) await w.stop();
    ctl.phaseArgs = [];
    // A controller that auto-imports must not outlive the phase, nor undo the cleanup below.
    if (mode === 'auto') await ctl.ensure(false);
    if (!flags.keep) await deleteNamespace(run, ns);
  }
}

/** Calls `f` on each item at `perSecond`, without waiting for one call to end before the next is due; `f` gets the time it was called. */
async function atRate<T>(items: readonly T[], perSecond: number, checkInterrupted: () => void, f: (item: T, t: number) => Promise<void>) {
  const gapMs = 1000 / perSecond;
  const t0 = now();
  const sendLagMs: number[] = [];
  const errors: string[] = [];
  const calls: Array<Promise<void>> = [];
  for (const [i, item] of items.entries()) {
    checkInterrupted();
    const due = t0 + i * gapMs;
    if (due > now()) await sleep(due - now());
    const t = now();
    sendLagMs.push(t - due);
    calls.push(f(item, t).catch((e: unknown) => void errors.push(e instanceof Error ? e.message : String(e))));
  }
  await Promise.all(calls);
  return { sendLagMs, errors };
}

/** Resolves true when every export is filled in every member (the watches say so), false after `timeoutMs`; logs progress every 10 s. */
async function untilComplete(run: BenchRun, timelines: ExportTimelines, timeoutMs: number, mode: Mode): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void timelines.complete.then(() => (done = true));
  while (!done && Date.now() < deadline) {
    run.checkInterrupted();
    await Promise.race([timelines.complete, sleep(Math.min(10_000, Math.max(0, deadline - Date.now())))]);
    if (!done) run.log(`  ${mode}: ${timelines.filled}/${timelines.byKey.size} exports filled in every member`);
  }
  return done;
}

const ignoreNotFound = (e: unknown) => {
  if (!(e instanceof ApiError && e.code === 404)) throw e;
};

/** Waits (bounded) until `ns` exists on `api`, or is gone from it. */
async function waitForNamespace(api: Api, ns: string, present: boolean): Promise<boolean> {
  const deadline = Date.now() + NAMESPACE_WAIT_MS;
  while (Date.now() < deadline) {
    if ((await api.exists(`/api/v1/namespaces/${ns}`)) === present) return true;
    await sleep(500);
  }
  if (present) throw new Error(`namespace ${ns} not in ${api.name} after ${NAMESPACE_WAIT_MS / 1000}s`);
  return false;
}

/** Deletes the phase's namespace from the control plane and waits until it is gone there and (through Karmada) from both members. */
async function deleteNamespace(run: BenchRun, ns: string): Promise<void> {
  await run.cp.delete(`/api/v1/namespaces/${ns}`).catch(ignoreNotFound);
  const gone = await Promise.all([run.cp, ...MEMBERS.map((m) => run.members[m])].map((api) => waitForNamespace(api, ns, false)));
  if (!gone.every(Boolean)) run.log(`  cleanup: namespace ${ns} still present somewhere after ${NAMESPACE_WAIT_MS / 1000}s`);
}

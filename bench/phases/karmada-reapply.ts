/**
 * Phases `relabel` and `karmada-restart`: Karmada re-applies Works to the
 * members, and the spec.ips the controller wrote there must not change.
 *
 *   relabel          every control-plane ServiceImport gets a new label; Karmada
 *                    re-renders every Work and updates every member ServiceImport
 *                    (the label arrives in the member); the retention rule must
 *                    carry spec.ips over each of those updates
 *   karmada-restart  karmada-controller-manager is stopped and started; its new
 *                    process lists and re-checks every Work with an empty cache of
 *                    what it last wrote, the moment a member object is most likely
 *                    rewritten (ready: its /healthz, the one probe it serves)
 *
 * Both run with the controller up (started if it is not), so a spec.ips that
 * Karmada removed would be written back: such a pair shows as two changes
 * (removed, refilled), which is what the phase counts. With the retention rule
 * doing its job the count is 0.
 */
import type { RunningController } from '../../test/env/controller.js';
import { httpOk } from '../../test/env/components.js';
import { startComponent, stopComponent } from '../../test/env/environment.js';
import { now, pool, sleep, waitFor } from '../lib/api.js';
import { diffCounts, scrape } from '../lib/metrics.js';
import { MCS, MEMBERS, RELABEL_LABEL } from '../lib/objects.js';
import type { BenchRun } from '../lib/run.js';

/** How long member ServiceImports must see no update before Karmada counts as done re-applying. */
const SETTLED_MS = 15_000;
const KCM = 'karmada-controller-manager';

/** Waits until no member ServiceImport has been updated for SETTLED_MS, or `timeoutMs`; true when settled. */
async function settled(run: BenchRun, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = run.obs.counters.memberSiModified;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    run.checkInterrupted();
    await sleep(500);
    const n = run.obs.counters.memberSiModified;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= SETTLED_MS) return true;
  }
  return false;
}

/** What both phases report: member updates by anyone, spec.ips changes, the controller's writes. */
async function outcome(run: BenchRun, c: RunningController, keys: readonly string[], t0: number, modified0: number, writes0: Record<string, number>) {
  const after = await scrape(c);
  const changes = run.obs.changesSince(keys, t0).filter((x) => x.what === 'spec.ips');
  return {
    imports: keys.length,
    pairsFilledAfter: run.obs.count([...keys], (m, k) => run.obs.filled(m, k)),
    memberServiceImportUpdates: run.obs.counters.memberSiModified - modified0,
    specIpsChanges: changes.length,
    pairsWithSpecIpsChanges: new Set(changes.map((x) => `${x.member}/${x.key}`)).size,
    firstChanges: changes.slice(0, 30),
    controllerWrites: diffCounts(writes0, after.writes),
  };
}

export async function runRelabel(run: BenchRun): Promise<void> {
  const { flags, obs, log, cp, ctl, workload, phase, checkInterrupted } = run;
  const keys = [...workload.allKeys];
  const c = (await ctl.ensure(true)) as RunningController;
  await phase('relabel', async () => {
    const value = String(Date.now());
    const writes0 = (await scrape(c)).writes;
    const modified0 = obs.counters.memberSiModified;
    const t0 = now();
    await pool(keys, flags.concurrency, async (key) => {
      checkInterrupted();
      const [ns, name] = key.split('/') as [string, string];
      await cp.mergePatch(`${MCS}/namespaces/${ns}/serviceimports/${name}`, { metadata: { labels: { [RELABEL_LABEL]: value } } });
    });
    const patchedS = (now() - t0) / 1000;
    const relabelled = () => obs.count(keys, (m, k) => obs.track.get(m)?.get(k)?.relabel === value);
    const all = keys.length * MEMBERS.length;
    const arrived = await waitFor(() => relabelled() === all, flags.fillTimeout * 1000, 200);
    const arrivedS = (now() - t0) / 1000;
    log(`  relabel: ${relabelled()}/${all} member ServiceImports relabelled after ${arrivedS.toFixed(1)} s`);
    // A rewrite that removes spec.ips would come with or shortly after the label: watch until updates stop.
    const quiet = await settled(run, Math.max(60_000, flags.restartSeconds * 1000));
    return {
      templatesPatchedSeconds: +patchedS.toFixed(2),
      pairsRelabelled: relabelled(),
      pairs: all,
      allRelabelledSeconds: arrived ? +arrivedS.toFixed(2) : null,
      settled: quiet,
      ...(await outcome(run, c, keys, t0, modified0, writes0)),
    };
  });
}

export async function runKarmadaRestart(run: BenchRun): Promise<void> {
  const { flags, obs, log, env, ctl, workload, phase } = run;
  const keys = [...workload.allKeys];
  const c = (await ctl.ensure(true)) as RunningController;
  const healthPort = env.processes[KCM]?.ports.health;
  if (!healthPort) throw new Error(`the environment records no health port for ${KCM}`);
  await phase('karmada-restart', async () => {
    const writes0 = (await scrape(c)).writes;
    const modified0 = obs.counters.memberSiModified;
    const t0 = now();
    await stopComponent(env, KCM);
    await startComponent(env, KCM, () => httpOk(`http://127.0.0.1:${healthPort}/healthz`));
    const readyS = (now() - t0) / 1000;
    // At least --restart-seconds after ready, and until member updates stop.
    const observeUntil = Date.now() + flags.restartSeconds * 1000;
    const quiet = await settled(run, Math.max(120_000, flags.restartSeconds * 1000));
    while (Date.now() < observeUntil) await sleep(Math.min(1000, observeUntil - Date.now()));
    const result = await outcome(run, c, keys, t0, modified0, writes0);
    log(`  karmada-restart: ready after ${readyS.toFixed(1)} s, ${result.memberServiceImportUpdates} member ServiceImport updates, ${result.specIpsChanges} spec.ips changes`);
    return { readySeconds: +readyS.toFixed(2), settled: quiet, observedSeconds: +((now() - t0) / 1000).toFixed(1), ...result };
  });
}

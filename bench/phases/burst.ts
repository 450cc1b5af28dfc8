/**
 * Phase `burst`: the controller running, N imports (+ probes) created at once
 * (bounded concurrency); per (import, member): derived Service seen →
 * OverridePolicy rule seen (control plane) → spec.ips seen (member).
 */
import type { RunningController } from '../../test/env/controller.js';
import { now, sleep } from '../lib/api.js';
import { diffCounts, scrape } from '../lib/metrics.js';
import { MEMBERS } from '../lib/objects.js';
import { firstAfter } from '../lib/observed.js';
import { hwmMiB } from '../lib/proc.js';
import type { BenchRun } from '../lib/run.js';
import { summarize } from '../lib/stats.js';

export async function runBurst(run: BenchRun): Promise<void> {
  const { flags, obs, log, ctl, workload, phase, checkInterrupted } = run;
  const { svcKeys, probeKeys } = workload;
  const c = (await ctl.ensure(true)) as RunningController;
  const m0 = await scrape(c);
  await phase('burst', async () => {
    const t0 = now();
    await workload.createProbesAndImports(checkInterrupted);
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
        log(`  burst +${((t - t0) / 1000).toFixed(0)}s: ${obs.progress(keys)}; controller RSS ${ctl.rss?.maxRssMiB.toFixed(0)} MiB`);
      }
      await sleep(100);
    }
    const tEnd = now();
    const filled = obs.count(keys, (m, k) => obs.filled(m, k));
    log(`  burst done: ${obs.progress(keys)} after ${((tEnd - t0) / 1000).toFixed(1)}s`);
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
      controllerRssMiB: { sampledMax: +(ctl.rss?.maxRssMiB ?? 0).toFixed(1), vmHwm: hwmMiB(c.proc.pid) },
      samples,
    };
  });
}

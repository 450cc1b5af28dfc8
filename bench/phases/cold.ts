/**
 * Phase `cold`: the controller stopped and every pair unfilled, Karmada set
 * up for the phase's write route (`cold-clear`, lib/unfill.ts); then a fresh
 * controller's time from start to all filled, its peak RSS and its writes
 * (`cold-start`). Karmada's CPU and requests per filled pair come from the
 * phase record (lib/route-comparison.ts).
 */
import { now, sleep } from '../lib/api.js';
import { scrape } from '../lib/metrics.js';
import { MEMBERS } from '../lib/objects.js';
import { firstAfter } from '../lib/observed.js';
import { hwmMiB } from '../lib/proc.js';
import type { BenchRun } from '../lib/run.js';
import { summarize } from '../lib/stats.js';
import { unfill } from '../lib/unfill.js';

export async function runCold(run: BenchRun): Promise<void> {
  const { flags, obs, log, ctl, workload, phase, checkInterrupted } = run;
  const { allKeys } = workload;
  const keys = [...allKeys];
  await ctl.ensure(false);
  await phase('cold-clear', () => unfill(run, keys, ctl.phaseRoute));
  await phase('cold-start', async () => {
    const phaseT0 = now();
    const { c, t0, ready } = await ctl.start();
    let tAllPolicies: number | undefined;
    const deadline = Date.now() + flags.coldTimeout * 1000;
    let lastLog = 0;
    while (Date.now() < deadline) {
      checkInterrupted();
      if (tAllPolicies === undefined && obs.count(keys, (m, k) => obs.opDone(m, k)) === 2 * keys.length) tAllPolicies = now();
      if (obs.count(keys, (m, k) => obs.filled(m, k)) === 2 * keys.length) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  cold +${((now() - t0) / 1000).toFixed(0)}s: ${obs.progress(keys)}; controller RSS ${ctl.rss?.maxRssMiB.toFixed(0)} MiB`);
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
      // The route the controller used at the end (its clusterset_dns_write_route gauge), whatever it was asked for.
      controllerRoute: mm.route,
      controllerWrites: mm.writes,
      controllerWritesTotal: mm.writesTotal,
      controllerReconciles: mm.reconciles,
      decision: { count: mm.decisionCount, meanMs: mm.decisionCount ? +((mm.decisionSum / mm.decisionCount) * 1000).toFixed(3) : null },
      // Whole reconciles (decision + every write and Event it awaits), from the controller's own histogram.
      reconcile: { count: mm.reconcileCount, meanMs: mm.reconcileCount ? +((mm.reconcileSum / mm.reconcileCount) * 1000).toFixed(2) : null, totalSeconds: +mm.reconcileSum.toFixed(2) },
      controllerRssMiB: { sampledMax: +(ctl.rss?.maxRssMiB ?? 0).toFixed(1), sampledMaxWithChildren: +(ctl.rss?.maxTreeRssMiB ?? 0).toFixed(1), vmHwm: hwmMiB(c.proc.pid) },
    };
  });
}

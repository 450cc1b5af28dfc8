/** Phase `restart`: everything filled; a fresh controller, observed for --restart-seconds, must change nothing. */
import { sleep } from '../lib/api.js';
import { scrape } from '../lib/metrics.js';
import type { BenchRun } from '../lib/run.js';

export async function runRestart(run: BenchRun): Promise<void> {
  const { flags, obs, log, ctl, workload, phase, checkInterrupted } = run;
  const { allKeys } = workload;
  const keys = [...allKeys];
  await ctl.ensure(false);
  await phase('restart', async () => {
    const ev0 = obs.counters.ourPolicyEvents;
    const cev0 = obs.counters.controllerEvents;
    const reasons0 = new Map(obs.counters.controllerEventsByReason);
    const filled0 = obs.count(keys, (m, k) => obs.filled(m, k));
    const { c, t0, ready } = await ctl.start();
    const end = Date.now() + flags.restartSeconds * 1000;
    while (Date.now() < end) {
      checkInterrupted();
      await sleep(Math.min(1000, end - Date.now()));
    }
    const mm = await scrape(c);
    // Every change after the start, per (member, import): policy rule and member spec.ips.
    const changes = obs.changesSince(keys, t0);
    const reasons = Object.fromEntries([...obs.counters.controllerEventsByReason].map(([r, n]) => [r, n - (reasons0.get(r) ?? 0)]).filter(([, n]) => n !== 0));
    log(`  restart: ${changes.length} changes, writes ${JSON.stringify(mm.writes)}`);
    return {
      observeSeconds: flags.restartSeconds,
      readySeconds: +((ready - t0) / 1000).toFixed(2),
      filledBefore: filled0,
      filledAfter: obs.count(keys, (m, k) => obs.filled(m, k)),
      controllerRoute: mm.route,
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
}

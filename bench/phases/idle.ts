/** Phase `idle`: nothing changes for --idle-seconds; the controller's writes are counted three ways. */
import type { RunningController } from '../../test/env/controller.js';
import { sleep } from '../lib/api.js';
import { diffCounts, scrape } from '../lib/metrics.js';
import type { BenchRun } from '../lib/run.js';

export async function runIdle(run: BenchRun): Promise<void> {
  const { flags, obs, ctl, workload, phase, checkInterrupted } = run;
  const { allKeys } = workload;
  const c = (await ctl.ensure(true)) as RunningController;
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
      controllerRoute: after.route,
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
}

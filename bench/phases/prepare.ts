/** Phase `prepare`: N imports (+ probes) created with no controller running; waits for Karmada's derived Services in both members. */
import { now, sleep } from '../lib/api.js';
import type { BenchRun } from '../lib/run.js';

export async function runPrepare(run: BenchRun): Promise<void> {
  const { flags, obs, log, ctl, workload, phase, checkInterrupted } = run;
  const { svcKeys, probeKeys } = workload;
  await ctl.ensure(false);
  await phase('prepare', async () => {
    const t0 = now();
    await workload.createProbesAndImports(checkInterrupted);
    const tCreated = now();
    const keys = [...probeKeys, ...svcKeys];
    const deadline = Date.now() + flags.fillTimeout * 1000;
    let lastLog = 0;
    const derived = () => obs.count(keys, (m, k) => !!obs.track.get(m)?.get(k)?.derivedIp);
    while (Date.now() < deadline && derived() < 2 * keys.length) {
      checkInterrupted();
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  prepare +${((now() - t0) / 1000).toFixed(0)}s: ${obs.progress(keys)}`);
      }
      await sleep(200);
    }
    const n = derived();
    log(`  prepare: ${obs.progress(keys)} after ${((now() - t0) / 1000).toFixed(1)}s`);
    if (n < 2 * keys.length) throw new Error(`prepare: Karmada created ${n}/${2 * keys.length} derived Services within --fill-timeout=${flags.fillTimeout}s`);
    return { imports: keys.length, pairs: 2 * keys.length, createSeconds: +((tCreated - t0) / 1000).toFixed(2), allDerivedSeconds: +((now() - t0) / 1000).toFixed(2) };
  });
}

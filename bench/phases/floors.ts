/** Phase `floors`: API write→watch latency on each API server, on an idle system. */
import { sleep } from '../lib/api.js';
import type { BenchRun } from '../lib/run.js';
import { summarize } from '../lib/stats.js';

export async function runFloors(run: BenchRun): Promise<void> {
  const { flags, floors, phase } = run;
  const { sampleFloorA } = floors;
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
}

/**
 * Phase `trickle`: with N imports in place, --trickle more one at a time,
 * interleaved with floor samples taken in the same minutes.
 */
import type { RunningController } from '../../test/env/controller.js';
import { now, sleep, waitFor } from '../lib/api.js';
import { diffCounts, scrape } from '../lib/metrics.js';
import { MEMBERS } from '../lib/objects.js';
import { firstAfter } from '../lib/observed.js';
import type { BenchRun } from '../lib/run.js';
import { ms, summarize } from '../lib/stats.js';

export async function runTrickle(run: BenchRun): Promise<void> {
  const { flags, obs, log, floorNs, ctl, workload, floors, phase, checkInterrupted } = run;
  const { sampleFloorA, sampleFloorB } = floors;
  floors.newKarmadaSamples();
  const { floorB1, floorB2 } = floors;
  const c = (await ctl.ensure(true)) as RunningController;
  await phase('trickle', async () => {
    const before = await scrape(c);
    const total: number[] = [], ours: number[] = [], karmada: number[] = [];
    const into = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
    const rtt = { karmada: [] as number[], member1: [] as number[], member2: [] as number[] };
    const aPerStep = Math.max(1, Math.ceil(flags.floorSamples / Math.max(1, flags.trickle)));
    const bPerStep = Math.max(1, Math.ceil(flags.karmadaFloorSamples / Math.max(1, flags.trickle)));
    let incomplete = 0;
    // Per import: the controller's longest loop stall and its major GCs while the import was filled,
    // so a slow sample can be told apart from a stalled process (scraped outside the wait, so the
    // scrape itself is not measured).
    const samples: Array<{ key: string; member: string; oursMs: number | null; karmadaMs: number | null; totalMs: number | null; controllerLoopMaxMs: number | null; majorGcs: number; majorGcMs: number }> = [];
    // Numbered on from earlier trickles of the run (e.g. one per write route), so every import is new.
    const first = workload.allKeys.filter((k) => k.startsWith(`${floorNs}/tr-`)).length;
    for (let k = 0; k < flags.trickle; k++) {
      checkInterrupted();
      const key = `${floorNs}/tr-${String(first + k).padStart(3, '0')}`;
      const gcBefore = (await scrape(c)).majorGc;
      const t0 = now();
      await workload.createImport(key);
      const done = await waitFor(() => MEMBERS.every((m) => obs.filled(m, key)), 120_000, 10);
      if (!done) incomplete++;
      const during = await scrape(c);
      const stall = { controllerLoopMaxMs: during.loopLagMaxSeconds === null ? null : +(during.loopLagMaxSeconds * 1000).toFixed(1), majorGcs: during.majorGc.count - gcBefore.count, majorGcMs: +((during.majorGc.sumSeconds - gcBefore.sumSeconds) * 1000).toFixed(1) };
      for (const m of MEMBERS) {
        const tr = obs.track.get(m)?.get(key);
        if (!tr?.derivedAt || !tr.derivedIp) continue;
        const tIps = firstAfter(tr.ips, tr.derivedIp, t0);
        const tOp = firstAfter(tr.op, tr.derivedIp, t0);
        if (tIps !== undefined) total.push(tIps - tr.derivedAt);
        if (tOp !== undefined) ours.push(tOp - tr.derivedAt);
        if (tOp !== undefined && tIps !== undefined) karmada.push(tIps - tOp);
        samples.push({ key, member: m, oursMs: tOp === undefined ? null : +(tOp - tr.derivedAt).toFixed(1), karmadaMs: tOp === undefined || tIps === undefined ? null : +(tIps - tOp).toFixed(1), totalMs: tIps === undefined ? null : +(tIps - tr.derivedAt).toFixed(1), ...stall });
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
        // members: the floor for the retain route, whose write lands in the member it is read from.
        apiWriteToWatch: { karmada: summarize(into.karmada), member1: summarize(into.member1), member2: summarize(into.member2), members: summarize([...into.member1, ...into.member2]) },
        apiWriteRtt: { karmada: summarize(rtt.karmada), member1: summarize(rtt.member1), member2: summarize(rtt.member2) },
        karmadaTemplateLabel: { member1: summarize(floorB1.member1), member2: summarize(floorB1.member2), both: summarize([...floorB1.member1, ...floorB1.member2]), fromWrite: summarize(floorB1.fromWrite), cpWriteToWatch: summarize(floorB1.cpWriteToWatch) },
        karmadaOverridePolicy: { member1: summarize(floorB2.member1), member2: summarize(floorB2.member2), both: summarize([...floorB2.member1, ...floorB2.member2]), fromWrite: summarize(floorB2.fromWrite), cpWriteToWatch: summarize(floorB2.cpWriteToWatch) },
      },
      raw: { floorB1, floorB2, floorA: into },
      samples,
      controllerWrites: diffCounts(before.writes, after.writes),
    };
  });
}

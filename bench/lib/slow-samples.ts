/**
 * The trickle's slowest samples next to what the controller process did
 * meanwhile (its longest event-loop stall and its major GCs while that
 * import was filled): a sample slowed by a stalled process shows a stall of
 * about its own size; one that shows none was held elsewhere (a retry, the
 * queue, the API server).
 */
import { table } from './stats.js';

export interface TrickleSample {
  key: string;
  member: string;
  totalMs: number | null;
  controllerLoopMaxMs?: number | null;
  majorGcs?: number;
  majorGcMs?: number;
}

/** Markdown table of the `n` slowest samples; samples from runs before these fields show "–". */
export function slowestSamplesTable(samples: readonly TrickleSample[], n: number): string {
  const dash = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));
  const slow = samples.filter((s) => s.totalMs !== null).sort((a, b) => (b.totalMs as number) - (a.totalMs as number)).slice(0, n);
  return table(
    ['import', 'member', 'derived → spec.ips (ms)', 'controller: longest loop stall (ms)', 'controller: major GCs (ms)'],
    slow.map((s) => [s.key.split('/').pop() ?? s.key, s.member, dash(s.totalMs), dash(s.controllerLoopMaxMs), s.majorGcs === undefined ? '–' : `${s.majorGcs} (${dash(s.majorGcMs)})`]),
  );
}

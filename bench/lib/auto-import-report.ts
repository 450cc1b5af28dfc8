/**
 * The report's "Automatic imports" section: the `auto-import` phase's
 * per-export latencies next to the Karmada-native floor of the same run
 * (`auto-import-native`), one row per step of an export's way to every member.
 */
import type { RowColumn } from './export-timeline.js';
import { ms, table, type Summary } from './stats.js';

/** What the section reads from a phase record (bench/phases/auto-import.ts). */
export interface AutoImportRecord {
  name: string;
  exports: number;
  exportRatePerSecond: number;
  filledExports: number;
  latency: Record<RowColumn, Summary>;
  controllerWrites: Record<string, number>;
  sendLagMs: Summary;
}

const STEPS: Array<[RowColumn, string]> = [
  ['exportToCpImportMs', 'export created → control-plane ServiceImport seen (auto: ours; native: the bench\'s own write)'],
  ['cpImportToAllDerivedMs', 'control-plane ServiceImport → derived Service in every member (Karmada)'],
  ['allDerivedToAllFilledMs', 'derived Service in every member → spec.ips in every member (the controller\'s fill)'],
  ['exportToAllDerivedMs', 'export created → derived Service in every member'],
  ['exportToAllFilledMs', '**export created → spec.ips in every member**'],
];

const cell = (s: Summary | undefined) => (s && s.n > 0 ? `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} (n ${s.n})` : '–');
const base = (name: string) => name.split(/[:@+]/)[0];

/** The section, or undefined when the run has no auto-import record; the last record of each kind counts. */
export function autoImportSection(phases: ReadonlyArray<{ name: string }>): string | undefined {
  const last = (n: string) => [...phases].reverse().find((p) => base(p.name) === n) as AutoImportRecord | undefined;
  const auto = last('auto-import');
  const native = last('auto-import-native');
  if (!auto && !native) return undefined;
  const first = (auto ?? native) as AutoImportRecord;
  const describe = (label: string, r: AutoImportRecord | undefined) =>
    r ? `${label}: ${r.filledExports}/${r.exports} filled in every member; controller writes ${JSON.stringify(r.controllerWrites)}; send lag p99 ${ms(r.sendLagMs.p99)} ms` : `${label}: not run`;
  return [
    `## Automatic imports: ${first.exports} ServiceExports made in member1 at ${first.exportRatePerSecond}/s`,
    '',
    table(['step (p50 / p99 / max ms)', 'automatic imports', 'Karmada-native floor'], STEPS.map(([k, label]) => [label, cell(auto?.latency[k]), cell(native?.latency[k])])),
    '',
    describe('automatic imports', auto),
    '',
    describe('Karmada-native floor', native),
    '',
  ].join('\n');
}

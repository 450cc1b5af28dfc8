import { expect } from 'chai';
import { autoImportSection, type AutoImportRecord } from './auto-import-report.js';
import { summarize } from './stats.js';

const record = (name: string, total: number[]): AutoImportRecord => ({
  name,
  exports: 200,
  exportRatePerSecond: 20,
  filledExports: total.length,
  latency: {
    exportToCpImportMs: summarize([]),
    cpImportToAllDerivedMs: summarize([]),
    allDerivedToAllFilledMs: summarize([]),
    exportToAllDerivedMs: summarize([]),
    exportToAllFilledMs: summarize(total),
  },
  controllerWrites: { 'serviceimport/ok': 2 },
  sendLagMs: summarize([1, 2]),
});

describe('autoImportSection (report)', () => {
  it('no auto-import record: no section', () => expect(autoImportSection([{ name: 'burst' }])).to.equal(undefined));

  it('puts the measured run and the native floor side by side, in that order', () => {
    const s = autoImportSection([record('auto-import-native', [100, 300, 200]), record('auto-import', [400, 600, 500])]) as string;
    expect(s).to.include('200 ServiceExports made in member1 at 20/s');
    const total = s.split('\n').find((l) => l.includes('spec.ips in every member**'));
    expect(total).to.equal('| **export created → spec.ips in every member** | 500 / 600 / 600 (n 3) | 200 / 300 / 300 (n 3) |');
  });

  it('a missing side reads as not run, and empty steps as –', () => {
    const s = autoImportSection([record('auto-import:dist', [10])]) as string;
    expect(s).to.include('Karmada-native floor: not run');
    expect(s).to.match(/\(Karmada\) \| – \| – \|/);
  });
});

import { expect } from 'chai';
import type { EventType, KubeObj } from './api.js';
import { ExportTimelines, summarizeRows, timelineRow, type ExportRow, type ExportTimeline } from './export-timeline.js';

const MEMBERS = ['member1', 'member2'];
const obj = (ns: string, name: string, spec: KubeObj['spec'] = {}): KubeObj => ({ metadata: { name, namespace: ns }, spec });

describe('timelineRow (an export timeline → its row)', () => {
  const full: ExportTimeline = {
    exportAt: 1000,
    cpImportAt: 1100,
    members: {
      member1: { derivedAt: 1300, derivedIp: '10.0.0.1', ips: '10.0.0.1', filledAt: 1350 },
      member2: { derivedAt: 1400, derivedIp: '10.1.0.1', ips: '10.1.0.1', filledAt: 1420 },
    },
  };
  const { cpImportAt: _seen, ...noCpImport } = full;
  const cases: Array<[string, ExportTimeline, Omit<ExportRow, 'key'>]> = [
    ['every step seen: the slowest member counts', full, { exportToCpImportMs: 100, cpImportToAllDerivedMs: 300, allDerivedToAllFilledMs: 20, exportToAllDerivedMs: 400, exportToAllFilledMs: 420 }],
    ['member2 never filled: no total, no fill span', { ...full, members: { ...full.members, member2: { derivedAt: 1400, derivedIp: '10.1.0.1', ips: '' } } }, { exportToCpImportMs: 100, cpImportToAllDerivedMs: 300, allDerivedToAllFilledMs: null, exportToAllDerivedMs: 400, exportToAllFilledMs: null }],
    ['no control-plane import seen: only the end-to-end spans', noCpImport, { exportToCpImportMs: null, cpImportToAllDerivedMs: null, allDerivedToAllFilledMs: 20, exportToAllDerivedMs: 400, exportToAllFilledMs: 420 }],
    ['a member missing from the timeline: not every member', { ...full, members: { member1: full.members['member1']! } }, { exportToCpImportMs: 100, cpImportToAllDerivedMs: null, allDerivedToAllFilledMs: null, exportToAllDerivedMs: null, exportToAllFilledMs: null }],
  ];
  for (const [name, tl, want] of cases) it(name, () => expect(timelineRow('ns/a', tl, MEMBERS)).to.deep.equal({ key: 'ns/a', ...want }));
});

describe('summarizeRows', () => {
  it('percentiles per column over the rows that have it, and the incomplete count', () => {
    const row = (total: number | null): ExportRow => ({ key: 'k', exportToCpImportMs: 5, cpImportToAllDerivedMs: null, allDerivedToAllFilledMs: null, exportToAllDerivedMs: null, exportToAllFilledMs: total });
    const s = summarizeRows([row(10), row(30), row(20), row(null)]);
    expect(s.exports).to.equal(4);
    expect(s.incomplete).to.equal(1);
    expect(s.latency.exportToAllFilledMs).to.include({ n: 3, p50: 20, p99: 30, max: 30 });
    expect(s.latency.exportToCpImportMs.n).to.equal(4);
    expect(s.latency.cpImportToAllDerivedMs.n).to.equal(0);
  });
});

describe('ExportTimelines (watch events → timelines)', () => {
  type Ev = [string, EventType, KubeObj, number];
  const run = (events: Ev[]) => {
    const tls = new ExportTimelines(['ns/a', 'ns/b'], MEMBERS);
    tls.exportSent('ns/a', 0);
    tls.exportSent('ns/b', 0);
    for (const [where, type, o, t] of events) {
      if (where === 'cp') tls.controlPlaneServiceImport(type, o, t);
      else if (where.endsWith('/svc')) tls.memberService(where.split('/')[0]!)(type, o, t);
      else tls.memberServiceImport(where.split('/')[0]!)(type, o, t);
    }
    return tls;
  };
  const filledA: Ev[] = [
    ['cp', 'ADDED', obj('ns', 'a'), 10],
    ['member1/svc', 'ADDED', obj('ns', 'derived-a', { clusterIP: '10.0.0.1' }), 20],
    ['member2/svc', 'ADDED', obj('ns', 'derived-a', { clusterIP: '10.1.0.1' }), 25],
    ['member1/si', 'ADDED', obj('ns', 'a'), 21],
    ['member1/si', 'MODIFIED', obj('ns', 'a', { ips: ['10.0.0.1'] }), 30],
    ['member2/si', 'MODIFIED', obj('ns', 'a', { ips: ['10.1.0.1'] }), 40],
  ];

  it('spec.ips equal to the derived ClusterIP in every member fills the export', () => {
    const tls = run(filledA);
    expect(tls.filled).to.equal(1);
    expect(tls.rows()[0]).to.deep.equal({ key: 'ns/a', exportToCpImportMs: 10, cpImportToAllDerivedMs: 15, allDerivedToAllFilledMs: 15, exportToAllDerivedMs: 25, exportToAllFilledMs: 40 });
  });

  it('an IP other than the derived one does not count, nor a Service that is not derived-<name>', () => {
    const tls = run([
      ['member1/svc', 'ADDED', obj('ns', 'a', { clusterIP: '10.9.9.9' }), 5],
      ['member1/svc', 'ADDED', obj('ns', 'derived-a', { clusterIP: '10.0.0.1' }), 20],
      ['member1/si', 'MODIFIED', obj('ns', 'a', { ips: ['10.9.9.9'] }), 30],
    ]);
    const m1 = tls.byKey.get('ns/a')?.members['member1'];
    expect(m1?.derivedIp).to.equal('10.0.0.1');
    expect(m1?.filledAt).to.equal(undefined);
  });

  it('spec.ips seen before the derived Service (watches race): filled when the Service is seen', () => {
    const tls = run([
      ['member1/si', 'MODIFIED', obj('ns', 'a', { ips: ['10.0.0.1'] }), 30],
      ['member1/svc', 'MODIFIED', obj('ns', 'derived-a', { clusterIP: '10.0.0.1' }), 32],
    ]);
    expect(tls.byKey.get('ns/a')?.members['member1']?.filledAt).to.equal(32);
  });

  it('complete resolves only when every export is filled in every member', async () => {
    const tls = run(filledA);
    let done = false;
    void tls.complete.then(() => (done = true));
    await Promise.resolve();
    expect(done, 'ns/b still pending').to.equal(false);
    for (const m of MEMBERS) {
      tls.memberService(m)('ADDED', obj('ns', 'derived-b', { clusterIP: `ip-${m}` }), 50);
      tls.memberServiceImport(m)('MODIFIED', obj('ns', 'b', { ips: [`ip-${m}`] }), 60);
    }
    await tls.complete;
    expect(tls.filled).to.equal(2);
  });

  it('objects of other keys are ignored', () => {
    const tls = run([['cp', 'ADDED', obj('other', 'a'), 10], ['member1/svc', 'ADDED', obj('ns', 'derived-zzz', { clusterIP: '1.1.1.1' }), 10]]);
    expect(tls.byKey.get('ns/a')?.cpImportAt).to.equal(undefined);
    expect(tls.byKey.size).to.equal(2);
  });
});

import { expect } from 'chai';
import type { PhaseRecord } from './report.js';
import { coldRouteRows, routeComparison, trickleRouteRows } from './route-comparison.js';
import { summarize } from './stats.js';

const base = { wallSeconds: 10, loadavg1: 1, benchEventLoopDelayMs: { p50: 1, p99: 2, max: 3 } };

const coldStart = (name: string, writeRoute: string | null, o: Partial<Record<string, unknown>> = {}): PhaseRecord => ({
  ...base,
  name,
  writeRoute,
  controllerRoute: writeRoute ?? 'retain',
  cpuSeconds: { 'karmada-controller-manager': 8, 'clusterset-dns (controller)': 2.5, etcd: 1 },
  apiRequests: { 'karmada-apiserver': { PATCH: 300, GET: 100 }, member1: { PATCH: 200 }, member2: { PATCH: 200, LIST: 2 } },
  imports: 1000,
  pairs: 2000,
  filledPairs: 2000,
  allFilledSeconds: 14.2,
  controllerRssMiB: { vmHwm: 150.4 },
  controllerWrites: { 'serviceimport/success': 2000 },
  controllerWritesTotal: 2000,
  ...o,
});

describe('the write routes side by side (bench report)', () => {
  it('divides Karmada\'s CPU and each API server\'s requests by the pairs filled', () => {
    const [r] = coldRouteRows([coldStart('cold-start@retain', 'retain')]);
    expect(r).to.deep.include({
      phase: 'cold-start@retain', asked: 'retain', used: 'retain', filledPairs: 2000, fillSeconds: 14.2,
      karmadaCpuSeconds: 8, karmadaCpuMsPerPair: 4, karmadaApiRequests: 400, karmadaApiRequestsPerPair: 0.2,
      memberApiRequests: 402, memberApiRequestsPerPair: 0.201, controllerCpuSeconds: 2.5, peakRssMiB: 150.4, writes: 2000,
    });
  });

  const cases: Array<[string, PhaseRecord[], (rows: ReturnType<typeof coldRouteRows>) => void]> = [
    ['only cold-start records, in run order, whatever their build or route suffix', [
      { ...base, name: 'cold-clear@retain', cpuSeconds: {} },
      coldStart('cold-start:dist@override-policy', 'override-policy'),
      coldStart('cold-start', null),
    ], (rows) => expect(rows.map((r) => [r.phase, r.asked])).to.deep.equal([['cold-start:dist@override-policy', 'override-policy'], ['cold-start', 'default']])],
    ['no pair filled: no per-pair figure rather than a division by zero', [coldStart('cold-start@retain', 'retain', { filledPairs: 0, allFilledSeconds: null })],
      (rows) => expect(rows[0]).to.deep.include({ karmadaCpuMsPerPair: null, karmadaApiRequestsPerPair: null, fillSeconds: null })],
    ['a process that was not sampled: unknown, not zero', [coldStart('cold-start@retain', 'retain', { cpuSeconds: {} })],
      (rows) => expect(rows[0]).to.deep.include({ karmadaCpuSeconds: null, karmadaCpuMsPerPair: null, controllerCpuSeconds: null })],
    ['an API server whose /metrics was not read: no request count rather than 0', [coldStart('cold-start@retain', 'retain', { apiRequests: { 'karmada-apiserver': {}, member1: { PATCH: 200 } } })],
      (rows) => expect(rows[0]).to.deep.include({ karmadaApiRequests: null, karmadaApiRequestsPerPair: null, memberApiRequests: null, memberApiRequestsPerPair: null })],
    ['writes summed by kind when the total is missing (older records)', [coldStart('cold-start', null, { controllerWritesTotal: undefined, controllerWrites: { 'overridepolicy/success': 1000, 'overridepolicy/conflict': 3 } })],
      (rows) => expect(rows[0]?.writes).to.equal(1003)],
  ];
  for (const [name, phases, check] of cases) it(name, () => check(coldRouteRows(phases)));

  it('measures a trickle against both members\' write→watch floor', () => {
    const trickle: PhaseRecord = {
      ...base, name: 'trickle@retain', writeRoute: 'retain', cpuSeconds: {},
      latency: { derivedToIps: summarize([20, 30, 40]) },
      floors: { apiWriteToWatch: { members: summarize([4, 5, 9]) } },
    };
    const [r] = trickleRouteRows([trickle]);
    expect(r).to.deep.include({ phase: 'trickle@retain', asked: 'retain', addedP50: 25, addedP99: 31 });
  });

  it('renders one row per cold start, and nothing without cold starts or trickles', () => {
    const md = routeComparison([coldStart('cold-start@override-policy', 'override-policy', { allFilledSeconds: 92.7 }), coldStart('cold-start@retain', 'retain')]);
    expect(md).to.contain('| cold-start@override-policy | override-policy / override-policy | 1000 (2000/2000) | 92.7 | 8.0 (4.0) | 400 (0.20) | 402 (0.20) | 2.5 | 150.4 | 2000 |');
    expect(md).to.contain('| cold-start@retain | retain / retain | 1000 (2000/2000) | 14.2 |');
    expect(routeComparison([{ ...base, name: 'idle@retain', cpuSeconds: {} }])).to.equal('');
  });
});

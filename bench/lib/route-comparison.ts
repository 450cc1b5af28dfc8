/**
 * The write routes side by side, from the phase records of one run: per cold
 * start, the time to fill every pair, what Karmada spent on it (CPU of
 * karmada-controller-manager, requests to each API server) per filled
 * (import, member) pair, and the controller's own cost; per trickle, the
 * latency added over the member API server's write→watch floor measured in
 * the same minutes. Pure: records in, rows and markdown out.
 */
import type { PhaseRecord } from './report.js';
import { ms, table, type Summary } from './stats.js';

export interface ColdRouteRow {
  phase: string;
  /** The route asked for (`@<route>`, or "default") and the one the controller reported using. */
  asked: string;
  used: string;
  imports: number;
  pairs: number;
  filledPairs: number;
  fillSeconds: number | null;
  karmadaCpuSeconds: number | null;
  karmadaCpuMsPerPair: number | null;
  /** null: the API server's /metrics could not be read (requestCounts() then records nothing). */
  karmadaApiRequests: number | null;
  karmadaApiRequestsPerPair: number | null;
  memberApiRequests: number | null;
  memberApiRequestsPerPair: number | null;
  controllerCpuSeconds: number | null;
  peakRssMiB: number | null;
  writes: number;
}

const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
/** Requests to the named servers, or null when any of them has no counts (its /metrics was not read). */
const requests = (req: Record<string, Record<string, number>>, servers: string[]): number | null =>
  servers.every((s) => Object.keys(req[s] ?? {}).length > 0) ? servers.reduce((a, s) => a + sum(req[s]), 0) : null;
const per = (v: number | null, pairs: number, scale = 1) => (v === null || pairs <= 0 ? null : +((v * scale) / pairs).toFixed(3));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One row per cold start (`cold-start` records, in run order). */
export function coldRouteRows(phases: readonly PhaseRecord[]): ColdRouteRow[] {
  return phases.filter((p) => p.name.split(/[:@]/)[0] === 'cold-start').map((p) => {
    const req = (p['apiRequests'] ?? {}) as Record<string, Record<string, number>>;
    const filled = num(p['filledPairs']) ?? 0;
    const karmadaCpu = num(p.cpuSeconds['karmada-controller-manager']);
    const karmadaReq = requests(req, ['karmada-apiserver']);
    const memberReq = requests(req, ['member1', 'member2']);
    const writes = num(p['controllerWritesTotal']) ?? sum(p['controllerWrites'] as Record<string, number> | undefined);
    return {
      phase: p.name,
      asked: typeof p['writeRoute'] === 'string' ? p['writeRoute'] : 'default',
      used: typeof p['controllerRoute'] === 'string' ? p['controllerRoute'] : '?',
      imports: num(p['imports']) ?? 0,
      pairs: num(p['pairs']) ?? 0,
      filledPairs: filled,
      fillSeconds: num(p['allFilledSeconds']),
      karmadaCpuSeconds: karmadaCpu,
      karmadaCpuMsPerPair: per(karmadaCpu, filled, 1000),
      karmadaApiRequests: karmadaReq,
      karmadaApiRequestsPerPair: per(karmadaReq, filled),
      memberApiRequests: memberReq,
      memberApiRequestsPerPair: per(memberReq, filled),
      controllerCpuSeconds: num(p.cpuSeconds['clusterset-dns (controller)']),
      peakRssMiB: num((p['controllerRssMiB'] as { vmHwm?: unknown } | undefined)?.vmHwm),
      writes,
    };
  });
}

export interface TrickleRouteRow {
  phase: string;
  asked: string;
  total: Summary;
  memberFloor: Summary;
  addedP50: number;
  addedP99: number;
}

/** One row per trickle: derived Service seen → spec.ips seen against both members' write→watch floor. */
export function trickleRouteRows(phases: readonly PhaseRecord[]): TrickleRouteRow[] {
  return phases.filter((p) => p.name.split(/[:@]/)[0] === 'trickle').map((p) => {
    const total = (p['latency'] as { derivedToIps: Summary }).derivedToIps;
    const memberFloor = (p['floors'] as { apiWriteToWatch: { members: Summary } }).apiWriteToWatch.members;
    return { phase: p.name, asked: typeof p['writeRoute'] === 'string' ? p['writeRoute'] : 'default', total, memberFloor, addedP50: total.p50 - memberFloor.p50, addedP99: total.p99 - memberFloor.p99 };
  });
}

const fmt = (v: number | null, digits = 1) => (v === null ? '–' : v.toFixed(digits));
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}` : '–');

/** The markdown section; empty when the run had no cold start and no trickle. */
export function routeComparison(phases: readonly PhaseRecord[]): string {
  const cold = coldRouteRows(phases);
  const trickle = trickleRouteRows(phases);
  if (cold.length === 0 && trickle.length === 0) return '';
  const out = ['## Write routes side by side', ''];
  if (cold.length > 0) {
    out.push('Cold starts: every pair unfilled, then a fresh controller. Karmada\'s CPU and requests are over the whole phase (start → all filled + 3 s), everyone\'s requests but WATCH, divided by the pairs filled.', '');
    out.push(table(
      ['phase', 'route asked / used', 'imports (pairs filled)', 'start → all spec.ips (s)', 'karmada-controller-manager CPU-s (ms per pair)', 'karmada-apiserver requests (per pair)', 'member API server requests (per pair)', 'controller CPU-s', 'controller peak RSS (MiB)', 'controller writes'],
      cold.map((r) => [r.phase, `${r.asked} / ${r.used}`, `${r.imports} (${r.filledPairs}/${r.pairs})`, fmt(r.fillSeconds), `${fmt(r.karmadaCpuSeconds)} (${fmt(r.karmadaCpuMsPerPair)})`, `${r.karmadaApiRequests ?? 'not read'} (${fmt(r.karmadaApiRequestsPerPair, 2)})`, `${r.memberApiRequests ?? 'not read'} (${fmt(r.memberApiRequestsPerPair, 2)})`, fmt(r.controllerCpuSeconds), fmt(r.peakRssMiB), r.writes]),
    ), '');
  }
  if (trickle.length > 0) {
    out.push('Trickle: derived Service seen → spec.ips seen in the member, against the member API servers\' write→watch floor (both members) in the same minutes, ms.', '');
    out.push(table(
      ['phase', 'route asked', 'n', 'p50', 'p99', 'floor n', 'floor p50', 'floor p99', 'added p50', 'added p99'],
      trickle.map((r) => [r.phase, r.asked, r.total.n, ms(r.total.p50), ms(r.total.p99), r.memberFloor.n, ms(r.memberFloor.p50), ms(r.memberFloor.p99), signed(r.addedP50), signed(r.addedP99)]),
    ), '');
  }
  return out.join('\n');
}

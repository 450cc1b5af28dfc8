/**
 * Counters read from /metrics: the controller's writes, reconciles and
 * timings, and each API server's request counts.
 */
import type { RunningController } from '../../test/env/controller.js';
import type { Api } from './api.js';

export interface ControllerMetrics {
  writes: Record<string, number>;
  writesTotal: number;
  reconciles: Record<string, number>;
  decisionCount: number;
  decisionSum: number;
  reconcileCount: number;
  reconcileSum: number;
  /** The write route in use (clusterset_dns_write_route at 1), or null when the controller does not report one. */
  route: string | null;
  /**
   * The controller's longest event-loop stall since the previous scrape
   * (prom-client resets its loop-delay histogram at each collect), and its
   * major (mark-sweep-compact) garbage collections so far: what can hold
   * every event back at once.
   */
  loopLagMaxSeconds: number | null;
  majorGc: { count: number; sumSeconds: number };
}

export async function scrape(c: RunningController): Promise<ControllerMetrics> {
  const text = await c.metricsText();
  const out: ControllerMetrics = { writes: {}, writesTotal: 0, reconciles: {}, decisionCount: 0, decisionSum: 0, reconcileCount: 0, reconcileSum: 0, route: null, loopLagMaxSeconds: null, majorGc: { count: 0, sumSeconds: 0 } };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const v = Number(line.split(' ').pop());
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const label = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(labels)?.[1] ?? '';
    if (line.startsWith('clusterset_dns_writes_total{')) {
      const k = `${label('kind')}/${label('result')}`;
      out.writes[k] = (out.writes[k] ?? 0) + v;
      out.writesTotal += v;
    } else if (line.startsWith('clusterset_dns_write_route{')) {
      if (v === 1) out.route = label('route');
    } else if (line.startsWith('controller_runtime_reconcile_total{')) {
      out.reconciles[label('result')] = (out.reconciles[label('result')] ?? 0) + v;
    } else if (line.startsWith('clusterset_dns_decision_duration_seconds_count')) {
      out.decisionCount += v;
    } else if (line.startsWith('clusterset_dns_decision_duration_seconds_sum')) {
      out.decisionSum += v;
    } else if (line.startsWith('controller_runtime_reconcile_time_seconds_count')) {
      out.reconcileCount += v;
    } else if (line.startsWith('controller_runtime_reconcile_time_seconds_sum')) {
      out.reconcileSum += v;
    } else if (line.startsWith('nodejs_eventloop_lag_max_seconds')) {
      out.loopLagMaxSeconds = v;
    } else if (line.startsWith('nodejs_gc_duration_seconds_count{') && label('kind') === 'major') {
      out.majorGc.count += v;
    } else if (line.startsWith('nodejs_gc_duration_seconds_sum{') && label('kind') === 'major') {
      out.majorGc.sumSeconds += v;
    }
  }
  return out;
}

/** Sums apiserver_request_total by verb from an API server's /metrics (text format). */
export async function requestCounts(api: Api): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let text = '';
  try {
    text = await api.text('/metrics');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '?';
    if (verb === 'WATCH') continue;
    out[verb] = (out[verb] ?? 0) + Number(line.split(' ').pop());
  }
  return out;
}

export const diffCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]).filter(([, v]) => v !== 0));

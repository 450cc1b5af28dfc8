/**
 * `clusterset-dns doctor` output and exit code: pure functions of the check
 * results. The table puts each failure's fix on the line below it, so the
 * table stays readable and the fix can be copied whole.
 */
import { table } from '../runtime/table.js';
import type { CheckResult, Status } from './checks.js';

export type Summary = Record<Status, number>;

export function summarize(results: readonly CheckResult[]): Summary {
  const s: Summary = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** 0 when nothing failed (warnings and skips allowed), 1 otherwise; no results at all is a failure too. */
export function exitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.length > 0 && summarize(results).fail === 0 ? 0 : 1;
}

export function summaryLine(results: readonly CheckResult[]): string {
  const s = summarize(results);
  return `${s.pass} passed, ${s.fail} failed, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.skip} skipped`;
}

export function formatResults(results: readonly CheckResult[], output: 'table' | 'json'): string {
  if (output === 'json') {
    return JSON.stringify({ ok: exitCode(results) === 0, summary: summarize(results), results }, null, 2) + '\n';
  }
  const rows = [['CLUSTER', 'CHECK', 'SERVICE', 'STATUS', 'DETAIL']];
  for (const r of results) {
    rows.push([r.cluster ?? '(control plane)', r.check, r.service ?? '-', r.status.toUpperCase(), r.detail]);
    if (r.fix !== undefined && r.status !== 'pass') rows.push(['', '', '', '', `fix: ${r.fix}`]);
  }
  return table(rows) + `\n${summaryLine(results)}\n`;
}

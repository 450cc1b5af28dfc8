/** The benchmark's results: one record per phase, the JSON file and the markdown report. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { autoImportSection } from './auto-import-report.js';
import type { Flags } from './options.js';
import { routeComparison } from './route-comparison.js';
import { slowestSamplesTable, type TrickleSample } from './slow-samples.js';
import { latencyTable, summarize, table, type Summary } from './stats.js';

export interface PhaseRecord {
  name: string;
  wallSeconds: number;
  cpuSeconds: Record<string, number>;
  loadavg1: number;
  benchEventLoopDelayMs: { p50: number; p99: number; max: number };
  [k: string]: unknown;
}

/** Where a run's results go: <out>/<run id>-n<N>.json, and the report next to it as .md. */
export const resultFile = (flags: Flags, runId: string) => join(flags.out, `${runId}-n${flags.n}.json`);

/** Writes the results so far (after every phase, so an interrupted run keeps what it measured). */
export function saveResult(file: string, result: Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify(result, replacer, 2));
}

/** Writes the JSON and the markdown report, and prints the report. */
export function writeResults(file: string, result: Record<string, unknown>, log: (line: string) => void): void {
  saveResult(file, result);
  writeFileSync(file.replace(/\.json$/, '.md'), report(result));
  log(`results: ${file} (+ .md)`);
  process.stdout.write(report(result));
}

function replacer(_k: string, v: unknown) {
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** The markdown summary of one run (what BENCHMARKS.md quotes). */
export function report(r: Record<string, unknown>): string {
  type P = PhaseRecord & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const phases = ((r['phases'] as PhaseRecord[]) ?? []) as P[];
  const out: string[] = [`# clusterset-dns benchmark run ${String(r['runId'])}`, '', '```', JSON.stringify({ flags: r['flags'], machine: r['machine'], versions: r['versions'], controllerSource: r['controllerSource'] }, null, 1), '```', ''];
  const ctl = (p: P) => `${p['controllerKind'] ? ` [controller: ${p['controllerKind']}]` : ''}${p['writeRoute'] ? ` [--write-route=${p['writeRoute']}]` : ''}`;
  for (const p of phases) {
    const base = p.name.split(/[:@]/)[0];
    if (base === 'floors-idle') {
      out.push('## Floors, idle system (API write → own watch event)', '', latencyTable([
        ['karmada-apiserver ConfigMap write→watch', p['apiWriteToWatch'].karmada as Summary],
        ['member1 ConfigMap write→watch', p['apiWriteToWatch'].member1 as Summary],
        ['member2 ConfigMap write→watch', p['apiWriteToWatch'].member2 as Summary],
      ]), '');
    } else if (base === 'prepare') {
      out.push(`## Prepare: ${p['imports']} imports created with no controller running`, '', `created in ${p['createSeconds']} s; all ${p['pairs']} derived Services seen after ${p['allDerivedSeconds']} s`, '');
    } else if (base === 'burst') {
      out.push(`## Burst: ${p['imports']} imports created at once (${p['pairs']} import×member pairs)${ctl(p)}`, '',
        `created in ${p['createSeconds']} s; all derived Services seen ${p['allDerivedSeconds']} s; all policy rules ${p['allPolicyRulesSeconds']} s; all spec.ips ${p['allFilledSeconds']} s (filled ${p['filledPairs']}/${p['pairs']})`, '',
        latencyTable([
          ['derived Service seen → spec.ips seen (total)', p['latency'].derivedToIps],
          ['  member1', p['latency'].derivedToIpsMember1],
          ['  member2', p['latency'].derivedToIpsMember2],
          ['derived Service seen → OverridePolicy rule seen (ours)', p['latency'].derivedToPolicy],
          ['OverridePolicy rule seen → spec.ips seen (Karmada)', p['latency'].policyToIps],
        ]), '', `controller writes: ${JSON.stringify(p['controllerWrites'])}; events: ${JSON.stringify(p['controllerEvents'])}; RSS ${JSON.stringify(p['controllerRssMiB'])}`, '');
    } else if (base === 'idle') {
      out.push(`## Idle ${p['seconds']} s (${p['filledPairs']}/${p['pairs']} pairs filled)${ctl(p)}`, '', table(['counter', 'delta'], [
        ['clusterset_dns_writes_total', p['writesTotalDelta']],
        ['OverridePolicy watch events (ours)', p['ourPolicyWatchEvents']],
        ['Events created by the controller', p['controllerEventsCreated']],
        ['member ServiceImport updates (anyone)', p['memberServiceImportUpdates']],
        ['reconciles', JSON.stringify(p['reconcilesDelta'])],
      ]), '');
    } else if (base === 'trickle') {
      const f = p['floors'];
      out.push(`## Trickle: ${p['imports']} imports one at a time, with the others in place${ctl(p)}`, '', latencyTable([
        ['derived Service seen → spec.ips seen (total)', p['latency'].derivedToIps],
        ['derived Service seen → OverridePolicy rule seen (ours)', p['latency'].derivedToPolicy],
        ['OverridePolicy rule seen → spec.ips seen (Karmada)', p['latency'].policyToIps],
        ['floor: karmada-apiserver write→watch', f.apiWriteToWatch.karmada],
        ['floor: member1 write→watch', f.apiWriteToWatch.member1],
        ['floor: member2 write→watch', f.apiWriteToWatch.member2],
        ['floor: member1 + member2 write→watch', f.apiWriteToWatch.members ?? summarize([])],
        ['floor: OverridePolicy write→watch (karmada-apiserver + karmada-webhook)', f.karmadaOverridePolicy.cpWriteToWatch ?? summarize([])],
        ['floor: Karmada, template label seen → member', f.karmadaTemplateLabel.both],
        ['floor: Karmada, OverridePolicy change seen → member', f.karmadaOverridePolicy.both],
      ]), '', `controller writes: ${JSON.stringify(p['controllerWrites'])}; incomplete: ${p['incomplete']}`, '', 'Slowest samples:', '', slowestSamplesTable((p['samples'] as TrickleSample[] | undefined) ?? [], 5), '');
    } else if (base === 'restart') {
      out.push(`## Restart with everything filled (${p['observeSeconds']} s observed)${ctl(p)}`, '', table(['counter', 'value'], [
        ['ready after (s)', p['readySeconds']],
        ['filled pairs before / after', `${p['filledBefore']} / ${p['filledAfter']}`],
        ['clusterset_dns_writes_total', `${p['writesTotal']} ${JSON.stringify(p['writes'])}`],
        ['OverridePolicy watch events (ours)', p['ourPolicyWatchEvents']],
        ['policy rule changes / member spec.ips changes', `${p['policyRuleChanges']} / ${p['specIpsChanges']}`],
        ['Events created by the controller', `${p['controllerEventsCreated']} ${JSON.stringify(p['controllerEventsByReason'])}`],
      ]), '');
    } else if (base === 'relabel' || base === 'karmada-restart') {
      const what = base === 'relabel'
        ? `## Relabel: every control-plane ServiceImport relabelled, Karmada re-applies every Work${ctl(p)}`
        : `## karmada-controller-manager restarted with everything filled${ctl(p)}`;
      out.push(what, '', table(['counter', 'value'], [
        ...(base === 'relabel'
          ? [['templates patched in (s)', p['templatesPatchedSeconds']], ['member ServiceImports relabelled', `${p['pairsRelabelled']} / ${p['pairs']} (all after ${p['allRelabelledSeconds'] ?? '–'} s)`]]
          : [['ready after (s)', p['readySeconds']], ['observed (s)', p['observedSeconds']]]),
        ['member ServiceImport updates (anyone)', p['memberServiceImportUpdates']],
        ['member spec.ips changes (pairs)', `${p['specIpsChanges']} (${p['pairsWithSpecIpsChanges']})`],
        ['pairs filled after', `${p['pairsFilledAfter']}`],
        ['controller writes', JSON.stringify(p['controllerWrites'])],
        ['member updates settled (15 s without one)', String(p['settled'])],
      ]), '');
    } else if (base === 'cold-clear') {
      out.push(`## Cold start${ctl(p)}`, '', `every pair unfilled ${p['karmadaClearSeconds']} s after our policies were deleted${p['patchedMemberImports'] ? ` and our annotations and spec.ips removed from member ServiceImports ${JSON.stringify(p['patchedMemberImports'])}` : ''} (still filled: ${p['stillFilled']}; relapses: ${p['relapses'] ?? '–'}); retention rule: ${p['retentionRule'] ?? '–'}`, '');
    } else if (base === 'cold-start') {
      out.push(`fresh controller${ctl(p)} (route used: ${p['controllerRoute'] ?? '?'}): ready ${p['readySeconds']} s; all policy rules ${p['allPolicyRulesSeconds'] ?? '–'} s; all ${p['pairs']} spec.ips ${p['allFilledSeconds']} s (filled ${p['filledPairs']}); RSS ${JSON.stringify(p['controllerRssMiB'])}; writes ${JSON.stringify(p['controllerWrites'])}`, '',
        latencyTable([['policy rule seen, from process start', p['ruleWrittenAfterStartMs']], ['spec.ips seen, from process start', p['ipsVisibleAfterStartMs']]]), '',
        `reconciles: ${JSON.stringify(p['controllerReconciles'])}; mean reconcile ${p['reconcile']?.meanMs} ms (${p['reconcile']?.totalSeconds} s in total); mean decision ${p['decision']?.meanMs} ms`, '');
    }
  }
  const routes = routeComparison(phases);
  if (routes) out.push(routes);
  const autoImports = autoImportSection(phases);
  if (autoImports) out.push(autoImports);
  out.push('## CPU seconds by phase', '');
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.cpuSeconds)))];
  out.push(table(['process', ...phases.map((p) => `${p.name} (${p.wallSeconds}s)`)], names.map((n) => [n, ...phases.map((p) => p.cpuSeconds[n] ?? '')])), '');
  out.push('## API requests by phase (apiserver_request_total, all verbs but WATCH, everyone\'s)', '');
  const servers = ['karmada-apiserver', 'member1', 'member2'];
  out.push(table(['phase', ...servers.map((s) => `${s} total`), 'karmada-apiserver by verb'], phases.map((p) => {
    const req = (p['apiRequests'] ?? {}) as Record<string, Record<string, number>>;
    const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
    return [p.name, ...servers.map((s) => sum(req[s])), JSON.stringify(req['karmada-apiserver'] ?? {})];
  })), '');
  out.push(table(['phase', 'bench event-loop delay p99 ms', 'max ms', 'load avg 1m', 'other controllers / foreign cluster processes at end'], phases.map((p) => [p.name, p.benchEventLoopDelayMs.p99, p.benchEventLoopDelayMs.max, p.loadavg1, JSON.stringify(p['interference'] ?? {})])), '');
  return out.join('\n') + '\n';
}

/**
 * Benchmark for issue 3 (the controller): N ServiceImports imported into both
 * members of the local environment, measured from our own watches.
 *
 *   npx tsx bench/clusterset-dns.ts --n=1000 --idle-seconds=300
 *
 * Phases, run in the order --phases lists them (default
 * floors,burst,idle,trickle,restart,cold):
 *   floors   API write→watch latency on each API server, on an idle system
 *   prepare  (instead of burst) N ServiceImports created with NO controller
 *            running; waits for Karmada's derived Services in both members
 *   burst    controller running; N ServiceImports created at once (bounded
 *            concurrency); per (import, member): derived Service seen →
 *            OverridePolicy rule seen (control plane) → spec.ips seen (member)
 *   idle     --idle-seconds with no change: writes counted three ways
 *   trickle  with N in place: K more imports one at a time, interleaved with
 *            floor samples (API write→watch; Karmada propagation of a template
 *            label and of an OverridePolicy change) taken in the same minutes
 *   restart  everything filled; a fresh controller process is started and
 *            observed for --restart-seconds: it must change nothing
 *   cold     controller stopped and every pair unfilled (our OverridePolicies
 *            deleted, our annotation and spec.ips removed from member
 *            ServiceImports, until none shows spec.ips); a fresh controller's
 *            time from start to all filled, Karmada's CPU and requests per
 *            filled pair, the controller's writes and peak RSS
 *   relabel  every control-plane ServiceImport relabelled, so Karmada re-applies
 *            every Work: member spec.ips changes (must be 0) and who wrote
 *   karmada-restart  karmada-controller-manager restarted with everything
 *            filled: member spec.ips changes (must be 0) until updates settle
 *   auto-import  --exports Services exported by ServiceExports made in member1,
 *            --export-rate per second: export → spec.ips in every member
 *            with `run --auto-import`, next to the Karmada-native floor (the
 *            bench writes each control-plane ServiceImport and
 *            PropagationPolicy itself, the controller without --auto-import)
 *            in the same run; each in a namespace of its own, deleted after
 *            (`npm run bench:auto-import` runs this phase alone)
 *
 * A phase may name the controller build, the write route and the member access:
 * `<phase>[:tsx|:dist][@auto|retain|override-policy][+proxy|+direct]`, e.g.
 * --phases=floors,prepare,cold@override-policy,cold@retain,idle@retain, or
 * cold+proxy,trickle+proxy,cold+direct,trickle+direct to measure the members
 * reached through Karmada's cluster proxy against directly (--member-access;
 * each phase records every environment process's CPU, karmada-aggregated-
 * apiserver's among them).
 * The route is passed to the controller as --write-route; before a cold
 * start, `@retain` installs the retention rule (the ResourceInterpreter-
 * Customization of src/karmada/retention.ts) and `@override-policy` removes
 * it. The rule is put back as it was found at the end of the run. The report
 * puts the routes' cold starts and trickles side by side.
 *
 * Flags: --n (imports, default 100), --namespaces (1), --concurrency (16),
 * --idle-seconds (300), --trickle (30), --floor-samples (100),
 * --karmada-floor-samples (30), --probes (3), --policy=shared|per-import
 * (one label-selecting PropagationPolicy per namespace, or one per import),
 * --fill-timeout (1200 s per wait), --cold-timeout (a cold start's wait for
 * every pair, default --fill-timeout; a slower route is then reported with
 * the pairs it filled by then), --restart-seconds (30), --exports (200) and
 * --export-rate (20 per second) for auto-import,
 * --controller=tsx|dist (startController's `node --import tsx`, or the
 * compiled build under plain node as the Dockerfile runs it),
 * --phases=..., --keep, --out=DIR, --allow-other-controllers,
 * --controller-arg=--flag=value (repeatable, passed to `clusterset-dns run`).
 *
 * Results: a JSON file and a markdown report under bench/results/. Every loop
 * is bounded in count and time; everything is on 127.0.0.1. The namespaces
 * created here are deleted at the end unless --keep.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KARMADA_CONTEXT, access } from '../test/env/environment.js';
import { KARMADA_RESYNC_MS } from '../test/env/startup.js';
import { useEnvironment } from '../test/support/environment.js';
import { Api } from './lib/api.js';
import { ControllerSession } from './lib/controller-session.js';
import { FloorSampler } from './lib/floors.js';
import { MEMBERS, type Member } from './lib/objects.js';
import { Observed } from './lib/observed.js';
import { parseFlags } from './lib/options.js';
import { parsePhaseToken } from './lib/phase-token.js';
import { PhaseRecorder } from './lib/phase-recorder.js';
import { gitProvenance } from './lib/provenance.js';
import { resultFile, writeResults, type PhaseRecord } from './lib/report.js';
import { restoreRetentionRule, retentionRulePresent } from './lib/retention-rule.js';
import { checkCompetitors, onInterrupt, type BenchRun, type Phase } from './lib/run.js';
import { cleanUp, setUp } from './lib/setup.js';
import { Workload } from './lib/workload.js';
import { PHASES } from './phases/index.js';

// This file wires a run together and runs the phases in --phases order: one
// module per phase under phases/, what they share (watches, controller,
// floors, phase records, report) under lib/.

async function main() {
  const flags = parseFlags(process.argv.slice(2), () => readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  const tokens = flags.phases.map((t) => parsePhaseToken(t, Object.keys(PHASES)));
  if (tokens.some((t) => t.route !== undefined) && flags.controllerArgs.some((a) => a.startsWith('--write-route'))) {
    throw new Error('a phase names a write route (@<route>) and --controller-arg passes --write-route too: use one of them');
  }
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-').toLowerCase()}`;
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
  mkdirSync(flags.out, { recursive: true });

  const env = await useEnvironment();
  const { others, foreign } = checkCompetitors(env, flags.allowOtherControllers);
  const cp = new Api(access(env, KARMADA_CONTEXT));
  const members = Object.fromEntries(MEMBERS.map((m) => [m, new Api(access(env, m))])) as Record<Member, Api>;
  // The write-route phases install or remove the retention rule; it is put back as found at the end.
  const retentionRuleAtStart = await retentionRulePresent(cp);
  const setsRoutes = tokens.some((t) => t.route === 'retain' || t.route === 'override-policy');
  const obs = new Observed();
  const nsNames = Array.from({ length: flags.namespaces }, (_, j) => `cdns-bench-${runId.slice(-6)}-${j}`);
  for (const ns of nsNames) obs.namespaces.add(ns);
  const floorNs = nsNames[0] as string;

  const elu = monitorEventLoopDelay({ resolution: 5 });
  elu.enable();
  const phases: PhaseRecord[] = [];
  const controllers: unknown[] = [];
  const result: Record<string, unknown> = {
    runId,
    date: new Date().toISOString(),
    flags,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch}` },
    versions: env.versions,
    // The environment's Karmada background work depends on it (BENCHMARKS.md, run E).
    karmadaResyncSeconds: env.karmadaResyncSeconds === undefined ? KARMADA_RESYNC_MS / 1000 : env.karmadaResyncSeconds,
    controllerSource: gitProvenance(),
    namespaces: nsNames,
    otherControllersAtStart: others,
    foreignClusterProcessesAtStart: foreign,
    retentionRuleAtStart,
    phases,
    controllers,
  };
  const file = resultFile(flags, runId);
  const ctl = new ControllerSession(env, flags, log, controllers);
  const workload = new Workload(flags, cp, nsNames, floorNs);
  const run: BenchRun = {
    flags, runId, log, env, cp, members, obs, nsNames, floorNs, watchers: [], ctl, workload,
    floors: new FloorSampler(obs, cp, members, floorNs, workload.probeKeys),
    phase: new PhaseRecorder(env, cp, members, ctl, elu, phases, result, file, log).phase,
    checkInterrupted: onInterrupt(log),
  };

  try {
    await setUp(run);
    for (const token of tokens) {
      ctl.phaseKind = token.build ?? flags.controller;
      ctl.phaseRoute = token.route;
      ctl.phaseAccess = token.access;
      ctl.phaseSuffix = token.suffix;
      run.checkInterrupted();
      await (PHASES[token.name] as Phase)(run);
    }
  } finally {
    if (ctl.controller) controllers.push(await ctl.stop().catch(() => undefined));
    await ctl.stop().catch(() => undefined);
    if (setsRoutes) await restoreRetentionRule(cp, retentionRuleAtStart).catch((e: unknown) => log(`restoring the retention rule: ${e instanceof Error ? e.message : String(e)}`));
    for (const w of run.watchers) await w.stop();
    if (!flags.keep) await cleanUp(run, result);
    elu.disable();
    writeResults(file, result, log);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);

/**
 * Runs one measured phase and records it: wall time, CPU seconds per
 * process, API requests per server, load, the benchmark's own event-loop
 * delay, and what competed with it; then saves the results so far.
 */
import { loadavg } from 'node:os';
import type { ELDHistogram } from 'node:perf_hooks';
import type { EnvState } from '../../test/env/environment.js';
import { now, type Api } from './api.js';
import type { ControllerSession } from './controller-session.js';
import { cpuDelta, cpuSnapshot } from './cpu.js';
import { diffCounts, requestCounts } from './metrics.js';
import type { Member } from './objects.js';
import { foreignClusterProcesses, otherControllers } from './proc.js';
import { saveResult, type PhaseRecord } from './report.js';

export class PhaseRecorder {
  constructor(
    private readonly env: EnvState,
    private readonly cp: Api,
    private readonly members: Record<Member, Api>,
    private readonly ctl: ControllerSession,
    private readonly elu: ELDHistogram,
    /** The records, in the run's result. */
    private readonly phases: PhaseRecord[],
    private readonly result: Record<string, unknown>,
    private readonly file: string,
    private readonly log: (line: string) => void,
  ) {}

  /** apiserver_request_total by verb (WATCH excluded) on each API server: everyone's requests, ours included. */
  private async apiRequests(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, api] of [['karmada-apiserver', this.cp], ['member1', this.members.member1], ['member2', this.members.member2]] as const) {
      out[name] = await requestCounts(api);
    }
    return out;
  }

  /** Runs `f` as the phase `name`; its result joins the phase's record. */
  readonly phase = async <T extends Record<string, unknown>>(name: string, f: () => Promise<T>): Promise<T> => {
    const { env, ctl, elu } = this;
    this.log(`── phase ${name}`);
    const c0 = cpuSnapshot(env, ctl.controller?.proc.pid);
    const r0 = await this.apiRequests();
    const t0 = now();
    elu.reset();
    const extra = await f();
    const c1 = cpuSnapshot(env, ctl.controller?.proc.pid);
    const r1 = await this.apiRequests();
    const rec: PhaseRecord = {
      name: `${name}${ctl.phaseSuffix}`,
      controllerKind: ctl.controllerKind ?? null,
      // The --write-route the phase asked for (its `@<route>`); null: none passed, the controller's default (auto).
      writeRoute: ctl.phaseRoute ?? null,
      // The --member-access the phase asked for (its `+proxy`/`+direct`); null: the controller's default (proxy).
      memberAccess: ctl.phaseAccess ?? null,
      wallSeconds: +((now() - t0) / 1000).toFixed(2),
      cpuSeconds: cpuDelta(c0, c1),
      loadavg1: +(loadavg()[0] ?? 0).toFixed(2),
      apiRequests: Object.fromEntries(Object.keys(r1).map((k) => [k, diffCounts(r0[k] ?? {}, r1[k] ?? {})])),
      // Seen at the end of the phase: anything here competed with (or wrote to) what was measured.
      interference: {
        otherControllers: otherControllers(ctl.controller ? [ctl.controller.proc.pid] : []).map((o) => o.pid),
        foreignClusterProcesses: foreignClusterProcesses(Object.values(env.processes).map((p) => p.pid)).length,
      },
      benchEventLoopDelayMs: { p50: +(elu.percentile(50) / 1e6).toFixed(2), p99: +(elu.percentile(99) / 1e6).toFixed(2), max: +(elu.max / 1e6).toFixed(2) },
      ...extra,
    };
    this.phases.push(rec);
    this.log(`   ${name}: ${rec.wallSeconds}s wall; cpu ${JSON.stringify(rec.cpuSeconds)}`);
    saveResult(this.file, this.result);
    return extra;
  };
}

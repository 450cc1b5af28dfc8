/**
 * The controller under measurement: at most one process at a time, started
 * as the current phase asks (tsx or the compiled build), with its RSS sampled
 * while it runs and a record of it kept when it stops.
 */
import { readFileSync } from 'node:fs';
import { startController, type RunningController } from '../../test/env/controller.js';
import type { EnvState } from '../../test/env/environment.js';
import { now, sleep } from './api.js';
import { buildController, startBuiltController } from './controller.js';
import type { WriteRouteFlag } from '../../src/serviceimport/route.js';
import type { MemberAccessMode } from '../../src/karmada/member-access-mode.js';
import type { ControllerBuild, Flags } from './options.js';
import { hwmMiB, RssSampler } from './proc.js';

export class ControllerSession {
  controller: RunningController | undefined;
  /** The sampler of the last controller started (kept after it stops). */
  rss: RssSampler | undefined;
  /** Which controller build the current phase runs (--controller, or a phase's `:tsx`/`:dist` suffix). */
  phaseKind: ControllerBuild;
  /** The phase's `:tsx`/`:dist` and `@<route>` suffix, for the phase record's name. */
  phaseSuffix = '';
  /** The --write-route the current phase asks for (its `@<route>`); undefined: the controller's default. */
  phaseRoute: WriteRouteFlag | undefined;
  /** The build of the running controller. */
  controllerKind: ControllerBuild | undefined;
  /** The --write-route the running controller was given. */
  controllerRoute: WriteRouteFlag | undefined;
  /** The --member-access the current phase asks for (its `+proxy`/`+direct`); undefined: the controller's default. */
  phaseAccess: MemberAccessMode | undefined;
  /** The --member-access the running controller was given. */
  controllerAccess: MemberAccessMode | undefined;
  /** Arguments the current phase adds to `run` (e.g. --auto-import), after --controller-arg's. */
  phaseArgs: readonly string[] = [];
  /** The phase arguments the running controller was given. */
  controllerPhaseArgs: readonly string[] = [];
  private builtMain: string | undefined;

  /** `controllers` receives the record of every controller stopped. */
  constructor(
    private readonly env: EnvState,
    private readonly flags: Flags,
    private readonly log: (line: string) => void,
    readonly controllers: unknown[],
  ) {
    // Build the compiled controller up front, so that tsc's CPU does not land in a measured phase.
    this.builtMain = flags.controller === 'dist' || flags.phases.some((p) => p.includes(':dist')) ? buildController(log) : undefined;
    this.phaseKind = flags.controller;
  }

  async start() {
    const t0 = now();
    const args = ['--leader-elect=false', ...this.flags.controllerArgs, ...(this.phaseRoute ? [`--write-route=${this.phaseRoute}`] : []), ...(this.phaseAccess ? [`--member-access=${this.phaseAccess}`] : []), ...this.phaseArgs];
    let c: RunningController;
    this.controllerKind = this.phaseKind;
    this.controllerRoute = this.phaseRoute;
    this.controllerAccess = this.phaseAccess;
    this.controllerPhaseArgs = this.phaseArgs;
    // The override-policy route is measured as a federation without the retention rule, which config/karmada would install.
    const setup = { retentionRule: this.phaseRoute !== 'override-policy' };
    if (this.phaseKind === 'dist') {
      this.builtMain ??= buildController(this.log);
      c = await startBuiltController(this.env, this.builtMain, args, 'clusterset-dns-bench', false, setup);
    } else {
      c = await startController(this.env, args, 'clusterset-dns-bench', undefined, false, setup);
    }
    const ready = now();
    this.controller = c;
    this.rss = new RssSampler(c.proc.pid).start();
    this.log(`controller pid ${c.proc.pid} ready in ${((ready - t0) / 1000).toFixed(2)}s; log ${c.proc.log}`);
    return { c, t0, ready };
  }

  async stop() {
    if (!this.controller) return undefined;
    const rss = this.rss;
    rss?.stop();
    const info = { kind: this.controllerKind, phaseArgs: [...this.controllerPhaseArgs], writeRoute: this.controllerRoute ?? null, memberAccess: this.controllerAccess ?? null, pid: this.controller.proc.pid, log: this.controller.proc.log, logSummary: summarizeLog(this.controller.proc.log), vmHwmMiB: hwmMiB(this.controller.proc.pid), sampledMaxRssMiB: rss?.maxRssMiB, sampledMaxTreeRssMiB: rss?.maxTreeRssMiB, samples: rss?.samples };
    await this.controller.stop();
    info.logSummary = summarizeLog(info.log);
    this.controller = undefined;
    this.controllerKind = undefined;
    this.controllerRoute = undefined;
    this.controllerAccess = undefined;
    this.controllerPhaseArgs = [];
    return info;
  }

  /** Stops the controller, or starts one of the phase's build and route (replacing one of another build or route). */
  async ensure(running: boolean): Promise<RunningController | undefined> {
    if (!running) {
      if (this.controller) this.controllers.push(await this.stop());
      return undefined;
    }
    if (this.controller && this.controllerKind === this.phaseKind && this.controllerRoute === this.phaseRoute && this.controllerAccess === this.phaseAccess && sameArgs(this.controllerPhaseArgs, this.phaseArgs)) return this.controller;
    if (this.controller) this.controllers.push(await this.stop());
    const { c } = await this.start();
    await sleep(2000); // let it sync the members before the phase starts
    return c;
  }
}

const sameArgs = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Counts of the controller's log lines by level and message (JSON lines from pino). */
function summarizeLog(file: string): Record<string, number> {
  const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
  const out: Record<string, number> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { level?: number; msg?: string };
      const msg = String(o.msg ?? '').replace(/\b[\w.-]+\/[\w.-]+\b/g, '<ns>/<name>').replace(/\d+\.\d+\.\d+\.\d+/g, '<ip>').slice(0, 100);
      const k = `${levels[o.level ?? 0] ?? o.level}: ${msg}`;
      out[k] = (out[k] ?? 0) + 1;
    } catch {
      /* not JSON */
    }
  }
  return out;
}

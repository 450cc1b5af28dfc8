/** What every phase of a benchmark run shares: its flags, clients, watches, controller and workload. */
import type { EnvState } from '../../test/env/environment.js';
import type { Api, Watcher } from './api.js';
import type { ControllerSession } from './controller-session.js';
import type { FloorSampler } from './floors.js';
import type { Member } from './objects.js';
import type { Observed } from './observed.js';
import type { Flags } from './options.js';
import type { PhaseRecorder } from './phase-recorder.js';
import { foreignClusterProcesses, otherControllers } from './proc.js';
import type { Workload } from './workload.js';

export interface BenchRun {
  readonly flags: Flags;
  readonly runId: string;
  readonly log: (line: string) => void;
  readonly env: EnvState;
  /** The Karmada control plane (karmada-apiserver). */
  readonly cp: Api;
  readonly members: Record<Member, Api>;
  readonly obs: Observed;
  readonly nsNames: string[];
  /** The namespace of the floor ConfigMap and the probes (the first one). */
  readonly floorNs: string;
  readonly watchers: Watcher[];
  readonly ctl: ControllerSession;
  readonly workload: Workload;
  readonly floors: FloorSampler;
  readonly phase: PhaseRecorder['phase'];
  /** Throws once SIGINT has arrived. */
  readonly checkInterrupted: () => void;
}

/** A phase: it records itself (run.phase) once or more. */
export type Phase = (run: BenchRun) => Promise<void>;

/** Refuses to run beside other controllers or clusters (unless allowed); returns what was seen, for the results. */
export function checkCompetitors(env: EnvState, allow: boolean) {
  const others = otherControllers();
  if (others.length > 0 && !allow) {
    throw new Error(`other clusterset-dns controllers are running against (probably) this environment; they would reconcile the benchmark's objects too:\n${others.map((o) => `  ${o.pid} ${o.cmd}`).join('\n')}\n(--allow-other-controllers to run anyway)`);
  }
  const foreign = foreignClusterProcesses(Object.values(env.processes).map((p) => p.pid));
  if (foreign.length > 0 && !allow) {
    throw new Error(`other API servers / Karmada processes are running on this machine (another environment or a test); they would compete for the 2 cores:\n${foreign.slice(0, 8).map((o) => `  ${o.pid} ${o.cmd}`).join('\n')}\n(--allow-other-controllers to run anyway)`);
  }
  return { others, foreign };
}

/** Notes the first SIGINT; the returned check throws once it has arrived, so the run stops and cleans up. */
export function onInterrupt(log: (line: string) => void): () => void {
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('SIGINT: stopping the controller and cleaning up');
  });
  return () => {
    if (interrupted) throw new Error('interrupted');
  };
}

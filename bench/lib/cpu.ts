/** CPU seconds per process of the environment, the controller and the benchmark, and of the machine as a whole. */
import type { EnvState } from '../../test/env/environment.js';
import { cpuSeconds, machineCpu } from './proc.js';

export type CpuSnapshot = Record<string, number>;

export function cpuSnapshot(env: EnvState, controllerPid: number | undefined): CpuSnapshot {
  const s: CpuSnapshot = {};
  for (const [name, p] of Object.entries(env.processes)) {
    const c = cpuSeconds(p.pid);
    if (c !== undefined) s[name] = c;
  }
  if (controllerPid !== undefined) {
    const c = cpuSeconds(controllerPid);
    if (c !== undefined) s['clusterset-dns (controller)'] = c;
  }
  const u = process.cpuUsage();
  s['bench (this process)'] = (u.user + u.system) / 1e6;
  const tracked = Object.values(s).reduce((a, b) => a + b, 0);
  const m = machineCpu();
  s['(machine busy, all processes)'] = m.busy;
  s['(machine idle)'] = m.idle;
  // Everything not listed above: other tests, other environments, the kernel. Should stay near 0.
  s['(untracked: busy minus the above)'] = m.busy - tracked;
  return s;
}

export const cpuDelta = (a: CpuSnapshot, b: CpuSnapshot) => Object.fromEntries(Object.keys(b).map((k) => [k, +(b[k]! - (a[k] ?? 0)).toFixed(2)]));

/**
 * Pod processes a killed kubelet left running. Its SIGTERM path stops them
 * all, but a SIGKILL (or a crash) cannot, and they lead their own process
 * groups, so nothing else would. Each container's process is recorded in a
 * pid file with its start time (field 22 of /proc/<pid>/stat), and the next
 * kubelet kills the recorded groups whose leader is still that very
 * process — never a later process that reused the pid.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The start time (clock ticks since boot) in a /proc/<pid>/stat line; the command name in parentheses may hold spaces. */
export function startTimeOf(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after "(comm)" start at field 3 (state), so field 22 is index 19.
  return fields[19];
}

function liveStartTime(pid: number): string | undefined {
  try {
    return startTimeOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Records a container's process; `path` is removed when it exits (removePidFile). */
export function writePidFile(path: string, pid: number): void {
  const started = liveStartTime(pid);
  if (started !== undefined) writeFileSync(path, `${pid} ${started}\n`);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/** Kills (SIGKILL, whole group) every process recorded under `podsDir/<pod>/*.pid` that still runs; returns their pids. */
export function killOrphans(podsDir: string): number[] {
  const killed: number[] = [];
  let pods: string[];
  try {
    pods = readdirSync(podsDir);
  } catch {
    return killed;
  }
  for (const pod of pods) {
    let files: string[];
    try {
      files = readdirSync(join(podsDir, pod)).filter((f) => f.endsWith('.pid'));
    } catch {
      continue;
    }
    for (const f of files) {
      const path = join(podsDir, pod, f);
      const [pidText, started] = readFileSync(path, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 1 && started !== undefined && liveStartTime(pid) === started) {
        try {
          process.kill(-pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // Gone meanwhile.
        }
      }
      removePidFile(path);
    }
  }
  return killed;
}

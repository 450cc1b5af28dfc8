/**
 * The `clusterset-dns` command run from source, as a user runs it: its exit
 * code and both outputs, whatever it returns. Waits for 'close', so the
 * output is complete. `env`, when given, is the whole environment the
 * command sees (not added to this process's).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../env/binaries.js';

export interface CliRun {
  /** The exit code; -1 when the process did not exit by itself (killed, or timed out). */
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, if one did. */
  signal?: NodeJS.Signals | undefined;
}

/** A command still running: `kill` ends it as a crash would (SIGKILL: no handler runs, nothing is cleaned up). */
export interface RunningCli {
  result: Promise<CliRun>;
  kill(): void;
}

export function startClusterDnsCli(args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): RunningCli {
  let child: ChildProcess | undefined;
  const result = new Promise<CliRun>((resolve) => {
    // The child is node itself (no shell, no wrapper), so a signal reaches the command.
    child = execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cmd', 'main.ts'), ...args], { cwd: repoRoot, timeout: timeoutMs, ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr, ...(err?.signal ? { signal: err.signal } : {}) });
    });
  });
  return { result, kill: () => child?.kill('SIGKILL') };
}

export function clusterDnsCli(args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return startClusterDnsCli(args, timeoutMs, env).result;
}

/**
 * The `clusterset-dns` command run from source, as a user runs it: its exit
 * code and both outputs, whatever it returns. Waits for 'close', so the
 * output is complete. `env`, when given, is the whole environment the
 * command sees (not added to this process's).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../env/binaries.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function clusterDnsCli(args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cmd', 'main.ts'), ...args], { cwd: repoRoot, timeout: timeoutMs, ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Where hack/e2e.sh's clusters come from besides the kubeconfigs it is
 * pointed at: --env=local (the project's running local environment) and
 * --kind (Karmada's hack/local-up-karmada.sh creates them). The I/O only: what
 * is missing and what runs are decided in ./kind.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, statSync } from 'node:fs';
import { check, readState, writeKarmadaLayout } from '../../test/env/environment.js';
import { findOnPath, localUpCommand, type KindFacts } from './kind.js';

/** --env=local: the local environment's kubeconfigs in Karmada's layout, written afresh; throws when none runs. */
export async function localEnvKubeDir(): Promise<string> {
  const state = readState();
  if (!state) throw new Error('no local environment is running: npm run env:up');
  const problems = await check(state);
  if (problems.length > 0) throw new Error(`the local environment is not healthy (${problems.join('; ')}): npm run env:up`);
  return writeKarmadaLayout(state);
}

const isFile = (file: string) => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return isFile(file);
  } catch {
    return false;
  }
};

/** `docker info` within 20 s: kind needs the daemon, not just the client. */
function dockerDaemon(docker: string): { answers: boolean; detail: string } {
  const r = spawnSync(docker, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  const detail = (r.error?.message ?? `${r.stderr ?? ''}`.trim().split('\n')[0] ?? '') || `exit ${r.status}`;
  return { answers: r.status === 0 && !r.error, detail };
}

/** What this machine answers to --kind's questions. */
export function kindFacts(env: Record<string, string | undefined>): KindFacts {
  const path = env['PATH'] ?? '';
  const docker = findOnPath('docker', path, isExecutable);
  return { path, karmadaRepoRoot: env['KARMADA_REPO_ROOT'], isExecutable, isFile, dockerDaemon: docker ? dockerDaemon(docker) : undefined };
}

/**
 * Runs local-up-karmada.sh, its output both on the terminal and in
 * `logFile`; rejects on a non-zero exit or after `timeoutMs` (it builds
 * Karmada's images and creates four clusters: tens of minutes cold).
 */
export function runLocalUp(karmadaRepoRoot: string, kubeconfigDir: string, logFile: string, timeoutMs: number): Promise<void> {
  const c = localUpCommand(karmadaRepoRoot, kubeconfigDir);
  const log = createWriteStream(logFile);
  return new Promise((resolveRun, reject) => {
    const child = spawn(c.command, c.args, { env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tee = (to: NodeJS.WriteStream) => (d: Buffer) => {
      to.write(d);
      log.write(d);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (e) => reject(e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      log.end();
      if (code === 0) resolveRun();
      else reject(new Error(`${c.args[0]} ${signal ? `was stopped (${signal}; timeout ${timeoutMs / 60_000} min)` : `exited ${code}`}; its output is in ${logFile}`));
    });
  });
}

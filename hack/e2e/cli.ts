/**
 * The project's own CLI as hack/e2e.sh runs it: one-shot commands
 * (`karmada status`, `coredns status|install`, `doctor`) with a deadline and
 * their output saved, and `clusterset-dns run` as a local process logging
 * into the artifacts folder. From the sources under tsx, on the Node release
 * running this script, as test/env/controller.ts starts it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/env/binaries.js';
import { freePorts, startProcess, stopProcess, waitUntil, type ProcessInfo } from '../../test/env/process.js';

const MAIN = join(repoRoot, 'src', 'cmd', 'main.ts');
const cliArgs = (args: readonly string[]) => ['--import', 'tsx', MAIN, ...args];

export interface CliResult {
  code: number;
  /** stdout and stderr together, as they came. */
  output: string;
  /** stdout alone (what `-o json` prints). */
  stdout: string;
}

export interface RunResult extends CliResult {
  timedOut: boolean;
}

/**
 * Runs `bin ARGS` to the end, stdout and stderr together; killed after
 * `timeoutMs`, which counts as exit 1 and is said at the end of the output.
 */
export function runToEnd(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(bin, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (code: number) => {
      clearTimeout(timer);
      if (timedOut) output += `\n(killed: no result within ${timeoutMs / 1000} s)\n`;
      resolveRun({ code, output, stdout, timedOut });
    };
    child.on('error', (e) => {
      output += `could not start ${bin}: ${e.message}\n`;
      finish(1);
    });
    child.on('close', (code) => finish(timedOut ? 1 : (code ?? 1)));
  });
}

/** Runs `clusterset-dns ARGS` (./runToEnd), its output saved into `outFile` with the command line first. */
export async function runCli(args: readonly string[], outFile: string, timeoutMs: number): Promise<CliResult> {
  const { code, output, stdout } = await runToEnd(process.execPath, cliArgs(args), process.env, timeoutMs);
  writeFileSync(outFile, `$ clusterset-dns ${args.join(' ')}\n${output}${output.endsWith('\n') ? '' : '\n'}(exit ${code})\n`);
  return { code, output, stdout };
}

export interface LocalController {
  proc: ProcessInfo;
  stop(): Promise<void>;
}

/**
 * `clusterset-dns run` against the control plane as the kubeconfig's user,
 * without leader election (it takes no Lease: e2e.sh has checked that no
 * other controller holds one), probes and metrics on free loopback ports;
 * resolves once /readyz answers (deciding has started), or throws with the
 * log's last lines.
 */
export async function startLocalController(kubeconfig: string, context: string, log: string, timeoutMs: number): Promise<LocalController> {
  const [probes, metrics] = (await freePorts(2)) as [number, number];
  const proc = startProcess({
    name: 'clusterset-dns',
    bin: process.execPath,
    args: cliArgs(['run', `--kubeconfig=${kubeconfig}`, `--context=${context}`, '--leader-elect=false',
      `--health-probe-bind-address=127.0.0.1:${probes}`, `--metrics-bind-address=127.0.0.1:${metrics}`]),
    cwd: repoRoot,
    env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
  }, log);
  const stop = () => stopProcess(proc.pid, 35_000);
  try {
    await waitUntil('the controller to be ready (/readyz)', async () => (await fetch(`http://127.0.0.1:${probes}/readyz`, { signal: AbortSignal.timeout(2000) })).ok,
      { timeoutMs, intervalMs: 500, proc });
  } catch (e) {
    await stop();
    throw e;
  }
  return { proc, stop };
}

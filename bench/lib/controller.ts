/**
 * The controller as production runs it: compiled JavaScript under plain
 * `node` (the Dockerfile runs `node bin/clusterset-dns.js` → dist/), instead
 * of `node --import tsx src/cmd/main.ts` as startController() does. tsx's
 * loader alone costs about 100 MB of RSS with @kubernetes/client-node loaded
 * (see BENCHMARKS.md), so memory is reported for both.
 *
 * The build goes to a temporary directory outside the repository (nothing is
 * written to dist/), with a symlink to the repository's node_modules so that
 * package imports resolve.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/env/binaries.js';
import { startController, type ControllerSetup, type RunningController } from '../../test/env/controller.js';
import type { EnvState } from '../../test/env/environment.js';

/** Compiles src/ (tsconfig.build.json) into a fresh temporary directory; returns the path of cmd/main.js. */
export function buildController(log: (l: string) => void): string {
  const root = join(tmpdir(), 'clusterset-dns-bench-build');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  copyFileSync(join(repoRoot, 'package.json'), join(root, 'package.json')); // "type": "module"
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  const outDir = join(root, 'dist');
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'], { cwd: repoRoot, stdio: 'pipe' });
  } catch (e) {
    // tsc emits despite type errors (others may be mid-edit in src/); say so, and go on if it emitted.
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    log(`tsc reported errors while building the controller (emitted anyway):\n${out.split('\n').slice(0, 10).join('\n')}`);
  }
  const main = join(outDir, 'cmd', 'main.js');
  if (!existsSync(main)) throw new Error(`build produced no ${main}`);
  return main;
}

/** Runs the build as the image does (its node flags and MALLOC_ARENA_MAX), or with Node's defaults when `plainNode`. */
export function startBuiltController(env: EnvState, mainJs: string, args: string[], name: string, plainNode = false, setup: ControllerSetup = {}): Promise<RunningController> {
  return startController(env, args, name, mainJs, plainNode, setup);
}

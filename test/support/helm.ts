/** helm, as the chart's tests find and run it: the one hack/tools/helm builds into the cache. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureBinaries, repoRoot } from '../env/binaries.js';

const run = promisify(execFile);

/** The helm binary (TEST_ASSET_HELM, or built on a cold cache: call from a `before` with a long timeout). */
export async function helmBinary(): Promise<string> {
  const found = (await ensureBinaries((l) => console.error(`      [binaries] ${l}`), { testTools: true })).helm;
  if (!found) throw new Error('ensureBinaries did not provide helm');
  return found;
}

/** Runs helm from the repository root; its stdout, or a rejection whose message holds its stderr. */
export async function runHelm(helm: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run(helm, [...args], { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * Records the commit a build was made from in dist/build-info.json, which
 * `clusterset-dns version` and the clusterset_dns_build_info metric read
 * (src/runtime/build-info.ts). `npm run build` runs it after tsc.
 *
 * The commit is $CLUSTERSET_DNS_COMMIT when set — the Dockerfile passes it as
 * a build argument, since the image's build context has no .git — else the
 * checkout's `git rev-parse HEAD` (with "-dirty" when tracked files differ
 * from it), else "unknown". It never fails the build: a tarball without .git
 * or a machine without git still builds, and says "unknown".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMMIT_ENV = 'CLUSTERSET_DNS_COMMIT';
export const UNKNOWN_COMMIT = 'unknown';

/** What git says about the checkout; undefined when there is no git or no checkout. */
export interface GitFacts {
  head: string;
  dirty: boolean;
}

/** The commit to record: the environment's, else git's, else "unknown". */
export function commitOf(env: Record<string, string | undefined>, git: () => GitFacts | undefined): string {
  const fromEnv = env[COMMIT_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const facts = git();
  if (facts === undefined || !/^[0-9a-f]{7,64}$/.test(facts.head)) return UNKNOWN_COMMIT;
  return facts.dirty ? `${facts.head}-dirty` : facts.head;
}

/** Asks git in `dir`, with a timeout; any failure (no git, not a checkout) is undefined. */
export function gitFacts(dir: string): GitFacts | undefined {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { head: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return undefined;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '..', '..');
  const commit = commitOf(process.env, () => gitFacts(root));
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify({ commit })}\n`);
  console.log(`dist/build-info.json: commit ${commit}`);
}

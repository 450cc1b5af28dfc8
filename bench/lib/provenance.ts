/** Which controller code a run measured. */
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../../test/env/binaries.js';

/** Which controller code ran: the commit, and whether src/ differed from it (others edit it while we measure). */
export function gitProvenance() {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', 'HEAD'), srcDirty: dirty ? dirty.split('\n') : [], srcDiffSha: dirty ? execFileSync('sh', ['-c', 'git diff HEAD -- src | sha256sum'], { cwd: repoRoot, encoding: 'utf8' }).trim().split(' ')[0] : '' };
}

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitOf, gitFacts, type GitFacts } from './build-info.js';

describe('hack/build-info: the commit a build records', () => {
  const HEAD = '4d4232f0c1a2b3c4d5e6f708192a3b4c5d6e7f80';
  const cases: Array<{ name: string; env: Record<string, string | undefined>; git: GitFacts | undefined; want: string }> = [
    { name: 'the environment wins (the Dockerfile\'s build argument)', env: { CLUSTERSET_DNS_COMMIT: 'abc1234' }, git: { head: HEAD, dirty: false }, want: 'abc1234' },
    { name: 'an empty variable counts as unset', env: { CLUSTERSET_DNS_COMMIT: ' ' }, git: { head: HEAD, dirty: false }, want: HEAD },
    { name: 'a clean checkout: HEAD', env: {}, git: { head: HEAD, dirty: false }, want: HEAD },
    { name: 'tracked files changed: HEAD-dirty', env: {}, git: { head: HEAD, dirty: true }, want: `${HEAD}-dirty` },
    { name: 'no git or no checkout: unknown', env: {}, git: undefined, want: 'unknown' },
    { name: 'git printed something that is not a commit: unknown', env: {}, git: { head: 'HEAD', dirty: false }, want: 'unknown' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(commitOf(c.env, () => c.git)).to.equal(c.want);
    });
  }

  it('asking git outside a checkout gives undefined, not an error', () => {
    expect(gitFacts(mkdtempSync(join(tmpdir(), 'no-checkout-')))).to.equal(undefined);
  });
});

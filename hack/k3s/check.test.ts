/**
 * `npm run members:k3s -- --check` as a user runs it: where testcontainers
 * finds no container engine (this project's machines), it exits 1 and says
 * so; where it finds one, it exits 0 and names it. Either way the script's
 * verdict must agree with testcontainers' own, asked here.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { repoRoot } from '../../test/env/binaries.js';

describe('members:k3s --check (the script, run)', function () {
  this.timeout(60_000);

  it('agrees with testcontainers on whether there is a container engine, and says which or why not', async () => {
    const engine = await getContainerRuntimeClient().then(() => true, () => false);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'hack', 'k3s-members.ts'), '--check'], { cwd: repoRoot, encoding: 'utf8', timeout: 50_000 });
    if (engine) {
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^members:k3s: container engine found at \S+/);
    } else {
      expect(r.status, r.stdout).to.equal(1);
      expect(r.stderr).to.match(/^members:k3s: no container engine: \S/);
      expect(r.stderr).to.contain('DOCKER_HOST');
    }
  });
});

/**
 * The closing line CI reads must count every collected test: tests skipped
 * by mocha because a hook before them failed count as failed, and the run
 * fails. Runs mocha with our reporter on small fixture suites.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

function runMocha(fixture: string): { status: number | null; lines: string[] } {
  const r = spawnSync(
    process.execPath,
    [resolve(root, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--reporter', resolve(root, 'test/support/summary-reporter.cjs'), resolve(root, 'test/support/reporter-fixtures', fixture)],
    { cwd: root, encoding: 'utf8' },
  );
  return { status: r.status, lines: r.stdout.trim().split('\n') };
}

describe('the test reporter', function () {
  this.timeout(30_000);

  it('counts the tests a failed before hook kept from running as failed, and says so', () => {
    const { status, lines } = runMocha('hook-fails.cjs');
    expect(lines.at(-1)).to.equal('tests: 1 passed, 4 failed, 0 skipped');
    expect(lines).to.include('3 of 4 tests did not run (a hook before them failed); they count as failed');
    expect(status).to.not.equal(0);
  });

  it('counts a failed after hook once, with every test run', () => {
    const { status, lines } = runMocha('all-pass.cjs');
    expect(lines.at(-1)).to.equal('tests: 3 passed, 1 failed, 0 skipped');
    expect(lines.some((l) => l.includes('did not run'))).to.equal(false);
    expect(status).to.not.equal(0);
  });
});

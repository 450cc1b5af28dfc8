import { expect } from 'chai';
import type { CheckResult } from './checks.js';
import { exitCode, formatResults, summarize } from './format.js';

const pass: CheckResult = { cluster: 'member2', check: 'corefile', status: 'pass', detail: 'clusterset.local is served' };
const warn: CheckResult = { cluster: 'member2', check: 'crds', status: 'warn', detail: 'serviceexports not installed', fix: 'install them' };
const skip: CheckResult = { cluster: null, check: 'control-plane', status: 'skip', detail: 'no control plane' };
const fail: CheckResult = { cluster: 'member1', check: 'ips', service: 'shop/web', status: 'fail', detail: 'spec.ips is none', fix: 'start the controller: clusterset-dns run' };

describe('doctor output and exit code', () => {
  it('exit code: 0 with passes, warnings and skips; 1 with a failure or nothing at all', () => {
    expect(exitCode([pass, warn, skip])).to.equal(0);
    expect(exitCode([pass, fail])).to.equal(1);
    expect(exitCode([])).to.equal(1);
  });

  it('summarize counts each status', () => {
    expect(summarize([pass, pass, warn, skip, fail])).to.deep.equal({ pass: 2, fail: 1, warn: 1, skip: 1 });
  });

  it('a table: one row per check, the fix on the line below a failure or warning, then the counts', () => {
    expect(formatResults([skip, pass, warn, fail], 'table')).to.equal(
      'CLUSTER          CHECK          SERVICE   STATUS  DETAIL\n' +
      '(control plane)  control-plane  -         SKIP    no control plane\n' +
      'member2          corefile       -         PASS    clusterset.local is served\n' +
      'member2          crds           -         WARN    serviceexports not installed\n' +
      '                                                  fix: install them\n' +
      'member1          ips            shop/web  FAIL    spec.ips is none\n' +
      '                                                  fix: start the controller: clusterset-dns run\n' +
      '\n' +
      '1 passed, 1 failed, 1 warning, 1 skipped\n',
    );
  });

  it('JSON: ok, the counts, and every result with its fix', () => {
    const j = JSON.parse(formatResults([pass, fail], 'json')) as { ok: boolean; summary: unknown; results: CheckResult[] };
    expect(j.ok).to.equal(false);
    expect(j.summary).to.deep.equal({ pass: 1, fail: 1, warn: 0, skip: 0 });
    expect(j.results).to.deep.equal([pass, fail]);
    expect((JSON.parse(formatResults([pass], 'json')) as { ok: boolean }).ok).to.equal(true);
  });
});

'use strict';
// Mocha's spec reporter plus one plain closing line that CI tools read:
// "tests: N passed, N failed, N skipped". Pending (skipped) tests are never
// counted as passed.
//
// Tests that never ran count as failed. When a `before` hook fails, mocha
// skips every test under it without reporting them, so a broken setup would
// show as one failure while fifty tests silently vanish from the count. The
// reporter knows how many tests were collected before the run starts
// (runner.total) and names the difference.
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const seen = { passed: 0, failed: 0, skipped: 0, hooksFailed: 0 };
    runner.on('pass', () => seen.passed++);
    runner.on('pending', () => seen.skipped++);
    runner.on('fail', (runnable) => (runnable.type === 'hook' ? seen.hooksFailed++ : seen.failed++));
    runner.once('end', () => {
      const expected = runner.total;
      const notRun = Math.max(0, expected - seen.passed - seen.failed - seen.skipped);
      if (notRun > 0) {
        process.stdout.write(`${notRun} of ${expected} tests did not run (a hook before them failed); they count as failed\n`);
        process.exitCode = process.exitCode || 1;
      }
      const failed = seen.failed + seen.hooksFailed + notRun;
      process.stdout.write(`tests: ${seen.passed} passed, ${failed} failed, ${seen.skipped} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;

'use strict';
// Mocha's spec reporter plus one plain closing line that CI tools read:
// "tests: N passed, N failed, N skipped". Pending (skipped) tests are never
// counted as passed.
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const s = runner.stats;
      process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;

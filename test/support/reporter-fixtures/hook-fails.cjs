// A suite whose `before` hook fails: its three tests never run. Used by
// test/package/reporter.test.ts; not matched by any mocha spec glob.
describe('ok', () => {
  it('passes', () => {});
});
describe('broken setup', () => {
  before(() => {
    throw new Error('setup failed');
  });
  it('one', () => {});
  it('two', () => {});
  it('three', () => {});
});

// Two passing tests and a failing `after` hook. Used by test/package/reporter.test.ts.
describe('fine', () => {
  it('a', () => {});
  it('b', () => {});
});
describe('cleanup', () => {
  after(() => {
    throw new Error('cleanup failed');
  });
  it('c', () => {});
});

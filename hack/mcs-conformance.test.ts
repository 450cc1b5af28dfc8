import { expect } from 'chai';
import { DEFAULT_LABEL_FILTER, parseConformanceArgs } from './mcs-conformance.js';

describe('hack/mcs-conformance.ts arguments', () => {
  const cases: Array<[string, string[], object]> = [
    ['the suite, with the default filter (no exec specs)', ['--suite', '/tmp/s'], { suite: '/tmp/s', labelFilter: DEFAULT_LABEL_FILTER }],
    ['--flag=value forms, a filter of ones own', ['--suite=/tmp/s', '--label-filter=Headless'], { suite: '/tmp/s', labelFilter: 'Headless' }],
    ['an empty filter runs every spec', ['--suite', '/tmp/s', '--label-filter', ''], { suite: '/tmp/s', labelFilter: '' }],
  ];
  for (const [name, argv, want] of cases) it(name, () => expect(parseConformanceArgs(argv)).to.deep.equal(want));

  it('without --suite: says how to build it', () => {
    expect(parseConformanceArgs([])).to.have.property('error').that.matches(/missing --suite: build the suite first: .*go test -c/);
  });

  it('an unknown argument is named', () => {
    expect(parseConformanceArgs(['--suite', '/tmp/s', '--kind'])).to.have.property('error').that.matches(/unknown argument "--kind"/);
  });
});

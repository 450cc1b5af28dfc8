import { expect } from 'chai';
import { SUITE_VARS, suiteEnv, suiteProblem, suiteTargetFromEnv, type SuiteTarget } from './suite.js';

describe('hack/e2e.sh: telling the portable suite which clusters to use', () => {
  const target: SuiteTarget = { karmadaConfig: '/k/karmada.config', karmadaContext: 'karmada-apiserver', membersConfig: '/k/members.config', exporter: 'member1', importers: ['member2', 'member3'] };

  it('reads back what suiteEnv wrote', () => {
    expect(suiteTargetFromEnv(suiteEnv(target))).to.deep.equal(target);
  });

  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['nothing set (mocha run by hand)', {}, /CLUSTERSET_DNS_E2E_KARMADA_CONFIG, .*CLUSTERSET_DNS_E2E_IMPORTERS not set.*Run it through hack\/e2e.sh/],
    ['one variable blank', { ...suiteEnv(target), [SUITE_VARS.membersConfig]: ' ' }, /^[^;]*CLUSTERSET_DNS_E2E_MEMBERS_CONFIG not set\./],
    ['no importer, only commas', { ...suiteEnv(target), [SUITE_VARS.importers]: ', ,' }, /CLUSTERSET_DNS_E2E_IMPORTERS not set/],
    ['the exporter imports too', { ...suiteEnv(target), [SUITE_VARS.importers]: 'member2,member1' }, /names the exporter member1/],
    ['an importer twice', { ...suiteEnv(target), [SUITE_VARS.importers]: 'member2,member2' }, /names a member twice/],
  ];
  for (const [name, env, want] of refused) {
    it(`refuses: ${name}`, () => {
      expect(() => suiteTargetFromEnv(env)).to.throw(want);
    });
  }

  it('trims the importers list', () => {
    expect(suiteTargetFromEnv({ ...suiteEnv(target), [SUITE_VARS.importers]: ' member2 , member3 ' }).importers).to.deep.equal(['member2', 'member3']);
  });

  const verdicts: Array<[string, number, string, string | undefined]> = [
    ['passed', 0, '  4 passing (50s)\n', undefined],
    ['a failure', 1, '  3 passing (50s)\n  1 failing\n', '1 failing, 0 pending, 3 passing (exit 1)'],
    ['a pending test is not a pass', 0, '  3 passing (50s)\n  1 pending\n', '0 failing, 1 pending, 3 passing (exit 0)'],
    ['exit 0 without a test', 0, '\n  0 passing (1ms)\n', 'the suite ran no test (exit 0)'],
    ['no mocha output at all', 1, 'Error: Cannot find module', 'the suite ran no test (exit 1)'],
  ];
  for (const [name, code, output, want] of verdicts) {
    it(`the verdict: ${name}`, () => {
      expect(suiteProblem(code, output)).to.equal(want);
    });
  }
});

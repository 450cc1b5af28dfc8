/**
 * The portable end-to-end suite (test/portable/) and how it is told which
 * clusters to use. The rest of test/e2e runs on the local environment only:
 * it stops and restarts API servers, black-holes connections and reads each
 * member's CoreDNS on loopback. The portable suite needs nothing but
 * kubeconfigs, so hack/e2e.sh runs it against whatever clusters it was
 * given, through the variables below; `npm test` runs it on the local
 * environment by way of `hack/e2e.sh --env=local`. Pure.
 */

/** The variables, one per fact; the suite needs all of them. */
export const SUITE_VARS = {
  karmadaConfig: 'CLUSTERSET_DNS_E2E_KARMADA_CONFIG',
  karmadaContext: 'CLUSTERSET_DNS_E2E_KARMADA_CONTEXT',
  membersConfig: 'CLUSTERSET_DNS_E2E_MEMBERS_CONFIG',
  exporter: 'CLUSTERSET_DNS_E2E_EXPORTER',
  importers: 'CLUSTERSET_DNS_E2E_IMPORTERS',
} as const;

/** Where the suite's files are, and its mocha configuration, from the repository root. */
export const SUITE_DIR = 'test/portable';
export const SUITE_MOCHARC = '.mocharc.portable.json';

export interface SuiteTarget {
  /** The control plane's kubeconfig file and context. */
  karmadaConfig: string;
  karmadaContext: string;
  /** The members' kubeconfig file; each member's context is named after its Cluster. */
  membersConfig: string;
  /** The member the suite exports from, and those that import (at least one, none the exporter). */
  exporter: string;
  importers: string[];
}

/** The variables that tell the suite to use `t`. */
export function suiteEnv(t: SuiteTarget): Record<string, string> {
  return {
    [SUITE_VARS.karmadaConfig]: t.karmadaConfig,
    [SUITE_VARS.karmadaContext]: t.karmadaContext,
    [SUITE_VARS.membersConfig]: t.membersConfig,
    [SUITE_VARS.exporter]: t.exporter,
    [SUITE_VARS.importers]: t.importers.join(','),
  };
}

/**
 * The clusters the suite is to use, from the variables; throws naming every
 * variable that is missing or wrong, and how the suite is meant to be run.
 */
export function suiteTargetFromEnv(env: Readonly<Record<string, string | undefined>>): SuiteTarget {
  const get = (k: string) => env[k]?.trim() ?? '';
  const importers = get(SUITE_VARS.importers).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const missing = Object.values(SUITE_VARS).filter((k) => (k === SUITE_VARS.importers ? importers.length === 0 : get(k) === ''));
  const exporter = get(SUITE_VARS.exporter);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`${missing.join(', ')} not set`);
  if (exporter !== '' && importers.includes(exporter)) problems.push(`${SUITE_VARS.importers} names the exporter ${exporter}`);
  if (new Set(importers).size !== importers.length) problems.push(`${SUITE_VARS.importers} names a member twice`);
  if (problems.length > 0) {
    throw new Error(`the portable end-to-end suite runs against the clusters it is given: ${problems.join('; ')}. Run it through hack/e2e.sh (hack/e2e.sh --env=local for the local environment), which sets these variables`);
  }
  return {
    karmadaConfig: get(SUITE_VARS.karmadaConfig),
    karmadaContext: get(SUITE_VARS.karmadaContext),
    membersConfig: get(SUITE_VARS.membersConfig),
    exporter,
    importers,
  };
}

/** What the suite's mocha run printed, in numbers: its "N passing", "N failing" and "N pending" lines. */
export function suiteCounts(output: string): { passing: number; failing: number; pending: number } {
  const n = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(output)?.[1] ?? 0);
  return { passing: n('passing'), failing: n('failing'), pending: n('pending') };
}

/** The verdict on a suite run: undefined when it passed, otherwise why not. */
export function suiteProblem(code: number, output: string): string | undefined {
  const c = suiteCounts(output);
  if (code === 0 && c.passing > 0 && c.failing === 0 && c.pending === 0) return undefined;
  if (c.passing === 0 && c.failing === 0) return `the suite ran no test (exit ${code})`;
  return `${c.failing} failing, ${c.pending} pending, ${c.passing} passing (exit ${code})`;
}

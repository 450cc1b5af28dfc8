/**
 * hack/e2e.sh's step that runs the portable end-to-end suite (./suite.ts)
 * with mocha against the clusters of this run, its output saved in the
 * artifacts folder; killed after a deadline, which counts as a failure that
 * says so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/env/binaries.js';
import { runToEnd } from './cli.js';
import { SUITE_MOCHARC, suiteCounts, suiteEnv, suiteProblem, type SuiteTarget } from './suite.js';

export interface SuiteResult {
  /** Undefined when it passed. */
  problem: string | undefined;
  /** What ran, for the run's log: "4 passing, 0 failing, 0 pending". */
  summary: string;
}

export async function runSuite(target: SuiteTarget, outFile: string, timeoutMs: number): Promise<SuiteResult> {
  const vars = suiteEnv(target);
  const { code, output, timedOut } = await runToEnd(join(repoRoot, 'node_modules', '.bin', 'mocha'), ['--config', SUITE_MOCHARC], { ...process.env, ...vars }, timeoutMs);
  writeFileSync(outFile, `$ ${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(' ')} mocha --config ${SUITE_MOCHARC}\n${output}${output.endsWith('\n') ? '' : '\n'}(exit ${code})\n`);
  const c = suiteCounts(output);
  return { problem: timedOut ? `killed after ${timeoutMs / 1000} s` : suiteProblem(code, output), summary: `${c.passing} passing, ${c.failing} failing, ${c.pending} pending` };
}

/**
 * The one way tests get the local environment. An environment that is
 * already running (say, after `npm run env:up`) is reused and left running;
 * one started here is stopped when the test run ends, unless
 * CLUSTERSET_DNS_KEEP_ENV=1 keeps it for the next run.
 *
 * When the environment cannot start, the error propagates into the calling
 * `before` hook, so every test that needs it fails: never skipped, never
 * counted as passed.
 */
import { check, down, readState, up, type EnvState } from '../env/environment.js';

let shared: Promise<EnvState> | undefined;
let startedHere = false;

export function useEnvironment(): Promise<EnvState> {
  shared ??= (async () => {
    const existing = readState();
    if (existing && (await check(existing)).length === 0) return existing;
    startedHere = true;
    return up((line) => console.error(`      [env] ${line}`));
  })();
  return shared;
}

/** Mocha root hook (see .mocharc.json "require"): stop what we started. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    if (!startedHere || process.env['CLUSTERSET_DNS_KEEP_ENV'] === '1') return;
    this.timeout(60_000);
    await down(() => {});
  },
};

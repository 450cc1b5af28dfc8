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
import { access, check, down, KARMADA_CONTEXT, readState, startComponent, stopComponent, up, type EnvState } from '../env/environment.js';
import { getJson } from '../env/kube.js';
import { KARMADA_RESYNC_MS, ensureAdminClusterProxy } from '../env/startup.js';

let shared: Promise<EnvState> | undefined;
let startedHere = false;

export function useEnvironment(): Promise<EnvState> {
  shared ??= (async () => {
    const existing = readState();
    let env: EnvState;
    if (existing && (await check(existing)).length === 0) {
      env = existing;
    } else {
      startedHere = true;
      env = await up((line) => console.error(`      [env] ${line}`));
    }
    // Tests reach members through the cluster proxy as the admin; this also
    // gives it to an environment started before the admin had it.
    await ensureAdminClusterProxy(env);
    return env;
  })();
  return shared;
}

/**
 * For tests that wait out Karmada's resync: fails (never skips) when the
 * environment runs without it, since waiting would then prove nothing.
 */
export function requireKarmadaResync(env: EnvState): void {
  if ((env.karmadaResyncSeconds ?? KARMADA_RESYNC_MS / 1000) * 1000 !== KARMADA_RESYNC_MS) {
    throw new Error(`this test waits out Karmada's ${KARMADA_RESYNC_MS / 1000} s resync, but the environment runs with resync ${JSON.stringify(env.karmadaResyncSeconds)} (CLUSTERSET_DNS_KARMADA_RESYNC=off?): restart it with npm run env:down && npm run env:up`);
  }
}

/**
 * For tests that need the members' MCS CRDs from `want`
 * (CLUSTERSET_DNS_MEMBER_CRDS, test/env/manifests.ts): fails (never skips)
 * otherwise, saying why and how to restart the environment.
 */
export function requireMemberCrds(env: EnvState, want: 'mcs-api' | 'karmada', why: string): void {
  const have = env.memberCrds ?? 'karmada';
  if (have !== want) {
    throw new Error(`${why}, so it needs the members' MCS CRDs from ${want}, but this environment gave them ${have}'s: restart it with npm run env:down && CLUSTERSET_DNS_MEMBER_CRDS=${want} npm run env:up`);
  }
}

/**
 * Restarts karmada-controller-manager and waits until it has judged member2
 * Ready again: the restarted process has connected to its members, which a
 * test that restarts it to see what Karmada re-applies needs first.
 */
export async function restartKarmadaControllerManager(env: EnvState): Promise<void> {
  await stopComponent(env, 'karmada-controller-manager');
  await startComponent(env, 'karmada-controller-manager', async () => {
    const c = await getJson(access(env, KARMADA_CONTEXT), '/apis/cluster.karmada.io/v1alpha1/clusters/member2') as { status?: { conditions?: Array<{ type: string; status: string }> } };
    return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
  });
}

/** Mocha root hook (see .mocharc.json "require"): stop what we started. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    if (!startedHere || process.env['CLUSTERSET_DNS_KEEP_ENV'] === '1') return;
    this.timeout(60_000);
    await down(() => {});
  },
};

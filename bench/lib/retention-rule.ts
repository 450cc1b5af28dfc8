/**
 * Karmada set up for a write route: the controller's retention rule
 * (src/karmada/retention.ts) installed for `retain`, absent for
 * `override-policy`, left as it is for `auto` or no route. The benchmark is
 * the environment's admin; the rule it installs is the current build's
 * desiredRetention(), applied the way `kubectl apply --server-side` would.
 */
import { PATHS } from '../../src/kube/gvr.js';
import { desiredRetention, RETENTION_NAME } from '../../src/karmada/retention.js';
import type { WriteRouteFlag } from '../../src/serviceimport/route.js';
import { ApiError, sleep, type Api } from './api.js';

const RULE_PATH = `${PATHS.resourceInterpreterCustomizations}/${RETENTION_NAME}`;
const FIELD_MANAGER = 'clusterset-dns-bench';

/**
 * How long a newly installed rule is given before a controller starts: the
 * controller trusts a rule it finds at start as already loaded by Karmada's
 * controllers, which pick it up from their own watch. The controller waits
 * the same 5 s for a rule that appears while it runs (src/cmd/run.ts).
 */
export const RETENTION_LOAD_MS = 5_000;

export function retentionRulePresent(cp: Api): Promise<boolean> {
  return cp.exists(RULE_PATH);
}

export async function installRetentionRule(cp: Api): Promise<void> {
  await cp.request('PATCH', `${RULE_PATH}?fieldManager=${FIELD_MANAGER}&force=true`, desiredRetention(), 'application/apply-patch+yaml');
}

/** Deletes the rule and waits (up to `timeoutMs`) until it is gone. */
export async function removeRetentionRule(cp: Api, timeoutMs = 60_000): Promise<void> {
  await cp.delete(RULE_PATH).catch((e: unknown) => {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  });
  let gone = false;
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    gone = !(await retentionRulePresent(cp));
    if (!gone) await sleep(200);
  }
  if (!gone) throw new Error(`ResourceInterpreterCustomization ${RETENTION_NAME} still there ${timeoutMs / 1000} s after its deletion`);
}

export type RuleAction = 'installed' | 'already installed' | 'removed' | 'already absent' | 'left as it was (present)' | 'left as it was (absent)';

/** Puts the rule in the state `route` needs; says what it did. A rule just installed is given RETENTION_LOAD_MS by the caller. */
export async function setRetentionRuleFor(cp: Api, route: WriteRouteFlag | undefined): Promise<RuleAction> {
  const present = await retentionRulePresent(cp);
  if (route === 'retain') {
    // Applied even when present: an older build's script becomes this build's.
    await installRetentionRule(cp);
    return present ? 'already installed' : 'installed';
  }
  if (route === 'override-policy') {
    if (!present) return 'already absent';
    await removeRetentionRule(cp);
    return 'removed';
  }
  return present ? 'left as it was (present)' : 'left as it was (absent)';
}

/** Puts the rule back as the run found it (installed as this build's, or absent). */
export async function restoreRetentionRule(cp: Api, presentAtStart: boolean): Promise<void> {
  if (presentAtStart) await installRetentionRule(cp);
  else if (await retentionRulePresent(cp)) await removeRetentionRule(cp);
}

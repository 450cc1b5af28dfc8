/**
 * Before a cold start: every (import, member) pair made really unfilled,
 * whichever route filled it, and Karmada set up for the route the start will
 * use. The controller must be stopped.
 *
 * - Our OverridePolicies are deleted, so Karmada renders the members without
 *   spec.ips (what the override-policy route wrote).
 * - Our annotations and spec.ips are removed from the member ServiceImports
 *   that carry our annotation: a direct write of the retain route is kept by
 *   the retention rule, so Karmada would never clear it. One filled by an
 *   OverridePolicy is left to Karmada: patching it races with Karmada's
 *   re-render, and Karmada's drift correction can then re-apply the Work it
 *   still has cached (with the policy's IPs) as its own latest write, which
 *   nothing corrects afterwards (seen in a smoke run: one pair of 46 kept
 *   its IPs for 10 minutes with neither policy nor IPs in its Work).
 * - The retention rule is installed for `retain` and removed for
 *   `override-policy` (retention-rule.ts).
 * - Then every member ServiceImport must show no spec.ips, continuously for
 *   QUIET_MS: a Work rendered before the policies went could still carry
 *   the old IPs for a moment.
 */
import { FILL_IPS_ANNOTATION } from '../../src/api/ownership.js';
import { LOCAL_FIRST_MODE_ANNOTATION } from '../../src/serviceimport/writer.js';
import type { WriteRouteFlag } from '../../src/serviceimport/route.js';
import { now, pool, sleep, type KubeObj } from './api.js';
import { MCS, MEMBERS, POLICY } from './objects.js';
import { RETENTION_LOAD_MS, setRetentionRuleFor } from './retention-rule.js';
import type { BenchRun } from './run.js';

/** The merge patch that takes a member ServiceImport back to what Karmada alone renders (no IPs, none of our annotations). */
export const UNFILL_PATCH = { metadata: { annotations: { [FILL_IPS_ANNOTATION]: null, [LOCAL_FIRST_MODE_ANNOTATION]: null } }, spec: { ips: null } } as const;

/** How long every pair must stay unfilled; not less than RETENTION_LOAD_MS, which it also provides. */
const QUIET_MS = Math.max(5_000, RETENTION_LOAD_MS);

const ours = (o: KubeObj): boolean => {
  const a = (o.metadata['annotations'] ?? {}) as Record<string, string>;
  return FILL_IPS_ANNOTATION in a || LOCAL_FIRST_MODE_ANNOTATION in a;
};

export async function unfill(run: BenchRun, keys: string[], route: WriteRouteFlag | undefined): Promise<Record<string, unknown>> {
  const { flags, obs, log, cp, members, nsNames } = run;
  const t0 = now();
  for (const ns of nsNames) await cp.delete(`${POLICY}/namespaces/${ns}/overridepolicies?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=clusterset-dns')}`);
  const retentionRule = await setRetentionRuleFor(cp, route);
  const patched: Record<string, number> = {};
  for (const m of MEMBERS) {
    const targets: KubeObj[] = [];
    for (const ns of nsNames) targets.push(...(await members[m].list(`${MCS}/namespaces/${ns}/serviceimports`)).items.filter(ours));
    await pool(targets, 8, async (o) => void (await members[m].mergePatch(`${MCS}/namespaces/${o.metadata.namespace}/serviceimports/${o.metadata.name}`, UNFILL_PATCH)));
    patched[m] = targets.length;
  }
  const filled = () => obs.count(keys, (m, k) => (obs.track.get(m)?.get(k)?.curIps ?? '') !== '');
  let firstClear: number | undefined;
  let quietSince: number | undefined;
  let reappeared = 0;
  const deadline = Date.now() + flags.fillTimeout * 1000;
  while (Date.now() < deadline) {
    run.checkInterrupted();
    if (filled() === 0) {
      firstClear ??= now();
      quietSince ??= now();
      if (now() - quietSince >= QUIET_MS) break;
    } else if (quietSince !== undefined) {
      quietSince = undefined;
      reappeared++;
    }
    await sleep(100);
  }
  const left = filled();
  const secs = (t?: number) => (t === undefined ? null : +((t - t0) / 1000).toFixed(2));
  log(`  unfilled ${2 * keys.length - left}/${2 * keys.length} pairs (first all clear after ${secs(firstClear)} s, ${reappeared} relapses); patched member ServiceImports ${JSON.stringify(patched)}; retention rule ${retentionRule}`);
  if (left > 0) throw new Error(`cold: ${left} pairs still have spec.ips ${flags.fillTimeout} s after our policies and annotations were removed`);
  return { cleared: true, stillFilled: left, karmadaClearSeconds: secs(firstClear), quietSeconds: QUIET_MS / 1000, relapses: reappeared, patchedMemberImports: patched, retentionRule };
}

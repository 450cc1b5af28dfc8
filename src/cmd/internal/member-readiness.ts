/**
 * Readiness per member cluster for `run`: every 2 s, each member the
 * cluster manager knows gets, the first time it is seen, a readyz check
 * `cluster-<name>` that fails while the member is unreachable, with the
 * reason (clusterset_dns_member_reachable reads the same status at each
 * scrape). The check does not affect the aggregate /readyz: one unreachable
 * member must not take the controller out of its Service, since it still
 * serves every other member
 * (docs/design.md#unreachable-is-not-empty). A member that leaves keeps its
 * check, which then passes (it is no longer unreachable).
 */
import type { MemberStatus } from '../../karmada/cluster-manager.js';
import { realClock, type Clock, type Timer } from '../../runtime/clock.js';
import type { Check, HealthCheckOptions } from '../../runtime/health.js';
import { untilAborted, type Runnable } from '../../runtime/manager.js';

export const MEMBER_READINESS_INTERVAL_MS = 2_000;

export interface MemberReadinessOptions {
  readonly status: () => readonly MemberStatus[];
  readonly addReadyzCheck: (name: string, check: Check, options: HealthCheckOptions) => void;
  readonly intervalMs?: number | undefined;
  /** Times the refreshes; default the real clock. */
  readonly clock?: Clock | undefined;
}

/** A member's check name: one URL path segment, whatever the Cluster is called. */
export function clusterCheckName(cluster: string): string {
  return `cluster-${cluster.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** Refreshes from start until stopped; the first refresh is one interval after start. */
export function memberReadiness(o: MemberReadinessOptions): Runnable {
  const checks = new Set<string>();
  const refresh = () => {
    for (const s of o.status()) {
      const name = clusterCheckName(s.cluster);
      if (checks.has(name)) continue;
      checks.add(name);
      o.addReadyzCheck(name, () => {
        const now = o.status().find((x) => x.cluster === s.cluster);
        if (now && !now.reachable) throw new Error(now.reason ?? 'unreachable');
      }, { affectsAggregate: false });
    }
  };
  return {
    start: async (signal) => {
      const clock = o.clock ?? realClock;
      const intervalMs = o.intervalMs ?? MEMBER_READINESS_INTERVAL_MS;
      const tick = () => {
        refresh();
        timer = clock.setTimer(tick, intervalMs);
      };
      let timer: Timer = clock.setTimer(tick, intervalMs);
      await untilAborted(signal);
      timer.cancel();
    },
  };
}

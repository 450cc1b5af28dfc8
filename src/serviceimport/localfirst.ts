/**
 * Local-first failover (docs/design.md#local-first), as a pure state machine
 * per (ServiceImport, importing member). While the member runs `<svc>` in the same namespace with
 * at least one ready endpoint, spec.ips holds that local ClusterIP; otherwise
 * the `derived-<svc>` ClusterIP.
 *
 * - Fail over fast: after the last local endpoint stops being ready, switch
 *   to the derived IP once that has lasted `debounceMs` (default 200 ms). The
 *   debounce only absorbs the EndpointSlice churn in which a slice is
 *   replaced (delete, then create) and "0 ready" is briefly observed; waiting
 *   longer would only lengthen an outage, since there is nothing local to
 *   serve.
 * - Fail back slowly: return to local only after it has been ready without
 *   interruption for `holdDownMs` (default 30 s), so a flapping pod cannot flap
 *   DNS.
 * - The first observation (or after a controller restart) picks local if it
 *   is healthy, with no hold-down: nothing has failed yet.
 *
 * Clients see a switch only after the DNS TTL and their own caching
 * (docs/local-first.md).
 */

export type Mode = 'local' | 'derived';

export interface LocalFirstConfig {
  debounceMs: number;
  holdDownMs: number;
}

export const DEFAULT_LOCAL_FIRST: LocalFirstConfig = { debounceMs: 200, holdDownMs: 30_000 };

export interface LocalFirstState {
  mode: Mode;
  /** Since when the local side has been continuously healthy (undefined: not healthy). */
  healthySince?: number;
  /** Since when the local side has been continuously unhealthy (undefined: healthy). */
  unhealthySince?: number;
}

export interface Step {
  state: LocalFirstState;
  /** Set when the mode changed in this step. */
  switched?: { from: Mode; to: Mode };
  /** When to look again even if nothing changes (a pending debounce or hold-down), in ms from now. */
  recheckAfterMs?: number;
}

/** One observation: is the local Service there with >= 1 ready endpoint, at time `now` (ms)? */
export function step(prev: LocalFirstState | undefined, healthy: boolean, now: number, cfg: LocalFirstConfig = DEFAULT_LOCAL_FIRST): Step {
  if (!prev) {
    return { state: healthy ? { mode: 'local', healthySince: now } : { mode: 'derived', unhealthySince: now } };
  }
  const s: LocalFirstState = { mode: prev.mode };
  if (healthy) s.healthySince = prev.healthySince ?? now;
  else s.unhealthySince = prev.unhealthySince ?? now;

  if (prev.mode === 'local' && !healthy) {
    const waited = now - (s.unhealthySince ?? now);
    if (waited >= cfg.debounceMs) return { state: { ...s, mode: 'derived' }, switched: { from: 'local', to: 'derived' } };
    return { state: s, recheckAfterMs: cfg.debounceMs - waited };
  }
  if (prev.mode === 'derived' && healthy) {
    const waited = now - (s.healthySince ?? now);
    if (waited >= cfg.holdDownMs) return { state: { ...s, mode: 'local' }, switched: { from: 'derived', to: 'local' } };
    return { state: s, recheckAfterMs: cfg.holdDownMs - waited };
  }
  return { state: s };
}

export const LOCAL_FIRST_ANNOTATION = 'clusterset-dns.io/local-first';

/** The flag, unless the ServiceImport's annotation says "true" or "false". */
export function localFirstEnabled(flag: boolean, annotations: Record<string, string> | undefined): boolean {
  const a = annotations?.[LOCAL_FIRST_ANNOTATION]?.trim().toLowerCase();
  if (a === 'true') return true;
  if (a === 'false') return false;
  return flag;
}

/**
 * doctor and the retention rule, pure: what the control plane's
 * customizations say about our rule (src/karmada/retention.ts
 * retentionState), the route a controller started with --write-route would
 * take from that (src/serviceimport/route.ts chooseRoute, the controller's
 * own choice), and the `retention-rule` check. doctor cannot see the
 * controller's flags, so it is told the route with its own --write-route, as
 * with --local-first.
 *
 * A working setup never fails here: with `auto`, a missing or taken rule
 * only means the OverridePolicy route (correct, but Karmada's work per write
 * grows with the imports in a namespace: docs/karmada-retention.md), so it
 * warns. Only `retain` without a usable rule fails: that controller leaves
 * every Karmada-managed ServiceImport as it is.
 */
import { RETENTION_NAME, retentionState, type RetentionState } from '../karmada/retention.js';
import { chooseRoute, type ManagedRoute, type WriteRouteFlag } from '../serviceimport/route.js';
import type { CheckResult, Status } from './checks.js';
import type { DoctorObservation } from './observation.js';

const INSTALL = 'clusterset-dns karmada install (with the --kubeconfig/--context of the Karmada API server; docs/karmada-retention.md)';

type Seen =
  | { kind: 'none'; why: string }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'state'; state: RetentionState; note: string };

function seen(obs: DoctorObservation): Seen {
  if (obs.mode === 'direct' || obs.controlPlane === undefined) return { kind: 'none', why: 'no control plane with --member-kubeconfig' };
  const cp = obs.controlPlane;
  if ('error' in cp) return { kind: 'none', why: 'the control plane could not be read (see control-plane)' };
  const listed = cp.customizations;
  if (listed.ok) return { kind: 'state', state: retentionState(listed.value), note: '' };
  // The config.karmada.io API is not served: no customization can exist, ours included.
  if (listed.code === 404) return { kind: 'state', state: { state: 'missing' }, note: ' (this API server does not serve resourceinterpretercustomizations.config.karmada.io)' };
  return { kind: 'unreadable', reason: listed.reason };
}

/**
 * The route a controller started with `flag` takes, from what doctor saw. A
 * rule already there counts as settled (Karmada has long loaded it); a rule
 * doctor could not read counts as missing.
 */
export function doctorRoute(obs: DoctorObservation, flag: WriteRouteFlag): ManagedRoute {
  const s = seen(obs);
  return chooseRoute(flag, s.kind === 'state' ? s.state : { state: 'missing' }, true).route;
}

export function retentionCheck(obs: DoctorObservation, flag: WriteRouteFlag): CheckResult {
  const r = (status: Status, detail: string, fix?: string): CheckResult => ({ cluster: null, check: 'retention-rule', status, detail, ...(fix !== undefined ? { fix } : {}) });
  const s = seen(obs);
  if (s.kind === 'none') return r('skip', `${s.why}: the retention rule is not checked`);
  if (s.kind === 'unreadable') {
    return r('fail', `cannot list resourceinterpretercustomizations on the Karmada API server: ${s.reason}`,
      'run doctor as an identity that may list resourceinterpretercustomizations.config.karmada.io (the controller\'s own identity may, through config/karmada)');
  }
  const { state, note } = s;
  const route = chooseRoute(flag, state, true).route;
  const routeText = `--write-route=${flag} ${ROUTE_TEXT[route]}`;
  switch (state.state) {
    case 'installed':
      return r('pass', `ResourceInterpreterCustomization ${RETENTION_NAME} is installed (this version's rule); ${routeText}`);
    case 'outdated':
      return r('warn', `ResourceInterpreterCustomization ${RETENTION_NAME} holds another version's Lua (still used); ${routeText}`, `${INSTALL} updates it`);
    case 'missing':
      if (flag === 'override-policy') return r('pass', `no retention rule for ServiceImport${note}, and none needed: ${routeText}`);
      if (flag === 'retain') return r('fail', `no retention rule for ServiceImport${note}, so ${routeText}`, INSTALL);
      return r('warn', `no retention rule for ServiceImport${note}: ${routeText}, where Karmada's work per write grows with the ServiceImports in the namespace`, INSTALL);
    case 'conflict': {
      const held = `ServiceImport's retention is held by ResourceInterpreterCustomization ${state.owners.join(', ')}, not ours (Karmada allows one per kind)`;
      const fix = `remove ${state.owners.join(', ')} or merge our rule into it, then run ${INSTALL}`;
      if (flag === 'override-policy') return r('pass', `${held}; ${routeText}, which does not need ours`);
      if (flag === 'retain') return r('fail', `${held}, so ${routeText}`, fix);
      return r('warn', `${held}: ${routeText}`, fix);
    }
  }
}

const ROUTE_TEXT: Record<ManagedRoute, string> = {
  'retain': 'writes spec.ips in the members, and Karmada keeps it (retain)',
  'override-policy': 'writes spec.ips through OverridePolicies (override-policy)',
  'hold': 'leaves Karmada-managed ServiceImports as they are until the rule is usable (hold)',
};

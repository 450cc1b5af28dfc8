/**
 * `clusterset-dns coredns install | uninstall | status`: wiring only. Parses
 * the flags (pure: parseCoreDnsArgs), finds the members (./internal/members.ts:
 * through Karmada's Cluster objects and their Secrets exactly as the
 * controller does, or one member kubeconfig) and runs
 * src/coredns/install.ts against each. Output and exit code are pure functions
 * of the per-member outcomes (formatOutcomes, exitCode).
 *
 * Exit codes: 0 every member ok, 1 a member refused, failed or was
 * unreachable, 2 usage.
 */
import type { Flavor } from '../coredns/corefile/index.js';
import type { InstallOptions, InstallResult } from '../coredns/install.js';
import { DEFAULT_LOCATION, type CoreDnsLocation } from '../coredns/location.js';
import type { CoreDnsStatus } from '../coredns/status.js';
import { ROLLOUT_MODES, type RolloutMode } from '../coredns/rollout-mode.js';
import { apiErrorMessage } from '../kube/errors.js';
import { table } from '../runtime/table.js';
import { HELP_FLAG, OUTPUT_FLAG, UsageError, flagHelp, parseActionFlags, parseOutput, type FlagSpec, type FlagValues, type HelpRequest, type Output } from './internal/flags.js';
import { formatPlans } from './coredns-dry-run.js';
import { actionHelp, type ActionHelp } from './internal/help.js';
import { parseOrExit, processIo, type Io } from './internal/io.js';
import type { FoundMember } from './internal/members.js';
import { MEMBER_ACCESS_FLAG, parseTarget, type Target } from './internal/target.js';

/** One of COREDNS_FLAGS, for a command that takes the same flag (doctor, crds). */
export function corednsFlag(name: string): FlagSpec {
  const f = COREDNS_FLAGS.find((x) => x.name === name);
  if (!f) throw new Error(`no coredns flag ${name}`);
  return f;
}

export const COREDNS_FLAGS: FlagSpec[] = [
  { name: 'cluster', kind: 'string', default: '', help: 'Member cluster(s) to act on, by Karmada Cluster name; several as a comma-separated list (member1,member2).' },
  { name: 'all', kind: 'bool', default: 'false', help: 'Act on every Cluster registered in Karmada.' },
  { name: 'kubeconfig', kind: 'string', default: '', help: 'Kubeconfig of the Karmada API server, used to find the members. Empty: $KUBECONFIG, ~/.kube/config, then in-cluster config (docs/cli.md).' },
  { name: 'context', kind: 'string', default: '', help: 'Context in --kubeconfig. Empty: its current context.' },
  { name: 'member-kubeconfig', kind: 'string', default: '', help: 'Reach one member directly with this kubeconfig instead of through Karmada (no --cluster/--all).' },
  { name: 'member-context', kind: 'string', default: '', help: 'Context in --member-kubeconfig. Empty: its current context.' },
  MEMBER_ACCESS_FLAG,
  { name: 'zone', kind: 'string', default: 'clusterset.local', help: 'The clusterset zone CoreDNS should serve.' },
  { name: 'coredns-namespace', kind: 'string', default: DEFAULT_LOCATION.namespace, help: 'Namespace of the CoreDNS Deployment and ConfigMap.' },
  { name: 'coredns-deployment', kind: 'string', default: DEFAULT_LOCATION.deployment, help: 'CoreDNS Deployment (its image gives the version, its service account gets the RBAC).' },
  { name: 'coredns-configmap', kind: 'string', default: DEFAULT_LOCATION.configMap, help: 'ConfigMap holding the Corefile (key "Corefile").' },
  { name: 'coredns-version', kind: 'string', default: '', help: 'CoreDNS version to assume (e.g. 1.12.2) when the image tag does not tell it or tells it wrong.' },
  { name: 'coredns-flavor', kind: 'string', default: '', help: 'in-tree (CoreDNS >= 1.12.2, the kubernetes plugin\'s multicluster option) or external (an older image built with github.com/coredns/multicluster). Empty: in-tree when the version allows it, otherwise refuse.' },
  { name: 'ttl', kind: 'string', default: '', help: 'TTL in seconds (0-3600) of clusterset answers; in-tree, this is the kubernetes block\'s ttl, so cluster.local answers get it too (see docs/coredns.md). Empty: leave the ttl as it is.' },
  { name: 'header-ra-fix', kind: 'bool', default: 'false', help: 'Add `header { response set ra }` to the server block, which silences dig\'s "recursion requested but not available" (it sets RA on every answer of that block).' },
  { name: 'rollout', kind: 'string', default: 'auto', help: 'install/uninstall: restart the CoreDNS Deployment after changing the Corefile? auto: only when no server block has the reload plugin (reload applies the change itself); always; never. A restart is verified and rolled back (previous Corefile restored) if the pods do not become ready.' },
  { name: 'rollout-timeout', kind: 'duration', default: '2m', help: 'install/uninstall: how long a rollout may take to become healthy before it is rolled back (and again for the rollback).' },
  { name: 'dry-run', kind: 'bool', default: 'false', help: 'install: read, plan and check permissions, then print the Corefile diff and the RBAC it would apply, per member, instead of writing. Nothing changes (no write, not even a server-side dry run).' },
  { name: 'ignore-configmap-owner', kind: 'bool', default: 'false', help: 'install: edit the Corefile even when its ConfigMap is managed by someone else (Helm, the addon manager, Karmada, a cloud add-on), which may revert the edit. Without it, install refuses and names the owner.' },
  OUTPUT_FLAG,
  HELP_FLAG,
];

const TARGET = '(--cluster NAME[,NAME...] | --all | --member-kubeconfig PATH)';
const TARGET_FLAGS = ['cluster', 'all', 'kubeconfig', 'context', 'member-kubeconfig', 'member-context', 'member-access'];
const LOCATION_FLAGS = ['coredns-namespace', 'coredns-deployment', 'coredns-configmap'];
const ROLLOUT_FLAGS = ['rollout', 'rollout-timeout'];

const ROLLOUT_TEXT = `After changing the Corefile, it relies on CoreDNS's reload plugin when the Corefile has it,
and otherwise restarts the Deployment (--rollout) and waits for it to become healthy; if it
does not within --rollout-timeout, the previous Corefile is put back, the Deployment rolled
back, and the member reported as rolled-back (exit 1).`;

/** Each action, the flags it takes (any other is refused) and its help. */
export const COREDNS_ACTIONS: ReadonlyArray<ActionHelp<Action>> = [
  {
    name: 'install',
    usage: `${TARGET} [flags]`,
    flags: [...TARGET_FLAGS, 'zone', ...LOCATION_FLAGS, 'coredns-version', 'coredns-flavor', 'ttl', 'header-ra-fix', ...ROLLOUT_FLAGS, 'dry-run', 'ignore-configmap-owner', 'output'],
    summary: `Adds an additive ClusterRole + ClusterRoleBinding (list/watch serviceimports) for CoreDNS's
service account, then the clusterset stanza in the Corefile. Refuses, changing nothing, when
it cannot do that safely (the message says what to do), and when the ConfigMap is managed by
someone else who would revert the edit (Helm, the addon manager, Karmada, a cloud add-on).
--dry-run prints the Corefile diff and the RBAC it would apply, and writes nothing.

${ROLLOUT_TEXT}`,
  },
  {
    name: 'uninstall',
    usage: `${TARGET} [flags]`,
    flags: [...TARGET_FLAGS, ...LOCATION_FLAGS, ...ROLLOUT_FLAGS, 'output'],
    summary: `Removes exactly what install added: the Corefile comes back byte for byte, then the RBAC
objects go.

${ROLLOUT_TEXT}`,
  },
  {
    name: 'status',
    usage: `${TARGET} [flags]`,
    flags: [...TARGET_FLAGS, 'zone', ...LOCATION_FLAGS, 'coredns-version', 'coredns-flavor', 'output'],
    summary: `Reports, per member, the CoreDNS version and flavour, the RBAC, and the Corefile's clusterset
state; who else manages the ConfigMap, if anyone (install would refuse); and a warning when
NodeLocal DNSCache sends the zone upstream, past CoreDNS. Changes nothing.`,
  },
];

const FOOTER = `Members are found through Karmada (Cluster objects and their Secrets, as the controller
reaches them), or directly with --member-kubeconfig. See docs/coredns.md and docs/cli.md.

Exit codes: 0 ok; 1 a member refused, was rolled back, failed or could not be reached
(status: or its setup is broken); 2 usage.
`;

export const COREDNS_HELP = `Usage: clusterset-dns coredns install|uninstall|status ${TARGET} [flags]

Sets up CoreDNS in member clusters to answer <svc>.<ns>.svc.clusterset.local:
  install    an additive ClusterRole + ClusterRoleBinding (list/watch serviceimports) for
             CoreDNS's service account, then the clusterset stanza in the Corefile; refuses,
             changing nothing, when it cannot do that safely or the ConfigMap is managed by
             someone else who would revert the edit; --dry-run prints the diff, writes nothing
  uninstall  removes exactly what install added: the Corefile comes back byte for byte
  status     the CoreDNS version and flavour, the RBAC, the Corefile's clusterset state, the
             ConfigMap's owner, and whether node-local-dns sends the zone past CoreDNS

After changing the Corefile, install and uninstall rely on CoreDNS's reload plugin when the
Corefile has it, and otherwise restart the Deployment (--rollout) and wait for it to become
healthy; if it does not within --rollout-timeout, the previous Corefile is put back, the
Deployment rolled back, and the member reported as rolled-back (exit 1).

clusterset-dns coredns ACTION --help lists only the flags that action takes.

${FOOTER}
Flags (each action takes some of them):
${flagHelp(COREDNS_FLAGS)}
`;

/** The help for --help: the command's, or one action's. */
export function corednsHelp(action: Action | undefined): string {
  const a = COREDNS_ACTIONS.find((x) => x.name === action);
  return a ? actionHelp('coredns', a, COREDNS_ACTIONS, COREDNS_FLAGS, FOOTER) : COREDNS_HELP;
}

export type Action = 'install' | 'uninstall' | 'status';

export interface CoreDnsCommand {
  action: Action;
  target: Target;
  install: InstallOptions;
  output: Output;
}

/** argv (after "coredns") → what to do; pure. Throws UsageError; returns a HelpRequest for --help. */
export function parseCoreDnsArgs(argv: string[]): CoreDnsCommand | HelpRequest<Action> {
  // A flag the action does not take is refused by parseActionFlags (COREDNS_ACTIONS).
  const parsed = parseActionFlags(argv, COREDNS_ACTIONS, COREDNS_FLAGS);
  if ('help' in parsed) return parsed;
  const { action, flags: f } = parsed;
  const target = parseTarget(f, { defaultAll: false });
  const { output } = parseCoreDnsOptions(f);
  const install: InstallOptions = {
    ...parseInstallOptions(f),
    // install's own: run --manage-coredns never dry-runs, and never overrides an owner.
    ...(f['dry-run'] === true ? { dryRun: true } : {}),
    ...(f['ignore-configmap-owner'] === true ? { ignoreConfigMapOwner: true } : {}),
  };
  return { action, target, install, output };
}

/** Where CoreDNS is and what it runs (--zone, --coredns-*), and --output; pure. Shared with doctor. */
export function parseCoreDnsOptions(f: FlagValues): { options: { location: CoreDnsLocation; zone: string; flavor?: Flavor; version?: string }; output: Output } {
  return { options: parseCoreDnsLocation(f), output: parseOutput(f) };
}

function parseCoreDnsLocation(f: FlagValues): { location: CoreDnsLocation; zone: string; flavor?: Flavor; version?: string } {
  const str = (name: string) => String(f[name]).trim();
  const flavor = str('coredns-flavor');
  if (flavor !== '' && flavor !== 'in-tree' && flavor !== 'external') throw new UsageError(`--coredns-flavor: want in-tree or external, got ${JSON.stringify(flavor)}`);
  const version = str('coredns-version');
  if (version !== '' && !/^v?\d+\.\d+\.\d+/.test(version)) throw new UsageError(`--coredns-version: want MAJOR.MINOR.PATCH (e.g. 1.12.2), got ${JSON.stringify(version)}`);
  const zone = str('zone');
  if (zone === '') throw new UsageError('--zone must not be empty');
  for (const n of ['coredns-namespace', 'coredns-deployment', 'coredns-configmap']) if (str(n) === '') throw new UsageError(`--${n} must not be empty`);
  return {
    location: { namespace: str('coredns-namespace'), deployment: str('coredns-deployment'), configMap: str('coredns-configmap') },
    zone,
    ...(flavor ? { flavor: flavor as Flavor } : {}),
    ...(version ? { version: version.replace(/^v/, '') } : {}),
  };
}

/**
 * install's option flags (--zone, --coredns-*, --ttl, --header-ra-fix,
 * --rollout*) → InstallOptions; pure. Shared with run --manage-coredns, whose
 * flags have the same names, so both accept and refuse the same values.
 */
export function parseInstallOptions(f: FlagValues): InstallOptions {
  const ttlRaw = String(f['ttl']).trim();
  let ttl: number | undefined;
  if (ttlRaw !== '') {
    ttl = Number(ttlRaw);
    // CoreDNS's own bounds for the kubernetes plugin's ttl.
    if (!/^\d+$/.test(ttlRaw) || ttl > 3600) throw new UsageError(`--ttl: want whole seconds from 0 to 3600, got ${JSON.stringify(ttlRaw)}`);
  }
  const rollout = String(f['rollout']).trim();
  if (!ROLLOUT_MODES.includes(rollout as RolloutMode)) throw new UsageError(`--rollout: want ${ROLLOUT_MODES.join(', ')}, got ${JSON.stringify(rollout)}`);
  const rolloutTimeoutMs = f['rollout-timeout'] as number;
  if (rolloutTimeoutMs <= 0) throw new UsageError('--rollout-timeout must be positive');
  return {
    ...parseCoreDnsLocation(f),
    ...(ttl !== undefined ? { ttl } : {}),
    ...(f['header-ra-fix'] === true ? { headerRaFix: true } : {}),
    rollout: { mode: rollout as RolloutMode, timeoutMs: rolloutTimeoutMs },
  };
}

// ---------------------------------------------------------------------------
// Outcomes, output and exit code (pure)

export type Outcome =
  | { cluster: string; kind: 'result'; result: InstallResult }
  | { cluster: string; kind: 'status'; status: CoreDnsStatus }
  /** The member could not be reached or the API failed: nothing more is known. */
  | { cluster: string; kind: 'error'; message: string };

/** Installed, uninstalled, unchanged or foreign; refused, rolled back or failed is not. */
const resultOk = (r: InstallResult) => r.kind !== 'refused' && r.kind !== 'rolled-back' && r.kind !== 'failed';

export function exitCode(outcomes: readonly Outcome[]): number {
  if (outcomes.length === 0) return 1;
  const bad = outcomes.some((o) => (o.kind === 'error' ? true : o.kind === 'result' ? !resultOk(o.result) : !o.status.ok));
  return bad ? 1 : 0;
}

function rbacLabel(s: CoreDnsStatus): string {
  const r = s.rbac;
  if (r.clusterRole && r.bound) return 'bound';
  if (!r.clusterRole && !r.binding) return 'absent';
  if (!r.clusterRole) return 'no role';
  if (!r.binding) return 'no binding';
  return `not bound to ${r.serviceAccount ?? '?'}`;
}

/** How the change reached CoreDNS, appended to the table's message. */
function rolloutNote(r: InstallResult): string {
  if (!('rollout' in r) || r.rollout === undefined) return '';
  const ro = r.rollout;
  if (ro.action === 'restarted') return `; rolled out (${ro.reason}): ${ro.deployment ?? ''}`;
  return `; not rolled out: ${ro.reason}${ro.deployment ? `; ${ro.deployment}` : ''}`;
}

export function formatOutcomes(action: Action, outcomes: readonly Outcome[], output: Output, dryRun = false): string {
  if (output === 'json') {
    const items = outcomes.map((o) => {
      if (o.kind === 'error') return { cluster: o.cluster, ok: false, error: o.message };
      if (o.kind === 'result') return { cluster: o.cluster, ok: resultOk(o.result), ...o.result };
      return { cluster: o.cluster, ...o.status };
    });
    return JSON.stringify({ action, ...(dryRun ? { dryRun } : {}), ok: exitCode(outcomes) === 0, members: items }, null, 2) + '\n';
  }
  if (action === 'status') {
    const rows = [['CLUSTER', 'VERSION', 'FLAVOR', 'RBAC', 'COREFILE', 'SUMMARY']];
    for (const o of outcomes) {
      if (o.kind === 'status') {
        const s = o.status;
        const corefile = s.corefile.status + ('flavor' in s.corefile && s.corefile.flavor ? ` (${s.corefile.flavor})` : '');
        rows.push([o.cluster, s.version ?? '?', s.flavor ?? 'refused', rbacLabel(s), corefile, s.summary]);
      } else rows.push([o.cluster, '-', '-', '-', 'error', o.kind === 'error' ? o.message : o.result.message]);
    }
    return table(rows);
  }
  const rows = [['CLUSTER', 'RESULT', 'MESSAGE']];
  for (const o of outcomes) {
    if (o.kind === 'result') rows.push([o.cluster, o.result.kind, o.result.message + rolloutNote(o.result)]);
    else rows.push([o.cluster, 'error', o.kind === 'error' ? o.message : o.status.summary]);
  }
  if (!dryRun) return table(rows);
  return table(rows) + formatPlans(outcomes.flatMap((o) => (o.kind === 'result' ? [{ cluster: o.cluster, result: o.result }] : [])));
}

// ---------------------------------------------------------------------------
// I/O: the modules that reach the API are imported here, after parsing, so
// --help and usage errors never load @kubernetes/client-node (docs/cli.md).

async function runOn(cmd: CoreDnsCommand, m: FoundMember): Promise<Outcome> {
  if ('error' in m) return { cluster: m.cluster, kind: 'error', message: m.error };
  try {
    const { installCoreDns, uninstallCoreDns } = await import('../coredns/install.js');
    const { statusCoreDns } = await import('../coredns/status.js');
    switch (cmd.action) {
      case 'install':
        return { cluster: m.cluster, kind: 'result', result: await installCoreDns(m.kc, cmd.install) };
      case 'uninstall':
        return { cluster: m.cluster, kind: 'result', result: await uninstallCoreDns(m.kc, cmd.install.location, cmd.install.rollout ? { rollout: cmd.install.rollout } : {}) };
      case 'status': {
        const { location, zone, flavor, version } = cmd.install;
        return {
          cluster: m.cluster,
          kind: 'status',
          status: await statusCoreDns(m.kc, { ...(location ? { location } : {}), ...(zone ? { zone } : {}), ...(flavor ? { flavor } : {}), ...(version ? { version } : {}) }),
        };
      }
    }
  } catch (e) {
    return { cluster: m.cluster, kind: 'error', message: `${cmd.action} failed: ${apiErrorMessage(e)}` };
  }
}

export async function coredns(argv: string[], io: Io = processIo): Promise<number> {
  const cmd = parseOrExit('coredns', corednsHelp, parseCoreDnsArgs, argv, io, COREDNS_ACTIONS.map((a) => a.name));
  if (typeof cmd === 'number') return cmd;
  const name = `coredns ${cmd.action}`;
  const { membersOrExit } = await import('./internal/members.js');
  const members = await membersOrExit(name, cmd.target, io);
  if (typeof members === 'number') return members;
  // One member after another: their outputs stay in a stable order and one slow member is easy to spot.
  const outcomes: Outcome[] = [];
  for (const m of members) outcomes.push(await runOn(cmd, m));
  io.stdout(formatOutcomes(cmd.action, outcomes, cmd.output, cmd.install.dryRun === true));
  return exitCode(outcomes);
}

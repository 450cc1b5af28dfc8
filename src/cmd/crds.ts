/**
 * `clusterset-dns crds check | install`: wiring only. Parses the flags
 * (pure: parseCrdsArgs), finds the members as `coredns` does (through
 * Karmada's Cluster objects, or one --member-kubeconfig), and per member
 * classifies its MCS CRDs (src/karmada/crd-flavour.ts) or installs the
 * mcs-api CRDs this package ships (src/karmada/crd-install.ts). Output and
 * exit code are pure functions of the per-member outcomes.
 *
 * Exit codes: 0 ok; 1 a member lacks a CRD (check), refused or failed
 * (install), or was unreachable; 2 usage.
 */
import type { CrdFlavour } from '../karmada/crd-flavour.js';
import type { CrdInstallResult } from '../karmada/crd-install.js';
import { apiErrorMessage } from '../kube/errors.js';
import { table } from '../runtime/table.js';
import { corednsFlag } from './coredns.js';
import { HELP_FLAG, OUTPUT_FLAG, flagHelp, parseActionFlags, parseOutput, type FlagSpec, type HelpRequest, type Output } from './internal/flags.js';
import { actionHelp, type ActionHelp } from './internal/help.js';
import { parseOrExit, processIo, type Io } from './internal/io.js';
import type { FoundMember } from './internal/members.js';
import { parseTarget, type Target } from './internal/target.js';

const TARGET_FLAGS = ['cluster', 'all', 'kubeconfig', 'context', 'member-kubeconfig', 'member-context', 'member-access'];

export const CRDS_FLAGS: FlagSpec[] = [
  ...TARGET_FLAGS.map(corednsFlag),
  { name: 'dry-run', kind: 'bool', default: 'false', help: 'install: read, plan, and send the apply as a server-side dry run (the API server validates it, nothing is stored); print what would happen per member.' },
  OUTPUT_FLAG,
  HELP_FLAG,
];

const TARGET = '(--cluster NAME[,NAME...] | --all | --member-kubeconfig PATH)';

export type Action = 'check' | 'install';

export const CRDS_ACTIONS: ReadonlyArray<ActionHelp<Action>> = [
  {
    name: 'check',
    usage: `[${TARGET}] [flags]`,
    flags: [...TARGET_FLAGS, 'output'],
    summary: `Reports, per member, which ServiceImport/ServiceExport CRDs it has: mcs-api (with its
release), karmada (Karmada's: v1alpha1 only, spec.ips holds 1 IP), missing, or other; the
versions served, spec.ips maxItems, and what the member cannot do with them. Every member
when neither --cluster nor --member-kubeconfig is given. Changes nothing.`,
  },
  {
    name: 'install',
    usage: `${TARGET} [flags]`,
    flags: [...TARGET_FLAGS, 'dry-run', 'output'],
    summary: `Server-side applies the mcs-api CRDs this package ships (v1alpha1 and v1beta1 served,
spec.ips up to 2) to each member. Refuses, changing nothing, a member whose CRDs serve a
version ours do not or come from a newer mcs-api release (a downgrade), and CRDs Karmada
propagates there (it would put its copy back). --dry-run sends a server-side dry run.`,
  },
];

const FOOTER = `Members are found through Karmada (Cluster objects and their Secrets, as the controller
reaches them), or directly with --member-kubeconfig. See docs/deploy.md and docs/cli.md.

Exit codes: 0 ok; 1 a member lacks a CRD (check), refused or failed (install), or could
not be reached; 2 usage.
`;

export const CRDS_HELP = `Usage: clusterset-dns crds check|install ${TARGET} [flags]

The ServiceImport/ServiceExport CRDs in member clusters:
  check    each member's CRD flavour (mcs-api, karmada, missing, other), the versions served,
           spec.ips maxItems, and what the member cannot do with them
  install  server-side applies the shipped mcs-api CRDs; refuses a downgrade and CRDs Karmada
           propagates; --dry-run sends a server-side dry run

clusterset-dns crds ACTION --help lists only the flags that action takes.

${FOOTER}
Flags (each action takes some of them):
${flagHelp(CRDS_FLAGS)}
`;

export function crdsHelp(action: Action | undefined): string {
  const a = CRDS_ACTIONS.find((x) => x.name === action);
  return a ? actionHelp('crds', a, CRDS_ACTIONS, CRDS_FLAGS, FOOTER) : CRDS_HELP;
}

export interface CrdsCommand {
  action: Action;
  target: Target;
  dryRun: boolean;
  output: Output;
}

/** argv (after "crds") → what to do; pure. Throws UsageError; returns a HelpRequest for --help. */
export function parseCrdsArgs(argv: string[]): CrdsCommand | HelpRequest<Action> {
  const parsed = parseActionFlags(argv, CRDS_ACTIONS, CRDS_FLAGS);
  if ('help' in parsed) return parsed;
  const { action, flags: f } = parsed;
  // check reads only, so every member by default (as doctor); install writes, so the members are named.
  const target = parseTarget(f, { defaultAll: action === 'check' });
  return { action, target, dryRun: f['dry-run'] === true, output: parseOutput(f) };
}

// ---------------------------------------------------------------------------
// Outcomes, output and exit code (pure)

export type Outcome =
  | { cluster: string; kind: 'check'; crds: CrdFlavour }
  | { cluster: string; kind: 'install'; result: CrdInstallResult }
  | { cluster: string; kind: 'error'; message: string };

const outcomeOk = (o: Outcome) => (o.kind === 'check' ? o.crds.flavour !== 'missing' : o.kind === 'install' ? o.result.action !== 'refuse' : false);

export function exitCode(outcomes: readonly Outcome[]): number {
  return outcomes.length > 0 && outcomes.every(outcomeOk) ? 0 : 1;
}

const versions = (s: string[] | undefined) => (s === undefined ? 'none' : s.join(',') || 'none');

/** What install did, in the past tense (or the conditional, with --dry-run). */
function installed(r: CrdInstallResult): string {
  if (r.action === 'apply') return r.dryRun ? 'would-install' : 'installed';
  return r.action === 'refuse' ? 'refused' : 'unchanged';
}

export function formatOutcomes(action: Action, outcomes: readonly Outcome[], output: Output, dryRun = false): string {
  if (output === 'json') {
    const members = outcomes.map((o) => {
      if (o.kind === 'error') return { cluster: o.cluster, ok: false, error: o.message };
      if (o.kind === 'check') return { cluster: o.cluster, ok: outcomeOk(o), ...o.crds };
      return { cluster: o.cluster, ok: outcomeOk(o), result: installed(o.result), from: o.result.from, message: o.result.message };
    });
    return JSON.stringify({ action, ...(dryRun ? { dryRun } : {}), ok: exitCode(outcomes) === 0, members }, null, 2) + '\n';
  }
  if (action === 'check') {
    const rows = [['CLUSTER', 'FLAVOUR', 'SERVICEIMPORT', 'SERVICEEXPORT', 'IPS', 'CANNOT']];
    for (const o of outcomes) {
      if (o.kind === 'check') {
        const c = o.crds;
        rows.push([o.cluster, c.flavour === 'mcs-api' && c.release ? `mcs-api ${c.release}` : c.flavour, versions(c.served.serviceImport), versions(c.served.serviceExport), c.ipsMaxItems === undefined ? '-' : String(c.ipsMaxItems), c.lacks.join('; ') || '-']);
      } else rows.push([o.cluster, 'error', '-', '-', '-', o.kind === 'error' ? o.message : o.result.message]);
    }
    return table(rows);
  }
  const rows = [['CLUSTER', 'RESULT', 'MESSAGE']];
  for (const o of outcomes) {
    if (o.kind === 'install') rows.push([o.cluster, installed(o.result), o.result.message]);
    else rows.push([o.cluster, 'error', o.kind === 'error' ? o.message : '']);
  }
  return table(rows);
}

// ---------------------------------------------------------------------------
// I/O: the modules that reach the API are imported here, after parsing, so
// --help and usage errors never load @kubernetes/client-node (docs/cli.md).

async function runOn(cmd: CrdsCommand, m: FoundMember): Promise<Outcome> {
  if ('error' in m) return { cluster: m.cluster, kind: 'error', message: m.error };
  try {
    if (cmd.action === 'check') {
      const { readMemberCrds } = await import('../karmada/crd-install.js');
      const { classifyCrds } = await import('../karmada/crd-flavour.js');
      const crds = await readMemberCrds(m.kc);
      return { cluster: m.cluster, kind: 'check', crds: classifyCrds(crds.serviceImport, crds.serviceExport) };
    }
    const { installMcsApiCrds } = await import('../karmada/crd-install.js');
    return { cluster: m.cluster, kind: 'install', result: await installMcsApiCrds(m.kc, { dryRun: cmd.dryRun }) };
  } catch (e) {
    return { cluster: m.cluster, kind: 'error', message: `${cmd.action} failed: ${apiErrorMessage(e)}` };
  }
}

export async function crds(argv: string[], io: Io = processIo): Promise<number> {
  const cmd = parseOrExit('crds', crdsHelp, parseCrdsArgs, argv, io, CRDS_ACTIONS.map((a) => a.name));
  if (typeof cmd === 'number') return cmd;
  const name = `crds ${cmd.action}`;
  const { membersOrExit } = await import('./internal/members.js');
  const members = await membersOrExit(name, cmd.target, io);
  if (typeof members === 'number') return members;
  // One member after another, as coredns: a stable order, and a slow member is easy to spot.
  const outcomes: Outcome[] = [];
  for (const m of members) outcomes.push(await runOn(cmd, m));
  io.stdout(formatOutcomes(cmd.action, outcomes, cmd.output, cmd.dryRun));
  return exitCode(outcomes);
}

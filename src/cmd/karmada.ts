/**
 * `clusterset-dns karmada install | status | uninstall`: the retention rule
 * in the Karmada control plane (src/karmada/retention.ts), and, for
 * uninstall, everything else the controller wrote through Karmada. Parsing,
 * decisions and messages are pure (parseKarmadaArgs, decideInstall,
 * applyFailure, statusLine; uninstall's plan in ./karmada-uninstall-plan.ts, its I/O in ./karmada-uninstall.ts); the
 * API calls are src/karmada/retention-client.ts's, each with a deadline.
 *
 * Exit codes: 0 ok (status: the rule is usable); 1 refused, failed, not
 * usable, or a member not reached (uninstall); 2 usage.
 */
import type * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ResourceInterpreterCustomization } from '../api/karmada.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { FILL_IPS_ANNOTATION, FILL_IPS_VALUE } from '../api/ownership.js';
import { desiredRetention, RETENTION_NAME, retentionState, type RetentionState } from '../karmada/retention.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../karmada/call-timeout.js';
import type { RetentionClient } from '../karmada/retention-client.js';
import { apiErrorMessage, httpStatusOf, parseStatus } from '../kube/errors.js';
import { DEFAULT_LEASE_NAMESPACE } from '../runtime/leaderelection/lease-namespace.js';
import { HELP_FLAG, OUTPUT_FLAG, UsageError, flagHelp, parseActionFlags, parseOutput, type FlagSpec, type HelpRequest, type Output } from './internal/flags.js';
import { actionHelp, type ActionHelp } from './internal/help.js';
import { EXIT_FAILURE, EXIT_OK, parseOrExit, processIo, reportError, type Io } from './internal/io.js';
import { MEMBER_ACCESS_FLAG, parseMemberAccess } from './internal/target.js';
import type { MemberAccessMode } from '../karmada/member-access-mode.js';

/** `run`'s default Lease name (its --leader-election-id); a test keeps the two equal. */
export const DEFAULT_LEASE_NAME = 'clusterset-dns';

export const KARMADA_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', default: '', help: 'Kubeconfig of the Karmada API server (karmada-apiserver), as an operator who may write resourceinterpretercustomizations (install, uninstall), and delete overridepolicies and what automatic imports made (uninstall). Empty: $KUBECONFIG, ~/.kube/config, then in-cluster config (docs/cli.md).' },
  { name: 'context', kind: 'string', default: '', help: 'Context in --kubeconfig. Empty: its current context.' },
  { name: 'dry-run', kind: 'bool', default: 'false', help: 'install: print the customization and have the API server and Karmada\'s webhook judge it without storing it; uninstall: print what would be removed and what left. Nothing changes.' },
  { name: 'timeout', kind: 'duration', default: `${DEFAULT_CALL_TIMEOUT_MS / 1000}s`, help: 'Deadline of each API call (each page of a list).' },
  { name: 'leader-election-namespace', kind: 'string', default: DEFAULT_LEASE_NAMESPACE, help: 'uninstall: namespace of the controller\'s leader-election Lease (as run\'s flag), read to warn when the controller still runs.' },
  { name: 'leader-election-id', kind: 'string', default: DEFAULT_LEASE_NAME, help: 'uninstall: name of that Lease (as run\'s flag).' },
  { ...MEMBER_ACCESS_FLAG, help: `uninstall: ${MEMBER_ACCESS_FLAG.help}` },
  OUTPUT_FLAG,
  HELP_FLAG,
];

const INSTALL_TEXT = `Server-side applies the retention rule: the ResourceInterpreterCustomization
${RETENTION_NAME}, whose Lua makes Karmada keep spec.ips on member
ServiceImports that carry ${FILL_IPS_ANNOTATION}: "${FILL_IPS_VALUE}" (the same object as
config/karmada/retention.yaml). Karmada allows one retention rule per kind: when another
customization holds ServiceImport's, or Karmada's webhook refuses ours, install says which
and exits 1, and the controller writes through OverridePolicies instead (--write-route=auto).`;

const STATUS_TEXT = `Reports the retention rule: installed, outdated (another version's Lua; still used), missing,
or conflict (with the customizations that hold ServiceImport's retention); exit 0 only when
the rule is usable.`;

const UNINSTALL_TEXT = `Removes what is ours and says what it removed, what it left and why:
- in every member reached, ${FILL_IPS_ANNOTATION}, the local-first mode annotation and
  spec.ips from ServiceImports Karmada propagates (karmada.io/managed=true) that carry the
  annotation; ServiceImports a user opted in are listed, not touched;
- our OverridePolicies in every namespace (${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} and named
  clusterset-dns-*);
- then the customization, if it has our name and label;
- then what run --auto-import made in the control plane, found by its labels
  (${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} and clusterset-dns.io/auto-import=true): import
  PropagationPolicies, ServiceImports, the sentinel's policy and ServiceExport, and our
  namespaces when nothing else uninstall lists is in them.
Stop the controller first (scale its Deployment to 0): a running controller re-creates its
OverridePolicies, refills the members and re-creates automatic imports. uninstall warns when
the controller's Lease is held.`;

const CONNECTION_FLAGS = ['kubeconfig', 'context', 'timeout', 'output'];

/** Each action, the flags it takes (any other is refused) and its help. */
export const KARMADA_ACTIONS: ReadonlyArray<ActionHelp<KarmadaAction>> = [
  { name: 'install', usage: '[--kubeconfig PATH] [--context NAME] [--dry-run] [-o json]', flags: [...CONNECTION_FLAGS, 'dry-run'], summary: INSTALL_TEXT },
  { name: 'status', usage: '[--kubeconfig PATH] [--context NAME] [-o json]', flags: CONNECTION_FLAGS, summary: STATUS_TEXT },
  { name: 'uninstall', usage: '[--kubeconfig PATH] [--context NAME] [--member-access proxy|direct] [--dry-run] [-o json]', flags: [...CONNECTION_FLAGS, 'dry-run', 'leader-election-namespace', 'leader-election-id', 'member-access'], summary: UNINSTALL_TEXT },
];

const FOOTER = `Run as an operator of the Karmada API server; the controller itself only reads the rule.
See docs/karmada-retention.md and docs/cli.md.

Exit codes: 0 ok (status: the rule is usable); 1 refused, failed, not usable, or a member not
reached; 2 usage.
`;

const indent = (text: string, by: string) => text.split('\n').map((l, i) => (i === 0 ? l : `${by}${l}`)).join('\n');

export const KARMADA_HELP = `Usage: clusterset-dns karmada install|status|uninstall [--kubeconfig PATH] [--context NAME] [--dry-run] [-o json]

Manages what clusterset-dns keeps in the Karmada control plane:
  install    ${indent(INSTALL_TEXT, '             ')}
  status     ${indent(STATUS_TEXT, '             ')}
  uninstall  ${indent(UNINSTALL_TEXT, '             ')}

clusterset-dns karmada ACTION --help lists only the flags that action takes.

${FOOTER}
Flags (each action takes some of them):
${flagHelp(KARMADA_FLAGS)}
`;

/** The help for --help: the command's, or one action's. */
export function karmadaHelp(action: KarmadaAction | undefined): string {
  const a = KARMADA_ACTIONS.find((x) => x.name === action);
  return a ? actionHelp('karmada', a, KARMADA_ACTIONS, KARMADA_FLAGS, FOOTER) : KARMADA_HELP;
}

export type KarmadaAction = 'install' | 'status' | 'uninstall';

export interface KarmadaCommand {
  action: KarmadaAction;
  kubeconfig: string;
  context: string;
  dryRun: boolean;
  timeoutMs: number;
  lease: { namespace: string; name: string };
  /** How uninstall reaches the members. */
  memberAccess: MemberAccessMode;
  output: Output;
}

/** argv (after "karmada") → what to do; pure. Throws UsageError; returns a HelpRequest for --help. */
export function parseKarmadaArgs(argv: string[]): KarmadaCommand | HelpRequest<KarmadaAction> {
  // A flag the action does not take is refused by parseActionFlags (KARMADA_ACTIONS).
  const parsed = parseActionFlags(argv, KARMADA_ACTIONS, KARMADA_FLAGS);
  if ('help' in parsed) return parsed;
  const { action, flags: f } = parsed;
  const timeoutMs = f['timeout'] as number;
  if (timeoutMs <= 0) throw new UsageError('--timeout must be positive');
  const str = (name: string) => String(f[name]).trim();
  if (str('leader-election-namespace') === '' || str('leader-election-id') === '') throw new UsageError('--leader-election-namespace and --leader-election-id must not be empty');
  return {
    action,
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    dryRun: f['dry-run'] === true,
    timeoutMs,
    lease: { namespace: str('leader-election-namespace'), name: str('leader-election-id') },
    memberAccess: parseMemberAccess(f),
    output: parseOutput(f),
  };
}

// ---------------------------------------------------------------------------
// Decisions and messages (pure)

const FALLBACK = 'The controller will write spec.ips through OverridePolicies instead (--write-route=auto falls back to them; --write-route=retain leaves Karmada-managed ServiceImports as they are until the rule is usable).';

export type InstallDecision = { kind: 'apply'; from: 'missing' | 'outdated' } | { kind: 'unchanged' } | { kind: 'refuse'; message: string };

/** What install does, given the control plane's customizations. */
export function decideInstall(customizations: readonly ResourceInterpreterCustomization[]): InstallDecision {
  const named = customizations.find((c) => c.metadata.name === RETENTION_NAME);
  if (named && named.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    return { kind: 'refuse', message: `a ResourceInterpreterCustomization named ${RETENTION_NAME} exists without the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}: it is not ours, so install does not overwrite it. Check what it is; delete it if it is a leftover, then run install again. ${FALLBACK}` };
  }
  const s = retentionState(customizations);
  switch (s.state) {
    case 'conflict':
      return { kind: 'refuse', message: `${conflictText(s.owners)}, so ours cannot be installed (Karmada allows one retention rule per kind). ${FALLBACK} To use the retention route, remove that customization or merge our rule into it (docs/karmada-retention.md), then run install again.` };
    case 'installed':
      return { kind: 'unchanged' };
    case 'missing':
    case 'outdated':
      return { kind: 'apply', from: s.state };
  }
}

const conflictText = (owners: readonly string[]) =>
  `ServiceImport's retention is already held by ResourceInterpreterCustomization${owners.length === 1 ? '' : 's'} ${owners.join(', ')}`;

/** Why an apply failed, in words an operator can act on: Karmada's webhook refusing it, our own rights, or the API's message. */
export function applyFailure(e: unknown): string {
  const code = httpStatusOf(e);
  const message = parseStatus((e as { body?: unknown }).body)?.message ?? apiErrorMessage(e);
  if (code !== undefined && /denied the request/.test(message)) {
    // Karmada v1.18.2 pkg/webhook/resourceinterpretercustomization/helper.go names the customization it conflicts with.
    const other = /existing ResourceInterpreterCustomization\(([^)]+)\)/.exec(message)?.[1];
    const why = other ? `${conflictText([other])}` : 'it did not accept the customization';
    return `Karmada's webhook refused ${RETENTION_NAME}: ${why} (${message}). ${FALLBACK}`;
  }
  if (code === 403) return `cannot apply ${RETENTION_NAME}: ${apiErrorMessage(e)}. install needs create and patch on resourceinterpretercustomizations.config.karmada.io: run it as an operator of the Karmada API server, not as the controller.`;
  return `cannot apply ${RETENTION_NAME}: ${apiErrorMessage(e)}`;
}

/** One line per state, for `status` and after `install`. */
export function statusLine(s: RetentionState): string {
  switch (s.state) {
    case 'installed':
      return `installed: ResourceInterpreterCustomization ${RETENTION_NAME} holds this version's rule; --write-route=auto writes spec.ips in the members and Karmada keeps it.`;
    case 'outdated':
      return `outdated: ResourceInterpreterCustomization ${RETENTION_NAME} holds another version's Lua, still keyed on ${FILL_IPS_ANNOTATION}, so it is used; clusterset-dns karmada install updates it.`;
    case 'missing':
      return `missing: no retention rule for ServiceImport. ${FALLBACK} Install it with clusterset-dns karmada install.`;
    case 'conflict':
      return `conflict: ${conflictText(s.owners)}; Karmada allows one retention rule per kind. ${FALLBACK}`;
  }
}

// ---------------------------------------------------------------------------
// I/O

/** The calls install and status make (a fake in tests). */
export type RuleClient = Pick<RetentionClient, 'listCustomizations' | 'applyCustomization'>;

/** What install did, for either output. */
export interface InstallReport {
  ok: boolean;
  result: 'refused' | 'failed' | 'unchanged' | 'installed' | 'updated';
  dryRun: boolean;
  message: string;
}

async function installReport(dryRun: boolean, client: RuleClient): Promise<InstallReport> {
  const decision = decideInstall(await client.listCustomizations());
  if (decision.kind === 'refuse') return { ok: false, result: 'refused', dryRun, message: decision.message };
  if (decision.kind === 'unchanged') return { ok: true, result: 'unchanged', dryRun, message: `unchanged: ${statusLine({ state: 'installed' })}` };
  const result = decision.from === 'missing' ? 'installed' : 'updated';
  try {
    await client.applyCustomization(desiredRetention(), dryRun);
  } catch (e) {
    return { ok: false, result: 'failed', dryRun, message: applyFailure(e) };
  }
  if (dryRun) {
    const verb = result === 'installed' ? 'install' : 'update';
    return { ok: true, result, dryRun, message: `dry run: would ${verb} ResourceInterpreterCustomization ${RETENTION_NAME}; the Karmada API server and its webhook accept it. Nothing was changed.` };
  }
  // Read back: another customization created at the same moment would make ours unusable.
  const after = retentionState(await client.listCustomizations());
  return { ok: after.state === 'installed', result, dryRun, message: `${result} ResourceInterpreterCustomization ${RETENTION_NAME}. Now ${statusLine(after)}` };
}

/**
 * Table: refusals and failures on stderr, the rest on stdout, after the
 * object itself for --dry-run. JSON: one document on stdout, the object in it.
 */
export async function install(cmd: Pick<KarmadaCommand, 'dryRun'> & { output?: Output }, client: RuleClient, io: Io): Promise<number> {
  const r = await installReport(cmd.dryRun, client);
  const code = r.ok ? EXIT_OK : EXIT_FAILURE;
  if (cmd.output === 'json') {
    io.stdout(JSON.stringify({ action: 'install', ...r, ...(r.dryRun && r.result !== 'refused' ? { customization: desiredRetention() } : {}) }, null, 2) + '\n');
    return code;
  }
  if (r.dryRun && r.result !== 'refused') io.stdout(stringify(desiredRetention(), { blockQuote: 'literal', lineWidth: 0 }));
  if (r.result === 'refused' || r.result === 'failed') io.stderr(`clusterset-dns karmada install: ${r.message}\n`);
  else io.stdout(`${r.message}\n`);
  return code;
}

export async function status(client: RuleClient, io: Io, output: Output = 'table'): Promise<number> {
  const s = retentionState(await client.listCustomizations());
  const ok = s.state === 'installed' || s.state === 'outdated';
  if (output === 'json') io.stdout(JSON.stringify({ action: 'status', ok, ...s, message: statusLine(s) }, null, 2) + '\n');
  else io.stdout(`${statusLine(s)}\n`);
  return ok ? EXIT_OK : EXIT_FAILURE;
}

export async function karmada(argv: string[], io: Io = processIo): Promise<number> {
  const cmd = parseOrExit('karmada', karmadaHelp, parseKarmadaArgs, argv, io, KARMADA_ACTIONS.map((a) => a.name));
  if (typeof cmd === 'number') return cmd;
  const name = `karmada ${cmd.action}`;
  // Loaded after parsing, so --help and usage errors never load @kubernetes/client-node (docs/cli.md).
  const [{ loadKubeConfig }, { RetentionClient }, { runUninstall }] = await Promise.all([
    import('./internal/kubeconfig.js'),
    import('../karmada/retention-client.js'),
    import('./karmada-uninstall.js'),
  ]);
  let cp: k8s.KubeConfig;
  try {
    cp = loadKubeConfig({ path: cmd.kubeconfig, context: cmd.context, whenNoPath: 'default' });
  } catch (e) {
    return reportError(name, e, io);
  }
  const client = new RetentionClient(cp, cmd.timeoutMs);
  try {
    switch (cmd.action) {
      case 'install':
        return await install(cmd, client, io);
      case 'status':
        return await status(client, io, cmd.output);
      case 'uninstall':
        return await runUninstall(cmd, cp, io);
    }
  } catch (e) {
    io.stderr(`clusterset-dns ${name}: ${apiErrorMessage(e)}; check that --kubeconfig/--context point at the Karmada API server and that it answers\n`);
    return EXIT_FAILURE;
  }
}

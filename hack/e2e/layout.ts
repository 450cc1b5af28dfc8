/**
 * hack/e2e.sh's command line and the cluster layout it is given, in
 * Karmada's conventions (its hack/local-up-karmada.sh and hack/run-e2e.sh):
 * `$KUBECONFIG_PATH` (default ~/.kube) holds `karmada.config`, with contexts
 * `karmada-apiserver` (the control plane) and `karmada-host` (the cluster
 * Karmada's components run in), and `members.config`, with one context per
 * member named after it; `MEMBER_CLUSTER_<N>_NAME` and
 * `PULL_MODE_CLUSTER_NAME` name the members; `ARTIFACTS_PATH` is where logs
 * go. Pure: the environment, the home directory and the clock come in as
 * arguments.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { HELP_FLAG, flagHelp, parseFlags, type FlagSpec } from '../../src/cmd/internal/flags.js';

export const E2E_FLAGS: FlagSpec[] = [
  { name: 'in-cluster', kind: 'bool', default: 'false', help: 'The controller already runs (config/host\'s Deployment on karmada-host): test it instead of starting `clusterset-dns run` as a local process.' },
  { name: 'apply-config', kind: 'bool', default: 'false', help: 'Server-side apply config/karmada (the controller\'s identity and RBAC, and the retention rule) to karmada-apiserver when it is missing, instead of failing. The only write outside the test namespace, and only when asked.' },
  { name: 'install-coredns', kind: 'bool', default: 'false', help: 'Run `clusterset-dns coredns install` in each importing member whose CoreDNS does not serve the clusterset zone yet, instead of failing (it edits kube-system/coredns; only when asked).' },
  { name: 'wait-timeout', kind: 'duration', default: '180s', help: 'How long to wait for spec.ips in every importing member (and for the controller to be ready).' },
  { name: 'doctor-dns', kind: 'string', default: '', help: 'Passed to `clusterset-dns doctor --dns`: NAME=HOST:PORT[,...] where each importing member\'s CoreDNS answers from here, for the live DNS checks. Empty: doctor checks the chain without querying DNS.' },
  HELP_FLAG,
];

export const E2E_HELP = `Usage: hack/e2e.sh [flags]

An end-to-end check of clusterset-dns against the clusters it is given, laid
out as Karmada's hack/local-up-karmada.sh leaves them. It checks the
preconditions (kubeconfigs and contexts, the MCS CRDs, config/karmada and the
retention rule, CoreDNS in the importing members), runs the controller (or
uses the one --in-cluster), creates a test namespace with a Service exported
from the first member and imported into the others, waits for spec.ips in
every importing member, runs \`clusterset-dns doctor\`, and cleans up. Logs,
doctor's output and the objects go to the artifacts folder. It fails when any
pod in karmada-system on karmada-host restarted during the run.

Environment:
  KUBECONFIG_PATH                 folder of the kubeconfigs (default ~/.kube)
  MAIN_KUBECONFIG                 default $KUBECONFIG_PATH/karmada.config
  MEMBER_CLUSTER_KUBECONFIG       default $KUBECONFIG_PATH/members.config
  KARMADA_APISERVER_CLUSTER_NAME  context of the control plane (default karmada-apiserver)
  HOST_CLUSTER_NAME               context of the host cluster (default karmada-host)
  MEMBER_CLUSTER_<N>_NAME, PULL_MODE_CLUSTER_NAME
                                  the members, in that order; none set: every Cluster in Karmada
  ARTIFACTS_PATH                  default _artifacts/<UTC timestamp> in the repository

Exit codes: 0 passed; 1 a precondition or a check failed (the last lines say
which, and why); 2 usage.

Flags:
${flagHelp(E2E_FLAGS)}
`;

export interface E2eOptions {
  inCluster: boolean;
  applyConfig: boolean;
  installCoreDns: boolean;
  waitTimeoutMs: number;
  doctorDns: string;
}

/** argv → options, or 'help'; throws UsageError. */
export function parseE2eArgs(argv: string[]): E2eOptions | 'help' {
  const f = parseFlags(E2E_FLAGS, argv, {});
  if (f['help']) return 'help';
  return {
    inCluster: f['in-cluster'] === true,
    applyConfig: f['apply-config'] === true,
    installCoreDns: f['install-coredns'] === true,
    waitTimeoutMs: f['wait-timeout'] as number,
    doctorDns: String(f['doctor-dns']).trim(),
  };
}

export interface Layout {
  /** karmada.config: the control plane's and the host's contexts. */
  karmadaConfig: string;
  karmadaContext: string;
  hostContext: string;
  /** members.config: one context per member, named after it. */
  membersConfig: string;
  /** Member names from the environment, in order; empty: take the Cluster objects. */
  memberNames: string[];
  artifacts: string;
}

export interface LayoutInputs {
  env: Record<string, string | undefined>;
  home: string;
  /** Where relative paths in the environment are taken from (the caller's directory). */
  cwd: string;
  repoRoot: string;
  now: Date;
}

/** "20261130T124604Z": a folder name that sorts by time and has no colon. */
export const artifactsStamp = (now: Date) => now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');

/** MEMBER_CLUSTER_1_NAME, MEMBER_CLUSTER_2_NAME, … by number, then PULL_MODE_CLUSTER_NAME; empty values and repeats left out. */
export function memberNamesFromEnv(env: Record<string, string | undefined>): string[] {
  const numbered = Object.entries(env)
    .map(([k, v]) => ({ n: /^MEMBER_CLUSTER_(\d+)_NAME$/.exec(k)?.[1], v: (v ?? '').trim() }))
    .filter((e): e is { n: string; v: string } => e.n !== undefined && e.v !== '')
    .sort((a, b) => Number(a.n) - Number(b.n))
    .map((e) => e.v);
  const pull = (env['PULL_MODE_CLUSTER_NAME'] ?? '').trim();
  return [...new Set([...numbered, ...(pull ? [pull] : [])])];
}

export function layoutFromEnv(i: LayoutInputs): Layout {
  const { env } = i;
  const set = (name: string) => {
    const v = (env[name] ?? '').trim();
    return v === '' ? undefined : v;
  };
  const path = (p: string) => {
    const home = p === '~' || p.startsWith('~/') ? join(i.home, p.slice(1)) : p;
    return isAbsolute(home) ? home : resolve(i.cwd, home);
  };
  const dir = path(set('KUBECONFIG_PATH') ?? join(i.home, '.kube'));
  return {
    karmadaConfig: path(set('MAIN_KUBECONFIG') ?? join(dir, 'karmada.config')),
    karmadaContext: set('KARMADA_APISERVER_CLUSTER_NAME') ?? 'karmada-apiserver',
    hostContext: set('HOST_CLUSTER_NAME') ?? 'karmada-host',
    membersConfig: path(set('MEMBER_CLUSTER_KUBECONFIG') ?? join(dir, 'members.config')),
    memberNames: memberNamesFromEnv(env),
    artifacts: path(set('ARTIFACTS_PATH') ?? join(i.repoRoot, '_artifacts', artifactsStamp(i.now))),
  };
}

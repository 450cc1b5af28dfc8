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
import { HELP_FLAG, UsageError, flagHelp, parseFlags, type FlagSpec } from '../../src/cmd/internal/flags.js';

export const E2E_FLAGS: FlagSpec[] = [
  { name: 'in-cluster', kind: 'bool', default: 'false', help: 'The controller already runs (config/host\'s Deployment on karmada-host): test it instead of starting `clusterset-dns run` as a local process.' },
  { name: 'apply-config', kind: 'bool', default: 'false', help: 'Server-side apply config/karmada (the controller\'s identity and RBAC, and the retention rule) to karmada-apiserver when it is missing, instead of failing. The only write outside the test namespace, and only when asked.' },
  { name: 'install-coredns', kind: 'bool', default: 'false', help: 'Run `clusterset-dns coredns install` in each importing member whose CoreDNS does not serve the clusterset zone yet, instead of failing (it edits kube-system/coredns; only when asked).' },
  { name: 'wait-timeout', kind: 'duration', default: '180s', help: 'How long to wait for spec.ips in every importing member (and for the controller to be ready).' },
  { name: 'dry-run', kind: 'bool', default: 'false', help: 'Print every step the run would take (kubeconfigs and contexts, the members and their roles as far as they can be read, what --apply-config and --install-coredns would change, the controller, the artifacts folder) and write nothing to any cluster. Exit 0 when the plan could be made, 1 when a precondition that can be read is missing.' },
  { name: 'kind', kind: 'bool', default: 'false', help: 'First create kind clusters and Karmada with Karmada\'s own hack/local-up-karmada.sh from the checkout in $KARMADA_REPO_ROOT (needs docker with a running daemon, go, kind, kubectl), then check them. Without MEMBER_CLUSTER_*_NAME the check uses the Push members member1 and member2.' },
  { name: 'env', kind: 'string', default: '', help: 'local: check the project\'s local environment (npm run env:up): KUBECONFIG_PATH becomes its Karmada layout (.cache/env/kube). Nothing else is accepted.' },
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

With --kind it first creates the clusters as Karmada's hack/local-up-karmada.sh
does (kind clusters karmada-host, member1, member2 Push, member3 Pull); with
--env=local it takes the project's local environment instead; with --dry-run
it prints these steps and changes nothing.

Environment:
  KUBECONFIG_PATH                 folder of the kubeconfigs (default ~/.kube; --env=local sets it)
  MAIN_KUBECONFIG                 default $KUBECONFIG_PATH/karmada.config
  MEMBER_CLUSTER_KUBECONFIG       default $KUBECONFIG_PATH/members.config
  KARMADA_APISERVER_CLUSTER_NAME  context of the control plane (default karmada-apiserver)
  HOST_CLUSTER_NAME               context of the host cluster (default karmada-host)
  MEMBER_CLUSTER_<N>_NAME, PULL_MODE_CLUSTER_NAME
                                  the members, in that order; none set: every Cluster in Karmada
  ARTIFACTS_PATH                  default _artifacts/<UTC timestamp> in the repository
  KARMADA_REPO_ROOT               --kind: a checkout of github.com/karmada-io/karmada

Exit codes: 0 passed (--dry-run: the plan was made); 1 a precondition or a
check failed (the last lines say which, and why); 2 usage.

Flags:
${flagHelp(E2E_FLAGS)}
`;

export interface E2eOptions {
  inCluster: boolean;
  applyConfig: boolean;
  installCoreDns: boolean;
  waitTimeoutMs: number;
  doctorDns: string;
  dryRun: boolean;
  kind: boolean;
  /** Which clusters: '' those the environment names, 'local' the project's local environment. */
  env: E2eEnv;
}

/** --env's values: only the local environment is a named set of clusters this project knows. */
export const E2E_ENVS = ['', 'local'] as const;
export type E2eEnv = (typeof E2E_ENVS)[number];
const isE2eEnv = (v: string): v is E2eEnv => (E2E_ENVS as readonly string[]).includes(v);

/** argv → options, or 'help'; throws UsageError. */
export function parseE2eArgs(argv: string[]): E2eOptions | 'help' {
  const f = parseFlags(E2E_FLAGS, argv, {});
  if (f['help']) return 'help';
  const env = String(f['env']).trim();
  if (!isE2eEnv(env)) throw new UsageError(`--env: want local, got ${JSON.stringify(env)}`);
  if (env === 'local' && f['kind'] === true) throw new UsageError('--kind creates the clusters, --env=local takes the running local environment: choose one');
  return {
    inCluster: f['in-cluster'] === true,
    applyConfig: f['apply-config'] === true,
    installCoreDns: f['install-coredns'] === true,
    waitTimeoutMs: f['wait-timeout'] as number,
    doctorDns: String(f['doctor-dns']).trim(),
    dryRun: f['dry-run'] === true,
    kind: f['kind'] === true,
    env,
  };
}

export interface Layout {
  /** KUBECONFIG_PATH resolved: where --kind has local-up-karmada.sh write the kubeconfigs. */
  kubeconfigDir: string;
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
    kubeconfigDir: dir,
    karmadaConfig: path(set('MAIN_KUBECONFIG') ?? join(dir, 'karmada.config')),
    karmadaContext: set('KARMADA_APISERVER_CLUSTER_NAME') ?? 'karmada-apiserver',
    hostContext: set('HOST_CLUSTER_NAME') ?? 'karmada-host',
    membersConfig: path(set('MEMBER_CLUSTER_KUBECONFIG') ?? join(dir, 'members.config')),
    memberNames: memberNamesFromEnv(env),
    artifacts: path(set('ARTIFACTS_PATH') ?? join(i.repoRoot, '_artifacts', artifactsStamp(i.now))),
  };
}

/**
 * The variables the layout is read from once the flags have had their say.
 * --env=local points KUBECONFIG_PATH at the local environment's Karmada
 * layout and drops MAIN_KUBECONFIG and MEMBER_CLUSTER_KUBECONFIG, which would
 * point past it. --kind with no member named takes local-up-karmada.sh's Push
 * members: the controller reaches a Pull member (its member3) only through
 * Karmada's apiserver-network-proxy, which that script does not set up.
 */
export function clusterEnv(opts: Pick<E2eOptions, 'env' | 'kind'>, env: Record<string, string | undefined>, localKubeDir?: string): Record<string, string | undefined> {
  if (opts.env === 'local') {
    if (!localKubeDir) throw new Error('--env=local needs the local environment\'s kubeconfig folder');
    const rest = Object.entries(env).filter(([k]) => k !== 'MAIN_KUBECONFIG' && k !== 'MEMBER_CLUSTER_KUBECONFIG');
    return { ...Object.fromEntries(rest), KUBECONFIG_PATH: localKubeDir };
  }
  if (opts.kind && memberNamesFromEnv(env).length === 0) return { ...env, MEMBER_CLUSTER_1_NAME: 'member1', MEMBER_CLUSTER_2_NAME: 'member2' };
  return env;
}

/**
 * What hack/e2e.sh --kind needs before it runs Karmada's own
 * hack/local-up-karmada.sh, and the command it runs. That script fails on a
 * missing docker or go, and downloads kind and kubectl when they are missing;
 * here all four are required up front, so a missing one is named with the
 * others in one message instead of surfacing minutes into a build, and
 * nothing is installed behind the user's back. Pure: PATH, the checkout's
 * folder and the answers (is this file executable, did `docker info` answer)
 * come in as arguments.
 */
import { delimiter, isAbsolute, join } from 'node:path';

export const KIND_TOOLS = ['docker', 'go', 'kind', 'kubectl'] as const;

/** Karmada's script, inside its checkout. */
export const LOCAL_UP_KARMADA = join('hack', 'local-up-karmada.sh');

export interface KindFacts {
  /** $PATH as the script would see it. */
  path: string;
  /** $KARMADA_REPO_ROOT, unset or empty: undefined. */
  karmadaRepoRoot: string | undefined;
  isExecutable: (file: string) => boolean;
  isFile: (file: string) => boolean;
  /** `docker info`'s verdict, asked only when docker is on PATH: undefined when not asked. */
  dockerDaemon?: { answers: boolean; detail: string } | undefined;
}

/** The first `tool` in PATH's folders (relative and empty entries skipped, as they depend on the working directory). */
export function findOnPath(tool: string, path: string, isExecutable: (file: string) => boolean): string | undefined {
  return path.split(delimiter).filter((d) => d !== '' && isAbsolute(d)).map((d) => join(d, tool)).find(isExecutable);
}

export interface Missing {
  /** Short name for the summary line. */
  what: string;
  /** Why it counts as missing, and what gives it. */
  fix: string;
}

const TOOL_FIX: Record<(typeof KIND_TOOLS)[number], string> = {
  docker: 'not on PATH; kind runs its clusters as Docker containers (https://docs.docker.com/engine/install/)',
  go: 'not on PATH; local-up-karmada.sh builds Karmada\'s images from the checkout with it (https://go.dev/doc/install)',
  kind: 'not on PATH (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
  kubectl: 'not on PATH (https://kubernetes.io/docs/tasks/tools/)',
};

/** Everything --kind lacks here, in a fixed order: the tools, Docker's daemon, the checkout. */
export function missingForKind(f: KindFacts): Missing[] {
  const missing: Missing[] = KIND_TOOLS.filter((t) => !findOnPath(t, f.path, f.isExecutable)).map((t) => ({ what: t, fix: TOOL_FIX[t] }));
  if (f.dockerDaemon && !f.dockerDaemon.answers) missing.push({ what: 'a running Docker daemon', fix: `docker is on PATH but \`docker info\` failed: ${f.dockerDaemon.detail}` });
  const root = f.karmadaRepoRoot?.trim();
  if (!root) missing.push({ what: 'a Karmada checkout', fix: 'KARMADA_REPO_ROOT is not set; git clone https://github.com/karmada-io/karmada and set KARMADA_REPO_ROOT to it' });
  else if (!f.isFile(join(root, LOCAL_UP_KARMADA))) missing.push({ what: 'a Karmada checkout', fix: `no ${LOCAL_UP_KARMADA} in KARMADA_REPO_ROOT=${root}; it must be a clone of https://github.com/karmada-io/karmada` });
  return missing;
}

/** One message naming all of it: the summary line first (what a test matches), then one line each. */
export function kindMissingMessage(missing: readonly Missing[]): string {
  return [`--kind: missing ${missing.map((m) => m.what).join(', ')}`, ...missing.map((m) => `  ${m.what}: ${m.fix}`)].join('\n');
}

/**
 * How local-up-karmada.sh is run: from the caller's directory, with
 * KUBECONFIG_PATH set to where the check then reads karmada.config and
 * members.config, and Karmada's other variables (MEMBER_CLUSTER_*_NAME,
 * HOST_CLUSTER_NAME, …) passed on as given, so both read the same names.
 */
export function localUpCommand(karmadaRepoRoot: string, kubeconfigDir: string): { command: string; args: string[]; env: Record<string, string> } {
  return { command: 'bash', args: [join(karmadaRepoRoot.trim(), LOCAL_UP_KARMADA)], env: { KUBECONFIG_PATH: kubeconfigDir } };
}

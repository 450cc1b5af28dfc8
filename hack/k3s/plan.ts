/**
 * `npm run members:k3s`: what to start, from the command line, and what to
 * say when there is no container engine (pure; hack/k3s-members.ts does the
 * I/O). docs/local-environment.md, "Members in containers", says more.
 */

/**
 * K3s of the Kubernetes minor the local environment builds (hack/tools/k8s).
 * Not pulled on the machines this project is developed on (no Docker engine
 * there): `--image` chooses another where this tag does not exist.
 */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.35.4-k3s1';
export const DEFAULT_PREFIX = 'k3s';
const MAX_MEMBERS = 5;

export const K3S_HELP = `Usage: npm run members:k3s -- [--count=N] [--prefix=NAME] [--image=IMAGE] [--check]

Starts N K3s clusters in containers (testcontainers' K3s module) and joins
them to the running local environment's Karmada as Push members, named
<prefix>1..<prefix>N, with the MCS CRDs (crds/mcs-api) applied to each, as
the environment's own members have them. Stays in the foreground; Ctrl-C
(or SIGTERM) deletes the Clusters and stops the containers. Not part of
npm test: it needs a Docker engine, and exits 1 saying so when there is none.

  --count=N      members to start, 1-${MAX_MEMBERS} (default 1)
  --prefix=NAME  their names' prefix (default ${DEFAULT_PREFIX}; a DNS label: Karmada rejects dots)
  --image=IMAGE  the K3s image (default ${DEFAULT_K3S_IMAGE})
  --check        only look for a container engine: exit 0 naming it, 1 saying why there is none
  -h, --help     this text

Exit codes: 0 stopped cleanly (or --check found an engine); 1 no container
engine, no local environment, or a join failed; 2 usage.`;

export interface K3sOptions {
  count: number;
  prefix: string;
  image: string;
  checkOnly: boolean;
}

export type Parsed = { kind: 'run'; options: K3sOptions } | { kind: 'help' } | { kind: 'usage'; message: string };

/** The command line, or what is wrong with it. */
export function parseK3sArgs(argv: readonly string[]): Parsed {
  const options: K3sOptions = { count: 1, prefix: DEFAULT_PREFIX, image: DEFAULT_K3S_IMAGE, checkOnly: false };
  for (const arg of argv) {
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--check') {
      options.checkOnly = true;
      continue;
    }
    const m = /^--(count|prefix|image)=(.*)$/.exec(arg);
    if (!m) return { kind: 'usage', message: `unknown argument ${JSON.stringify(arg)}` };
    const [, flag, value = ''] = m;
    if (flag === 'count') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_MEMBERS) return { kind: 'usage', message: `--count: want a whole number from 1 to ${MAX_MEMBERS}, got ${JSON.stringify(value)}` };
      options.count = n;
    } else if (flag === 'prefix') {
      // The names become Cluster names and the suffix of Karmada's execution namespaces: DNS labels.
      if (!/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/.test(value)) return { kind: 'usage', message: `--prefix: want a lower-case DNS label of at most 42 characters, got ${JSON.stringify(value)}` };
      options.prefix = value;
    } else {
      if (value.trim() === '') return { kind: 'usage', message: '--image: empty' };
      options.image = value;
    }
  }
  return { kind: 'run', options };
}

/** The members' names; refuses one the federation already has (joining would take over its Cluster). */
export function memberNames(o: K3sOptions, existingClusters: readonly string[]): { names: string[] } | { clash: string[] } {
  const names = Array.from({ length: o.count }, (_, i) => `${o.prefix}${i + 1}`);
  const clash = names.filter((n) => existingClusters.includes(n));
  return clash.length > 0 ? { clash } : { names };
}

/** What to say when testcontainers finds no container engine: the reason, and what would give one. */
export function noEngineMessage(detail: string): string {
  return [
    `members:k3s: no container engine: ${detail}`,
    'testcontainers needs a running Docker (or Podman with its Docker socket): set DOCKER_HOST, or start the daemon.',
    'The local environment itself needs none (npm run env:up); only these containerised members do.',
  ].join('\n');
}

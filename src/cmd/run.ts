/**
 * `clusterset-dns run`: its flags, help and parser. The wiring — the caches,
 * the ServiceImport controller, the event recorder, --manage-coredns, the
 * Manager — is in ./run-manager.ts, imported only once the flags are good.
 */
import type { InstallOptions } from '../coredns/install.js';
import { WRITE_ROUTE_FLAGS, type WriteRouteFlag } from '../serviceimport/route.js';
import { DEFAULT_METRICS_ADDRESS, DEFAULT_PROBE_ADDRESS, parseBindAddress } from '../runtime/health.js';
import { resolveLevel } from '../runtime/log-level.js';
import { DEFAULT_LEASE_NAMESPACE } from '../runtime/leaderelection/lease-namespace.js';
import { COREDNS_FLAGS, parseInstallOptions } from './coredns.js';
import { HELP_FLAG, UsageError, flagHelp, parseFlags, type FlagSpec, type FlagValues, type HelpRequest } from './internal/flags.js';
import { parseOrExit, processIo, type Io } from './internal/io.js';
import { MEMBER_ACCESS_FLAG, parseMemberAccess } from './internal/target.js';


/** `coredns install`'s option flags, taken as they are, for --manage-coredns. */
const MANAGE_COREDNS_FLAGS = COREDNS_FLAGS.filter((f) =>
  ['zone', 'coredns-namespace', 'coredns-deployment', 'coredns-configmap', 'coredns-version', 'coredns-flavor', 'ttl', 'header-ra-fix', 'rollout', 'rollout-timeout'].includes(f.name));
const MANAGE_COREDNS_DEFAULTS = parseFlags(MANAGE_COREDNS_FLAGS, [], {});

/**
 * The install options --manage-coredns uses, validated by `coredns install`'s
 * own parser. Throws UsageError; undefined without --manage-coredns, where
 * setting one of its flags is a mistake worth saying.
 */
export function manageCorednsOptions(flags: FlagValues): InstallOptions | undefined {
  if (flags['manage-coredns']) return parseInstallOptions(flags);
  const given = MANAGE_COREDNS_FLAGS.filter((f) => flags[f.name] !== MANAGE_COREDNS_DEFAULTS[f.name]);
  if (given.length > 0) throw new UsageError(`${given.map((f) => `--${f.name}`).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} with --manage-coredns only`);
  return undefined;
}

/**
 * A cold fill is bound by write latency, not CPU: each reconcile that writes
 * spends most of its time waiting for the API server, one write after
 * another. 16 workers keep 8-16 writes in flight per member API server for
 * one or two members (docs/design.md#runtime).
 */
export const DEFAULT_WORKERS = 16;

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', default: '', help: 'Kubeconfig of the Karmada API server (karmada-apiserver). Empty: $KUBECONFIG, then in-cluster config; never ~/.kube/config (docs/cli.md).' },
  { name: 'context', kind: 'string', default: '', env: 'KARMADA_CONTEXT', help: 'Context in --kubeconfig to use. Empty: its current context.' },
  MEMBER_ACCESS_FLAG,
  { name: 'leader-elect', kind: 'bool', default: 'true', help: 'Elect a leader on a Lease in the Karmada control plane, so replicas never write at once (client-go timings: 15s lease, 10s renew deadline, 2s retry).' },
  { name: 'leader-election-namespace', kind: 'string', default: DEFAULT_LEASE_NAMESPACE, help: 'Namespace of the leader-election Lease, on the Karmada API server.' },
  { name: 'leader-election-id', kind: 'string', default: 'clusterset-dns', help: 'Name of the leader-election Lease.' },
  { name: 'write-route', kind: 'string', default: 'auto', help: 'How Karmada-managed member ServiceImports get spec.ips: "retain" patches the member and relies on the retention rule (`clusterset-dns karmada install`) to keep it; "override-policy" writes one OverridePolicy per ServiceImport; "auto" uses retain while the rule is installed and usable, OverridePolicies otherwise (docs/design.md#where-writes-go).' },
  { name: 'workers', kind: 'int', default: String(DEFAULT_WORKERS), help: `ServiceImport keys reconciled in parallel. A reconcile that writes waits on the API server, so a cold fill (every import at start-up) goes as fast as writes in flight allow; ${DEFAULT_WORKERS} keeps about ${DEFAULT_WORKERS / 2} writes in flight per member API server with two members (docs/design.md#runtime).` },
  { name: 'health-probe-bind-address', kind: 'string', default: DEFAULT_PROBE_ADDRESS, help: 'Address of /healthz and /readyz, unauthenticated ("0" disables). Loopback by default; in a pod give ":8081" so kubelet can probe it, as config/host does (docs/security.md).' },
  { name: 'metrics-bind-address', kind: 'string', default: DEFAULT_METRICS_ADDRESS, help: 'Address of /metrics, unauthenticated ("0" disables; the same as the probe address serves both on one port). Loopback by default; in a pod give ":8080" so Prometheus can scrape it, as config/host does.' },
  { name: 'local-first', kind: 'bool', default: 'false', help: 'Prefer the importing member\'s own <svc> while it has ready endpoints (docs/local-first.md). Per ServiceImport, the annotation clusterset-dns.io/local-first: "true"|"false" wins.' },
  { name: 'failover-debounce', kind: 'duration', default: '200ms', help: 'Local-first: how long "no ready local endpoint" must last before failing over (absorbs EndpointSlice replacement).' },
  { name: 'fail-back-hold-down', kind: 'duration', default: '30s', help: 'Local-first: how long the local copy must stay ready before failing back, so a flapping pod cannot flap DNS.' },
  { name: 'auto-import', kind: 'bool', default: 'false', help: 'Import every exported Service everywhere: a ServiceExport made in any member (or propagated there) gets a ServiceImport in the control plane and a PropagationPolicy to every member where its namespace exists, merged and with conditions on each ServiceExport, per the Multi-Cluster Services API. Needs config/karmada/auto-import (docs/auto-import.md).' },
  { name: 'manage-coredns', kind: 'bool', default: 'false', help: 'Set CoreDNS up in every member as it joins, as `clusterset-dns coredns install` does (RBAC + Corefile stanza; refusals and "set up by someone else" are respected; retried with backoff). The leader does it. The --zone, --coredns-*, --ttl, --header-ra-fix and --rollout* flags below apply to it. docs/coredns.md.' },
  ...MANAGE_COREDNS_FLAGS,
  { name: 'log-level', kind: 'string', default: 'info', env: 'LOG_LEVEL', help: 'fatal, error, warn, info, debug or trace. Logs are JSON on stdout; tokens are never logged.' },
  HELP_FLAG,
];

export const RUN_HELP = `Usage: clusterset-dns run [flags]

Fills ServiceImport.spec.ips in every importing member cluster of a Karmada
federation with that member's derived-<svc> ClusterIP, so CoreDNS answers
<svc>.<ns>.svc.clusterset.local. Karmada-managed member ServiceImports are
patched in the member and kept by Karmada's retention rule, or written through
one OverridePolicy per ServiceImport (clusterset-dns-<name>) without it (see
--write-route). A ServiceImport Karmada does not propagate is written only when
annotated clusterset-dns.io/fill-ips=true. See docs/architecture.md.

Exit codes: 0 stopped by SIGTERM or SIGINT; 1 failed (a port in use, or a part stopped
unexpectedly; the logs say why); 2 usage (a flag, or the kubeconfig or context it names).

Flags (some can also come from the environment variable shown):
${flagHelp(RUN_FLAGS)}
`;

export interface RunCommand {
  flags: FlagValues;
  coredns: InstallOptions | undefined;
}

/** argv (after "run") → the flags, checked; pure but for the environment variables the flags read. Throws UsageError. */
export function parseRunArgs(argv: string[], env: Record<string, string | undefined> = process.env): RunCommand | HelpRequest {
  if (argv[0] === 'help') return { help: undefined };
  const flags = parseFlags(RUN_FLAGS, argv, env);
  if (flags['help']) return { help: undefined };
  const coredns = manageCorednsOptions(flags);
  if (!WRITE_ROUTE_FLAGS.includes(String(flags['write-route']) as WriteRouteFlag)) {
    throw new UsageError(`--write-route: want ${WRITE_ROUTE_FLAGS.join(', ')}, got ${JSON.stringify(String(flags['write-route']))}`);
  }
  if (Number(flags['workers']) < 1) throw new UsageError('--workers: want at least 1');
  parseMemberAccess(flags);
  // The parsers the logger and the health server use, run now: a bad value is a usage error before anything starts.
  const checks: Array<[string, (v: string) => unknown]> = [
    ['log-level', (v) => resolveLevel({ level: v })],
    ['health-probe-bind-address', parseBindAddress],
    ['metrics-bind-address', parseBindAddress],
  ];
  for (const [name, check] of checks) {
    try {
      check(String(flags[name]));
    } catch (e) {
      throw new UsageError(`--${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { flags, coredns };
}

export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const parsed = parseOrExit('run', () => RUN_HELP, parseRunArgs, argv, io);
  if (typeof parsed === 'number') return parsed;
  // Loaded only now, so --help and usage errors never load @kubernetes/client-node, pino or prom-client (docs/cli.md).
  return (await import('./run-manager.js')).runManager(parsed, io);
}

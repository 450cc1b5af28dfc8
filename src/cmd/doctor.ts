/**
 * `clusterset-dns doctor`: wiring only. Parses the flags (pure:
 * parseDoctorArgs), finds the members as `coredns` does (through Karmada's
 * Cluster objects, or one --member-kubeconfig), observes each
 * (src/doctor/observe.ts), turns the observations into check results
 * (src/doctor/checks.ts, pure) and prints them (src/doctor/format.ts).
 *
 * --dns: a CoreDNS answers only for its own member, so a bare HOST:PORT needs
 * exactly one member (--cluster NAME or --member-kubeconfig); several members
 * take NAME=HOST:PORT pairs. Members without an address skip the live query.
 *
 * Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage.
 */
import { isIP } from 'node:net';
import { runChecks, type CheckResult } from '../doctor/checks.js';
import type { DoctorObservation, MemberObservation } from '../doctor/observation.js';
import { exitCode, formatResults } from '../doctor/format.js';
import type { MemberOptions } from '../doctor/observe.js';
import type { StatusOptions } from '../coredns/status.js';
import { WRITE_ROUTE_FLAGS, type WriteRouteFlag } from '../serviceimport/route.js';
import { apiErrorMessage } from '../kube/errors.js';
import { MCS_GROUP, MCS_VERSION } from '../kube/gvr.js';
import { corednsFlag, parseCoreDnsOptions } from './coredns.js';
import { HELP_FLAG, OUTPUT_FLAG, UsageError, flagHelp, parseFlags, type FlagSpec, type HelpRequest, type Output } from './internal/flags.js';
import { parseOrExit, processIo, reportError, type Io } from './internal/io.js';
import type { FoundMember } from './internal/members.js';
import { parseTarget, type Target } from './internal/target.js';

const fromCoreDns = corednsFlag;

export const DOCTOR_FLAGS: FlagSpec[] = [
  { name: 'cluster', kind: 'string', default: '', help: 'Member cluster(s) to check, by Karmada Cluster name, comma-separated. Empty: every Cluster in Karmada.' },
  { name: 'all', kind: 'bool', default: 'false', help: 'Check every Cluster registered in Karmada (the default when --cluster is not given).' },
  fromCoreDns('kubeconfig'),
  fromCoreDns('context'),
  { name: 'member-kubeconfig', kind: 'string', default: '', help: 'Check one member directly with this kubeconfig instead of through Karmada (no --cluster/--all). There is no control plane then: the checks that need it are skipped, with the reason.' },
  fromCoreDns('member-context'),
  fromCoreDns('member-access'),
  { name: 'service', kind: 'string', default: '', help: 'Check only this ServiceImport, as NAMESPACE/NAME. Empty: every ServiceImport in the members checked.' },
  { name: 'dns', kind: 'string', default: '', help: 'Query this CoreDNS and compare its answers with spec.ips: HOST:PORT (an IP; port 53 when omitted) with exactly one member, or NAME=HOST:PORT[,NAME=HOST:PORT...] for several. Empty: no live query.' },
  { name: 'dns-timeout', kind: 'duration', default: '2s', help: 'How long to wait for each DNS answer (two tries).' },
  fromCoreDns('zone'),
  fromCoreDns('coredns-namespace'),
  fromCoreDns('coredns-deployment'),
  fromCoreDns('coredns-configmap'),
  fromCoreDns('coredns-version'),
  fromCoreDns('coredns-flavor'),
  { name: 'local-first', kind: 'bool', default: 'false', help: 'The controller runs with --local-first: expect the local ClusterIP while the member\'s own <svc> has ready endpoints (the ServiceImport\'s clusterset-dns.io/local-first annotation still wins).' },
  { name: 'write-route', kind: 'string', default: 'auto', help: `The controller's --write-route (${WRITE_ROUTE_FLAGS.join(', ')}): the retention-rule check and the ips checks follow the route it would take from the rule doctor sees; retain without a usable rule fails.` },
  OUTPUT_FLAG,
  HELP_FLAG,
];

export const DOCTOR_HELP = `Usage: clusterset-dns doctor [--cluster NAME[,NAME...] | --all | --member-kubeconfig PATH] [--service NS/NAME] [--dns HOST:PORT | --dns NAME=HOST:PORT,...] [--output json]

Checks, in the Karmada control plane:
  retention-rule  Karmada's retention rule for ServiceImport is ours and usable (installed, outdated,
                  missing or taken by another customization), and which way --write-route writes spec.ips
and, for each member, every link between a ServiceImport and a CoreDNS answer:
  access          the member is reachable (through its Karmada Cluster object, or --member-kubeconfig)
  crds            serviceimports/serviceexports.${MCS_GROUP} installed, ${MCS_VERSION} served
  crd-flavour     which CRDs (mcs-api, karmada, other) and what the member cannot do with them
  coredns-version the CoreDNS image's version and the flavour it can serve (in-tree >= 1.12.2)
  coredns-rbac    CoreDNS's service account may list and watch serviceimports (SubjectAccessReview)
  corefile        the Corefile serves the clusterset zone (installed, or a working foreign setup)
  dns             with --dns: the server answers for the zone (NXDOMAIN for a name that cannot exist)
and for each ServiceImport (or the one --service names):
  ports           spec.ports is not empty (CoreDNS answers NXDOMAIN without ports)
  ips             spec.ips holds what the controller would write (its own decision code, run here)
  answer          with --dns: a live A/AAAA query returns exactly spec.ips
Every failure comes with a one-line fix. A DNS answer can lag spec.ips by the cache's lifetime
(kubeadm's cache 30 keeps clusterset answers, negative ones too): the detail says so.
See docs/doctor.md.

Exit codes: 0 nothing failed (warnings allowed); 1 a check failed; 2 usage.

Flags:
${flagHelp(DOCTOR_FLAGS)}
`;

export type DnsTargets = { kind: 'none' } | { kind: 'one'; server: string } | { kind: 'per-member'; servers: Record<string, string> };

export interface DoctorCommand {
  target: Target;
  service?: { namespace: string; name: string };
  dns: DnsTargets;
  dnsTimeoutMs: number;
  zone: string;
  coredns: StatusOptions;
  localFirst: boolean;
  writeRoute: WriteRouteFlag;
  output: Output;
}

/** "127.0.0.1:5353", "[fd00::1]:53", "10.96.0.10" → the form node:dns's setServers takes; pure. */
export function parseDnsServer(s: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(s);
  const host = v6?.[1] ?? v4?.[1];
  const port = Number(v6?.[2] ?? v4?.[2] ?? '53');
  // node:dns takes IP addresses only: a host name here would need a resolver to find the resolver.
  if (host === undefined || isIP(host) === 0) throw new UsageError(`--dns: want an IP address with an optional port (HOST:PORT, [IPv6]:PORT), got ${JSON.stringify(s)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--dns: port out of range in ${JSON.stringify(s)}`);
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** argv (after "doctor") → what to check; pure. Throws UsageError; returns a HelpRequest for --help. */
export function parseDoctorArgs(argv: string[]): DoctorCommand | HelpRequest {
  if (argv[0] === 'help') return { help: undefined };
  // No environment: like `coredns`, a stray variable must not change what is checked.
  const f = parseFlags(DOCTOR_FLAGS, argv, {});
  if (f['help']) return { help: undefined };
  const str = (name: string) => String(f[name]).trim();

  const target = parseTarget(f, { defaultAll: true });

  let service: DoctorCommand['service'];
  if (str('service') !== '') {
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(str('service'));
    if (!m?.[1] || !m[2]) throw new UsageError(`--service: want NAMESPACE/NAME, got ${JSON.stringify(str('service'))}`);
    service = { namespace: m[1], name: m[2] };
  }

  let dns: DnsTargets = { kind: 'none' };
  const dnsRaw = str('dns');
  if (dnsRaw !== '') {
    const parts = dnsRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const named = parts.filter((p) => p.includes('='));
    if (named.length === 0) {
      if (parts.length !== 1) throw new UsageError('--dns: one HOST:PORT, or NAME=HOST:PORT pairs for several members');
      const one = target.kind === 'direct' || (target.clusters !== 'all' && target.clusters.length === 1);
      if (!one) throw new UsageError('--dns HOST:PORT is one member\'s CoreDNS: name that member with --cluster NAME, or give --dns NAME=HOST:PORT,NAME=HOST:PORT for several');
      dns = { kind: 'one', server: parseDnsServer(parts[0] ?? '') };
    } else {
      if (named.length !== parts.length) throw new UsageError('--dns: do not mix HOST:PORT with NAME=HOST:PORT');
      if (target.kind === 'direct') throw new UsageError('--member-kubeconfig checks one member: give --dns HOST:PORT without a name');
      const servers: Record<string, string> = {};
      for (const p of parts) {
        const i = p.indexOf('=');
        const name = p.slice(0, i).trim();
        if (name === '') throw new UsageError(`--dns: no member name in ${JSON.stringify(p)}`);
        if (name in servers) throw new UsageError(`--dns: ${name} given twice`);
        if (target.clusters !== 'all' && !target.clusters.includes(name)) throw new UsageError(`--dns names ${name}, which --cluster does not list`);
        servers[name] = parseDnsServer(p.slice(i + 1).trim());
      }
      dns = { kind: 'per-member', servers };
    }
  }
  const dnsTimeoutMs = Number(f['dns-timeout']);
  if (dnsTimeoutMs <= 0) throw new UsageError('--dns-timeout must be more than 0');

  const { options, output } = parseCoreDnsOptions(f);
  const writeRoute = str('write-route');
  if (!WRITE_ROUTE_FLAGS.includes(writeRoute as WriteRouteFlag)) throw new UsageError(`--write-route: want ${WRITE_ROUTE_FLAGS.join(', ')}, got ${JSON.stringify(writeRoute)}`);

  return {
    target,
    ...(service ? { service } : {}),
    dns,
    dnsTimeoutMs,
    zone: options.zone,
    coredns: options,
    localFirst: f['local-first'] === true,
    writeRoute: writeRoute as WriteRouteFlag,
    output,
  };
}

/** How a fix names a member, so it can be pasted as it is. */
function memberFlag(target: Target): (member: string) => string {
  if (target.kind === 'direct') return () => `--member-kubeconfig ${target.kubeconfig}${target.context ? ` --member-context ${target.context}` : ''}`;
  const cp = `${target.kubeconfig ? `--kubeconfig ${target.kubeconfig} ` : ''}${target.context ? `--context ${target.context} ` : ''}`;
  return (member) => `${cp}--cluster ${member}`;
}

export async function doctor(argv: string[], io: Io = processIo): Promise<number> {
  const cmd = parseOrExit('doctor', () => DOCTOR_HELP, parseDoctorArgs, argv, io);
  if (typeof cmd === 'number') return cmd;
  const output = cmd.output;
  const print = (results: CheckResult[]) => {
    io.stdout(formatResults(results, output));
    return exitCode(results);
  };

  // Loaded after parsing, so --help and usage errors never load @kubernetes/client-node (docs/cli.md).
  const [{ findMembers }, { observeControlPlane, observeMember }] = await Promise.all([import('./internal/members.js'), import('../doctor/observe.js')]);
  const obs: DoctorObservation = { mode: cmd.target.kind, members: [], ...(cmd.service ? { service: cmd.service } : {}) };
  let members: FoundMember[];
  try {
    const found = await findMembers(cmd.target);
    members = found.members;
    if (found.controlPlane) obs.controlPlane = await observeControlPlane(found.controlPlane, cmd.service ? { service: cmd.service } : {});
  } catch (e) {
    if (e instanceof UsageError) return reportError('doctor', e, io);
    // Without the member list nothing else can be checked; still a result, with its fix.
    return print([{ cluster: null, check: 'control-plane', status: 'fail', detail: `cannot list the members (Cluster objects): ${apiErrorMessage(e)}`, fix: 'check that --kubeconfig/--context point at the Karmada API server (karmada-apiserver) and that it answers' }]);
  }
  if (members.length === 0) {
    return print([{ cluster: null, check: 'control-plane', status: 'fail', detail: 'no Cluster objects on the Karmada API server', fix: 'check that --kubeconfig/--context point at karmada-apiserver, and join members (karmadactl join)' }]);
  }
  const dns = cmd.dns;
  if (dns.kind === 'per-member') {
    const unknown = Object.keys(dns.servers).filter((n) => !members.some((m) => m.cluster === n));
    if (unknown.length > 0) {
      return reportError('doctor', new UsageError(`--dns names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not among the members (${members.map((m) => m.cluster).join(', ')})`), io);
    }
  }
  const base: Omit<MemberOptions, 'dns'> = { coredns: cmd.coredns, zone: cmd.zone, dnsTimeoutMs: cmd.dnsTimeoutMs, ...(cmd.service ? { service: cmd.service } : {}) };
  obs.members = await Promise.all(members.map((m): Promise<MemberObservation> => {
    if ('error' in m) return Promise.resolve({ member: m.cluster, reached: false, reason: m.error });
    const server = dns.kind === 'one' ? dns.server : dns.kind === 'per-member' ? dns.servers[m.cluster] : undefined;
    return observeMember(m.cluster, m.kc, { ...base, ...(server ? { dns: server } : {}) });
  }));
  return print(runChecks(obs, { zone: cmd.zone, localFirst: cmd.localFirst, writeRoute: cmd.writeRoute, now: Date.now(), memberFlag: memberFlag(cmd.target) }));
}

/**
 * `clusterset-dns doctor`, the pure half: what was observed (src/doctor/observe.ts
 * gathers it) → one result per link of the chain, each `pass`, `fail`, `warn`
 * or `skip`, with a detail and, for every failure, a one-line fix.
 *
 * "What the controller would write" is never worked out here: the one-shot
 * lists become the same Caches interface the controller reads
 * (src/doctor/list-caches.ts), then buildSnapshot and decide — the controller's own
 * code — give the answer.
 */
import { KARMADA_MANAGED_LABEL } from '../api/karmada.js';
import { MCS_VERSION, SERVICEEXPORT_CRD as SE_CRD, SERVICEIMPORT_CRD as SI_CRD } from '../kube/gvr.js';
import { key } from '../api/meta.js';
import { parseServiceImport } from '../api/guards.js';
import type { ServiceImport } from '../api/mcs.js';
import { buildSnapshot } from '../serviceimport/build-snapshot.js';
import { decide, derivedIps, sameIps, type Decision, type Route } from '../serviceimport/decide.js';
import type { ManagedRoute, WriteRouteFlag } from '../serviceimport/route.js';
import { FILL_IPS_ANNOTATION, FILL_IPS_VALUE, fillsIps } from '../api/ownership.js';
import { DEFAULT_LOCAL_FIRST, localFirstEnabled } from '../serviceimport/localfirst.js';
import { overridePolicyName } from '../serviceimport/overridepolicy.js';
import type { MemberView } from '../serviceimport/snapshot.js';
import { COREDNS_ROLE_NAME } from '../coredns/rbac.js';
import { ipsMaxItemsOf, servedVersionsOf } from '../karmada/crd-schema.js';
import { crdFlavourCheck } from './crd-flavour-check.js';
import { listCaches } from './list-caches.js';
import { doctorRoute, retentionCheck } from './retention-check.js';
import type { ApiFailure, CpLists, DnsAnswer, DnsObservation, DoctorObservation, Listed, MemberObservation, ReachedMember as Reached } from './observation.js';

// ---------------------------------------------------------------------------
// Results

export type Status = 'pass' | 'fail' | 'warn' | 'skip';

export type CheckName =
  | 'control-plane'
  | 'retention-rule'
  | 'service'
  | 'access'
  | 'read'
  | 'crds'
  | 'crd-flavour'
  | 'coredns-version'
  | 'coredns-rbac'
  | 'corefile'
  | 'node-local-dns'
  | 'dns'
  | 'serviceimport'
  | 'ports'
  | 'ips'
  | 'answer';

export interface CheckResult {
  /** The member cluster, by its Karmada Cluster name (what --cluster takes); null for the control plane. */
  cluster: string | null;
  check: CheckName;
  /** "namespace/name" for per-ServiceImport checks. */
  service?: string;
  status: Status;
  detail: string;
  /** One line saying what to do; always present on `fail`. */
  fix?: string;
}

export interface CheckOptions {
  zone: string;
  /** The controller runs with --local-first (doctor cannot see its flags). */
  localFirst: boolean;
  /** ms; local-first decisions are taken "now", as a freshly started controller would. */
  now: number;
  /** How a fix should name the member: `--cluster member2` or `--member-kubeconfig PATH`. */
  memberFlag: (member: string) => string;
  /** The controller's --write-route (doctor cannot see its flags). */
  writeRoute: WriteRouteFlag;
}

/** The options, with the route for Karmada-managed importers that the controller would choose from what doctor saw. */
type Resolved = CheckOptions & { managedRoute: ManagedRoute };

const list = (ips: readonly string[]) => (ips.length === 0 ? 'none' : ips.join(', '));

/** A fix for an API error that is about our own identity or connection, not about the chain. */
function apiFix(code: number | undefined, member: string | null): string {
  const where = member === null ? 'the Karmada API server' : member;
  if (code === 403) return `run doctor as an identity that may read there (a cluster admin of ${where}), or grant the verb the message names`;
  if (code === 401) return `the credentials for ${where} are rejected; renew them (for a member reached through Karmada: its Cluster's Secret)`;
  return member === null ? 'check that --kubeconfig/--context point at the Karmada API server and that it answers' : `check that ${member}'s API server answers from here (kubectl --context ${member} get --raw /readyz)`;
}

export function runChecks(obs: DoctorObservation, options: CheckOptions): CheckResult[] {
  const opts: Resolved = { ...options, managedRoute: doctorRoute(obs, options.writeRoute) };
  const out: CheckResult[] = [];
  const cp = controlPlaneChecks(obs, out);
  if (obs.mode === 'karmada') out.push(retentionCheck(obs, opts.writeRoute));
  const readable = obs.members.filter((m): m is Reached => m.reached && readsOk(m));
  const caches = listCaches(cp, readable);

  if (obs.service) {
    const k = key(obs.service.namespace, obs.service.name);
    const inCp = cp?.serviceImports.some((s) => s.metadata.namespace === obs.service?.namespace && s.metadata.name === obs.service?.name) ?? false;
    const inMembers = readable.filter((m) => m.serviceImports.ok && m.serviceImports.value.some((s) => key(s.metadata.namespace ?? '', s.metadata.name) === k));
    if (!inCp && inMembers.length === 0) {
      out.push({
        cluster: null, check: 'service', service: k, status: 'fail',
        detail: `ServiceImport ${k} exists neither in the Karmada control plane${obs.mode === 'direct' ? ' (not read: --member-kubeconfig)' : ''} nor in any member checked`,
        fix: `create ServiceImport ${k} in the Karmada control plane with a PropagationPolicy that places it in the importing members (or check --service)`,
      });
    } else {
      out.push({ cluster: null, check: 'service', service: k, status: 'pass', detail: `found in ${[...(inCp ? ['the control plane'] : []), ...inMembers.map((m) => m.member)].join(', ')}` });
    }
  }

  for (const m of obs.members) out.push(...memberChecks(m, obs, cp, caches, opts));
  return out;
}

/** The control plane's lists, or undefined (direct mode, or unreadable: a result says which). */
function controlPlaneChecks(obs: DoctorObservation, out: CheckResult[]): CpLists | undefined {
  if (obs.mode === 'direct' || obs.controlPlane === undefined) {
    out.push({
      cluster: null, check: 'control-plane', status: 'skip',
      detail: 'no control plane with --member-kubeconfig: the control-plane ServiceImport, our OverridePolicy and the spec.ips the controller would write for Karmada-managed imports are not checked; run doctor through Karmada (--cluster NAME) for those',
    });
    return undefined;
  }
  const c = obs.controlPlane;
  if ('error' in c) {
    out.push({ cluster: null, check: 'control-plane', status: 'fail', detail: c.error, fix: apiFix(undefined, null) });
    return undefined;
  }
  for (const [what, l] of [['serviceimports', c.serviceImports], ['overridepolicies', c.overridePolicies], ['namespaces', c.namespaces]] as const) {
    if (!l.ok) {
      out.push({ cluster: null, check: 'control-plane', status: 'fail', detail: `cannot list ${what} on the Karmada API server: ${l.reason}`, fix: apiFix(l.code, null) });
      return undefined;
    }
  }
  const lists: CpLists = { serviceImports: okItems(c.serviceImports), overridePolicies: okItems(c.overridePolicies), namespaces: okItems(c.namespaces) };
  out.push({ cluster: null, check: 'control-plane', status: 'pass', detail: `read ${lists.serviceImports.length} ServiceImport(s) and ${lists.overridePolicies.length} OverridePolicy(ies) from the Karmada API server` });
  return lists;
}

const okItems = <T>(l: Listed<T>): T[] => (l.ok ? l.value : []);

/** The member lists a snapshot needs all answered (the MCS ones may 404: CRD missing is its own check). */
function readsOk(m: Reached): boolean {
  const mcsOk = (l: Listed<unknown>) => l.ok || l.code === 404;
  return m.services.ok && m.namespaces.ok && m.endpointSlices.ok && mcsOk(m.serviceImports) && mcsOk(m.serviceExports) && m.crds.serviceimports.ok;
}

function memberChecks(m: MemberObservation, obs: DoctorObservation, cp: CpLists | undefined, caches: ReturnType<typeof listCaches>, opts: Resolved): CheckResult[] {
  const member = m.member;
  const r = (check: CheckName, status: Status, detail: string, fix?: string, service?: string): CheckResult => ({
    cluster: member, check, ...(service !== undefined ? { service } : {}), status, detail, ...(fix !== undefined ? { fix } : {}),
  });
  if (!m.reached) {
    return [r('access', 'fail', m.reason, /--member-kubeconfig/.test(m.reason) ? 'fix the Cluster\'s credentials in Karmada, or reach the member directly with --member-kubeconfig PATH' : `check ${member}'s Cluster object and its Secret in the Karmada control plane (kubectl --context karmada-apiserver get cluster ${member} -o yaml)`)];
  }
  const out: CheckResult[] = [];
  if (!m.namespaces.ok && m.namespaces.code === undefined) {
    out.push(r('access', 'fail', `${member}'s API server does not answer: ${m.namespaces.reason}`, apiFix(undefined, member)));
    return out;
  }
  out.push(r('access', 'pass', obs.mode === 'karmada' ? 'reached through its Karmada Cluster object' : 'reached with --member-kubeconfig'));

  const failedReads = ([
    ['namespaces', m.namespaces], ['services', m.services], ['endpointslices', m.endpointSlices], ['serviceimports', m.serviceImports], ['serviceexports', m.serviceExports],
  ] as const).filter(([, l]) => !l.ok && l.code !== 404) as Array<[string, { ok: false; reason: string } & ApiFailure]>;
  if (failedReads.length > 0) {
    const [, first] = failedReads[0] as [string, { reason: string } & ApiFailure];
    out.push(r('read', 'fail', `cannot list ${failedReads.map(([w]) => w).join(', ')}: ${first.reason}`, apiFix(first.code, member)));
  }

  out.push(crdCheck(m, r, opts.memberFlag));
  out.push(crdFlavourCheck(m, opts.memberFlag));
  out.push(...corednsChecks(m, opts, r));
  if (m.dns) out.push(dnsProbeCheck(m.dns, opts.zone, m.coredns.ok ? m.coredns.value.corefile.status : undefined, r));
  else out.push(r('dns', 'skip', `no DNS address for ${member}: pass --dns HOST:PORT (one member) or --dns ${member}=HOST:PORT to query its CoreDNS`));

  if (!readsOk(m)) {
    out.push(r('serviceimport', 'skip', `cannot read ${member}'s objects (see read/crds): ServiceImports not checked`));
    return out;
  }
  let imports = m.serviceImports.ok ? m.serviceImports.value : [];
  if (obs.service) {
    const want = key(obs.service.namespace, obs.service.name);
    imports = imports.filter((s) => key(s.metadata.namespace ?? '', s.metadata.name) === want);
    if (imports.length === 0) out.push(r('serviceimport', 'skip', `no ServiceImport ${want} in ${member}: it is not imported there`, undefined, want));
  } else if (imports.length === 0) {
    out.push(r('serviceimport', 'skip', `no ServiceImports in ${member}`));
  }
  const sorted = [...imports].sort((a, b) => key(a.metadata.namespace ?? '', a.metadata.name).localeCompare(key(b.metadata.namespace ?? '', b.metadata.name)));
  for (const si of sorted) out.push(...importChecks(m, si, obs, cp, caches, opts));
  return out;
}

type Row = (check: CheckName, status: Status, detail: string, fix?: string, service?: string) => CheckResult;

function crdCheck(m: Reached, r: Row, memberFlag: (member: string) => string): CheckResult {
  const propagate = `install the MCS CRDs in ${m.member}: clusterset-dns crds install ${memberFlag(m.member)} (mcs-api's), or propagate Karmada's ${SI_CRD} and ${SE_CRD} with a ClusterPropagationPolicy (docs/doctor.md#installing-the-mcs-crds-in-members)`;
  const parts: string[] = [];
  for (const [name, got] of [[SI_CRD, m.crds.serviceimports], [SE_CRD, m.crds.serviceexports]] as const) {
    if (!got.ok) return r('crds', 'fail', `cannot read CRD ${name}: ${got.reason}`, apiFix(got.code, m.member));
    if (got.value === undefined) {
      // Importing needs serviceimports (CoreDNS and the controller watch it); serviceexports only matters for exporting.
      if (name === SI_CRD) return r('crds', 'fail', `CRD ${name} is not installed: CoreDNS cannot answer clusterset names and the controller reports CRDMissing`, propagate);
      parts.push(`${name} not installed (this member cannot export)`);
      continue;
    }
    const versions = servedVersionsOf(got.value) ?? [];
    if (!versions.includes(MCS_VERSION)) {
      return r('crds', 'fail', `CRD ${name} is installed but does not serve ${MCS_VERSION} (serves: ${versions.join(', ') || 'none'}), which CoreDNS and the controller read; the controller reports CRDMissing`,
        `serve ${MCS_VERSION} in CRD ${name} in ${m.member}: install CRDs that serve it alongside newer versions (Karmada's do; docs/doctor.md#installing-the-mcs-crds-in-members)`);
    }
    // The limit the controller cuts spec.ips to (docs/design.md#which-ip), read the way the controller reads it.
    const mx = name === SI_CRD ? ipsMaxItemsOf(got.value) : undefined;
    parts.push(`${name}: ${versions.join(', ')}${mx !== undefined ? ` (spec.ips holds at most ${mx} IP${mx === 1 ? '' : 's'})` : ''}`);
  }
  const missingExport = m.crds.serviceexports.ok && m.crds.serviceexports.value === undefined;
  return r('crds', missingExport ? 'warn' : 'pass', parts.join('; '), missingExport ? propagate : undefined);
}

function corednsChecks(m: Reached, opts: CheckOptions, r: Row): CheckResult[] {
  const target = opts.memberFlag(m.member);
  const install = `clusterset-dns coredns install ${target}`;
  if (!m.coredns.ok) {
    return [r('coredns-version', 'fail', `cannot read CoreDNS's Deployment, ConfigMap or RBAC: ${m.coredns.reason}`, `run doctor as an identity that may read them (a cluster admin of ${m.member})`)];
  }
  const s = m.coredns.value;
  const out: CheckResult[] = [];

  // Version and flavour.
  if (s.image === null) {
    out.push(r('coredns-version', 'fail', s.summary, 'pass --coredns-deployment and --coredns-namespace where CoreDNS runs'));
  } else if (s.flavorProblem !== null) {
    out.push(r('coredns-version', 'fail', `${s.image}: ${s.flavorProblem}`,
      s.version === null ? 'pass --coredns-version MAJOR.MINOR.PATCH (or --coredns-flavor=external)' : 'upgrade CoreDNS to >= v1.12.2 (or use an image with github.com/coredns/multicluster and --coredns-flavor=external)'));
  } else {
    out.push(r('coredns-version', 'pass', `${s.version ?? 'version given by --coredns-version'} (${s.image}): ${s.flavor === 'in-tree' ? 'in-tree multicluster (>= v1.12.2)' : 'external multicluster plugin'}`));
  }

  // RBAC, as the API server sees it for CoreDNS's own account.
  if (m.sar === undefined) {
    out.push(r('coredns-rbac', 'skip', 'CoreDNS\'s service account is unknown (no Deployment, see coredns-version)'));
  } else if (!m.sar.ok) {
    out.push(r('coredns-rbac', 'fail', `cannot ask the API server (SubjectAccessReview): ${m.sar.reason}`, `run doctor as an identity that may create subjectaccessreviews.authorization.k8s.io in ${m.member} (a cluster admin)`));
  } else {
    const sar = m.sar.value;
    const denied = sar.verbs.filter((v) => !v.allowed).map((v) => v.verb);
    const user = `system:serviceaccount:${sar.serviceAccount.replace('/', ':')}`;
    if (denied.length > 0) {
      const ours = s.rbac.clusterRole && s.rbac.bound ? 'bound' : !s.rbac.clusterRole && !s.rbac.binding ? 'absent' : !s.rbac.binding ? 'no binding' : !s.rbac.clusterRole ? 'no role' : 'not bound to this account';
      out.push(r('coredns-rbac', 'fail', `${user} may not ${denied.join(', ')} ${SI_CRD} (ClusterRole/Binding ${COREDNS_ROLE_NAME}: ${ours}), so CoreDNS cannot answer clusterset names`,
        `${install} (or apply config/members through Karmada)`));
    } else {
      const why = sar.verbs.find((v) => v.reason)?.reason;
      out.push(r('coredns-rbac', 'pass', `${user} may ${sar.verbs.map((v) => v.verb).join(', ')} ${SI_CRD}${why ? ` (${why})` : ''}`));
    }
  }

  // The Corefile.
  const c = s.corefile;
  const ttl = 'answerTtl' in c && c.answerTtl !== null ? `; answers carry TTL ${c.answerTtl}s` : '';
  switch (c.status) {
    case 'installed':
      out.push(r('corefile', 'pass', `${c.message}${ttl}`));
      break;
    case 'foreign':
      if (c.problems.length === 0) out.push(r('corefile', 'pass', `${c.message}${ttl}`));
      else out.push(r('corefile', 'fail', c.message, `fix the setup it names, or remove it and run ${install}`));
      break;
    case 'absent':
      out.push(r('corefile', 'fail', `${c.message}: CoreDNS forwards ${opts.zone} queries upstream (SERVFAIL or worse)`, install));
      break;
    case 'broken':
      out.push(r('corefile', 'fail', c.message, c.markers
        ? `clusterset-dns coredns uninstall ${target} && ${install}`
        : 'fix the Corefile where the message says (kubectl -n kube-system edit configmap coredns), then run doctor again'));
      break;
    case 'missing':
      out.push(r('corefile', 'fail', c.message, 'pass --coredns-configmap (and --coredns-namespace) where the Corefile lives'));
      break;
  }

  // NodeLocal DNSCache answers pods first; only reported when it runs.
  const nl = s.nodeLocalDns;
  if (nl.state === 'forwards') out.push(r('node-local-dns', 'pass', nl.message));
  else if (nl.state === 'unknown') out.push(r('node-local-dns', 'warn', nl.message));
  else if (nl.state === 'bypasses') {
    out.push(r('node-local-dns', 'warn', nl.message,
      `kubectl -n kube-system edit configmap node-local-dns: add a ${opts.zone}:53 server block, a copy of its cluster.local block (clusterset-dns coredns status ${target} -o json prints it as nodeLocalDns.stanza)`));
  }
  return out;
}

const describeAnswer = (a: DnsAnswer): string => {
  if ('ips' in a) return a.ips.length === 0 ? 'no records' : a.ips.join(', ');
  switch (a.error) {
    case 'ENOTFOUND': return 'NXDOMAIN';
    case 'ENODATA': return 'NOERROR with no A records (NODATA)';
    case 'ESERVFAIL': return 'SERVFAIL';
    case 'ETIMEOUT': return 'no answer (timeout)';
    case 'ECONNREFUSED': return 'connection refused';
    default: return a.error;
  }
};

function dnsProbeCheck(d: DnsObservation, zone: string, corefile: string | undefined, r: Row): CheckResult {
  const a = d.probe;
  if ('error' in a && a.error === 'ENOTFOUND') {
    // The running CoreDNS and the ConfigMap disagree: what runs is not what the Corefile says (yet).
    if (corefile === 'absent') {
      return r('dns', 'warn', `${d.server} serves ${zone} although the Corefile in the ConfigMap does not: CoreDNS has not reloaded it yet (reload plugin: up to 30 s, plus the kubelet's ConfigMap sync), or --dns is not this member's CoreDNS`);
    }
    return r('dns', 'pass', `${d.server} serves ${zone} (NXDOMAIN for a name that does not exist)`);
  }
  if ('ips' in a) return r('dns', 'warn', `${d.server} answered ${describeAnswer(a)} for a name that cannot exist in ${zone}: a wildcard, or not CoreDNS's kubernetes plugin?`);
  if (a.error === 'ESERVFAIL') {
    return r('dns', 'fail', `${d.server} answers SERVFAIL for ${zone}: it does not serve the zone (stanza not loaded yet, or not this member's CoreDNS) or CoreDNS cannot list serviceimports`,
      'make the corefile and coredns-rbac checks pass, wait for CoreDNS to reload (reload plugin: 30 s, plus the kubelet\'s ConfigMap sync), then check --dns points at this member\'s CoreDNS');
  }
  return r('dns', 'fail', `${d.server}: ${describeAnswer(a)}`, 'check --dns: an address and port where this member\'s CoreDNS answers from here (its Service ClusterIP from inside the cluster, or a pod IP)');
}

function importChecks(m: Reached, si: ServiceImport, obs: DoctorObservation, cp: CpLists | undefined, caches: ReturnType<typeof listCaches>, opts: Resolved): CheckResult[] {
  const ns = si.metadata.namespace ?? '';
  const name = si.metadata.name;
  const k = key(ns, name);
  const member = m.member;
  const r = (check: CheckName, status: Status, detail: string, fix?: string): CheckResult => ({ cluster: member, check, service: k, status, detail, ...(fix !== undefined ? { fix } : {}) });
  const parsed = parseServiceImport(si);
  if (!parsed.ok) return [r('serviceimport', 'fail', parsed.reason, `fix ServiceImport ${k}'s spec (in the control plane if Karmada propagates it)`)];
  const managed = si.metadata.labels?.[KARMADA_MANAGED_LABEL] === 'true';
  const cpSi = cp?.serviceImports.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
  const out: CheckResult[] = [];

  // Ports: CoreDNS answers NXDOMAIN for a ServiceImport without them (docs/upstream-behaviour.md).
  const ports = si.spec.ports ?? [];
  if (ports.length === 0) {
    out.push(r('ports', 'fail', `spec.ports is empty: CoreDNS answers NXDOMAIN for a ServiceImport without ports`,
      managed && obs.mode === 'karmada' ? `add ports to the control-plane ServiceImport ${k} (Karmada propagates them to ${member})` : `add ports to ServiceImport ${k} in ${member}`));
  } else {
    out.push(r('ports', 'pass', ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'}`).join(', ')));
  }

  const current = si.spec.ips ?? [];
  const ips = ipsCheck(m, si, managed, cpSi, obs, cp, caches, opts, r);
  out.push(ips);

  // The live answer: exactly spec.ips, as CoreDNS serves it.
  if (m.dns && si.spec.type === 'ClusterSetIP') out.push(answerCheck(m, m.dns, k, current, ports.length, opts, r));
  else if (m.dns) out.push(r('answer', 'skip', 'Headless: CoreDNS answers with the endpoints\' IPs, not spec.ips'));
  return out;
}

function ipsCheck(
  m: Reached, si: ServiceImport, managed: boolean, cpSi: ServiceImport | undefined, obs: DoctorObservation, cp: CpLists | undefined,
  caches: ReturnType<typeof listCaches>, opts: Resolved, r: (check: CheckName, status: Status, detail: string, fix?: string) => CheckResult,
): CheckResult {
  const ns = si.metadata.namespace ?? '';
  const name = si.metadata.name;
  const k = key(ns, name);
  const member = m.member;
  const current = si.spec.ips ?? [];
  if (si.spec.type === 'Headless') return r('ips', 'skip', 'Headless: spec.ips does not apply (Karmada creates no derived Service for it)');
  if (managed && cp === undefined) {
    return r('ips', 'skip', obs.mode === 'direct'
      ? `Karmada-managed: the controller writes its spec.ips through the control plane, which --member-kubeconfig does not reach (spec.ips is ${list(current)}); run doctor with --cluster ${member} for this check`
      : `Karmada-managed, and the control plane could not be read (see control-plane); spec.ips is ${list(current)}`);
  }
  const snapshot = buildSnapshot(caches, ns, name, opts.managedRoute);
  const decision: Decision = decide(snapshot, { flag: opts.localFirst, now: opts.now, config: DEFAULT_LOCAL_FIRST, states: {} });
  const mine = decision.importers.find((i) => i.cluster === member);
  const problems = decision.problems.filter((p) => p.cluster === member);
  if (!mine) {
    const notOwned = problems.find((p) => p.reason === 'NotOwned');
    if (notOwned || (!managed && !fillsIps(si.metadata.annotations))) {
      return r('ips', 'skip', `not ours: ${notOwned?.message ?? `ServiceImport ${k} in ${member} is neither propagated by Karmada nor opted in, so the controller leaves it alone`}`,
        `if clusterset-dns should fill it: kubectl annotate serviceimport -n ${ns} ${name} ${FILL_IPS_ANNOTATION}=${FILL_IPS_VALUE}`);
    }
    const why = si.metadata.deletionTimestamp ? 'it is being deleted' : managed && !cpSi ? 'its control-plane ServiceImport is gone, so Karmada is deleting it' : 'its namespace is being deleted';
    return r('ips', 'skip', `the controller writes nothing here: ${why}`);
  }
  // On hold the decision is `keep`: whatever spec.ips holds, nobody maintains it, so say that before comparing.
  if (mine.ips === 'keep' && snapshot.managedRoute === 'hold') {
    return r('ips', 'fail', `spec.ips is ${list(current)}; the controller runs with --write-route=retain and the retention rule is not usable, so it leaves Karmada-managed ServiceImports as they are`, 'clusterset-dns karmada install (see the retention-rule check)');
  }
  const want = mine.ips === 'keep' ? current : mine.ips;
  if (want.length === 0) {
    const p = problems[0];
    return r('ips', 'fail', `the controller has no IP to write (spec.ips is ${list(current)}): ${p?.message ?? 'no derived Service IP'}`,
      p?.reason === 'DerivedServiceHeadless'
        ? `make the control-plane ServiceImport ${k} ClusterSetIP, so Karmada gives derived-${name} a ClusterIP`
        : `check that the control-plane ServiceImport ${k} is ClusterSetIP and placed in ${member}; Karmada creates derived-${name} there from it`);
  }
  const view: MemberView | undefined = snapshot.members.find((x) => x.cluster === member);
  const tooMany = problems.find((p) => p.reason === 'TooManyIPFamilies');
  if (sameIps(current, want)) {
    const source = mine.mode === 'local' ? `${name}'s own ClusterIP (local-first)` : `derived-${name}'s ClusterIP`;
    if (tooMany) return r('ips', 'warn', `spec.ips = ${list(current)}, ${source}, as the controller writes it; ${tooMany.message}`);
    return r('ips', 'pass', `spec.ips = ${list(current)}, ${source}, as the controller writes it (${routeText(mine.route, name)})`);
  }
  // Local-first: the running controller may legitimately be in the other mode while a hold-down runs.
  if (mine.mode && view && localFirstEnabled(opts.localFirst, snapshot.controlPlane.serviceImport?.annotations)) {
    const other = derivedIps(mine.mode === 'local' ? view.derivedService : view.localService, view.ipsMaxItems).ips;
    if (other.length > 0 && sameIps(current, other)) {
      return r('ips', 'warn', `local-first: spec.ips = ${list(current)} (the ${mine.mode === 'local' ? 'derived' : 'local'} IP); a controller deciding now would write ${list(want)} (${mine.mode}). A fail-back hold-down (default ${DEFAULT_LOCAL_FIRST.holdDownMs / 1000} s) may be running: run doctor again after it`);
    }
  }
  const detail = `spec.ips is ${list(current)}, the controller would write ${list(want)}`;
  if (mine.route === 'override-policy') {
    const rule = snapshot.controlPlane.overrideRules?.[member];
    if (rule && sameIps(rule, want)) {
      return r('ips', 'fail', `${detail}; OverridePolicy ${ns}/${overridePolicyName(name)} already says so, so Karmada has not applied it to ${member} yet`,
        `check Karmada's Work for ${k} in namespace karmada-es-${member} (kubectl --context karmada-apiserver get works -n karmada-es-${member}); it settles within seconds when Karmada is healthy`);
    }
    return r('ips', 'fail', `${detail}; OverridePolicy ${ns}/${overridePolicyName(name)} ${rule ? `holds ${list(rule)} for ${member}` : snapshot.controlPlane.overrideRules ? `has no rule for ${member}` : 'does not exist'}`,
      'start the controller: clusterset-dns run (if it runs, see its logs and /readyz)');
  }
  return r('ips', 'fail', `${detail} (${routeText(mine.route, name)})`, 'start the controller: clusterset-dns run (if it runs, see its logs and /readyz)');
}

function routeText(route: Route, name: string): string {
  switch (route) {
    case 'override-policy':
      return `through OverridePolicy ${overridePolicyName(name)}`;
    case 'retain':
      return 'patched in the member, kept by Karmada\'s retention rule';
    case 'opted-in':
      return `patched in the member: not Karmada-managed, opted in with ${FILL_IPS_ANNOTATION}`;
  }
}

function answerCheck(m: Reached, d: DnsObservation, k: string, current: string[], portCount: number, opts: CheckOptions, r: (check: CheckName, status: Status, detail: string, fix?: string) => CheckResult): CheckResult {
  const [ns, name] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
  const fqdn = `${name}.${ns}.svc.${opts.zone}`;
  const a = d.answers[k];
  if (a === undefined) return r('answer', 'skip', `${fqdn} was not queried`);
  const want = [...current].sort();
  const got = 'ips' in a ? [...a.ips].sort() : a.error === 'ENODATA' ? [] : undefined;
  if (got !== undefined && sameIps(got, want)) {
    return r('answer', 'pass', want.length === 0 ? `${d.server} answers ${fqdn} with no records, as spec.ips is empty (see ips)` : `${d.server} answers ${fqdn} with ${list(got)} = spec.ips`);
  }
  // What CoreDNS's cache can explain: kubeadm's `cache 30` keeps clusterset answers, negative ones too.
  const c = m.coredns.ok ? m.coredns.value.corefile : undefined;
  const cacheNote = c && 'notes' in c ? c.notes.find((n) => /cache plugin/.test(n) && !/does not cache/.test(n)) : undefined;
  const ttl = c && 'answerTtl' in c && c.answerTtl !== null ? c.answerTtl : undefined;
  const staleness = cacheNote || ttl !== undefined
    ? ` A stale answer is possible: ${cacheNote ?? `answers carry TTL ${ttl}s`}, so for that long after spec.ips changed CoreDNS can still answer the old value.`
    : '';
  const again = `query again in ${Math.max(ttl ?? 30, 30)} s (CoreDNS's cache); if it persists, check that --dns is ${m.member}'s CoreDNS and that the coredns-rbac and corefile checks pass`;
  const head = `${d.server} answers ${fqdn} with ${describeAnswer(a)}; spec.ips is ${list(current)}.`;
  if ('error' in a && a.error === 'ENOTFOUND' && portCount === 0) {
    return r('answer', 'fail', `${head} CoreDNS answers NXDOMAIN for a ServiceImport without ports (see ports).`, 'add ports to the ServiceImport (see the ports check)');
  }
  if ('error' in a && !['ENOTFOUND', 'ENODATA'].includes(a.error)) {
    return r('answer', 'fail', `${head} The server did not answer the name normally (see the dns check).`, 'make the dns, corefile and coredns-rbac checks pass');
  }
  return r('answer', 'fail', `${head}${staleness}`, again);
}

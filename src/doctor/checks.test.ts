import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.js';
import { KARMADA_MANAGED_LABEL, type OverridePolicy } from '../api/karmada.js';
import { MCS_API_VERSION, MCS_GROUP } from '../kube/gvr.js';
import type { Service } from '../api/core.js';
import type { ServiceImport } from '../api/mcs.js';
import { desiredOverridePolicy } from '../serviceimport/overridepolicy.js';
import { desiredRetention } from '../karmada/retention.js';
import { KUBEADM, KUBEADM_INSTALLED_IN_TREE, MCS_API_SED } from '../../test/support/corefile/fixtures.js';
import { summarizeStatus } from '../coredns/status.js';
import { corednsRbac } from '../coredns/rbac.js';
import { runChecks, type CheckOptions, type CheckResult, type Status } from './checks.js';
import type { DoctorObservation, MemberObservation } from './observation.js';

type Reached = Extract<MemberObservation, { reached: true }>;

const NS = 'shop';
const IP1 = '10.97.0.7';
const IP2 = '10.98.0.5';
const OPTS: CheckOptions = { zone: 'clusterset.local', localFirst: false, writeRoute: 'override-policy', now: 1_000_000, memberFlag: (m) => `--cluster ${m}` };

const crd = (plural: string, opts: { versions?: string[]; maxItems?: number } = {}): KubeObject => ({
  metadata: { name: `${plural}.${MCS_GROUP}` },
  spec: {
    versions: (opts.versions ?? ['v1alpha1']).map((name) => ({
      name, served: true,
      schema: { openAPIV3Schema: { properties: { spec: { properties: { ips: opts.maxItems === undefined ? {} : { maxItems: opts.maxItems } } } } } },
    })),
  },
} as KubeObject);

const deployment = (image = 'registry.k8s.io/coredns/coredns:v1.14.7'): k8s.V1Deployment => ({
  spec: { selector: {}, template: { spec: { serviceAccountName: 'coredns', containers: [{ name: 'coredns', image }] } } },
});
const [role, binding] = corednsRbac() as unknown as [k8s.V1ClusterRole, k8s.V1ClusterRoleBinding];
const NODE_LOCAL_UPSTREAM = 'cluster.local:53 {\n    forward . __PILLAR__CLUSTER__DNS__\n}\n.:53 {\n    forward . __PILLAR__UPSTREAM__SERVERS__\n}\n';
const nodeLocal = (corefile: string) => ({ daemonSet: { ok: true as const, value: { metadata: { name: 'node-local-dns' } } }, configMap: { ok: true as const, value: { data: { Corefile: corefile } } } });
const coredns = (o: { image?: string; corefile?: string | null; rbac?: boolean; nodeLocalDns?: string } = {}) => ({
  ok: true as const,
  value: summarizeStatus({
    deployment: { ok: true, value: deployment(o.image) },
    configMap: o.corefile === null ? undefined : { ok: true, value: { data: { Corefile: o.corefile ?? KUBEADM_INSTALLED_IN_TREE } } },
    clusterRole: o.rbac === false ? undefined : role,
    binding: o.rbac === false ? undefined : binding,
    ...(o.nodeLocalDns !== undefined ? { nodeLocalDns: nodeLocal(o.nodeLocalDns) } : {}),
  }),
});

const si = (name: string, o: { ips?: string[]; ports?: number; managed?: boolean; type?: string; annotations?: Record<string, string> } = {}): ServiceImport => ({
  apiVersion: MCS_API_VERSION, kind: 'ServiceImport',
  metadata: { name, namespace: NS, uid: `uid-${name}`, ...(o.managed === false ? {} : { labels: { [KARMADA_MANAGED_LABEL]: 'true' } }), ...(o.annotations ? { annotations: o.annotations } : {}) },
  spec: {
    type: (o.type ?? 'ClusterSetIP') as 'ClusterSetIP',
    ports: Array.from({ length: o.ports ?? 1 }, (_, i) => ({ name: `p${i}`, port: 80 + i, protocol: 'TCP' })),
    ...(o.ips ? { ips: o.ips } : {}),
  },
});
const svc = (name: string, ...clusterIPs: string[]): Service => ({ metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', clusterIP: clusterIPs[0] ?? 'None', clusterIPs: clusterIPs.length ? clusterIPs : ['None'], ipFamilies: clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')) } });
const ok = <T>(items: T[]) => ({ ok: true as const, value: items });

type Overrides = Partial<Omit<Reached, 'dns'>> & { dns?: Reached['dns'] | undefined };

function member(name = 'member2', o: Overrides = {}): Reached {
  const { dns, ...rest } = o;
  const base: Reached = {
    member: name,
    reached: true,
    crds: { serviceimports: { ok: true, value: crd('serviceimports', { maxItems: 1 }) }, serviceexports: { ok: true, value: crd('serviceexports') } },
    coredns: coredns(),
    sar: { ok: true, value: { serviceAccount: 'kube-system/coredns', verbs: [{ verb: 'list', allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding' }, { verb: 'watch', allowed: true }] } },
    serviceImports: ok([si('web', { ips: [IP2] })]),
    serviceExports: ok([]),
    services: ok([svc('derived-web', IP2)]),
    endpointSlices: ok([]),
    namespaces: ok([{ metadata: { name: NS } }]),
    dns: { server: '127.0.0.1:5302', probe: { error: 'ENOTFOUND' }, answers: { [`${NS}/web`]: { ips: [IP2] } } },
    ...rest,
  };
  // `dns: undefined` means "no --dns for this member".
  if ('dns' in o) {
    delete base.dns;
    if (dns) base.dns = dns;
  }
  return base;
}

const policy = (rules: Record<string, string[]>): OverridePolicy => desiredOverridePolicy(NS, { name: 'web', uid: 'uid-web' }, rules);

function observation(o: Partial<DoctorObservation> = {}, members: MemberObservation[] = [member()]): DoctorObservation {
  return {
    mode: 'karmada',
    controlPlane: { serviceImports: ok([si('web', { managed: false })]), overridePolicies: ok([policy({ member2: [IP2] })]), namespaces: ok([{ metadata: { name: NS } }]), customizations: ok([desiredRetention()]) },
    members,
    ...o,
  };
}

const find = (rs: CheckResult[], member: string | null, check: string, service?: string) =>
  rs.find((r) => r.cluster === member && r.check === check && (service === undefined || r.service === service));

describe('doctor checks: a healthy chain', () => {
  it('passes every link, and names what it saw', () => {
    const rs = runChecks(observation(), OPTS);
    // The member's CRDs allow one IP, as Karmada's: the chain works, and crd-flavour warns of what is lost.
    expect(rs.filter((r) => r.status !== 'pass').map((r) => `${r.cluster ?? 'cp'}/${r.check}/${r.status}`), JSON.stringify(rs, null, 1)).to.deep.equal(['member2/crd-flavour/warn']);
    expect(rs.map((r) => `${r.cluster ?? 'cp'}/${r.check}`)).to.deep.equal([
      'cp/control-plane', 'cp/retention-rule', 'member2/access', 'member2/crds', 'member2/crd-flavour', 'member2/coredns-version', 'member2/coredns-rbac', 'member2/corefile', 'member2/dns',
      'member2/ports', 'member2/ips', 'member2/answer',
    ]);
    expect(find(rs, 'member2', 'crds')?.detail).to.include('spec.ips holds at most 1 IP');
    expect(find(rs, 'member2', 'coredns-version')?.detail).to.match(/^v1\.14\.7 .*in-tree/);
    expect(find(rs, 'member2', 'ips')?.detail).to.equal(`spec.ips = ${IP2}, derived-web's ClusterIP, as the controller writes it (through OverridePolicy clusterset-dns-web)`);
    expect(find(rs, 'member2', 'answer')?.detail).to.equal(`127.0.0.1:5302 answers web.${NS}.svc.clusterset.local with ${IP2} = spec.ips`);
  });
});

interface Case {
  name: string;
  obs: DoctorObservation;
  opts?: Partial<CheckOptions>;
  member?: string | null;
  check: string;
  status: Status;
  detail?: RegExp;
  fix?: RegExp;
}

const m2 = (o: Overrides) => observation({}, [member('member2', o)]);
const direct = (o: Overrides) => ({ mode: 'direct' as const, members: [member('member2', o)] });
const dnsWith = (probe: Reached['dns'] extends infer D ? D extends { probe: infer P } ? P : never : never, answer?: Reached['dns'] extends infer D ? D extends { answers: Record<string, infer A> } ? A : never : never) =>
  ({ server: '127.0.0.1:5302', probe, answers: answer === undefined ? {} : { [`${NS}/web`]: answer } });

const CASES: Case[] = [
  // Reaching the member
  { name: 'a member Karmada cannot reach', obs: observation({}, [{ member: 'edge', reached: false, reason: 'Secret karmada-cluster/x named by Cluster edge does not exist; or reach the member directly with --member-kubeconfig' }]), member: 'edge', check: 'access', status: 'fail', detail: /does not exist/, fix: /Cluster's credentials.*--member-kubeconfig/ },
  { name: 'an API server that does not answer', obs: m2({ namespaces: { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:1' } }), check: 'access', status: 'fail', detail: /does not answer: connect ECONNREFUSED/, fix: /readyz/ },
  { name: 'a forbidden list', obs: m2({ services: { ok: false, code: 403, reason: 'HTTP 403 Forbidden: services is forbidden' } }), check: 'read', status: 'fail', detail: /cannot list services: HTTP 403/, fix: /identity that may read there/ },
  { name: 'a forbidden list skips the ServiceImport checks, saying why', obs: m2({ services: { ok: false, code: 403, reason: 'forbidden' } }), check: 'serviceimport', status: 'skip', detail: /cannot read member2's objects/ },
  // CRDs
  { name: 'ServiceImport CRD missing', obs: m2({ crds: { serviceimports: { ok: true, value: undefined }, serviceexports: { ok: true, value: crd('serviceexports') } }, serviceImports: { ok: false, code: 404, reason: 'not found' } }), check: 'crds', status: 'fail', detail: /serviceimports\.multicluster\.x-k8s\.io is not installed/, fix: /^install the MCS CRDs in member2: clusterset-dns crds install --cluster member2 \(mcs-api's\), or propagate Karmada's .* ClusterPropagationPolicy/ },
  { name: 'v1alpha1 not served', obs: m2({ crds: { serviceimports: { ok: true, value: crd('serviceimports', { versions: ['v1beta1'] }) }, serviceexports: { ok: true, value: crd('serviceexports') } } }), check: 'crds', status: 'fail', detail: /is installed but does not serve v1alpha1 \(serves: v1beta1\)/, fix: /serve v1alpha1/ },
  { name: 'ServiceExport CRD missing is a warning (importing still works)', obs: m2({ crds: { serviceimports: { ok: true, value: crd('serviceimports') }, serviceexports: { ok: true, value: undefined } } }), check: 'crds', status: 'warn', detail: /cannot export/ },
  { name: 'CRD unreadable', obs: m2({ crds: { serviceimports: { ok: false, code: 403, reason: 'forbidden' }, serviceexports: { ok: true, value: crd('serviceexports') } } }), check: 'crds', status: 'fail', detail: /cannot read CRD/, fix: /identity that may read/ },
  { name: 'no maxItems in the schema: one per IP family', obs: m2({ crds: { serviceimports: { ok: true, value: crd('serviceimports') }, serviceexports: { ok: true, value: crd('serviceexports') } } }), check: 'crds', status: 'pass', detail: /at most 2 IPs/ },
  // CoreDNS
  { name: 'CoreDNS too old for the in-tree stanza', obs: m2({ coredns: coredns({ image: 'registry.k8s.io/coredns/coredns:v1.11.3' }) }), check: 'coredns-version', status: 'fail', detail: /v1\.11\.3 cannot serve/, fix: /upgrade CoreDNS to >= v1\.12\.2/ },
  { name: 'an image without a version tag', obs: m2({ coredns: coredns({ image: 'coredns/coredns:latest' }) }), check: 'coredns-version', status: 'fail', detail: /cannot tell the CoreDNS version/, fix: /--coredns-version/ },
  { name: 'CoreDNS objects unreadable', obs: m2({ coredns: { ok: false, reason: 'HTTP 403 Forbidden' } }), check: 'coredns-version', status: 'fail', detail: /HTTP 403/, fix: /identity that may read them/ },
  { name: 'no RBAC: SubjectAccessReview denies', obs: m2({ coredns: coredns({ rbac: false }), sar: { ok: true, value: { serviceAccount: 'kube-system/coredns', verbs: [{ verb: 'list', allowed: false }, { verb: 'watch', allowed: false }] } } }), check: 'coredns-rbac', status: 'fail', detail: /system:serviceaccount:kube-system:coredns may not list, watch serviceimports.*: absent\)/, fix: /^clusterset-dns coredns install --cluster member2/ },
  { name: 'SubjectAccessReview forbidden to us', obs: m2({ sar: { ok: false, reason: 'HTTP 403 Forbidden: subjectaccessreviews.authorization.k8s.io is forbidden' } }), check: 'coredns-rbac', status: 'fail', detail: /cannot ask the API server/, fix: /create subjectaccessreviews/ },
  { name: 'no Deployment: the account is unknown', obs: m2({ sar: undefined }), check: 'coredns-rbac', status: 'skip', detail: /service account is unknown/ },
  { name: 'no stanza', obs: m2({ coredns: coredns({ corefile: KUBEADM }) }), check: 'corefile', status: 'fail', detail: /not configured/, fix: /^clusterset-dns coredns install --cluster member2$/ },
  { name: 'a Corefile that does not parse', obs: m2({ coredns: coredns({ corefile: '.:53 {\n    kubernetes "cluster.local {\n}\n' }) }), check: 'corefile', status: 'fail', detail: /line \d+/, fix: /edit configmap coredns/ },
  { name: 'a working foreign setup passes', obs: m2({ coredns: coredns({ corefile: MCS_API_SED }) }), check: 'corefile', status: 'pass', detail: /outside clusterset-dns/ },
  { name: 'node-local-dns sending the zone upstream is a warning with where to add the block', obs: m2({ coredns: coredns({ nodeLocalDns: NODE_LOCAL_UPSTREAM }) }), check: 'node-local-dns', status: 'warn', detail: /sends clusterset.local to __PILLAR__UPSTREAM__SERVERS__.*past CoreDNS/, fix: /edit configmap node-local-dns: add a clusterset.local:53 server block.*--cluster member2 -o json/ },
  { name: 'node-local-dns with a block for the zone passes', obs: m2({ coredns: coredns({ nodeLocalDns: NODE_LOCAL_UPSTREAM + 'clusterset.local:53 {\n    forward . __PILLAR__CLUSTER__DNS__\n}\n' }) }), check: 'node-local-dns', status: 'pass', detail: /sends clusterset.local to CoreDNS/ },
  { name: 'no ConfigMap', obs: m2({ coredns: coredns({ corefile: null }) }), check: 'corefile', status: 'fail', detail: /not found/, fix: /--coredns-configmap/ },
  // The DNS server
  { name: 'no DNS address: skipped with how to give one', obs: m2({ dns: undefined }), check: 'dns', status: 'skip', detail: /--dns member2=HOST:PORT/ },
  { name: 'SERVFAIL: the zone is not served there', obs: m2({ dns: dnsWith({ error: 'ESERVFAIL' }) }), check: 'dns', status: 'fail', detail: /SERVFAIL/, fix: /reload/ },
  { name: 'no answer at all', obs: m2({ dns: dnsWith({ error: 'ETIMEOUT' }) }), check: 'dns', status: 'fail', detail: /timeout/, fix: /check --dns/ },
  { name: 'the zone is served but the ConfigMap no longer says so: not reloaded yet', obs: m2({ coredns: coredns({ corefile: KUBEADM }) }), check: 'dns', status: 'warn', detail: /although the Corefile in the ConfigMap does not: CoreDNS has not reloaded it yet/ },
  { name: 'an answer for a name that cannot exist', obs: m2({ dns: dnsWith({ ips: ['1.2.3.4'] }) }), check: 'dns', status: 'warn', detail: /wildcard/ },
  // Ports
  { name: 'empty ports, Karmada-managed: fix the control-plane template', obs: m2({ serviceImports: ok([si('web', { ips: [IP2], ports: 0 })]) }), check: 'ports', status: 'fail', detail: /NXDOMAIN/, fix: /^add ports to the control-plane ServiceImport shop\/web \(Karmada propagates them to member2\)$/ },
  { name: 'empty ports, unmanaged: fix it in the member', obs: m2({ serviceImports: ok([si('web', { ips: [IP2], ports: 0, managed: false })]) }), check: 'ports', status: 'fail', fix: /^add ports to ServiceImport shop\/web in member2$/ },
  { name: 'a malformed ServiceImport', obs: m2({ serviceImports: ok([si('web', { type: 'Weird' })]) }), check: 'serviceimport', status: 'fail', detail: /spec\.type is "Weird"/, fix: /fix ServiceImport shop\/web/ },
  // spec.ips, as the controller would write it
  { name: 'empty ips and no OverridePolicy: the controller is not running', obs: observation({ controlPlane: { serviceImports: ok([si('web', { managed: false })]), overridePolicies: ok([]), namespaces: ok([]), customizations: ok([desiredRetention()]) } }, [member('member2', { serviceImports: ok([si('web')]) })]), check: 'ips', status: 'fail', detail: new RegExp(`^spec\\.ips is none, the controller would write ${IP2}; OverridePolicy shop/clusterset-dns-web does not exist$`), fix: /^start the controller: clusterset-dns run/ },
  { name: 'the policy says it but Karmada has not applied it', obs: m2({ serviceImports: ok([si('web', { ips: ['10.98.9.9'] })]) }), check: 'ips', status: 'fail', detail: /already says so, so Karmada has not applied it/, fix: /karmada-es-member2/ },
  { name: 'the policy holds another IP for this member', obs: observation({ controlPlane: { serviceImports: ok([si('web', { managed: false })]), overridePolicies: ok([policy({ member2: ['10.98.9.9'] })]), namespaces: ok([]), customizations: ok([desiredRetention()]) } }, [member('member2', { serviceImports: ok([si('web', { ips: ['10.98.9.9'] })]) })]), check: 'ips', status: 'fail', detail: /holds 10\.98\.9\.9 for member2/, fix: /clusterset-dns run/ },
  { name: 'an opted-in unmanaged import the controller has not patched', obs: m2({ serviceImports: ok([si('web', { managed: false, annotations: { 'clusterset-dns.io/fill-ips': 'true' } })]) }), check: 'ips', status: 'fail', detail: /opted in with clusterset-dns.io\/fill-ips/, fix: /clusterset-dns run/ },
  { name: 'an unmanaged import that did not opt in: not ours, and how to opt in', obs: m2({ serviceImports: ok([si('web', { managed: false, ips: ['10.9.9.9'] })]) }), check: 'ips', status: 'skip', detail: /not ours: .*neither propagated by Karmada nor opted in/, fix: /kubectl annotate serviceimport -n shop web clusterset-dns.io\/fill-ips=true/ },
  { name: '--write-route=auto with our rule installed: a managed import is patched in the member', obs: m2({ serviceImports: ok([si('web', { ips: [IP2], annotations: { 'clusterset-dns.io/fill-ips': 'true' } })]) }), opts: { writeRoute: 'auto' }, check: 'ips', status: 'pass', detail: /as the controller writes it \(patched in the member, kept by Karmada's retention rule\)$/ },
  { name: '--write-route=retain without the rule: the controller holds, and says how to fix it', obs: observation({ controlPlane: { serviceImports: ok([si('web', { managed: false })]), overridePolicies: ok([]), namespaces: ok([]), customizations: ok([]) } }, [member('member2', { serviceImports: ok([si('web')]) })]), opts: { writeRoute: 'retain' }, check: 'ips', status: 'fail', detail: /--write-route=retain and the retention rule is not usable/, fix: /clusterset-dns karmada install/ },
  { name: 'no derived Service: nothing to write, and why', obs: m2({ services: ok([]), serviceImports: ok([si('web')]) }), check: 'ips', status: 'fail', detail: /Service shop\/derived-web does not exist in member2/, fix: /Karmada creates derived-web there/ },
  { name: 'a headless derived Service', obs: m2({ services: ok([svc('derived-web')]), serviceImports: ok([si('web')]) }), check: 'ips', status: 'fail', detail: /no ClusterIP \(headless\)/, fix: /ClusterSetIP/ },
  { name: 'dual-stack derived Service with a CRD that allows one IP: a warning', obs: m2({ services: ok([svc('derived-web', IP2, 'fd00::5')]), dns: undefined }), check: 'ips', status: 'warn', detail: /dual-stack/ },
  { name: 'Headless ServiceImport: spec.ips does not apply', obs: m2({ serviceImports: ok([si('web', { type: 'Headless' })]) }), check: 'ips', status: 'skip', detail: /Headless/ },
  { name: 'Headless ServiceImport: no answer check either', obs: m2({ serviceImports: ok([si('web', { type: 'Headless' })]) }), check: 'answer', status: 'skip', detail: /Headless/ },
  { name: 'control plane unreadable: managed imports are skipped, saying why', obs: observation({ controlPlane: { error: 'connect ECONNREFUSED' } }), check: 'ips', status: 'skip', detail: /control plane could not be read/ },
  { name: 'control plane unreadable is itself a failure', obs: observation({ controlPlane: { error: 'connect ECONNREFUSED' } }), member: null, check: 'control-plane', status: 'fail', fix: /--kubeconfig\/--context/ },
  { name: 'a control-plane list forbidden', obs: observation({ controlPlane: { serviceImports: ok([]), overridePolicies: { ok: false, code: 403, reason: 'forbidden' }, namespaces: ok([]), customizations: ok([desiredRetention()]) } }), member: null, check: 'control-plane', status: 'fail', detail: /cannot list overridepolicies/, fix: /identity that may read there/ },
  { name: '--member-kubeconfig: no control plane, said once', obs: direct({}), member: null, check: 'control-plane', status: 'skip', detail: /no control plane with --member-kubeconfig/ },
  { name: '--member-kubeconfig: a managed import\'s ips are skipped, saying why', obs: direct({}), check: 'ips', status: 'skip', detail: /--member-kubeconfig does not reach.*--cluster member2/ },
  { name: '--member-kubeconfig: an opted-in unmanaged import is still decided', obs: direct({ serviceImports: ok([si('web', { managed: false, ips: [IP2], annotations: { 'clusterset-dns.io/fill-ips': 'true' } })]) }), check: 'ips', status: 'pass', detail: /patched in the member/ },
  // Local-first: the controller's fresh decision, and a hold-down that explains a difference
  {
    name: 'local-first: spec.ips still derived while the local copy is ready (hold-down)',
    obs: m2({ services: ok([svc('derived-web', IP2), svc('web', '10.98.1.1')]), endpointSlices: ok([{ metadata: { name: 'web-a', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } }, endpoints: [{ addresses: ['10.244.2.1'], conditions: { ready: true } }] }]), dns: undefined }),
    opts: { localFirst: true }, check: 'ips', status: 'warn', detail: /local-first: spec\.ips = 10\.98\.0\.5 \(the derived IP\); a controller deciding now would write 10\.98\.1\.1 \(local\).*hold-down/,
  },
  {
    name: 'local-first by annotation: the local IP is what the controller writes',
    obs: observation({ controlPlane: { serviceImports: ok([si('web', { managed: false, annotations: { 'clusterset-dns.io/local-first': 'true' } })]), overridePolicies: ok([policy({ member2: ['10.98.1.1'] })]), namespaces: ok([]), customizations: ok([desiredRetention()]) } },
      [member('member2', { serviceImports: ok([si('web', { ips: ['10.98.1.1'] })]), services: ok([svc('derived-web', IP2), svc('web', '10.98.1.1')]), endpointSlices: ok([{ metadata: { name: 'web-a', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } }, endpoints: [{ addresses: ['10.244.2.1'] }] }]), dns: undefined })]),
    check: 'ips', status: 'pass', detail: /web's own ClusterIP \(local-first\)/,
  },
  // The live answer
  { name: 'a wrong answer names both, the cache, and --dns', obs: m2({ dns: dnsWith({ error: 'ENOTFOUND' }, { ips: [IP1] }) }), check: 'answer', status: 'fail', detail: new RegExp(`answers web\\.shop\\.svc\\.clusterset\\.local with ${IP1}; spec\\.ips is ${IP2}\\. A stale answer is possible: the cache plugin \\(line \\d+\\) keeps clusterset\\.local answers`), fix: /^query again in 30 s .*--dns is member2's CoreDNS/ },
  { name: 'NXDOMAIN: CoreDNS does not see the import (or a cached negative answer)', obs: m2({ dns: dnsWith({ error: 'ENOTFOUND' }, { error: 'ENOTFOUND' }) }), check: 'answer', status: 'fail', detail: /with NXDOMAIN; spec\.ips is 10\.98\.0\.5\. A stale answer is possible/ },
  { name: 'NXDOMAIN for an import without ports points at the ports', obs: m2({ serviceImports: ok([si('web', { ips: [IP2], ports: 0 })]), dns: dnsWith({ error: 'ENOTFOUND' }, { error: 'ENOTFOUND' }) }), check: 'answer', status: 'fail', detail: /without ports/, fix: /add ports/ },
  { name: 'no records for an empty spec.ips agrees with it', obs: observation({}, [member('member2', { serviceImports: ok([si('web')]), dns: dnsWith({ error: 'ENOTFOUND' }, { error: 'ENODATA' }) })]), check: 'answer', status: 'pass', detail: /no records, as spec\.ips is empty/ },
  { name: 'SERVFAIL for the name', obs: m2({ dns: dnsWith({ error: 'ENOTFOUND' }, { error: 'ESERVFAIL' }) }), check: 'answer', status: 'fail', detail: /SERVFAIL/, fix: /dns, corefile and coredns-rbac/ },
  { name: 'the answer is compared as a set', obs: m2({ services: ok([svc('derived-web', IP2, '10.98.0.6')]), crds: { serviceimports: { ok: true, value: crd('serviceimports', { maxItems: 2 }) }, serviceexports: { ok: true, value: crd('serviceexports') } }, serviceImports: ok([si('web', { ips: [IP2, '10.98.0.6'] })]), dns: dnsWith({ error: 'ENOTFOUND' }, { ips: ['10.98.0.6', IP2] }) }), check: 'answer', status: 'pass' },
  // --service
  { name: '--service that exists nowhere', obs: observation({ service: { namespace: NS, name: 'nope' } }), member: null, check: 'service', status: 'fail', detail: /exists neither/, fix: /create ServiceImport shop\/nope/ },
  { name: '--service not imported by this member', obs: observation({ service: { namespace: NS, name: 'web' } }, [member('member2'), member('member1', { serviceImports: ok([]) })]), member: 'member1', check: 'serviceimport', status: 'skip', detail: /not imported there/ },
  { name: 'no ServiceImports at all', obs: m2({ serviceImports: ok([]) }), check: 'serviceimport', status: 'skip', detail: /no ServiceImports in member2/ },
];

describe('doctor checks: each broken link', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const rs = runChecks(c.obs, { ...OPTS, ...c.opts });
      const r = find(rs, c.member === undefined ? 'member2' : c.member, c.check);
      expect(r, JSON.stringify(rs, null, 1)).to.not.equal(undefined);
      expect(r?.status, r?.detail).to.equal(c.status);
      if (c.detail) expect(r?.detail).to.match(c.detail);
      if (c.fix) expect(r?.fix).to.match(c.fix);
    });
  }

  it('no node-local-dns DaemonSet: no node-local-dns row at all', () => {
    expect(find(runChecks(m2({}), OPTS), 'member2', 'node-local-dns')).to.equal(undefined);
  });

  it('every failure in every case carries a one-line fix', () => {
    for (const c of CASES) {
      for (const r of runChecks(c.obs, { ...OPTS, ...c.opts })) {
        if (r.status !== 'fail') continue;
        expect(r.fix, `${c.name}: ${r.check}`).to.be.a('string').and.not.match(/\n/);
        expect(r.fix?.length, `${c.name}: ${r.check}`).to.be.greaterThan(10);
      }
    }
  });

  it('an unreachable member does not stop the others from being checked', () => {
    const rs = runChecks(observation({}, [{ member: 'edge', reached: false, reason: 'no apiEndpoint' }, member('member2')]), OPTS);
    expect(find(rs, 'edge', 'access')?.status).to.equal('fail');
    expect(rs.filter((r) => r.cluster === 'edge')).to.have.length(1);
    expect(find(rs, 'member2', 'ips')?.status).to.equal('pass');
  });

  it('fixes name the member the way the user reached it', () => {
    const rs = runChecks(m2({ coredns: coredns({ corefile: KUBEADM }) }), { ...OPTS, memberFlag: () => '--member-kubeconfig /k' });
    expect(find(rs, 'member2', 'corefile')?.fix).to.equal('clusterset-dns coredns install --member-kubeconfig /k');
  });
});

/**
 * `clusterset-dns doctor`, the I/O half: reads what the checks need from the
 * Karmada control plane and from each member, asks the API server whether
 * CoreDNS's account may list/watch serviceimports (SubjectAccessReview), and
 * queries a CoreDNS. Only reads (a SubjectAccessReview creates nothing), and
 * never throws: every failure becomes part of the observation, so the checks
 * (src/doctor/checks.ts) can name it.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { KARMADA_CONFIG_GROUP, KARMADA_CONFIG_VERSION, KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_GROUP, MCS_VERSION, SERVICEEXPORT_CRD, SERVICEIMPORT_CRD } from '../kube/gvr.js';
import type { EndpointSlice, Service } from '../api/core.js';
import type { KubeObject } from '../api/meta.js';
import type { OverridePolicy, ResourceInterpreterCustomization } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import { statusCoreDns, type CoreDnsStatus, type StatusOptions } from '../coredns/status.js';
import { fail, ok, type Result } from '../api/result.js';
import { apiErrorMessage, httpStatusOf, isNotFound } from '../kube/errors.js';
import type { ApiFailure, ControlPlaneObservation, DnsAnswer, DnsObservation, Got, Listed, MemberObservation, SarObservation } from './observation.js';

export interface Scope {
  /** --service: only this key (lists are narrowed to its namespace). */
  service?: { namespace: string; name: string };
}

/** A failed read as a value: the message, and the HTTP status when the API answered (a network error has none). */
function apiFailure(e: unknown): { ok: false; reason: string } & ApiFailure {
  const code = httpStatusOf(e);
  return { ok: false, ...(code !== undefined ? { code } : {}), reason: apiErrorMessage(e) };
}

async function listed<T>(f: () => Promise<{ items?: unknown[] }>): Promise<Listed<T>> {
  try {
    return ok(((await f()).items ?? []) as T[]);
  } catch (e) {
    return apiFailure(e);
  }
}

async function got<T>(f: () => Promise<unknown>): Promise<Got<T>> {
  try {
    return ok((await f()) as T);
  } catch (e) {
    if (isNotFound(e)) return ok(undefined);
    return apiFailure(e);
  }
}

function customLister(kc: k8s.KubeConfig, group: string, version: string, plural: string, scope: Scope) {
  const custom = makeClient(kc, k8s.CustomObjectsApi);
  const ns = scope.service?.namespace;
  return () => (ns
    ? custom.listNamespacedCustomObject({ group, version, plural, namespace: ns })
    : custom.listClusterCustomObject({ group, version, plural })) as Promise<{ items?: unknown[] }>;
}

export async function observeControlPlane(kc: k8s.KubeConfig, scope: Scope): Promise<ControlPlaneObservation> {
  const core = makeClient(kc, k8s.CoreV1Api);
  const [serviceImports, overridePolicies, namespaces, customizations] = await Promise.all([
    listed<ServiceImport>(customLister(kc, MCS_GROUP, MCS_VERSION, 'serviceimports', scope)),
    listed<OverridePolicy>(customLister(kc, KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, 'overridepolicies', scope)),
    listed<KubeObject>(() => core.listNamespace()),
    // Cluster-scoped: the unscoped lister, whatever --service narrows the rest to.
    listed<ResourceInterpreterCustomization>(customLister(kc, KARMADA_CONFIG_GROUP, KARMADA_CONFIG_VERSION, 'resourceinterpretercustomizations', {})),
  ]);
  return { serviceImports, overridePolicies, namespaces, customizations };
}

/** One A (or AAAA) query against `server` (HOST:PORT); errors become values. Also the tests' DNS client. */
export async function query(server: string, name: string, timeoutMs: number, rrtype: 'A' | 'AAAA' = 'A', tries = 2): Promise<DnsAnswer> {
  const r = new Resolver({ timeout: timeoutMs, tries });
  r.setServers([server]);
  try {
    return { ips: (await (rrtype === 'A' ? r.resolve4(name) : r.resolve6(name))).sort() };
  } catch (e) {
    return { error: (e as { code?: string }).code ?? String(e) };
  }
}

/**
 * A and AAAA together, as spec.ips may hold one IP per family. A name with
 * records of either family answers with them all; otherwise the A query's
 * error (NXDOMAIN, NODATA, SERVFAIL…) stands for the name.
 */
export async function queryAddresses(server: string, name: string, timeoutMs: number): Promise<DnsAnswer> {
  const [a, aaaa] = await Promise.all([query(server, name, timeoutMs, 'A'), query(server, name, timeoutMs, 'AAAA')]);
  if ('ips' in a || 'ips' in aaaa) return { ips: [...('ips' in a ? a.ips : []), ...('ips' in aaaa ? aaaa.ips : [])] };
  return a;
}

async function subjectAccess(kc: k8s.KubeConfig, sa: string): Promise<Result<SarObservation>> {
  const [namespace, name] = sa.split('/') as [string, string];
  const authz = makeClient(kc, k8s.AuthorizationV1Api);
  try {
    const verbs = await Promise.all(['list', 'watch'].map(async (verb) => {
      // The groups a service account token carries: RBAC may grant through any of them.
      const r = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: `system:serviceaccount:${namespace}:${name}`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
            resourceAttributes: { verb, group: MCS_GROUP, resource: 'serviceimports' },
          },
        },
      });
      return { verb, allowed: r.status?.allowed === true, ...(r.status?.reason ? { reason: r.status.reason } : {}) };
    }));
    return ok({ serviceAccount: sa, verbs });
  } catch (e) {
    return fail(apiErrorMessage(e));
  }
}

export interface MemberOptions extends Scope {
  coredns: StatusOptions;
  zone: string;
  /** HOST:PORT of this member's CoreDNS, when given. */
  dns?: string;
  dnsTimeoutMs: number;
}

export async function observeMember(member: string, kc: k8s.KubeConfig, opts: MemberOptions): Promise<MemberObservation> {
  try {
    return await observeReached(member, kc, opts);
  } catch (e) {
    // Nothing above should throw; if something does (a malformed kubeconfig, say), the member still gets a row.
    return { member, reached: false, reason: `observing ${member} failed: ${apiErrorMessage(e)}` };
  }
}

async function observeReached(member: string, kc: k8s.KubeConfig, opts: MemberOptions): Promise<MemberObservation> {
  const core = makeClient(kc, k8s.CoreV1Api);
  const discovery = makeClient(kc, k8s.DiscoveryV1Api);
  const ext = makeClient(kc, k8s.ApiextensionsV1Api);
  const ns = opts.service?.namespace;
  const [namespaces, services, endpointSlices, serviceImports, serviceExports, siCrd, seCrd, coredns] = await Promise.all([
    listed<KubeObject>(() => core.listNamespace()),
    listed<Service>(() => (ns ? core.listNamespacedService({ namespace: ns }) : core.listServiceForAllNamespaces())),
    listed<EndpointSlice>(() => (ns ? discovery.listNamespacedEndpointSlice({ namespace: ns }) : discovery.listEndpointSliceForAllNamespaces())),
    listed<ServiceImport>(customLister(kc, MCS_GROUP, MCS_VERSION, 'serviceimports', opts)),
    listed<KubeObject>(customLister(kc, MCS_GROUP, MCS_VERSION, 'serviceexports', opts)),
    got<KubeObject>(() => ext.readCustomResourceDefinition({ name: SERVICEIMPORT_CRD })),
    got<KubeObject>(() => ext.readCustomResourceDefinition({ name: SERVICEEXPORT_CRD })),
    statusCoreDns(kc, opts.coredns).then((status): Result<CoreDnsStatus> => ok(status), (e: unknown) => fail(apiErrorMessage(e))),
  ]);
  const sa = coredns.ok ? coredns.value.rbac.serviceAccount : null;
  const sar = sa === null ? undefined : await subjectAccess(kc, sa);

  let dns: DnsObservation | undefined;
  if (opts.dns) {
    const server = opts.dns;
    const keys = (serviceImports.ok ? serviceImports.value : [])
      .map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }))
      .filter((k) => !opts.service || (k.namespace === opts.service.namespace && k.name === opts.service.name));
    // A fresh random name each run: kubeadm's cache keeps negative answers, and a reused name could be answered from it.
    const probeName = `doctor-${randomBytes(4).toString('hex')}.clusterset-dns-doctor.svc.${opts.zone}`;
    const [probe, ...answers] = await Promise.all([
      query(server, probeName, opts.dnsTimeoutMs),
      ...keys.map((k) => queryAddresses(server, `${k.name}.${k.namespace}.svc.${opts.zone}`, opts.dnsTimeoutMs)),
    ]);
    dns = { server, probe: probe as DnsAnswer, answers: Object.fromEntries(keys.map((k, i) => [`${k.namespace}/${k.name}`, answers[i] as DnsAnswer])) };
  }
  return {
    member,
    reached: true,
    crds: { serviceimports: siCrd, serviceexports: seCrd },
    coredns,
    sar,
    serviceImports,
    serviceExports,
    services,
    endpointSlices,
    namespaces,
    ...(dns ? { dns } : {}),
  };
}

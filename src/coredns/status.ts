/**
 * `clusterset-dns coredns status` for one member: what is installed, whether
 * it can work, and what to do when it cannot — including whether someone
 * else owns the Corefile's ConfigMap (./owner.ts) and whether NodeLocal
 * DNSCache sends the zone past CoreDNS (./node-local-dns.ts). Reading only;
 * the verdict is the pure summarizeStatus.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { DEFAULT_ZONE, inspect, type Flavor, type Inspection } from './corefile/index.js';
import { DEFAULT_LOCATION, type CoreDnsLocation } from './location.js';
import { readConfigMap, readDeployment, serviceAccountOf, type Read } from './objects.js';
import { undefinedIfNotFound } from '../kube/errors.js';
import { nodeLocalDnsVerdict, readNodeLocalDns, type NodeLocalDns, type NodeLocalDnsObservation } from './node-local-dns.js';
import { corefileOwner, ownerRefusal, type CorefileOwner } from './owner.js';
import { COREDNS_ROLE_NAME } from './rbac.js';
import { chooseFlavor, corednsImage, fmt, versionFromImage } from './version.js';

export interface StatusOptions {
  location?: CoreDnsLocation;
  zone?: string;
  flavor?: Flavor;
  version?: string;
}

/** What `status` observed; each field undefined when that object does not exist. */
export interface StatusObservation {
  deployment: Read<k8s.V1Deployment> | undefined;
  configMap: Read<k8s.V1ConfigMap> | undefined;
  clusterRole: k8s.V1ClusterRole | undefined;
  binding: k8s.V1ClusterRoleBinding | undefined;
  /** The node-local-dns DaemonSet and ConfigMap; undefined when not read. */
  nodeLocalDns?: NodeLocalDnsObservation;
}

export interface CoreDnsStatus {
  image: string | null;
  /** e.g. "v1.14.7"; null when the image has no version tag and none was given. */
  version: string | null;
  /** The syntax install would write; null with `flavorProblem` when it would refuse. */
  flavor: Flavor | null;
  flavorProblem: string | null;
  rbac: {
    clusterRole: boolean;
    binding: boolean;
    /** The account CoreDNS runs as, "namespace/name"; null without the Deployment. */
    serviceAccount: string | null;
    /** The binding names that account (false when the Deployment changed account since install). */
    bound: boolean;
  };
  corefile: Inspection | { status: 'missing'; message: string };
  /** Who else reconciles the Corefile's ConfigMap (install refuses to edit it then); null when nobody does. */
  owner: CorefileOwner | null;
  /** Whether NodeLocal DNSCache, when it runs, sends the zone to CoreDNS (a warning in the summary when not). */
  nodeLocalDns: NodeLocalDns;
  /** False when something is broken: an unreadable Deployment/ConfigMap, a broken Corefile, our stanza without our RBAC. */
  ok: boolean;
  /** One line for humans, ending in what to do when something is wrong. */
  summary: string;
}

/** Turns what was read into a report; pure. */
export function summarizeStatus(obs: StatusObservation, opts: StatusOptions = {}): CoreDnsStatus {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const zone = opts.zone ?? DEFAULT_ZONE;
  const dep = obs.deployment?.ok ? obs.deployment.value : undefined;
  const image = dep ? corednsImage(dep) ?? null : null;
  const v = versionFromImage(opts.version ? `x:${opts.version}` : image ?? '');
  const choice = dep || opts.version || opts.flavor ? chooseFlavor(image ?? undefined, opts) : undefined;
  const sa = dep ? serviceAccountOf(dep, loc) : undefined;
  const bound = sa !== undefined && (obs.binding?.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace === sa.namespace && s.name === sa.name)
    && obs.binding?.roleRef.name === COREDNS_ROLE_NAME;
  const rbac = { clusterRole: obs.clusterRole !== undefined, binding: obs.binding !== undefined, serviceAccount: sa ? `${sa.namespace}/${sa.name}` : null, bound };
  const corefile = corefileStatus(obs.configMap, loc, zone);
  const owner = (obs.configMap?.ok ? corefileOwner(obs.configMap.value) : undefined) ?? null;
  const nodeLocalDns: NodeLocalDns = obs.nodeLocalDns ? nodeLocalDnsVerdict(obs.nodeLocalDns, zone) : { state: 'absent' };

  const problems: string[] = [];
  if (obs.deployment === undefined) problems.push(`Deployment ${loc.namespace}/${loc.deployment} not found; pass --coredns-deployment if CoreDNS runs under another name`);
  else if (!obs.deployment.ok) problems.push(obs.deployment.reason);
  if (corefile.status === 'missing' || corefile.status === 'broken') problems.push(corefile.message);
  if (corefile.status === 'installed' && !(rbac.clusterRole && rbac.bound)) {
    problems.push(`the Corefile serves ${zone} but CoreDNS's account ${rbac.serviceAccount ?? '(unknown)'} is not bound to ${COREDNS_ROLE_NAME}, so it cannot list serviceimports; run clusterset-dns coredns install again`);
  }
  const ok = problems.length === 0;
  let summary: string;
  if (!ok) summary = problems.join('; ');
  else if (corefile.status === 'absent' && choice && 'refused' in choice) summary = `${zone} is not served, and install would refuse: ${choice.refused}`;
  else if (corefile.status === 'absent' && owner) summary = `${zone} is not served, and install would refuse: ${ownerRefusal(owner, `${loc.namespace}/${loc.configMap}`)}`;
  else if (corefile.status === 'absent') summary = `${zone} is not served; run clusterset-dns coredns install to serve it`;
  else summary = corefile.message;
  // Not a failure of CoreDNS's setup, but pods behind node-local-dns still get no answer.
  if (nodeLocalDns.state === 'bypasses' || nodeLocalDns.state === 'unknown') summary += `; warning: ${nodeLocalDns.message}`;
  return {
    image,
    version: v ? fmt(v) : null,
    flavor: choice && 'flavor' in choice ? choice.flavor : null,
    flavorProblem: choice && 'refused' in choice ? choice.refused : null,
    rbac,
    corefile,
    owner,
    nodeLocalDns,
    ok,
    summary,
  };
}

/** The Corefile's state for `zone`, or why there is none to inspect; pure. */
function corefileStatus(configMap: Read<k8s.V1ConfigMap> | undefined, loc: CoreDnsLocation, zone: string): CoreDnsStatus['corefile'] {
  if (configMap === undefined) return { status: 'missing', message: `ConfigMap ${loc.namespace}/${loc.configMap} not found; pass --coredns-configmap if the Corefile lives elsewhere` };
  if (!configMap.ok) return { status: 'missing', message: configMap.reason };
  const text = configMap.value.data?.['Corefile'];
  return text === undefined ? { status: 'missing', message: `ConfigMap ${loc.namespace}/${loc.configMap} has no Corefile key` } : inspect(text, zone);
}

/** Reads what status needs (only reads; a 404 is an answer, other errors propagate) and summarizes it. */
export async function statusCoreDns(kc: k8s.KubeConfig, opts: StatusOptions = {}): Promise<CoreDnsStatus> {
  const loc = opts.location ?? DEFAULT_LOCATION;
  const apps = makeClient(kc, k8s.AppsV1Api);
  const core = makeClient(kc, k8s.CoreV1Api);
  const rbac = makeClient(kc, k8s.RbacAuthorizationV1Api);
  const [deployment, configMap, clusterRole, binding, nodeLocalDns] = await Promise.all([
    readDeployment(apps, loc).then((r) => (!r.ok && r.missing ? undefined : r)),
    readConfigMap(core, loc).then((r) => (!r.ok && r.missing ? undefined : r)),
    undefinedIfNotFound(() => rbac.readClusterRole({ name: COREDNS_ROLE_NAME })),
    undefinedIfNotFound(() => rbac.readClusterRoleBinding({ name: COREDNS_ROLE_NAME })),
    readNodeLocalDns(kc),
  ]);
  return summarizeStatus({ deployment, configMap, clusterRole, binding, nodeLocalDns }, opts);
}

/**
 * NodeLocal DNSCache (the `node-local-dns` DaemonSet in kube-system) answers
 * pods before CoreDNS does: its Corefile forwards the cluster domain to
 * CoreDNS and every other zone upstream — so `clusterset.local` goes past
 * CoreDNS and fails, however well CoreDNS is set up. The fix is a server
 * block for the clusterset zone in node-local-dns's own ConfigMap, a copy of
 * its cluster.local block (docs/coredns.md, "NodeLocal DNSCache").
 *
 * We only report it: that ConfigMap is the add-on's (often reconciled), and
 * its block holds node-specific placeholders that node-cache fills in.
 * The verdict is pure (nodeLocalDnsVerdict); reading is two GETs.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { fail, ok, type Result } from '../api/result.js';
import { apiErrorMessage, isNotFound } from '../kube/errors.js';
import { GET_TIMEOUT_MS } from '../kube/deadlines.js';
import { withDeadline } from '../kube/timeout.js';
import { DEFAULT_CLUSTER_DOMAIN, directiveArgs, type Corefile, type ServerBlock } from './corefile/index.js';
import { tryParse } from './corefile/parse.js';
import { routeZone } from './corefile/routing.js';

export const NODE_LOCAL_DNS = { namespace: 'kube-system', name: 'node-local-dns' } as const;

/** What was read; `value` undefined when the object does not exist. */
export interface NodeLocalDnsObservation {
  daemonSet: Result<k8s.V1DaemonSet | undefined>;
  configMap: Result<k8s.V1ConfigMap | undefined>;
}

export type NodeLocalDns =
  /** No node-local-dns DaemonSet: pods ask CoreDNS directly. */
  | { state: 'absent' }
  /** Its Corefile sends the zone where it sends the cluster domain (to CoreDNS). */
  | { state: 'forwards'; message: string }
  /** The zone goes elsewhere (upstream): clusterset names fail in pods. `stanza` is the server block to add. */
  | { state: 'bypasses'; message: string; stanza: string }
  /** Present, but its Corefile could not be read or understood. */
  | { state: 'unknown'; message: string };

const WHERE = `ConfigMap ${NODE_LOCAL_DNS.namespace}/${NODE_LOCAL_DNS.name}`;

/** The upstream manifest's cluster.local block, for a Corefile whose own we cannot find. */
const TEMPLATE = (zone: string) => `${zone}:53 {
    errors
    cache {
            success 9984 30
            denial 9984 5
    }
    reload
    loop
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    prometheus :9253
}
`;

/** The `forward` targets of a server block, as written ("__PILLAR__CLUSTER__DNS__", "/etc/resolv.conf", an IP). */
function forwardTargets(block: ServerBlock): string[] {
  const f = block.body.find((d) => d.name.value === 'forward');
  return f ? directiveArgs(f).slice(1).map((t) => t.value) : [];
}

/** The cluster domain's block copied for `zone`: its keys replaced, the rest byte for byte. */
function copiedBlock(source: string, block: ServerBlock, zone: string): string {
  const first = block.keys[0];
  const lastKey = block.keys[block.keys.length - 1];
  if (!first || !lastKey || !block.close) return TEMPLATE(zone);
  const body = source.slice(lastKey.offset + lastKey.raw.length, block.close.offset + block.close.raw.length);
  return `${zone}:53${body}\n`;
}

/** Whether node-local-dns sends `zone` to CoreDNS, from what was read; pure. */
export function nodeLocalDnsVerdict(obs: NodeLocalDnsObservation, zone: string): NodeLocalDns {
  if (!obs.daemonSet.ok) return { state: 'unknown', message: `cannot read DaemonSet ${NODE_LOCAL_DNS.namespace}/${NODE_LOCAL_DNS.name}: ${obs.daemonSet.reason}` };
  if (obs.daemonSet.value === undefined) return { state: 'absent' };
  if (!obs.configMap.ok) return { state: 'unknown', message: `node-local-dns runs, but its ${WHERE} cannot be read: ${obs.configMap.reason}` };
  const text = obs.configMap.value?.data?.['Corefile'];
  if (text === undefined) return { state: 'unknown', message: `node-local-dns runs, but ${WHERE} ${obs.configMap.value ? 'has no Corefile key' : 'is missing'}` };
  const parsed = tryParse(text);
  if (!parsed.ok) return { state: 'unknown', message: `node-local-dns runs, but its Corefile (${WHERE}) does not parse: ${parsed.reason}` };
  return verdictFromCorefile(text, parsed.value, zone);
}

function verdictFromCorefile(text: string, cf: Corefile, zone: string): NodeLocalDns {
  const cluster = routeZone(cf, DEFAULT_CLUSTER_DOMAIN, 53);
  const route = routeZone(cf, zone, 53);
  // Where the cluster domain goes is CoreDNS, unless only the root block serves it (then it goes upstream too).
  const toCoreDns = cluster && cluster.key.zone !== '.' ? forwardTargets(cluster.block) : [];
  const stanza = cluster && cluster.key.zone !== '.' ? copiedBlock(text, cluster.block, zone) : TEMPLATE(zone);
  const advice = `add a ${zone}:53 server block to ${WHERE}, a copy of its ${DEFAULT_CLUSTER_DOMAIN} block (docs/coredns.md#nodelocal-dnscache; coredns status -o json gives it as nodeLocalDns.stanza)`;
  if (route === null) {
    return { state: 'bypasses', message: `node-local-dns has no server block for ${zone}, so pods get no answer for clusterset names; ${advice}`, stanza };
  }
  const targets = forwardTargets(route.block);
  const same = targets.includes('__PILLAR__CLUSTER__DNS__')
    || (targets.length > 0 && toCoreDns.length > 0 && targets.join(' ') === toCoreDns.join(' '));
  if (same) return { state: 'forwards', message: `node-local-dns sends ${zone} to CoreDNS (server block ${route.key.text}, forward ${targets.join(' ') || '(none)'})` };
  return {
    state: 'bypasses',
    message: `node-local-dns sends ${zone} to ${targets.join(' ') || 'no forward'} (server block ${route.key.text}), past CoreDNS, so clusterset names fail in pods; ${advice}`,
    stanza,
  };
}

async function got<T>(f: () => Promise<T>): Promise<Result<T | undefined>> {
  try {
    return ok(await f());
  } catch (e) {
    return isNotFound(e) ? ok(undefined) : fail(apiErrorMessage(e));
  }
}


/** Two GETs, each with a deadline; failures are values, never throws. */
export async function readNodeLocalDns(kc: k8s.KubeConfig): Promise<NodeLocalDnsObservation> {
  const apps = makeClient(kc, k8s.AppsV1Api);
  const core = makeClient(kc, k8s.CoreV1Api);
  const [daemonSet, configMap] = await Promise.all([
    got(() => withDeadline('read DaemonSet node-local-dns', GET_TIMEOUT_MS, (o) => apps.readNamespacedDaemonSet(NODE_LOCAL_DNS, o))),
    got(() => withDeadline('read ConfigMap node-local-dns', GET_TIMEOUT_MS, (o) => core.readNamespacedConfigMap(NODE_LOCAL_DNS, o))),
  ]);
  return { daemonSet, configMap };
}

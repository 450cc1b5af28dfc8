/**
 * How the controller reaches a member cluster
 * (docs/design.md#reaching-members), decided as Karmada does it
 * (pkg/util/membercluster_client.go, BuildClusterConfig):
 *
 *  - Push: `spec.apiEndpoint`, with the bearer token and CA from the Secret
 *    that `spec.secretRef` names (keys `token` and `caBundle`), honouring
 *    `insecureSkipTLSVerification` and `proxyURL`;
 *  - Pull: through the control plane's cluster proxy
 *    (/apis/cluster.karmada.io/v1alpha1/clusters/<name>/proxy) with our own
 *    control-plane identity, which works only when the Cluster has an
 *    `impersonatorSecretRef`: the proxy forwards with that Secret's token,
 *    impersonating the caller, and refuses a Cluster without one (Karmada
 *    pkg/registry/cluster/storage/proxy.go);
 *  - anything else is unreachable, with a reason — never guessed.
 *
 * Pure: the caller fetches the Secret and builds the KubeConfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../api/karmada.js';
import type { Secret } from '../api/core.js';
import { PATHS } from '../kube/gvr.js';

export type MemberAccess =
  | { kind: 'push'; server: string; token: string; caData?: string; skipTLSVerify: boolean; proxyUrl?: string }
  | { kind: 'proxy'; path: string }
  | { kind: 'unreachable'; reason: string };

const decode = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : '');

/** The Secret the caller must fetch for this Cluster, if any. */
export function secretRefOf(c: Cluster): { namespace: string; name: string } | undefined {
  return c.spec.syncMode === 'Push' ? c.spec.secretRef : undefined;
}

export function memberAccess(c: Cluster, secret: Secret | undefined): MemberAccess {
  const name = c.metadata.name;
  if (c.spec.syncMode === 'Pull') {
    if (!c.spec.impersonatorSecretRef) {
      return { kind: 'unreachable', reason: `Pull cluster ${name} has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it; register it with an impersonator secret (karmadactl register does)` };
    }
    return { kind: 'proxy', path: `${PATHS.clusters}/${encodeURIComponent(name)}/proxy` };
  }
  const endpoint = c.spec.apiEndpoint?.trim();
  if (!endpoint) return { kind: 'unreachable', reason: `Push cluster ${name} has no spec.apiEndpoint` };
  const ref = c.spec.secretRef;
  if (!ref) return { kind: 'unreachable', reason: `Push cluster ${name} has no spec.secretRef` };
  if (!secret) return { kind: 'unreachable', reason: `Secret ${ref.namespace}/${ref.name} named by Cluster ${name} does not exist` };
  const token = decode(secret.data?.['token']).trim();
  if (!token) return { kind: 'unreachable', reason: `Secret ${ref.namespace}/${ref.name} for Cluster ${name} has no "token" key (or it is empty)` };
  const ca = decode(secret.data?.['caBundle']);
  const skip = c.spec.insecureSkipTLSVerification === true;
  if (!skip && ca && !ca.includes('-----BEGIN CERTIFICATE-----')) {
    return { kind: 'unreachable', reason: `Secret ${ref.namespace}/${ref.name} for Cluster ${name}: "caBundle" is not a PEM certificate` };
  }
  // Karmada accepts host[:port] as well as a URL.
  const server = /^https?:\/\//.test(endpoint) ? endpoint.replace(/\/+$/, '') : `https://${endpoint}`;
  return {
    kind: 'push',
    server,
    token,
    ...(ca && !skip ? { caData: Buffer.from(ca).toString('base64') } : {}),
    skipTLSVerify: skip,
    ...(c.spec.proxyURL ? { proxyUrl: c.spec.proxyURL } : {}),
  };
}

/**
 * A KubeConfig of its own for one member, never shared: client-node's watches
 * read the current context on every (re)connect, so a KubeConfig whose
 * context is switched under running informers would point them at another
 * cluster (client-node 1.4.0 dist/watch.js).
 */
export function memberKubeConfig(cluster: string, a: Exclude<MemberAccess, { kind: 'unreachable' }>, controlPlane: KubeConfig): KubeConfig {
  const kc = new KubeConfig();
  if (a.kind === 'proxy') {
    const cp = controlPlane.getCurrentCluster();
    const user = controlPlane.getCurrentUser();
    if (!cp || !user) throw new Error('control-plane kubeconfig has no current cluster or user');
    kc.loadFromOptions({
      clusters: [{ ...cp, name: cluster, server: cp.server.replace(/\/+$/, '') + a.path }],
      users: [{ ...user, name: cluster }],
      contexts: [{ name: cluster, cluster, user: cluster }],
      currentContext: cluster,
    });
    return kc;
  }
  kc.loadFromOptions({
    clusters: [{
      name: cluster,
      server: a.server,
      skipTLSVerify: a.skipTLSVerify,
      ...(a.caData ? { caData: a.caData } : {}),
      ...(a.proxyUrl ? { proxyUrl: a.proxyUrl } : {}),
    }],
    users: [{ name: cluster, token: a.token }],
    contexts: [{ name: cluster, cluster, user: cluster }],
    currentContext: cluster,
  });
  return kc;
}

/**
 * How the controller reaches a member cluster
 * (docs/design.md#reaching-members), one of the two ways Karmada offers:
 *
 *  - through the control plane's cluster proxy
 *    (/apis/cluster.karmada.io/v1alpha1/clusters/<name>/proxy, served by
 *    karmada-aggregated-apiserver) with our own control-plane identity: the
 *    proxy forwards with the token of the Cluster's `impersonatorSecretRef`,
 *    impersonating the caller, and refuses a Cluster without one (Karmada
 *    pkg/util/proxy/proxy.go, ConnectCluster). Every Pull member, and every
 *    Push member under `--member-access=proxy` (the default): no Secret is
 *    read, so the controller holds no member token;
 *  - directly (`--member-access=direct`, Push only): `spec.apiEndpoint`,
 *    with the bearer token and CA from the Secret that `spec.secretRef`
 *    names (keys `token` and `caBundle`), honouring
 *    `insecureSkipTLSVerification` and `proxyURL`, as Karmada's own
 *    controllers do (pkg/util/membercluster_client.go, BuildClusterConfig);
 *  - anything else is unreachable, with a reason — never guessed.
 *
 * Pure: the caller fetches the Secret (only when secretRefOf names one) and
 * builds the KubeConfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../api/karmada.js';
import type { Secret } from '../api/core.js';
import { PATHS } from '../kube/gvr.js';
import type { MemberAccessMode } from './member-access-mode.js';

export type MemberAccess =
  | { kind: 'push'; server: string; token: string; caData?: string; skipTLSVerify: boolean; proxyUrl?: string }
  | { kind: 'proxy'; path: string }
  | { kind: 'unreachable'; reason: string };

const decode = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : '');

/** Which way a member is reached: a Pull member only through the proxy, a Push member as `mode` says. */
export function accessRoute(c: Cluster, mode: MemberAccessMode): MemberAccessMode {
  return c.spec.syncMode === 'Pull' ? 'proxy' : mode;
}

/** The Secret the caller must fetch for this Cluster: none unless it is reached directly. */
export function secretRefOf(c: Cluster, mode: MemberAccessMode): { namespace: string; name: string } | undefined {
  return accessRoute(c, mode) === 'direct' ? c.spec.secretRef : undefined;
}

export function memberAccess(c: Cluster, secret: Secret | undefined, mode: MemberAccessMode): MemberAccess {
  const name = c.metadata.name;
  if (accessRoute(c, mode) === 'proxy') {
    if (!c.spec.impersonatorSecretRef) {
      const fix = c.spec.syncMode === 'Pull'
        ? 'register it with an impersonator secret (karmadactl register does)'
        : 'join it with an impersonator secret (karmadactl join does), or run with --member-access=direct';
      return { kind: 'unreachable', reason: `${c.spec.syncMode} cluster ${name} has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it; ${fix}` };
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
 * What to renew when a member answers 401 (its credentials expired or were
 * revoked), for the member's unreachable reason: the token the controller
 * sends there. Directly, that is the Cluster's Secret, re-read every minute
 * and at every Cluster change, so a renewed token is picked up on its own.
 * Through the proxy, Karmada forwards with its impersonator token; our own
 * credentials are checked by the Karmada API server first, and their
 * rejection is the control plane's (src/runtime/own-credentials.ts).
 */
export function credentialsToRenew(c: Cluster, mode: MemberAccessMode): string {
  if (accessRoute(c, mode) === 'direct') {
    const ref = c.spec.secretRef;
    return ref ? `renew the token in Secret ${ref.namespace}/${ref.name} (Cluster ${c.metadata.name}'s spec.secretRef); it is re-read within a minute` : `give Cluster ${c.metadata.name} a spec.secretRef`;
  }
  const ref = c.spec.impersonatorSecretRef;
  return `the Karmada cluster proxy forwards with the impersonator token${ref ? ` in Secret ${ref.namespace}/${ref.name} (Cluster ${c.metadata.name}'s spec.impersonatorSecretRef)` : ''}: renew it in Karmada (or this controller's own credentials, when /readyz's credentials check fails too)`;
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

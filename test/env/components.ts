/**
 * Command lines of the components the local environment and the standalone
 * API server fixture (test/support/apiserver.ts) share, and the HTTP probe
 * they wait on. One definition, so both run the same etcd and kube-apiserver.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Pki } from './pki.js';

export function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=default', `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Test data: durability is not worth the fsync latency.
    '--unsafe-no-fsync=true', '--log-level=warn',
  ];
}

export interface ApiserverOptions {
  etcd: string;
  etcdPrefix: string;
  port: number;
  serviceCidr: string;
  tokensFile: string;
  /** The Karmada control plane: aggregation-layer flags, no PV protection (as Karmada deploys it). */
  karmada?: boolean;
}

export function apiserverArgs(pki: Pki, o: ApiserverOptions): string[] {
  const args = [
    `--etcd-servers=${o.etcd}`,
    `--etcd-prefix=${o.etcdPrefix}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${o.port}`,
    // With 127.0.0.1 advertised, the endpoint reconciler would fail validation
    // (loopback is not a valid endpoint); nothing here needs that Endpoints.
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--token-auth-file=${o.tokensFile}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPublicKey}`,
    `--service-account-signing-key-file=${pki.saPrivateKey}`,
    `--service-cluster-ip-range=${o.serviceCidr}`,
    '--allow-privileged=true',
    // No kubelet mounts tokens, so the ServiceAccount admission plugin has nothing to do.
    `--disable-admission-plugins=ServiceAccount${o.karmada ? ',StorageObjectInUseProtection' : ''}`,
  ];
  if (o.karmada) {
    args.push(
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
      `--proxy-client-key-file=${pki.frontProxyClientKey}`,
    );
  }
  return args;
}

/**
 * kube-controller-manager for one cluster of the environment: namespace deletion,
 * garbage collection and ServiceAccount tokens everywhere; a member also runs the
 * deployment and replicaset controllers, so a CoreDNS rollout (`coredns install
 * --rollout`) is carried out for real, and the EndpointSlice controller, which
 * turns the pods the data plane's process kubelet runs into a Service's
 * endpoints. There is no scheduler: pods stay Pending unless the process kubelet
 * binds them (schedulerName process-kubelet) or a test writes their status as a
 * kubelet would.
 */
export function kubeControllerManagerArgs(pki: Pki, o: { kubeconfig: string; port: number; member: boolean }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    '--leader-elect=false',
    `--controllers=namespace,garbagecollector,serviceaccount-token,serviceaccount,clusterrole-aggregation${o.member ? ',deployment,replicaset,endpointslice' : ''}`,
    `--service-account-private-key-file=${pki.saPrivateKey}`,
    `--root-ca-file=${pki.caCert}`,
    '--bind-address=127.0.0.1', `--secure-port=${o.port}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
  ];
}

/** True when `url` answers 2xx (or, with `anyStatus`, answers at all). */
export function httpOk(url: string, ca?: Buffer, anyStatus = false): Promise<boolean> {
  return new Promise((resolveOk) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { timeout: 2000, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolveOk(anyStatus || (res.statusCode ?? 500) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveOk(false));
    req.end();
  });
}

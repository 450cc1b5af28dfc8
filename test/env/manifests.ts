/**
 * The Kubernetes objects the local environment creates, as pure functions.
 * Where Karmada or kubeadm ship the object, the text comes from them (read
 * from the Karmada Go module) or is reproduced with the upstream file named.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlObjects } from './kube.js';

type Obj = KubernetesObject & Record<string, unknown>;

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

const ns = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** Every CRD under charts/karmada/_crds/bases, without the conversion-webhook patches. */
export function karmadaCrds(karmadaDir: string): Obj[] {
  const root = join(karmadaDir, 'charts', 'karmada', '_crds', 'bases');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.yaml')) files.push(p);
    }
  };
  walk(root);
  return files.flatMap((f) => parseYamlObjects(readFileSync(f, 'utf8'))) as Obj[];
}

export function karmadaNamespaces(): Obj[] {
  return [ns('karmada-system'), ns('karmada-cluster')];
}

/** Upstream's APIService and Service, pointed at the local aggregated apiserver. */
export function aggregatedApiService(karmadaDir: string, port: number, caPem: string): Obj[] {
  const text = readFileSync(join(karmadaDir, 'artifacts', 'deploy', 'karmada-aggregated-apiserver-apiservice.yaml'), 'utf8')
    .replace(/\{\{caBundle\}\}/g, b64(caPem));
  return (parseYamlObjects(text) as Obj[]).map((o) => {
    if (o.kind === 'APIService') {
      const spec = o['spec'] as { service: Record<string, unknown> };
      spec.service['port'] = port;
    }
    if (o.kind === 'Service') {
      // ExternalName, as Karmada deploys it; k8s.io/apiserver's proxy resolves
      // it to https://<externalName>:<port> with no kube-proxy involved.
      (o['spec'] as Record<string, unknown>)['externalName'] = '127.0.0.1';
    }
    return o;
  });
}

/** Upstream's webhook configurations with the URL host moved to loopback. */
export function webhookConfigurations(karmadaDir: string, port: number, caPem: string): Obj[] {
  const text = readFileSync(join(karmadaDir, 'artifacts', 'deploy', 'webhook-configuration.yaml'), 'utf8')
    .replace(/https:\/\/karmada-webhook\.karmada-system\.svc:443/g, `https://127.0.0.1:${port}`)
    .replace(/\{\{caBundle\}\}/g, b64(caPem));
  return parseYamlObjects(text) as Obj[];
}

/**
 * What `karmadactl join` leaves in a member (pkg/karmadactl/join/join.go,
 * pkg/util/credential.go): namespace karmada-cluster, a service account for
 * the control plane with a cluster-wide role, and one for the impersonator.
 * Token Secrets are the legacy kind, filled by kube-controller-manager's
 * serviceaccount-token controller, as karmadactl waits for.
 */
export function memberJoinObjects(cluster: string): Obj[] {
  const sa = `karmada-${cluster}`;
  const role = `karmada-controller-manager:${sa}`;
  const tokenSecret = (name: string, account: string): Obj => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: 'karmada-cluster', annotations: { 'kubernetes.io/service-account.name': account } },
  });
  return [
    ns('karmada-cluster'),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'karmada-cluster' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'karmada-impersonator', namespace: 'karmada-cluster' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'karmada-cluster' }],
    },
    tokenSecret(sa, sa),
    tokenSecret('karmada-impersonator', 'karmada-impersonator'),
  ];
}

/**
 * What `karmadactl init` grants its admin (the ClusterRole and binding
 * `cluster-proxy-admin`, for user system:admin), for this environment's admin
 * user: `clusters/proxy` on every Cluster. Karmada's unifiedAuth controller
 * then lets each member's impersonator impersonate that user, so `coredns`,
 * `doctor` and `karmada uninstall` reach the members through the cluster
 * proxy (their default --member-access) as the admin.
 */
export function clusterProxyAdmin(user: string): Obj[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'cluster-proxy-admin' },
      rules: [{ apiGroups: ['cluster.karmada.io'], resources: ['clusters/proxy'], verbs: ['*'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'cluster-proxy-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-proxy-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  ];
}

/** The control-plane side of a Push join: credentials Secrets and the Cluster. */
export function clusterRegistration(cluster: string, apiEndpoint: string, token: string, impersonatorToken: string, caPem: string): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: cluster, namespace: 'karmada-cluster' },
      data: { token: b64(token), caBundle: b64(caPem) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${cluster}-impersonator`, namespace: 'karmada-cluster' },
      data: { token: b64(impersonatorToken) },
    },
    {
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: cluster },
      spec: {
        syncMode: 'Push',
        apiEndpoint,
        secretRef: { namespace: 'karmada-cluster', name: cluster },
        impersonatorSecretRef: { namespace: 'karmada-cluster', name: `${cluster}-impersonator` },
      },
    },
  ];
}

export const MCS_CRDS = ['serviceexports.multicluster.x-k8s.io', 'serviceimports.multicluster.x-k8s.io'];

/**
 * Which MCS CRDs the members get: `mcs-api`, the release crds/mcs-api/
 * holds (v1alpha1 and v1beta1, spec.ips up to 2), applied to each member
 * as `clusterset-dns crds install` would; or `karmada`, Karmada's own copy
 * propagated from the control plane by MCS_CRD_POLICY, as Karmada's MCS
 * guide does. The control plane keeps Karmada's either way.
 */
export type MemberCrdSource = 'mcs-api' | 'karmada';
export const DEFAULT_MEMBER_CRDS: MemberCrdSource = 'mcs-api';

/** CLUSTERSET_DNS_MEMBER_CRDS=mcs-api|karmada, read by env:up; unset: DEFAULT_MEMBER_CRDS. */
export function memberCrdSource(env: Record<string, string | undefined> = process.env): MemberCrdSource {
  const raw = env['CLUSTERSET_DNS_MEMBER_CRDS'];
  if (raw === undefined || raw === '') return DEFAULT_MEMBER_CRDS;
  if (raw === 'mcs-api' || raw === 'karmada') return raw;
  throw new Error(`CLUSTERSET_DNS_MEMBER_CRDS: want mcs-api or karmada, got ${JSON.stringify(raw)}`);
}

/**
 * The mcs-api CRDs as crds/mcs-api/ holds them (generated by hack/gen-crds.ts),
 * or, with `variant` 'mcs-api-v1alpha1', the same schema serving v1alpha1
 * only, for the Karmada control plane.
 */
export function mcsApiCrds(repoRoot: string, variant: 'mcs-api' | 'mcs-api-v1alpha1' = 'mcs-api'): Obj[] {
  const dir = join(repoRoot, 'crds', variant);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseYamlObjects(readFileSync(join(dir, f), 'utf8'))) as Obj[];
}

/** The name of the ClusterPropagationPolicy that rolls the MCS CRDs out to the members. */
export const MCS_CRD_POLICY = 'multicluster-services-crds';

/** The ClusterPropagationPolicy Karmada's MCS docs use to roll the CRDs out. */
export function mcsCrdPropagation(clusters: string[]): Obj {
  return {
    apiVersion: 'policy.karmada.io/v1alpha1',
    kind: 'ClusterPropagationPolicy',
    metadata: { name: MCS_CRD_POLICY },
    spec: {
      resourceSelectors: MCS_CRDS.map((name) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })),
      placement: { clusterAffinity: { clusterNames: clusters } },
    },
  };
}

/** kubeadm's default Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go, Kubernetes 1.35). */
export const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;

/**
 * CoreDNS as kubeadm installs it: ConfigMap, ServiceAccount, the
 * `system:coredns` ClusterRole and binding (kubeadm's rules, nothing for
 * serviceimports), and the Deployment object. No kubelet runs it here; the
 * environment runs the same binary on loopback instead, and the Deployment
 * records the image (and so the version) that a real cluster would run.
 */
export function kubeadmCoreDns(corednsVersion: string): Obj[] {
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: KUBEADM_COREFILE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        // kubeadm says 2. Here no kubelet runs pods (the environment starts the CoreDNS processes
        // itself), and the members' deployment controller would leave 2 Pending pods and an
        // unavailable Deployment behind; 0 keeps the object healthy and honest.
        replicas: 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            containers: [{
              name: 'coredns',
              image: `registry.k8s.io/coredns/coredns:${corednsVersion}`,
              args: ['-conf', '/etc/coredns/Corefile'],
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
            }],
            volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
          },
        },
      },
    },
  ];
}

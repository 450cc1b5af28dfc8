import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';
import { planInstall } from './corefile/index.js';
import { planCoreDnsInstall, type InstallObservation, type InstallOptions } from './install-plan.js';
import { corednsRbac } from './rbac.js';
import { applyHunks } from './text-diff.js';

const deployment = (image = 'registry.k8s.io/coredns/coredns:v1.14.7', serviceAccountName = 'coredns'): k8s.V1Deployment => ({
  spec: { selector: {}, template: { spec: { serviceAccountName, containers: [{ name: 'coredns', image }] } } },
});
const configMap = (Corefile: string, metadata: k8s.V1ObjectMeta = {}): k8s.V1ConfigMap => ({ metadata: { name: 'coredns', namespace: 'kube-system', resourceVersion: '42', ...metadata }, data: { Corefile } });
const INSTALLED = (planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' }) as { corefile: string }).corefile;
const [role, binding] = corednsRbac() as unknown as [k8s.V1ClusterRole, k8s.V1ClusterRoleBinding];
const HELM = { annotations: { 'meta.helm.sh/release-name': 'coredns', 'meta.helm.sh/release-namespace': 'kube-system' } };

function obs(o: Partial<InstallObservation> = {}): InstallObservation {
  return {
    deployment: { ok: true, value: deployment() },
    configMap: { ok: true, value: configMap(KUBEADM_COREFILE) },
    clusterRole: { ok: true, value: undefined },
    binding: { ok: true, value: undefined },
    ...o,
  };
}

describe('planCoreDnsInstall: the one plan behind install and install --dry-run', () => {
  const cases: Array<{ name: string; obs: InstallObservation; opts?: InstallOptions; kind: string; message?: RegExp; rbac?: string[] }> = [
    { name: 'kubeadm\'s Corefile, no RBAC yet: change, and both RBAC objects are created', obs: obs(), kind: 'change', rbac: ['ClusterRole create', 'ClusterRoleBinding create'] },
    { name: 'already installed, RBAC in place: unchanged, nothing to apply differently', obs: obs({ configMap: { ok: true, value: configMap(INSTALLED) }, clusterRole: { ok: true, value: role }, binding: { ok: true, value: binding } }), kind: 'unchanged', rbac: ['ClusterRole unchanged', 'ClusterRoleBinding unchanged'] },
    { name: 'CoreDNS now runs as another account: the binding is updated, and says what it binds now', obs: obs({ deployment: { ok: true, value: deployment(undefined, 'dns') }, clusterRole: { ok: true, value: role }, binding: { ok: true, value: binding } }), kind: 'change', rbac: ['ClusterRole unchanged', 'ClusterRoleBinding update'] },
    { name: 'RBAC that cannot be read is applied all the same, marked unknown', obs: obs({ clusterRole: { ok: false, reason: 'forbidden' }, binding: { ok: false, reason: 'forbidden' } }), kind: 'change', rbac: ['ClusterRole apply', 'ClusterRoleBinding apply'] },
    { name: 'a Helm-owned ConfigMap is refused, naming the release', obs: obs({ configMap: { ok: true, value: configMap(KUBEADM_COREFILE, HELM) } }), kind: 'refused', message: /ConfigMap kube-system\/coredns is managed by Helm release kube-system\/coredns .*which would revert this edit/ },
    { name: 'an addon-manager Reconcile ConfigMap is refused', obs: obs({ configMap: { ok: true, value: configMap(KUBEADM_COREFILE, { labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }) } }), kind: 'refused', message: /addon manager/ },
    { name: 'an owned ConfigMap whose Corefile already has our lines is not refused: nothing is written to it', obs: obs({ configMap: { ok: true, value: configMap(INSTALLED, HELM) } }), kind: 'unchanged' },
    { name: 'an owned ConfigMap with someone else\'s setup is foreign, not refused', obs: obs({ configMap: { ok: true, value: configMap(KUBEADM_COREFILE.replace('cluster.local in-addr.arpa', 'cluster.local clusterset.local in-addr.arpa'), HELM) } }), kind: 'foreign', rbac: [] },
    { name: 'a missing Deployment is refused first', obs: obs({ deployment: { ok: false, missing: true, reason: 'Deployment kube-system/coredns not found; pass --coredns-deployment' } }), kind: 'refused', message: /not found; pass --coredns-deployment/ },
    { name: 'an old CoreDNS without a flavour is refused', obs: obs({ deployment: { ok: true, value: deployment('registry.k8s.io/coredns/coredns:v1.11.1') } }), kind: 'refused', message: /1\.12\.2/ },
    { name: 'no Corefile key', obs: obs({ configMap: { ok: true, value: { metadata: {}, data: {} } } }), kind: 'refused', message: /has no Corefile key/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planCoreDnsInstall(c.obs, c.opts ?? {});
      expect(p.kind).to.equal(c.kind);
      if (c.message) expect(p.message).to.match(c.message);
      if (c.rbac && p.kind !== 'refused') expect(p.rbac.map((r) => `${r.kind} ${r.action}`)).to.deep.equal(c.rbac);
    });
  }

  it('a change carries the diff that turns the ConfigMap\'s Corefile into the one install writes', () => {
    const p = planCoreDnsInstall(obs(), {});
    if (p.kind !== 'change') throw new Error(p.kind);
    expect(p.corefile.after).to.equal(INSTALLED);
    expect(applyHunks(KUBEADM_COREFILE, p.corefile.diff)).to.equal(INSTALLED);
    expect(p.configMap.metadata?.resourceVersion, 'the write carries the read\'s resourceVersion').to.equal('42');
  });

  it('a refusal for an owner still carries what install would write, for adding it through that owner', () => {
    const p = planCoreDnsInstall(obs({ configMap: { ok: true, value: configMap(KUBEADM_COREFILE, HELM) } }), {});
    if (p.kind !== 'refused') throw new Error(p.kind);
    expect(p.owner?.owner).to.equal('Helm release kube-system/coredns');
    expect(p.preview?.corefile.after).to.equal(INSTALLED);
  });

  it('--ignore-configmap-owner plans the change and remembers whose ConfigMap it is', () => {
    const p = planCoreDnsInstall(obs({ configMap: { ok: true, value: configMap(KUBEADM_COREFILE, HELM) } }), { ignoreConfigMapOwner: true });
    if (p.kind !== 'change') throw new Error(p.kind);
    expect(p.ignoredOwner?.owner).to.equal('Helm release kube-system/coredns');
  });

  it('the rollout is planned from the same read: --rollout=never restarts nothing', () => {
    const p = planCoreDnsInstall(obs(), { rollout: { mode: 'never' } });
    if (p.kind !== 'change') throw new Error(p.kind);
    expect(p.rollout?.decision.rollout).to.equal(false);
  });
});

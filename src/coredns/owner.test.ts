import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { corefileOwner, ownerRefusal } from './owner.js';

const cm = (metadata: k8s.V1ObjectMeta): k8s.V1ConfigMap => ({ metadata: { name: 'coredns', namespace: 'kube-system', ...metadata } });
const managed = (manager: string, fields: object = { 'f:data': { 'f:Corefile': {} } }): k8s.V1ManagedFieldsEntry => ({ manager, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: fields });

describe('corefileOwner: who would revert an edit of the Corefile', () => {
  const cases: Array<{ name: string; meta: k8s.V1ObjectMeta; owner?: RegExp; evidence?: RegExp }> = [
    { name: 'kubeadm\'s ConfigMap (no markers): nobody', meta: { labels: { 'k8s-app': 'kube-dns' } } },
    { name: 'written by kubectl and by us: nobody', meta: { managedFields: [managed('kubectl-client-side-apply'), managed('clusterset-dns')] } },
    { name: 'labelled managed-by clusterset-dns: not someone else', meta: { labels: { 'app.kubernetes.io/managed-by': 'clusterset-dns' } } },
    { name: 'addon manager EnsureExists only creates it: nobody', meta: { labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' } } },
    { name: 'addon manager Reconcile', meta: { labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }, owner: /addon manager/, evidence: /addonmanager.kubernetes.io\/mode=Reconcile/ },
    { name: 'Karmada-propagated (karmada.io/managed)', meta: { labels: { 'karmada.io/managed': 'true' } }, owner: /^Karmada/, evidence: /karmada.io\/managed=true/ },
    { name: 'Karmada work annotation (older Karmada)', meta: { annotations: { 'work.karmada.io/name': 'coredns-687f7fb96f' } }, owner: /^Karmada/, evidence: /annotation work.karmada.io\/name/ },
    { name: 'Karmada\'s execution controller as the data\'s manager', meta: { managedFields: [managed('karmada-controller-manager')] }, owner: /Karmada \(karmada-controller-manager\)/ },
    { name: 'Helm release (annotation names it)', meta: { annotations: { 'meta.helm.sh/release-name': 'coredns', 'meta.helm.sh/release-namespace': 'kube-system' }, labels: { 'app.kubernetes.io/managed-by': 'Helm' } }, owner: /Helm release kube-system\/coredns/, evidence: /meta.helm.sh\/release-name/ },
    { name: 'Helm by label only', meta: { labels: { 'app.kubernetes.io/managed-by': 'Helm' } }, owner: /^Helm$/, evidence: /managed-by=Helm/ },
    { name: 'helm as the data\'s manager', meta: { managedFields: [managed('helm')] }, owner: /Helm \(helm\)/ },
    { name: 'a manager that did not write the data does not count', meta: { managedFields: [managed('helm', { 'f:metadata': { 'f:labels': {} } })] } },
    { name: 'Flux Kustomization', meta: { labels: { 'kustomize.toolkit.fluxcd.io/name': 'infra', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } }, owner: /Flux Kustomization flux-system\/infra/ },
    { name: 'Argo CD tracking annotation', meta: { annotations: { 'argocd.argoproj.io/tracking-id': 'dns:/ConfigMap:kube-system/coredns' } }, owner: /Argo CD application dns/ },
    { name: 'k3s packaged manifest', meta: { labels: { 'objectset.rio.cattle.io/hash': 'abc' } }, owner: /k3s/, evidence: /objectset/ },
    { name: 'EKS add-on (manager eks)', meta: { managedFields: [managed('eks')] }, owner: /EKS CoreDNS add-on/, evidence: /manager eks/ },
    { name: 'a controller ownerReference', meta: { ownerReferences: [{ apiVersion: 'x/v1', kind: 'DNSConfig', name: 'default', uid: 'u', controller: true }] }, owner: /DNSConfig default/ },
    { name: 'a non-controller ownerReference does not count', meta: { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }] } },
    { name: 'any other managed-by label', meta: { labels: { 'app.kubernetes.io/managed-by': 'rke2' } }, owner: /^rke2$/ },
    { name: 'Karmada wins over Helm labels on the same object (the most specific first)', meta: { labels: { 'karmada.io/managed': 'true', 'app.kubernetes.io/managed-by': 'Helm' } }, owner: /^Karmada/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = corefileOwner(cm(c.meta));
      if (!c.owner) {
        expect(o).to.equal(undefined);
        return;
      }
      expect(o, 'an owner').to.not.equal(undefined);
      expect(o!.owner).to.match(c.owner);
      if (c.evidence) expect(o!.evidence).to.match(c.evidence);
      expect(o!.fix.length).to.be.greaterThan(10);
    });
  }

  it('the refusal is one line naming the owner, the evidence, a fix and the override', () => {
    const o = corefileOwner(cm({ labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }))!;
    const msg = ownerRefusal(o, 'kube-system/coredns');
    expect(msg).to.not.include('\n');
    expect(msg).to.match(/ConfigMap kube-system\/coredns is managed by the Kubernetes addon manager \(mode Reconcile\) \(label addonmanager.kubernetes.io\/mode=Reconcile\), which would revert this edit; .*coredns-custom.*--ignore-configmap-owner/);
  });
});

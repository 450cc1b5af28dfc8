import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';
import { planInstall } from './corefile/index.js';
import { corednsRbac } from './rbac.js';
import { summarizeStatus, type StatusObservation } from './status.js';

const deployment = (image: string, serviceAccountName = 'coredns'): k8s.V1Deployment => ({
  spec: { selector: {}, template: { spec: { serviceAccountName, containers: [{ name: 'coredns', image }] } } },
});
const cm = (Corefile: string): k8s.V1ConfigMap => ({ data: { Corefile } });
const installed = (planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' }) as { corefile: string }).corefile;
const [role, binding] = corednsRbac() as unknown as [k8s.V1ClusterRole, k8s.V1ClusterRoleBinding];

function obs(o: Partial<StatusObservation> = {}): StatusObservation {
  return {
    deployment: { ok: true, value: deployment('registry.k8s.io/coredns/coredns:v1.14.7') },
    configMap: { ok: true, value: cm(installed) },
    clusterRole: role,
    binding,
    ...o,
  };
}

describe('coredns status: summary', () => {
  it('a complete install is ok', () => {
    const s = summarizeStatus(obs());
    expect(s).to.include({ ok: true, version: 'v1.14.7', flavor: 'in-tree', flavorProblem: null });
    expect(s.rbac).to.deep.equal({ clusterRole: true, binding: true, serviceAccount: 'kube-system/coredns', bound: true });
    expect(s.corefile.status).to.equal('installed');
  });

  it('kubeadm\'s Corefile without RBAC is absent but not broken, and says what to run', () => {
    const s = summarizeStatus(obs({ configMap: { ok: true, value: cm(KUBEADM_COREFILE) }, clusterRole: undefined, binding: undefined }));
    expect(s.ok).to.equal(true);
    expect(s.corefile.status).to.equal('absent');
    expect(s.summary).to.match(/not served; run clusterset-dns coredns install/);
  });

  it('our stanza without our RBAC is broken, with the fix', () => {
    const s = summarizeStatus(obs({ clusterRole: undefined, binding: undefined }));
    expect(s.ok).to.equal(false);
    expect(s.summary).to.match(/cannot list serviceimports; run clusterset-dns coredns install again/);
  });

  it('a binding for another account than the Deployment runs as is not bound', () => {
    const s = summarizeStatus(obs({ deployment: { ok: true, value: deployment('coredns:v1.14.7', 'dns') } }));
    expect(s.rbac.bound).to.equal(false);
    expect(s.rbac.serviceAccount).to.equal('kube-system/dns');
    expect(s.ok).to.equal(false);
  });

  it('an old CoreDNS reports what install would refuse', () => {
    const s = summarizeStatus(obs({ deployment: { ok: true, value: deployment('coredns:v1.11.3') }, configMap: { ok: true, value: cm(KUBEADM_COREFILE) } }));
    expect(s.flavor).to.equal(null);
    expect(s.flavorProblem).to.match(/v1\.11\.3.*--coredns-flavor=external/);
    expect(s.summary).to.match(/install would refuse/);
  });

  it('a missing Deployment or ConfigMap, or a Corefile that does not parse, is broken with a hint', () => {
    expect(summarizeStatus(obs({ deployment: undefined })).summary).to.match(/--coredns-deployment/);
    const noCm = summarizeStatus(obs({ configMap: undefined }));
    expect(noCm.ok).to.equal(false);
    expect(noCm.corefile.status).to.equal('missing');
    const bad = summarizeStatus(obs({ configMap: { ok: true, value: cm('.:53 {\n  kubernetes "cluster.local\n}\n') } }));
    expect(bad.ok).to.equal(false);
    expect(bad.corefile.status).to.equal('broken');
  });

  it('a ConfigMap someone else owns is reported, and the summary says install would refuse and why', () => {
    const owned = { metadata: { labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }, data: { Corefile: KUBEADM_COREFILE } };
    const s = summarizeStatus(obs({ configMap: { ok: true, value: owned }, clusterRole: undefined, binding: undefined }));
    expect(s.owner?.owner).to.equal('the Kubernetes addon manager (mode Reconcile)');
    expect(s.ok, 'not broken: nothing of ours is there').to.equal(true);
    expect(s.summary).to.match(/not served, and install would refuse: .*ConfigMap kube-system\/coredns is managed by the Kubernetes addon manager/);
    expect(summarizeStatus(obs()).owner).to.equal(null);
  });

  it('node-local-dns that sends the zone upstream is a warning in the summary, with the place to fix it; ok stays', () => {
    const nodeLocal = { daemonSet: { ok: true as const, value: { metadata: { name: 'node-local-dns' } } }, configMap: { ok: true as const, value: { data: { Corefile: 'cluster.local:53 {\n    forward . __PILLAR__CLUSTER__DNS__\n}\n.:53 {\n    forward . __PILLAR__UPSTREAM__SERVERS__\n}\n' } } } };
    const s = summarizeStatus(obs({ nodeLocalDns: nodeLocal }));
    expect(s.nodeLocalDns.state).to.equal('bypasses');
    expect(s.ok).to.equal(true);
    expect(s.summary).to.match(/; warning: node-local-dns sends clusterset.local to __PILLAR__UPSTREAM__SERVERS__.*ConfigMap kube-system\/node-local-dns/);
    expect(summarizeStatus(obs()).nodeLocalDns).to.deep.equal({ state: 'absent' });
  });
});

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
});

import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';
import { planCoreDnsInstall, type InstallObservation } from '../coredns/install-plan.js';
import { planReport, type InstallResult } from '../coredns/install.js';
import { DEFAULT_LOCATION } from '../coredns/location.js';
import { formatOutcomes, type Outcome } from './coredns.js';
import { formatPlan } from './coredns-dry-run.js';

const observed = (metadata: k8s.V1ObjectMeta = {}): InstallObservation => ({
  deployment: { ok: true, value: { spec: { selector: {}, template: { spec: { serviceAccountName: 'coredns', containers: [{ name: 'coredns', image: 'coredns:v1.14.7' }] } } } } },
  configMap: { ok: true, value: { metadata, data: { Corefile: KUBEADM_COREFILE } } },
  clusterRole: { ok: true, value: undefined },
  binding: { ok: true, value: undefined },
});

/** What installCoreDns returns for a dry run of kubeadm's Corefile with --rollout=never. */
function wouldInstall(): InstallResult {
  const p = planCoreDnsInstall(observed(), { rollout: { mode: 'never' } });
  if (p.kind !== 'change') throw new Error(p.kind);
  return { kind: 'would-install', message: `dry run, nothing changed; install would make these changes: ${p.message}`, flavor: p.flavor, plan: planReport(p, DEFAULT_LOCATION) };
}

describe('coredns install --dry-run: the plan as people read it', () => {
  it('the diff under labels naming the member and ConfigMap, the RBAC objects, and what happens to the pods', () => {
    expect(formatPlan('member1', wouldInstall())).to.equal([
      'member1: would change the Corefile in ConfigMap kube-system/coredns:',
      '--- member1 kube-system/coredns Corefile (now)',
      '+++ member1 kube-system/coredns Corefile (after install)',
      '@@ -4,10 +4,11 @@',
      '        lameduck 5s',
      '     }',
      '     ready',
      '-    kubernetes cluster.local in-addr.arpa ip6.arpa {',
      '+    kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa { # clusterset-dns: added clusterset.local',
      '        pods insecure',
      '        fallthrough in-addr.arpa ip6.arpa',
      '        ttl 30',
      '+       multicluster clusterset.local # clusterset-dns',
      '     }',
      '     prometheus :9153',
      '     forward . /etc/resolv.conf {',
      'member1: RBAC, server-side applied (field manager clusterset-dns):',
      '  create    ClusterRole clusterset-dns:coredns-serviceimports: list, watch serviceimports.multicluster.x-k8s.io',
      '  create    ClusterRoleBinding clusterset-dns:coredns-serviceimports: binds ServiceAccount kube-system/coredns',
      'member1: then no restart (--rollout=never: the pods pick the Corefile up only through reload or their next restart)',
      '',
    ].join('\n'));
  });

  it('a refusal for an owner still shows the lines, to add through that owner', () => {
    const p = planCoreDnsInstall(observed({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } }), {});
    if (p.kind !== 'refused' || !p.preview) throw new Error(p.kind);
    const text = formatPlan('member1', { kind: 'refused', message: p.message, plan: planReport(p.preview, DEFAULT_LOCATION) });
    expect(text).to.match(/^member1: refused; these are the lines install would have made, to add through the ConfigMap's owner:\n--- member1/);
    expect(text).to.include('+       multicluster clusterset.local # clusterset-dns');
  });

  it('a result without a plan prints nothing', () => {
    expect(formatPlan('member1', { kind: 'refused', message: 'CoreDNS v1.11.3 cannot serve' })).to.equal('');
  });

  it('the table comes first, then each member\'s plan; JSON says dryRun and carries the plan as data', () => {
    const outcomes: Outcome[] = [{ cluster: 'member1', kind: 'result', result: wouldInstall() }];
    const text = formatOutcomes('install', outcomes, 'table', true);
    expect(text).to.match(/^CLUSTER\s+RESULT\s+MESSAGE\nmember1\s+would-install\s+dry run, nothing changed; install would make these changes: line 7: added clusterset.local/);
    expect(text).to.include('\nmember1: would change the Corefile in ConfigMap kube-system/coredns:\n');
    expect(formatOutcomes('install', outcomes, 'table'), 'without --dry-run, no plan').to.not.include('would change the Corefile');
    const j = JSON.parse(formatOutcomes('install', outcomes, 'json', true)) as { dryRun: boolean; ok: boolean; members: Array<{ kind: string; plan: { corefileDiff: Array<{ lines: string[] }>; corefile: string; rbac: Array<{ action: string; object?: unknown }> } }> };
    expect(j).to.deep.include({ dryRun: true, ok: true });
    expect(j.members[0]?.kind).to.equal('would-install');
    expect(j.members[0]?.plan.corefileDiff[0]?.lines).to.include('+       multicluster clusterset.local # clusterset-dns');
    expect(j.members[0]?.plan.rbac.map((r) => r.action)).to.deep.equal(['create', 'create']);
    expect(j.members[0]?.plan.rbac[0]?.object, 'the object to be applied').to.deep.include({ kind: 'ClusterRole' });
  });
});

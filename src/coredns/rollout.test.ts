import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { AKS, K3S, KUBEADM, RKE2, SNIPPETS_AND_ENV } from '../../test/support/corefile/fixtures.js';
import { planRollout } from './deliver.js';
import { DEFAULT_LOCATION } from './location.js';
import { installPermissionChecks } from './permissions.js';
import { decideRollout, deploymentHealth, reloadCoverage, rolloutPrecondition, type HealthState } from './rollout.js';

const withoutReload = (s: string) => s.replace(/^\s*reload\s*\n/m, '');

describe('coredns rollout: does CoreDNS reload the Corefile itself?', () => {
  const cases: Array<[string, string, boolean, RegExp]> = [
    ['kubeadm', KUBEADM, true, /`reload` on line 21 \(server block \.:53\)/],
    ['k3s (top-level reload next to hosts { reload 15s })', K3S, true, /server block \.:53/],
    ['rke2 (trailing blank after reload)', RKE2, true, /reload/],
    ['aks-like: reload in .:53 covers contoso.internal too (reload is process-wide)', AKS, true, /\.:53/],
    ['kubeadm without reload', withoutReload(KUBEADM), false, /no server block has the reload plugin$/],
    ['only the hosts plugin\'s own reload option', '.:53 {\n    hosts /etc/hosts {\n        reload 15s\n    }\n    kubernetes cluster.local\n}\n', false, /no server block/],
    ['reload in a second server block still reloads everything', '.:53 {\n    kubernetes cluster.local\n}\nexample.org:53 {\n    reload\n    whoami\n}\n', true, /example\.org:53/],
    ['reload through an imported snippet', '(common) {\n    errors\n    reload 10s\n}\n.:53 {\n    import common\n    kubernetes cluster.local\n}\n', true, /line 3/],
    ['reload through a snippet that imports a snippet', '(a) {\n    reload\n}\n(b) {\n    import a\n}\n.:53 {\n    import b\n    kubernetes cluster.local\n}\n', true, /line 2/],
    ['a snippet cycle ends (no reload)', '(a) {\n    import b\n}\n(b) {\n    import a\n}\n.:53 {\n    import a\n    kubernetes cluster.local\n}\n', false, /no server block/],
    ['file imports do not count, and are named', withoutReload(AKS), false, /imported files custom\/\*\.override are not visible/],
    ['snippets without reload', SNIPPETS_AND_ENV, false, /no server block/],
    ['a snippet with reload that nobody imports', '(unused) {\n    reload\n}\n.:53 {\n    kubernetes cluster.local\n}\n', false, /no server block/],
    ['does not parse', '.:53 {\n    kubernetes "cluster.local\n}\n', false, /does not parse/],
  ];
  for (const [name, corefile, reload, why] of cases) {
    it(name, () => {
      const c = reloadCoverage(corefile);
      expect(c.reload).to.equal(reload);
      expect('where' in c ? c.where : c.why).to.match(why);
    });
  }

  it('decides the rollout from the mode and the Corefile', () => {
    const table: Array<['auto' | 'always' | 'never', string, boolean, RegExp]> = [
      ['auto', KUBEADM, false, /reloads the Corefile itself/],
      ['auto', withoutReload(KUBEADM), true, /no server block has the reload plugin, so the pods must be restarted/],
      ['always', KUBEADM, true, /--rollout=always/],
      ['never', withoutReload(KUBEADM), false, /--rollout=never/],
    ];
    for (const [mode, corefile, rollout, reason] of table) {
      const d = decideRollout(mode, corefile);
      expect(d.rollout, `${mode}`).to.equal(rollout);
      expect(d.reason).to.match(reason);
    }
  });
});

type Status = k8s.V1DeploymentStatus;
const dep = (status: Status | undefined, o: { generation?: number; replicas?: number; paused?: boolean } = {}): k8s.V1Deployment => ({
  metadata: { namespace: 'kube-system', name: 'coredns', generation: o.generation ?? 2 },
  spec: { replicas: o.replicas ?? 2, selector: {}, template: {}, ...(o.paused ? { paused: true } : {}) },
  ...(status ? { status } : {}),
});
const progressing = (reason: string, message = ''): k8s.V1DeploymentCondition => ({ type: 'Progressing', status: reason === 'ProgressDeadlineExceeded' ? 'False' : 'True', reason, message });

describe('coredns rollout: Deployment status → progressing | healthy | failed', () => {
  const cases: Array<[string, k8s.V1Deployment, HealthState, RegExp]> = [
    ['converged', dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2, conditions: [progressing('NewReplicaSetAvailable')] }), 'healthy', /2 of 2 replicas updated and available/],
    ['observed a newer generation than asked (never behind)', dep({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 'healthy', /2 of 2/],
    ['no status yet', dep(undefined), 'progressing', /not yet observed generation 2 \(observed none\)/],
    ['our spec change not observed yet', dep({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 'progressing', /not yet observed generation 2 \(observed 1\)/],
    ['new pods still being created', dep({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2 }), 'progressing', /1 of 2 replicas updated/],
    ['old pods still terminating', dep({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }), 'progressing', /1 old replicas pending termination/],
    ['updated but not ready yet', dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), 'progressing', /1 of 2 updated replicas available/],
    ['progress deadline exceeded', dep({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2, conditions: [progressing('ProgressDeadlineExceeded', 'ReplicaSet "coredns-5d" has timed out progressing.')] }), 'failed', /ProgressDeadlineExceeded \(ReplicaSet "coredns-5d" has timed out progressing\.\)/],
    ['a spec not yet observed is progressing, even under an old ProgressDeadlineExceeded (that condition is about the previous spec)', dep({ observedGeneration: 1, conditions: [progressing('ProgressDeadlineExceeded')] }), 'progressing', /not yet observed/],
    ['paused', dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, { paused: true }), 'failed', /is paused/],
    ['scaled to zero', dep({ observedGeneration: 2 }, { replicas: 0 }), 'healthy', /0 of 0/],
    ['spec.replicas unset means 1', { metadata: { name: 'coredns', namespace: 'kube-system', generation: 1 }, spec: { selector: {}, template: {} }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 } }, 'progressing', /0 of 1 updated replicas available/],
  ];
  for (const [name, d, state, reason] of cases) {
    it(name, () => {
      const h = deploymentHealth(d);
      expect(h.state).to.equal(state);
      expect(h.reason).to.match(reason);
      expect(h.reason).to.include('Deployment kube-system/coredns');
    });
  }

  it('a rollout is verified only from a healthy Deployment', () => {
    expect(rolloutPrecondition(dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).to.deep.equal({ ok: true });
    const bad = rolloutPrecondition(dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }));
    expect(bad.ok).to.equal(false);
    expect('reason' in bad ? bad.reason : '').to.match(/not healthy before it \(Deployment kube-system\/coredns: 1 of 2 updated replicas available\).*--rollout=never/);
  });
});

describe('coredns rollout: the plan made before any write', () => {
  const healthy = { ok: true as const, value: dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }) };
  const unhealthy = { ok: true as const, value: dep({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 0 }) };
  const missing = { ok: false as const, missing: true, reason: 'Deployment kube-system/coredns not found; pass --coredns-deployment' };

  it('no rollout options: nothing to plan (the library only writes the Corefile)', () => {
    expect(planRollout(undefined, KUBEADM, healthy)).to.equal(undefined);
  });

  it('with reload, the Deployment may be unhealthy or missing: nothing is restarted', () => {
    for (const d of [healthy, unhealthy, missing, undefined]) {
      const p = planRollout({ mode: 'auto' }, KUBEADM, d);
      expect(p && 'decision' in p ? p.decision.rollout : 'refused').to.equal(false);
    }
  });

  it('a rollout needs a healthy Deployment, and refuses before changing anything otherwise', () => {
    const ok = planRollout({ mode: 'auto' }, withoutReload(KUBEADM), healthy);
    expect(ok && 'decision' in ok ? ok.decision.rollout : 'refused').to.equal(true);
    const r1 = planRollout({ mode: 'always' }, KUBEADM, unhealthy);
    expect(r1 && 'refused' in r1 ? r1.refused : '').to.match(/^refused before changing anything: a rollout cannot be verified .* 0 of 2 updated replicas available/);
    const r2 = planRollout({ mode: 'auto' }, withoutReload(KUBEADM), missing);
    expect(r2 && 'refused' in r2 ? r2.refused : '').to.match(/^refused before changing anything: the pods must be restarted \(no server block has the reload plugin.*\), but Deployment kube-system\/coredns not found/);
  });

  it('asks for patch on the Deployment only when it will roll out a change', () => {
    const has = (cs: ReturnType<typeof installPermissionChecks>) => cs.some((c) => c.verb === 'patch' && c.resource === 'deployments' && c.group === 'apps' && c.namespace === 'kube-system' && c.name === 'coredns');
    expect(has(installPermissionChecks(DEFAULT_LOCATION, true, true))).to.equal(true);
    expect(has(installPermissionChecks(DEFAULT_LOCATION, true, false))).to.equal(false);
    expect(has(installPermissionChecks(DEFAULT_LOCATION, false, true))).to.equal(false);
    expect(has(installPermissionChecks(DEFAULT_LOCATION, true))).to.equal(false);
  });
});

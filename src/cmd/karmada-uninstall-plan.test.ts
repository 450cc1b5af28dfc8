import { expect } from 'chai';
import type { OverridePolicy, ResourceInterpreterCustomization } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import { desiredRetention } from '../karmada/retention.js';
import { desiredOverridePolicy } from '../serviceimport/overridepolicy.js';
import { formatUninstall, importPatch, liveLeaderWarning, planUninstall, uninstallExitCode, uninstallJson, type Step, type UninstallInput, type UninstallPlan } from './karmada-uninstall-plan.js';

const FILL = 'clusterset-dns.io/fill-ips';
const MODE = 'clusterset-dns.io/local-first-mode';

function si(ns: string, name: string, o: { managed?: boolean; annotations?: Record<string, string>; ips?: string[]; rv?: string } = {}): ServiceImport {
  return {
    apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport',
    metadata: { name, namespace: ns, resourceVersion: o.rv ?? '7', ...(o.managed ? { labels: { 'karmada.io/managed': 'true' } } : {}), ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }], ...(o.ips ? { ips: o.ips } : {}) },
  };
}
const ours = (ns: string, name: string): OverridePolicy => {
  const p = desiredOverridePolicy(ns, { name, uid: `si-${name}` }, { member1: ['10.0.0.1'] });
  p.metadata.uid = `op-${name}`;
  return p;
};
const policy = (ns: string, name: string, labels?: Record<string, string>): OverridePolicy => ({ metadata: { namespace: ns, name, uid: `op-${name}`, ...(labels ? { labels } : {}) }, spec: {} } as OverridePolicy);
const ric = (name: string, labels: Record<string, string> | undefined, kind = 'ServiceImport'): ResourceInterpreterCustomization => ({
  metadata: { name, uid: `ric-${name}`, ...(labels ? { labels } : {}) },
  spec: { target: { apiVersion: kind === 'ServiceImport' ? 'multicluster.x-k8s.io/v1alpha1' : 'apps/v1', kind }, customizations: { retention: { luaScript: 'x' } } },
});
const OUR_RIC = { ...desiredRetention(), metadata: { ...desiredRetention().metadata, uid: 'ric-ours' } };
const none: UninstallInput = { customizations: [], policies: [], templates: [], members: [], namespaces: [], propagationPolicies: [], serviceExports: [] };

describe('karmada uninstall: the plan', () => {
  const cases: Array<{ name: string; input: Partial<UninstallInput>; steps: Step[]; left?: Array<[RegExp, RegExp]>; unreached?: string[] }> = [
    { name: 'nothing there: nothing to do', input: {}, steps: [] },
    {
      name: 'a managed import we filled: annotation, mode annotation and spec.ips go, with its resourceVersion',
      input: { members: [{ cluster: 'member2', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true', [MODE]: 'local' }, ips: ['10.97.0.7'], rv: '42' })] }] },
      steps: [{ kind: 'import', cluster: 'member2', namespace: 'shop', name: 'web', resourceVersion: '42', removes: [`annotation ${FILL}`, `annotation ${MODE}`, 'spec.ips [10.97.0.7]'] }],
    },
    {
      name: 'a managed import with the annotation but no ips yet: only the annotation is listed',
      input: { members: [{ cluster: 'member1', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true' } })] }] },
      steps: [{ kind: 'import', cluster: 'member1', namespace: 'shop', name: 'web', resourceVersion: '7', removes: [`annotation ${FILL}`] }],
    },
    {
      name: 'an unmanaged import a user opted in is left, and listed with its ips',
      input: { members: [{ cluster: 'member2', imports: [si('team', 'db', { annotations: { [FILL]: 'true' }, ips: ['10.9.9.9'] })] }] },
      steps: [],
      left: [[/^ServiceImport team\/db in member2$/, /^opted in by a user .* left as it is, spec\.ips \[10\.9\.9\.9\]$/]],
    },
    {
      name: 'imports without the annotation are not ours and not mentioned (managed or not)',
      input: { members: [{ cluster: 'member2', imports: [si('shop', 'web', { managed: true, ips: ['10.97.0.7'] }), si('x', 'handmade', { ips: ['10.9.9.9'], annotations: { [MODE]: 'local' } })] }] },
      steps: [],
    },
    {
      name: 'a managed import whose annotation is not "true" was never filled by us: left, saying why',
      input: { members: [{ cluster: 'member1', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'false' }, ips: ['10.1.1.1'] })] }] },
      steps: [],
      left: [[/^ServiceImport shop\/web in member1$/, /is "false", not "true": clusterset-dns never filled it/]],
    },
    {
      name: 'a template carrying the annotation itself is named once: Karmada would put it back',
      input: {
        templates: [si('shop', 'web', { annotations: { [FILL]: 'true' } })],
        members: [{ cluster: 'member1', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true' } })] }, { cluster: 'member2', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true' } })] }],
      },
      steps: [
        { kind: 'import', cluster: 'member1', namespace: 'shop', name: 'web', resourceVersion: '7', removes: [`annotation ${FILL}`] },
        { kind: 'import', cluster: 'member2', namespace: 'shop', name: 'web', resourceVersion: '7', removes: [`annotation ${FILL}`] },
      ],
      left: [[/^ServiceImport shop\/web in the control plane$/, /Karmada puts the annotation back on its members; remove it there/]],
    },
    {
      name: 'our OverridePolicies in every namespace go; look-alikes stay, saying why',
      input: { policies: [ours('b', 'web'), ours('a', 'api'), policy('a', 'clusterset-dns-mine'), policy('a', 'other', { 'app.kubernetes.io/managed-by': 'clusterset-dns' }), policy('a', 'unrelated')] },
      steps: [{ kind: 'policy', namespace: 'a', name: 'clusterset-dns-api', uid: 'op-api' }, { kind: 'policy', namespace: 'b', name: 'clusterset-dns-web', uid: 'op-web' }],
      left: [
        [/^OverridePolicy a\/clusterset-dns-mine$/, /named like ours but not labelled app\.kubernetes\.io\/managed-by=clusterset-dns: not ours/],
        [/^OverridePolicy a\/other$/, /labelled .* but not named clusterset-dns-<ServiceImport>: not ours/],
      ],
    },
    {
      name: 'our customization goes only with our name and label; others for ServiceImport are named, others not',
      input: { customizations: [OUR_RIC, ric('lighthouse', undefined), ric('deployments', undefined, 'Deployment')] },
      steps: [{ kind: 'customization', name: 'clusterset-dns-serviceimport-ips', uid: 'ric-ours' }],
      left: [[/^ResourceInterpreterCustomization lighthouse$/, /another customization of ServiceImport: not ours/]],
    },
    {
      name: 'our name without our label: left',
      input: { customizations: [ric('clusterset-dns-serviceimport-ips', { team: 'x' })] },
      steps: [],
      left: [[/^ResourceInterpreterCustomization clusterset-dns-serviceimport-ips$/, /has our name but not the label .*: not ours/]],
    },
    {
      name: 'members first, then policies, then the customization; an unreached member is reported',
      input: {
        customizations: [OUR_RIC],
        policies: [ours('shop', 'web')],
        members: [{ cluster: 'member2', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true' }, ips: ['10.0.0.2'] })] }, { cluster: 'edge', error: 'Push cluster edge has no spec.apiEndpoint' }],
      },
      steps: [
        { kind: 'import', cluster: 'member2', namespace: 'shop', name: 'web', resourceVersion: '7', removes: [`annotation ${FILL}`, 'spec.ips [10.0.0.2]'] },
        { kind: 'policy', namespace: 'shop', name: 'clusterset-dns-web', uid: 'op-web' },
        { kind: 'customization', name: 'clusterset-dns-serviceimport-ips', uid: 'ric-ours' },
      ],
      unreached: ['edge'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planUninstall({ ...none, ...c.input });
      expect(plan.steps).to.deep.equal(c.steps);
      expect(plan.left.length, JSON.stringify(plan.left)).to.equal((c.left ?? []).length);
      (c.left ?? []).forEach(([what, why], i) => {
        expect(plan.left[i]?.what).to.match(what);
        expect(plan.left[i]?.why).to.match(why);
      });
      expect(plan.unreached.map((u) => u.cluster)).to.deep.equal(c.unreached ?? []);
    });
  }

  it('the member patch removes both annotations and spec.ips, only at the version read', () => {
    expect(importPatch({ kind: 'import', cluster: 'm', namespace: 'shop', name: 'web', resourceVersion: '42', removes: [] })).to.deep.equal({
      metadata: { resourceVersion: '42', annotations: { [FILL]: null, [MODE]: null } },
      spec: { ips: null },
    });
  });
});

describe('karmada uninstall: a controller still running', () => {
  const lease = (holder: string, renewTime: string | undefined, leaseDurationSeconds = 15) => ({ namespace: 'karmada-system', name: 'clusterset-dns', holder: { holderIdentity: holder, renewTime, leaseDurationSeconds } });
  const now = Date.parse('2026-01-01T00:00:10Z');
  const cases: Array<[string, Parameters<typeof liveLeaderWarning>[0], RegExp | undefined]> = [
    ['held and renewed 4 s ago: warn, naming holder and how to stop it', lease('pod-a_1', '2026-01-01T00:00:06.000000Z'), /^the controller looks alive: Lease karmada-system\/clusterset-dns is held by "pod-a_1", renewed 4 s ago\..*with --auto-import, re-creates the sentinel and the automatic imports .*scale deployment clusterset-dns --replicas=0/],
    ['renewed longer ago than its duration: the controller is gone', lease('pod-a_1', '2026-01-01T00:00:06Z', 3), undefined],
    ['released (no holder)', lease('', '2026-01-01T00:00:09Z'), undefined],
    ['no Lease at all', { namespace: 'karmada-system', name: 'clusterset-dns', holder: undefined }, undefined],
    ['no renewTime', lease('pod-a_1', undefined), undefined],
    ['an unreadable renewTime', lease('pod-a_1', 'yesterday'), undefined],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const w = liveLeaderWarning(input, now);
      if (want === undefined) expect(w).to.equal(undefined);
      else expect(w).to.match(want);
    });
  }
});

describe('karmada uninstall: the report and exit code', () => {
  const plan: UninstallPlan = planUninstall({
    ...none,
    customizations: [OUR_RIC],
    policies: [ours('shop', 'web'), ours('shop', 'api')],
    members: [{ cluster: 'member1', imports: [si('shop', 'web', { managed: true, annotations: { [FILL]: 'true' }, ips: ['10.0.0.1'] }), si('team', 'db', { annotations: { [FILL]: 'true' } })] }],
  });
  const [imp, api, web, cust] = plan.steps as [Step, Step, Step, Step];

  it('a dry run says what would go and what stays', () => {
    expect(formatUninstall(plan, 'dry-run')).to.equal(
      'Would remove:\n' +
      `  ServiceImport shop/web in member1: annotation ${FILL}, spec.ips [10.0.0.1]\n` +
      '  OverridePolicy shop/clusterset-dns-api\n' +
      '  OverridePolicy shop/clusterset-dns-web\n' +
      '  ResourceInterpreterCustomization clusterset-dns-serviceimport-ips\n' +
      'Left alone:\n' +
      `  ServiceImport team/db in member1: opted in by a user (${FILL} on a ServiceImport Karmada does not propagate): left as it is, spec.ips (none)\n`,
    );
    expect(uninstallExitCode(plan, 'dry-run')).to.equal(0);
  });

  it('after the run: removed, already gone and failed, each with its object; a failure exits 1', () => {
    const outcomes = [{ step: imp, result: 'done' as const }, { step: api, result: 'gone' as const }, { step: web, result: 'failed' as const, message: 'it changed since it was read' }, { step: cust, result: 'done' as const }];
    const out = formatUninstall(plan, outcomes);
    expect(out).to.match(/^Removed:\n  ServiceImport shop\/web in member1: .*\n  ResourceInterpreterCustomization clusterset-dns-serviceimport-ips\nAlready gone:\n  OverridePolicy shop\/clusterset-dns-api\nFailed:\n  OverridePolicy shop\/clusterset-dns-web: it changed since it was read\nLeft alone:\n/);
    expect(uninstallExitCode(plan, outcomes)).to.equal(1);
    expect(uninstallExitCode(plan, outcomes.filter((o) => o.result !== 'failed'))).to.equal(0);
  });

  it('nothing found says so; an unreached member exits 1, dry run or not', () => {
    const empty = planUninstall({ ...none, members: [{ cluster: 'edge', error: 'unreachable' }] });
    expect(formatUninstall(empty, [])).to.equal('Nothing of clusterset-dns found to remove.\nNot reached (run uninstall again once reachable):\n  edge: unreachable\n');
    expect(uninstallExitCode(empty, [])).to.equal(1);
    expect(uninstallExitCode(empty, 'dry-run')).to.equal(1);
  });

  it('-o json: each step and its result, what was left, who was not reached; ok as the exit code', () => {
    const outcomes = [{ step: imp, result: 'done' as const }, { step: api, result: 'gone' as const }, { step: web, result: 'failed' as const, message: 'it changed' }, { step: cust, result: 'done' as const }];
    const doc = uninstallJson(plan, outcomes) as { ok: boolean; dryRun: boolean; steps: Array<{ what: string; result: string; message?: string }>; left: unknown[]; unreached: unknown[] };
    expect([doc.ok, doc.dryRun]).to.deep.equal([false, false]);
    expect(doc.steps.map((st) => st.result)).to.deep.equal(['removed', 'already-gone', 'failed', 'removed']);
    expect(doc.steps[2]).to.deep.equal({ what: 'OverridePolicy shop/clusterset-dns-web', result: 'failed', message: 'it changed' });
    expect(doc.left).to.deep.equal(plan.left);
    const dry = uninstallJson(planUninstall({ ...none, members: [{ cluster: 'edge', error: 'unreachable' }] }), 'dry-run');
    expect(dry).to.deep.equal({ action: 'uninstall', ok: false, dryRun: true, steps: [], left: [], unreached: [{ cluster: 'edge', reason: 'unreachable' }] });
  });
});

import { expect } from 'chai';
import type { KubeObject } from '../api/meta.js';
import type { ServiceImport } from '../api/mcs.js';
import { importBody, importNamespace, importPolicy } from '../autoimport/objects.js';
import { sentinelObjects } from '../autoimport/sentinel.js';
import { desiredOverridePolicy } from '../serviceimport/overridepolicy.js';
import { formatUninstall, planUninstall, type Step, type UninstallInput } from './karmada-uninstall-plan.js';

// The objects as the controller writes them (src/autoimport/objects.ts, sentinel.ts), with the uid the API server adds.
const withUid = (o: object, uid: string): KubeObject => {
  const k = structuredClone(o) as KubeObject;
  k.metadata.uid = uid;
  return k;
};
const IMPORT = { type: 'ClusterSetIP' as const, ports: [{ port: 80, protocol: 'TCP' as const }], labels: {}, annotations: {} };
const ourImport = (ns: string, name: string) => withUid(importBody(ns, name, IMPORT), `si-${ns}-${name}`) as ServiceImport;
const ourPolicy = (ns: string, name: string) => withUid(importPolicy(ns, name, ['member1']), `pp-${ns}-${name}`);
const ourNamespace = (name: string) => withUid(importNamespace(name), `ns-${name}`);
const sentinel = sentinelObjects();
const SENTINEL = {
  namespaces: [withUid(sentinel.namespace, 'ns-sentinel')],
  propagationPolicies: [withUid(sentinel.policy, 'pp-sentinel')],
  serviceExports: [withUid(sentinel.serviceExport, 'se-sentinel')],
};
// Someone else's: the same kinds and names, without our labels.
const theirs = (kind: string, ns: string | undefined, name: string, labels?: Record<string, string>): KubeObject =>
  ({ kind, metadata: { name, ...(ns ? { namespace: ns } : {}), uid: `theirs-${name}`, ...(labels ? { labels } : {}) } });

const none: UninstallInput = { customizations: [], policies: [], templates: [], members: [], namespaces: [], propagationPolicies: [], serviceExports: [] };

describe('karmada uninstall: what automatic imports made', () => {
  const cases: Array<{ name: string; input: Partial<UninstallInput>; steps: Step[]; left?: Array<[RegExp, RegExp]> }> = [
    {
      name: 'everything: import policies, our ServiceImports, the sentinel policy and export, then our namespaces',
      input: {
        namespaces: [ourNamespace('shop'), theirs('Namespace', undefined, 'team'), ...SENTINEL.namespaces],
        propagationPolicies: [ourPolicy('team', 'db'), ourPolicy('shop', 'web'), ...SENTINEL.propagationPolicies],
        templates: [ourImport('team', 'db'), ourImport('shop', 'web')],
        serviceExports: SENTINEL.serviceExports,
      },
      steps: [
        { kind: 'auto-policy', namespace: 'shop', name: 'clusterset-dns-import-web', uid: 'pp-shop-web' },
        { kind: 'auto-policy', namespace: 'team', name: 'clusterset-dns-import-db', uid: 'pp-team-db' },
        { kind: 'auto-import', namespace: 'shop', name: 'web', uid: 'si-shop-web' },
        { kind: 'auto-import', namespace: 'team', name: 'db', uid: 'si-team-db' },
        { kind: 'auto-policy', namespace: 'clusterset-dns-system', name: 'clusterset-dns-sentinel', uid: 'pp-sentinel' },
        { kind: 'auto-export', namespace: 'clusterset-dns-system', name: 'clusterset-dns-sentinel', uid: 'se-sentinel' },
        { kind: 'namespace', name: 'clusterset-dns-system', uid: 'ns-sentinel' },
        { kind: 'namespace', name: 'shop', uid: 'ns-shop' },
      ],
    },
    {
      name: 'our names without our labels (or with only one of them) are someone else\'s: left, and the look-alikes listed',
      input: {
        namespaces: [theirs('Namespace', undefined, 'clusterset-dns-system'), theirs('Namespace', undefined, 'shop', { 'app.kubernetes.io/managed-by': 'clusterset-dns' })],
        propagationPolicies: [theirs('PropagationPolicy', 'clusterset-dns-system', 'clusterset-dns-sentinel'), theirs('PropagationPolicy', 'shop', 'clusterset-dns-import-web', { 'clusterset-dns.io/auto-import': 'true' }), theirs('PropagationPolicy', 'shop', 'mine')],
        serviceExports: [theirs('ServiceExport', 'clusterset-dns-system', 'clusterset-dns-sentinel'), theirs('ServiceExport', 'shop', 'web')],
        templates: [theirs('ServiceImport', 'shop', 'web', { 'app.kubernetes.io/managed-by': 'clusterset-dns' }) as UninstallInput['templates'][number]],
      },
      steps: [],
      left: [
        [/^PropagationPolicy clusterset-dns-system\/clusterset-dns-sentinel$/, /not labelled app\.kubernetes\.io\/managed-by=clusterset-dns and clusterset-dns\.io\/auto-import=true: not ours/],
        [/^PropagationPolicy shop\/clusterset-dns-import-web$/, /: not ours$/],
        [/^ServiceExport clusterset-dns-system\/clusterset-dns-sentinel$/, /: not ours$/],
        [/^Namespace clusterset-dns-system$/, /the sentinel's name but not labelled .*: not ours/],
      ],
    },
    {
      name: 'our namespace holding anyone else\'s ServiceImport, ServiceExport, PropagationPolicy or OverridePolicy is left, naming them',
      input: {
        namespaces: [ourNamespace('a'), ourNamespace('b'), ourNamespace('c'), ourNamespace('d')],
        templates: [ourImport('a', 'web'), theirs('ServiceImport', 'a', 'handmade') as UninstallInput['templates'][number]],
        serviceExports: [theirs('ServiceExport', 'b', 'api')],
        propagationPolicies: [theirs('PropagationPolicy', 'c', 'spread')],
        policies: [theirs('OverridePolicy', 'd', 'tweak') as UninstallInput['policies'][number]],
      },
      steps: [{ kind: 'auto-import', namespace: 'a', name: 'web', uid: 'si-a-web' }],
      left: [
        [/^Namespace a$/, /^ours, but it holds ServiceImport handmade, which uninstall does not remove: deleting the namespace would delete them$/],
        [/^Namespace b$/, /holds ServiceExport api,/],
        [/^Namespace c$/, /holds PropagationPolicy spread,/],
        [/^Namespace d$/, /holds OverridePolicy tweak,/],
      ],
    },
    {
      name: 'our OverridePolicy in our namespace goes in the same run, so it does not keep the namespace',
      input: {
        namespaces: [ourNamespace('shop')],
        templates: [ourImport('shop', 'web')],
        policies: [withUid(desiredOverridePolicy('shop', { name: 'web', uid: 'si-shop-web' }, { member1: ['10.0.0.1'] }), 'op-web') as UninstallInput['policies'][number]],
      },
      steps: [
        { kind: 'policy', namespace: 'shop', name: 'clusterset-dns-web', uid: 'op-web' },
        { kind: 'auto-import', namespace: 'shop', name: 'web', uid: 'si-shop-web' },
        { kind: 'namespace', name: 'shop', uid: 'ns-shop' },
      ],
    },
    {
      name: 'anyone else\'s objects in their own namespaces are neither removed nor mentioned',
      input: {
        namespaces: [theirs('Namespace', undefined, 'team')],
        templates: [theirs('ServiceImport', 'team', 'db') as UninstallInput['templates'][number]],
        propagationPolicies: [theirs('PropagationPolicy', 'team', 'db')],
        serviceExports: [theirs('ServiceExport', 'team', 'db')],
      },
      steps: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planUninstall({ ...none, ...c.input });
      expect(plan.steps).to.deep.equal(c.steps);
      expect(plan.left.map((l) => l.what), JSON.stringify(plan.left)).to.have.length((c.left ?? []).length);
      (c.left ?? []).forEach(([what, why], i) => {
        expect(plan.left[i]?.what).to.match(what);
        expect(plan.left[i]?.why).to.match(why);
      });
    });
  }

  it('the report names each object by kind', () => {
    const plan = planUninstall({ ...none, ...SENTINEL, templates: [ourImport('shop', 'web')] });
    expect(formatUninstall(plan, 'dry-run')).to.equal(
      'Would remove:\n' +
      '  ServiceImport shop/web in the control plane\n' +
      '  PropagationPolicy clusterset-dns-system/clusterset-dns-sentinel\n' +
      '  ServiceExport clusterset-dns-system/clusterset-dns-sentinel\n' +
      '  Namespace clusterset-dns-system\n',
    );
  });
});

import { expect } from 'chai';
import { decideAutoImport, placement, type AutoImportSnapshot, type ControlPlaneView, type DesiredImport } from './decide.js';

const web: DesiredImport = { type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], labels: {}, annotations: {} };
const ours = (current: DesiredImport = web) => ({ ours: true, deleting: false, uid: 'u1', resourceVersion: '7', current });
const policy = (clusters: string[]) => ({ clusters, uid: 'p1', resourceVersion: '9' });
/** The control plane, with the namespace present (not ours) unless said otherwise. */
const cp = (v: Partial<ControlPlaneView> = {}): ControlPlaneView => ({ namespace: { ours: false, deleting: false }, otherImportsInNamespace: 0, ...v });
const snap = (v: Partial<AutoImportSnapshot>): AutoImportSnapshot => ({
  namespace: 'demo',
  name: 'web',
  desired: web,
  namespaceIn: ['member1', 'member2'],
  exporters: ['member1'],
  controlPlane: cp({ namespace: { ours: false, deleting: false } }),
  ...v,
});
const kinds = (s: AutoImportSnapshot) => decideAutoImport(s).steps.map((x) => x.do);

describe('decideAutoImport', () => {
  const cases: Array<[string, AutoImportSnapshot, string[]]> = [
    ['first export, namespace missing in the control plane: namespace, import, policy', snap({ controlPlane: cp({ namespace: undefined }) }), ['create-namespace', 'apply-import', 'apply-policy']],
    ['first export, namespace present: import and policy', snap({}), ['apply-import', 'apply-policy']],
    ['all in place: nothing', snap({ controlPlane: cp({ namespace: { ours: true, deleting: false }, serviceImport: ours(), policy: policy(['member1', 'member2']) }) }), []],
    ['ports changed: the import only', snap({ controlPlane: cp({ namespace: { ours: true, deleting: false }, serviceImport: ours({ ...web, ports: [{ name: 'http', protocol: 'TCP', port: 81 }] }), policy: policy(['member2', 'member1']) }) }), ['apply-import']],
    ['exported label changed: the import', snap({ desired: { ...web, labels: { tier: 'web' } }, controlPlane: cp({ serviceImport: ours(), policy: policy(['member1', 'member2']) }) }), ['apply-import']],
    ['namespace appeared in member3: the policy', snap({ namespaceIn: ['member1', 'member2', 'member3'], controlPlane: cp({ serviceImport: ours(), policy: policy(['member1', 'member2']) }) }), ['apply-policy']],
    ['someone else wrote the ServiceImport: nothing', snap({ controlPlane: cp({ serviceImport: { ...ours(), ours: false } }) }), []],
    ['someone else wrote it and no export is left: still nothing', snap({ desired: undefined, controlPlane: cp({ serviceImport: { ...ours(), ours: false } }) }), []],
    ['namespace being deleted: wait', snap({ controlPlane: cp({ namespace: { ours: true, deleting: true } }) }), []],
    ['our import being deleted while an export exists: wait', snap({ controlPlane: cp({ serviceImport: { ...ours(), deleting: true }, policy: policy(['member1', 'member2']) }) }), []],
    ['last export gone: policy then import', snap({ desired: undefined, controlPlane: cp({ namespace: { ours: true, deleting: false }, serviceImport: ours(), policy: policy(['member1']) }) }), ['delete-policy', 'delete-import']],
    ['last export gone, import already gone, namespace ours and empty: namespace', snap({ desired: undefined, controlPlane: cp({ namespace: { ours: true, deleting: false } }) }), ['delete-namespace']],
    ['namespace ours but another import lives there: kept', snap({ desired: undefined, controlPlane: cp({ namespace: { ours: true, deleting: false }, otherImportsInNamespace: 1 }) }), []],
    ['namespace not ours: never deleted', snap({ desired: undefined, controlPlane: cp({ namespace: { ours: false, deleting: false } }) }), []],
    ['no export and nothing of ours: nothing', snap({ desired: undefined, controlPlane: cp({ namespace: undefined }) }), []],
  ];
  for (const [name, s, want] of cases) it(name, () => expect(kinds(s)).to.deep.equal(want));

  it('carries the resourceVersions it decided from, as preconditions', () => {
    const d = decideAutoImport(snap({ desired: undefined, controlPlane: cp({ serviceImport: ours(), policy: policy(['member1']) }) }));
    expect(d.steps).to.deep.equal([
      { do: 'delete-policy', uid: 'p1', resourceVersion: '9' },
      { do: 'delete-import', uid: 'u1', resourceVersion: '7' },
    ]);
  });

  it('a session affinity config counts only with ClientIP affinity', () => {
    const withConfig = { ...web, sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } };
    const nsOurs = { ours: true, deleting: false };
    expect(kinds(snap({ desired: withConfig, controlPlane: cp({ namespace: nsOurs, serviceImport: ours(web), policy: policy(['member1', 'member2']) }) }))).to.deep.equal([]);
    const clientIp = { ...withConfig, sessionAffinity: 'ClientIP' };
    expect(kinds(snap({ desired: clientIp, controlPlane: cp({ namespace: nsOurs, serviceImport: ours({ ...clientIp, sessionAffinityConfig: { clientIP: { timeoutSeconds: 20 } } }), policy: policy(['member1', 'member2']) }) }))).to.deep.equal(['apply-import']);
  });
});

describe('placement', () => {
  it('every member with the namespace, sorted', () => expect(placement({ namespaceIn: ['member2', 'member1'], exporters: ['member1'] })).to.deep.equal(['member1', 'member2']));
  // An empty clusterNames would place the import in every member: the exporters are always there.
  it('never empty while someone exports', () => expect(placement({ namespaceIn: [], exporters: ['member3'] })).to.deep.equal(['member3']));
});

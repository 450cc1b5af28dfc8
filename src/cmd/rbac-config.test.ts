/**
 * Every RBAC rule config/ ships grants only what the code uses, and nothing
 * that reaches past our own objects:
 *   - each verb of each rule is in USES, whose named file still holds the call
 *     that needs it (so a rule outlives neither its caller nor its reason);
 *   - no write to a Lease other than ours: get/update name it, and `create`,
 *     which RBAC cannot limit by name, is allowed unnamed in karmada-system only;
 *   - no Secret read without resourceNames: none in what is applied by default
 *     (members are reached through the cluster proxy), one in the opt-in
 *     config/karmada/direct-access for --member-access=direct, checked apart;
 *   - on Karmada policies, nothing but the OverridePolicy verbs the writer uses;
 *   - no wildcards.
 * audit() is pure and tested on rules made to break each check.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kustomizeResources } from '../../test/env/controller.js';
import { DEFAULT_LEASE_NAMESPACE } from '../runtime/leaderelection/lease-namespace.js';
import { SERVICEIMPORT_CRD } from '../kube/gvr.js';
import { COREDNS_ROLE_NAME } from '../coredns/rbac.js';
import { DEFAULT_LOCATION } from '../coredns/location.js';
import { RUN_FLAGS } from './run.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The folders of config/ that hold RBAC objects for the default --member-access=proxy (manage-coredns/ with --manage-coredns). */
const RBAC_DIRS = ['config/karmada', 'config/members', 'config/members/manage-coredns'];
/** Applied in addition for --member-access=direct only. */
const DIRECT_ACCESS_DIR = 'config/karmada/direct-access';

/** One verb on one resource, as one rule of a Role or ClusterRole grants it. */
interface Grant {
  readonly role: string;
  /** The Role's namespace; undefined for a ClusterRole. */
  readonly namespace: string | undefined;
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly names: readonly string[] | undefined;
}

/** A use of the API by our code: the file that makes it and a piece of that file that does. */
interface Use {
  readonly group: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  /** Where the grant must be limited to, when the code uses one namespace only. */
  readonly namespace?: string;
  /** The only names the grant may (and must) list; absent: it lists none. */
  readonly names?: readonly string[];
  readonly file: string;
  readonly evidence: string;
}

interface Rule { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] }

function grantsOf(objects: readonly KubernetesObject[]): Grant[] {
  return objects
    .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
    .flatMap((o) => {
      const namespace = o.kind === 'Role' ? o.metadata?.namespace : undefined;
      const role = `${o.kind} ${namespace ? `${namespace}/` : ''}${o.metadata?.name ?? ''}`;
      return ((o as { rules?: Rule[] }).rules ?? []).flatMap((r) =>
        (r.apiGroups ?? []).flatMap((group) => (r.resources ?? []).flatMap((resource) => (r.verbs ?? []).map((verb) =>
          ({ role, namespace, group, resource, verb, names: r.resourceNames?.length ? r.resourceNames : undefined })))));
    });
}

const LEASE_NAME = String(RUN_FLAGS.find((f) => f.name === 'leader-election-id')?.default);
const LEASE_WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const READS = new Set(['get', 'list', 'watch']);
const OVERRIDE_POLICY_VERBS = ['list', 'watch', 'create', 'patch', 'delete'];

/**
 * Secret reads not limited by name. None by default: members are reached
 * through Karmada's cluster proxy, which needs no Secret.
 */
const SECRET_READS_ALLOWED: ReadonlyArray<Pick<Grant, 'role' | 'verb'>> = [];

/**
 * --member-access=direct (config/karmada/direct-access): the Secret of each
 * Push Cluster, named by the Cluster, so not known in advance.
 */
const DIRECT_ACCESS_SECRET_READS: ReadonlyArray<Pick<Grant, 'role' | 'verb'>> = [
  { role: 'Role karmada-cluster/clusterset-dns', verb: 'get' },
];
const DIRECT_ACCESS_USES: readonly Use[] = [
  { group: '', resource: 'secrets', verbs: ['get'], namespace: 'karmada-cluster', file: 'src/cmd/run-manager.ts', evidence: 'readNamespacedSecret(' },
];

const OVERRIDE_POLICY_USES: Use[] = [
  { group: 'policy.karmada.io', resource: 'overridepolicies', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'overridepolicies: PATHS.overridePolicies' },
  // Server-side apply: authorized as create for a new object, as patch after.
  { group: 'policy.karmada.io', resource: 'overridepolicies', verbs: ['create', 'patch'], file: 'src/serviceimport/writer.ts', evidence: 'this.custom.patchNamespacedCustomObject({ ...ref, body, force: true }, ssa(o))' },
  { group: 'policy.karmada.io', resource: 'overridepolicies', verbs: ['delete'], file: 'src/serviceimport/writer.ts', evidence: "deleteNamespacedCustomObject({ group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, namespace, plural: 'overridepolicies'" },
];

/** Applied in addition for run --auto-import only (control plane, and members through Karmada). */
const AUTO_IMPORT_DIRS = ['config/karmada/auto-import', 'config/members/auto-import'];
const AUTO_IMPORT_POLICY_VERBS = ['list', 'watch', 'create', 'patch', 'delete'];
const AUTO_IMPORT_USES: readonly Use[] = [
  { group: '', resource: 'namespaces', verbs: ['create'], file: 'src/autoimport/writer.ts', evidence: 'this.core.createNamespace(' },
  { group: '', resource: 'namespaces', verbs: ['delete'], file: 'src/autoimport/writer.ts', evidence: 'this.core.deleteNamespace(' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['create'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.createNamespacedCustomObject({ ...SI,' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['patch'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.patchNamespacedCustomObject({ ...SI,' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['delete'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.deleteNamespacedCustomObject({ ...SI,' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceexports', verbs: ['create'], file: 'src/autoimport/writer.ts', evidence: "plural: 'serviceexports', namespace: ns, body: o.serviceExport" },
  { group: 'policy.karmada.io', resource: 'propagationpolicies', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'propagationpolicies: PATHS.propagationPolicies' },
  { group: 'policy.karmada.io', resource: 'propagationpolicies', verbs: ['create'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.createNamespacedCustomObject({ ...PP,' },
  { group: 'policy.karmada.io', resource: 'propagationpolicies', verbs: ['patch'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.patchNamespacedCustomObject({ ...PP,' },
  { group: 'policy.karmada.io', resource: 'propagationpolicies', verbs: ['delete'], file: 'src/autoimport/writer.ts', evidence: 'this.custom.deleteNamespacedCustomObject({ ...PP,' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'collectedendpointslices: PATHS.endpointSlices' },
  { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', verbs: ['list', 'watch'], names: [SERVICEIMPORT_CRD], file: 'src/karmada/cluster-manager.ts', evidence: 'fieldSelector: `metadata.name=${SERVICEIMPORT_CRD}`' },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['create'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.createNamespacedEndpointSlice(' },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['update'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.replaceNamespacedEndpointSlice(' },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['delete'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.deleteNamespacedEndpointSlice(' },
  // config/members/auto-import: in the member, through the cluster proxy.
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['create'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.createNamespacedEndpointSlice(' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['update'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.replaceNamespacedEndpointSlice(' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['delete'], file: 'src/mcs/endpointslice-writer.ts', evidence: 'client.deleteNamespacedEndpointSlice(' },
  // config/members/auto-import: the conditions, through the cluster proxy (a PATCH, granted by config/karmada).
  { group: 'multicluster.x-k8s.io', resource: 'serviceexports/status', verbs: ['patch'], file: 'src/autoimport/writer.ts', evidence: "client.patchNamespacedCustomObjectStatus({ group: MCS_GROUP, version: MCS_VERSION, plural: 'serviceexports'" },
];

/** What the code does with the rights config/ grants: the controller's, then CoreDNS's. */
const USES: readonly Use[] = [
  { group: 'cluster.karmada.io', resource: 'clusters', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'clusters: PATHS.clusters' },
  // Not a request's verb: Karmada's unifiedAuth controller lets its impersonator in each member
  // impersonate the subjects bound to a clusters/proxy rule, whatever its verbs; these name the
  // groups our token carries, which the proxy impersonates along with our user.
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['none'], file: 'src/karmada/access.ts', evidence: "kind: 'proxy'" },
  // The cluster proxy's verb is the HTTP method it forwards.
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['get'], file: 'src/karmada/access.ts', evidence: '/proxy`' },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['patch'], file: 'src/serviceimport/writer.ts', evidence: "client.patchNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, namespace, plural: 'serviceimports'" },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['create'], file: 'src/coredns/permissions.ts', evidence: 'createSelfSubjectAccessReview(' },
  { group: 'cluster.karmada.io', resource: 'clusters/proxy', verbs: ['update'], file: 'src/coredns/objects.ts', evidence: 'replaceNamespacedConfigMap(' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'serviceimports: PATHS.serviceImports' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports/status', verbs: ['patch'], file: 'src/serviceimport/writer.ts', evidence: 'patchNamespacedCustomObjectStatus(' },
  ...OVERRIDE_POLICY_USES,
  { group: 'config.karmada.io', resource: 'resourceinterpretercustomizations', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'resourceinterpretercustomizations: PATHS.resourceInterpreterCustomizations' },
  { group: '', resource: 'namespaces', verbs: ['list', 'watch'], file: 'src/karmada/cluster-manager.ts', evidence: 'namespaces: PATHS.namespaces' },
  { group: '', resource: 'events', verbs: ['create'], file: 'src/serviceimport/writer.ts', evidence: 'createNamespacedEvent(' },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get'], namespace: DEFAULT_LEASE_NAMESPACE, names: [LEASE_NAME], file: 'src/runtime/leaderelection/leaselock.ts', evidence: 'readNamespacedLease(' },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['update'], namespace: DEFAULT_LEASE_NAMESPACE, names: [LEASE_NAME], file: 'src/runtime/leaderelection/leaselock.ts', evidence: 'replaceNamespacedLease(' },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['create'], namespace: DEFAULT_LEASE_NAMESPACE, file: 'src/runtime/leaderelection/leaselock.ts', evidence: 'createNamespacedLease(' },
  // config/members: CoreDNS's own rule, the objects of corednsRbac().
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['list', 'watch'], file: 'src/coredns/rbac.ts', evidence: "resources: ['serviceimports'], verbs: ['list', 'watch']" },
  // config/members/controller-rbac.yaml: the controller in a member, through the cluster proxy.
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['list', 'watch'], file: 'src/karmada/member-informers.ts', evidence: 'serviceimports: PATHS.serviceImports' },
  { group: 'multicluster.x-k8s.io', resource: 'serviceimports', verbs: ['patch'], file: 'src/serviceimport/writer.ts', evidence: "client.patchNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, namespace, plural: 'serviceimports'" },
  { group: 'multicluster.x-k8s.io', resource: 'serviceexports', verbs: ['list', 'watch'], file: 'src/karmada/member-informers.ts', evidence: 'serviceexports: PATHS.serviceExports' },
  { group: '', resource: 'services', verbs: ['list', 'watch'], file: 'src/karmada/member-informers.ts', evidence: 'services: PATHS.services' },
  { group: '', resource: 'namespaces', verbs: ['list', 'watch'], file: 'src/karmada/member-informers.ts', evidence: 'namespaces: PATHS.namespaces' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list', 'watch'], file: 'src/karmada/member-informers.ts', evidence: 'endpointslices: PATHS.endpointSlices' },
  { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', verbs: ['list', 'watch'], names: [SERVICEIMPORT_CRD], file: 'src/karmada/member-informers.ts', evidence: 'fieldSelector: `metadata.name=${SERVICEIMPORT_CRD}`' },
  // config/members/manage-coredns: `run --manage-coredns` in a member, through the cluster proxy.
  // Cluster-wide by name (no namespace here): Karmada propagates nothing into kube-system, so a
  // Role there would never reach a member (the folder's rbac.yaml says more).
  { group: '', resource: 'configmaps', verbs: ['get', 'update'], names: [DEFAULT_LOCATION.configMap], file: 'src/coredns/objects.ts', evidence: 'replaceNamespacedConfigMap(' },
  { group: 'apps', resource: 'deployments', verbs: ['get'], names: [DEFAULT_LOCATION.deployment], file: 'src/coredns/objects.ts', evidence: 'readNamespacedDeployment(' },
  { group: 'apps', resource: 'deployments', verbs: ['patch'], names: [DEFAULT_LOCATION.deployment], file: 'src/coredns/rollout.ts', evidence: 'patchNamespacedDeployment(' },
  ...['clusterroles', 'clusterrolebindings'].flatMap((resource): Use[] => [
    { group: 'rbac.authorization.k8s.io', resource, verbs: ['get'], names: [COREDNS_ROLE_NAME], file: 'src/coredns/install.ts', evidence: 'rbac.readClusterRole(' },
    // Server-side apply: patch, and create while the object does not exist.
    { group: 'rbac.authorization.k8s.io', resource, verbs: ['create', 'patch'], names: [COREDNS_ROLE_NAME], file: 'src/coredns/install.ts', evidence: 'k8s.PatchStrategy.ServerSideApply' },
  ]),
];

const sameNames = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

const usedBy = (g: Grant, u: Use) =>
  u.group === g.group && u.resource === g.resource && u.verbs.includes(g.verb) &&
  (u.namespace === undefined || u.namespace === g.namespace) && sameNames(u.names, g.names);

/** What is wrong with these grants, one line each; [] when nothing is. Pure. */
function audit(grants: readonly Grant[], uses: readonly Use[], secretReadsAllowed = SECRET_READS_ALLOWED, policyVerbs: Readonly<Record<string, readonly string[]>> = { overridepolicies: OVERRIDE_POLICY_VERBS }): string[] {
  const out: string[] = [];
  for (const g of grants) {
    const at = `${g.role}: ${g.verb} ${g.resource}${g.group ? `.${g.group}` : ''}${g.names ? ` [${g.names.join(', ')}]` : ''}`;
    if ([g.group, g.resource, g.verb].includes('*')) out.push(`${at}: a wildcard`);
    if (g.resource === 'leases' && LEASE_WRITES.has(g.verb)) {
      if (g.verb === 'create' && g.names) out.push(`${at}: create cannot be limited by name; this rule never matches`);
      if (g.verb === 'create' && !g.names && g.namespace !== DEFAULT_LEASE_NAMESPACE) out.push(`${at}: an unnamed create outside ${DEFAULT_LEASE_NAMESPACE}`);
      if (g.verb !== 'create' && !g.names) out.push(`${at}: a Lease write not limited by name`);
    }
    if (g.resource === 'secrets' && g.group === '' && READS.has(g.verb) && !g.names && !secretReadsAllowed.some((a) => a.role === g.role && a.verb === g.verb)) {
      out.push(`${at}: a Secret read not limited by name`);
    }
    if (g.group === 'policy.karmada.io' && !(policyVerbs[g.resource] ?? []).includes(g.verb)) out.push(`${at}: a policy right the writer does not use`);
    if (!uses.some((u) => usedBy(g, u))) out.push(`${at}: no code uses it`);
  }
  for (const u of uses) {
    for (const verb of u.verbs) {
      if (!grants.some((g) => g.verb === verb && usedBy(g, u))) out.push(`${u.file}: ${verb} ${u.resource} is not granted`);
    }
  }
  return out;
}

const shipped = grantsOf(RBAC_DIRS.flatMap((d) => kustomizeResources(join(ROOT, d))));
const directAccess = grantsOf(kustomizeResources(join(ROOT, DIRECT_ACCESS_DIR)));
const autoImport = grantsOf(AUTO_IMPORT_DIRS.flatMap((d) => kustomizeResources(join(ROOT, d))));

describe('config/ RBAC', () => {
  it('grants what the code uses, and nothing else', () => {
    expect(audit(shipped, USES)).to.deep.equal([]);
  });

  it('reads no Secret by default (members through the cluster proxy)', () => {
    expect(SECRET_READS_ALLOWED).to.deep.equal([]);
    expect(shipped.filter((g) => g.resource === 'secrets')).to.deep.equal([]);
  });

  it('config/karmada/direct-access adds the Push Clusters\' Secret read, and nothing else', () => {
    expect(audit([...shipped, ...directAccess], [...USES, ...DIRECT_ACCESS_USES], DIRECT_ACCESS_SECRET_READS)).to.deep.equal([]);
    expect(directAccess.map((g) => `${g.role}: ${g.verb} ${g.resource}`)).to.deep.equal(['Role karmada-cluster/clusterset-dns: get secrets']);
  });

  it('config/karmada/auto-import and config/members/auto-import add what automatic imports use, and nothing else', () => {
    expect(audit([...shipped, ...autoImport], [...USES, ...AUTO_IMPORT_USES], SECRET_READS_ALLOWED, { overridepolicies: OVERRIDE_POLICY_VERBS, propagationpolicies: AUTO_IMPORT_POLICY_VERBS })).to.deep.equal([]);
    // Without the opt-in, no PropagationPolicy right at all.
    expect(shipped.filter((g) => g.resource === 'propagationpolicies')).to.deep.equal([]);
  });

  it('each use still stands in the file it names', () => {
    const missing = [...USES, ...DIRECT_ACCESS_USES, ...AUTO_IMPORT_USES].filter((u) => !readFileSync(join(ROOT, u.file), 'utf8').includes(u.evidence)).map((u) => `${u.file}: ${u.evidence}`);
    expect(missing).to.deep.equal([]);
  });

  it('scopes the Lease to run\'s default --leader-election-id', () => {
    expect(LEASE_NAME).to.equal('clusterset-dns');
    expect(shipped.filter((g) => g.resource === 'leases' && g.verb !== 'create').map((g) => g.names)).to.deep.equal([[LEASE_NAME], [LEASE_NAME]]);
  });
});

describe('config/ RBAC: audit()', () => {
  const lease = (verb: string, names?: string[], namespace = 'karmada-system'): Grant =>
    ({ role: 'Role x', namespace, group: 'coordination.k8s.io', resource: 'leases', verb, names });
  const grant = (group: string, resource: string, verb: string, role = 'ClusterRole x', names?: string[]): Grant =>
    ({ role, namespace: undefined, group, resource, verb, names });
  // Each case: the shipped grants with one changed or added, and the line audit() must give.
  const cases: Array<[string, (gs: Grant[]) => Grant[], RegExp]> = [
    ['update on every Lease', (gs) => [...gs, lease('update')], /Role x: update leases\.coordination\.k8s\.io: a Lease write not limited by name/],
    ['create limited by name, which never matches', (gs) => [...gs, lease('create', ['clusterset-dns'])], /create cannot be limited by name/],
    ['an unnamed Lease create in another namespace', (gs) => [...gs, lease('create', undefined, 'kube-system')], /an unnamed create outside karmada-system/],
    ['get on every Secret in a Role not allowed', (gs) => [...gs, grant('', 'secrets', 'get', 'Role karmada-system/other')], /a Secret read not limited by name/],
    ['the direct-access Secret read in what is applied by default', (gs) => [...gs, ...directAccess], /Role karmada-cluster\/clusterset-dns: get secrets: a Secret read not limited by name/],
    ['update on OverridePolicies', (gs) => [...gs, grant('policy.karmada.io', 'overridepolicies', 'update')], /a policy right the writer does not use/],
    ['create on PropagationPolicies', (gs) => [...gs, grant('policy.karmada.io', 'propagationpolicies', 'create')], /a policy right the writer does not use/],
    ['delete through the cluster proxy', (gs) => [...gs, grant('cluster.karmada.io', 'clusters/proxy', 'delete')], /delete clusters\/proxy\.cluster\.karmada\.io: no code uses it/],
    ['a wildcard verb', (gs) => [...gs, grant('', 'namespaces', '*')], /a wildcard/],
    ['a used verb taken away', (gs) => gs.filter((g) => !(g.resource === 'clusters/proxy' && g.verb === 'update')), /src\/coredns\/objects\.ts: update clusters\/proxy is not granted/],
  ];
  for (const [name, change, want] of cases) {
    it(name, () => {
      const found = audit(change([...shipped]), USES);
      expect(found.some((l) => want.test(l)), JSON.stringify(found)).to.equal(true);
    });
  }
});

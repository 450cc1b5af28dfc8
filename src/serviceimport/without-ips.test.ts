import { expect } from 'chai';
import type { ServiceImport } from '../api/mcs.js';
import type { KubeObject } from '../api/meta.js';
import type { Caches, MemberCaches, ObjectReader } from '../karmada/caches.js';
import { serviceImportsWithoutIps } from './without-ips.js';

function reader<T extends KubeObject>(objs: T[]): ObjectReader<T> & { list(): T[] } {
  const key = (ns: string, name: string) => `${ns}/${name}`;
  const m = new Map(objs.map((o) => [key(o.metadata.namespace ?? '', o.metadata.name ?? ''), o]));
  return { get: (ns, name) => m.get(key(ns, name)), list: () => [...m.values()] };
}

interface ImportOpts { ns?: string; managed?: boolean; optedIn?: boolean; ips?: string[]; type?: 'ClusterSetIP' | 'Headless'; deleting?: boolean; malformed?: boolean }
function imp(name: string, o: ImportOpts = {}): ServiceImport {
  return {
    metadata: {
      name, namespace: o.ns ?? 'ns',
      ...(o.managed ?? true ? { labels: { 'karmada.io/managed': 'true' } } : {}),
      ...(o.optedIn ? { annotations: { 'clusterset-dns.io/fill-ips': 'true' } } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: o.malformed ? ({} as ServiceImport['spec']) : { type: o.type ?? 'ClusterSetIP', ports: [{ port: 80 }], ...(o.ips ? { ips: o.ips } : {}) },
  };
}
const ns = (name: string, deleting = false): KubeObject => ({ metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });

function member(cluster: string, imports: ServiceImport[], o: { reachable?: boolean; namespaces?: KubeObject[] } = {}): MemberCaches {
  return {
    cluster,
    reachable: () => o.reachable ?? true,
    starting: () => false,
    ipsMaxItems: () => 1,
    serviceImportCrdVersions: () => ['v1alpha1'],
    serviceImports: reader(imports),
    services: reader([]),
    serviceExports: reader([]),
    namespaces: reader(o.namespaces ?? []),
    endpointSlicesOf: () => [],
  };
}

/** The control plane has templates for ns/web, ns/api and ns/db. */
const caches = (members: MemberCaches[]): Caches => ({
  controlPlane: { serviceImports: reader(['web', 'api', 'db'].map((n) => imp(n, { managed: false }))), overridePolicies: reader([]), namespaces: reader([]) },
  members: () => members,
});

describe('serviceImportsWithoutIps (clusterset_dns_serviceimports_without_ips)', () => {
  const cases: Array<{ name: string; members: MemberCaches[]; want: Array<[string, number]> }> = [
    { name: 'no members: no series', members: [], want: [] },
    { name: 'a member with nothing imported counts 0 (a series to alert on, not a gap)', members: [member('member1', [])], want: [['member1', 0]] },
    {
      name: 'managed imports with a template: empty counts, filled does not',
      members: [member('member1', [imp('web'), imp('api', { ips: ['10.0.0.1'] }), imp('db', { ips: [] })])],
      want: [['member1', 2]],
    },
    { name: 'a managed import whose template is gone is Karmada\'s to delete, not ours', members: [member('member1', [imp('gone')])], want: [['member1', 0]] },
    {
      name: 'an unmanaged import counts only when opted in',
      members: [member('member1', [imp('mine', { managed: false, optedIn: true }), imp('theirs', { managed: false })])],
      want: [['member1', 1]],
    },
    { name: 'headless imports never get spec.ips', members: [member('member1', [imp('web', { type: 'Headless' })])], want: [['member1', 0]] },
    { name: 'an import being deleted is not counted', members: [member('member1', [imp('web', { deleting: true })])], want: [['member1', 0]] },
    {
      name: 'nor one in a namespace being deleted',
      members: [member('member1', [imp('web', { ns: 'ns' })], { namespaces: [ns('ns', true)] })],
      want: [['member1', 0]],
    },
    { name: 'a malformed import is skipped', members: [member('member1', [imp('web', { malformed: true })])], want: [['member1', 0]] },
    {
      name: 'per member; an unreachable member reports its last known state',
      members: [member('member1', [imp('web', { ips: ['10.0.0.1'] })]), member('member2', [imp('web'), imp('api')], { reachable: false })],
      want: [['member1', 0], ['member2', 2]],
    },
  ];
  for (const c of cases) it(c.name, () => expect(serviceImportsWithoutIps(caches(c.members))).to.deep.equal(c.want));
});

import { expect } from 'chai';
import type { EndpointSlice } from '../api/core.js';
import {
  HASH_LENGTH,
  MAX_NAME_LENGTH,
  MCS_SERVICE_NAME_LABEL,
  MCS_SOURCE_CLUSTER_LABEL,
  SLICE_MANAGED_BY_LABEL,
  SLICE_MANAGED_BY_VALUE,
  desiredMirror,
  mirrorSliceName,
  planMirrors,
  type MirrorInput,
  type SourceCluster,
} from './endpointslice-mirror.js';

const NS = 'shop';
const SVC = 'db';
const IMPORT = { type: 'Headless' as const, uid: 'si-uid' };

/** A source slice of the exported Service, as the core EndpointSlice controller writes it. */
function source(name: string, over: Partial<EndpointSlice> = {}): EndpointSlice {
  return {
    metadata: {
      name,
      namespace: NS,
      labels: { 'kubernetes.io/service-name': SVC, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: SVC, uid: 'svc-uid-in-source' }],
    },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.0.0.2'], hostname: 'db-1', conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'z1', targetRef: { kind: 'Pod', name: 'db-1' } } as never,
      { addresses: ['10.0.0.1'], hostname: 'db-0', conditions: { ready: false, serving: true, terminating: true } },
    ],
    ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
    ...over,
  };
}

const reachable = (cluster: string, ...slices: EndpointSlice[]): SourceCluster => ({ cluster, reachable: true, slices });
const unreachable = (cluster: string): SourceCluster => ({ cluster, reachable: false });

/** What the importing member holds after a create: the mirror, read back with the fields the API server adds. */
function written(cluster: string, src: EndpointSlice, rv = '7'): EndpointSlice {
  const m = desiredMirror(NS, SVC, IMPORT.uid, cluster, src);
  return { ...m, metadata: { ...m.metadata, uid: `uid-${m.metadata.name}`, resourceVersion: rv, labels: { ...m.metadata.labels, 'added-by': 'someone' } } };
}

const nameOf = (cluster: string, src: string, addressType = 'IPv4') => mirrorSliceName(NS, SVC, cluster, src, addressType);

interface Case {
  name: string;
  input: Omit<MirrorInput, 'key'> & { key?: string };
  create?: string[];
  update?: string[];
  delete?: string[];
  skipped?: string[];
}

const cases: Case[] = [
  {
    name: 'mirrors every slice of every reachable source cluster',
    input: { serviceImport: IMPORT, sources: [reachable('member1', source('db-abc'), source('db-def')), reachable('member2', source('db-xyz'))], existing: [] },
    create: [nameOf('member1', 'db-abc'), nameOf('member1', 'db-def'), nameOf('member2', 'db-xyz')].sort(),
  },
  {
    name: 'a ClusterSetIP import is mirrored too',
    input: { serviceImport: { type: 'ClusterSetIP', uid: 'si-uid' }, sources: [reachable('member1', source('db-abc'))], existing: [] },
    create: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'an unchanged mirror is not written, whatever the source order or labels added by others',
    input: {
      serviceImport: IMPORT,
      sources: [reachable('member1', source('db-abc', { endpoints: [...(source('db-abc').endpoints ?? [])].reverse() }))],
      existing: [written('member1', source('db-abc'))],
    },
  },
  {
    name: 'a readiness change replaces the mirror',
    input: {
      serviceImport: IMPORT,
      sources: [reachable('member1', source('db-abc', { endpoints: [{ addresses: ['10.0.0.1'], hostname: 'db-0', conditions: { ready: true, serving: true, terminating: false } }] }))],
      existing: [written('member1', source('db-abc'))],
    },
    update: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a port change replaces the mirror',
    input: { serviceImport: IMPORT, sources: [reachable('member1', source('db-abc', { ports: [{ name: 'sql', port: 5433, protocol: 'TCP' }] }))], existing: [written('member1', source('db-abc'))] },
    update: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a mirror missing one of our labels is put back',
    input: {
      serviceImport: IMPORT,
      sources: [reachable('member1', source('db-abc'))],
      existing: [{ ...written('member1', source('db-abc')), metadata: { ...written('member1', source('db-abc')).metadata, labels: { [MCS_SERVICE_NAME_LABEL]: SVC, [MCS_SOURCE_CLUSTER_LABEL]: 'member1', [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY_VALUE } } }],
    },
    update: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a recreated ServiceImport (new uid) re-owns the mirror',
    input: { serviceImport: { type: 'Headless', uid: 'new-uid' }, sources: [reachable('member1', source('db-abc'))], existing: [written('member1', source('db-abc'))] },
    update: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a source slice gone deletes its mirror',
    input: { serviceImport: IMPORT, sources: [reachable('member1', source('db-abc'))], existing: [written('member1', source('db-abc')), written('member1', source('db-old'))] },
    delete: [nameOf('member1', 'db-old')],
  },
  {
    name: 'a source slice with no endpoints left deletes its mirror',
    input: { serviceImport: IMPORT, sources: [reachable('member1', source('db-abc', { endpoints: null }))], existing: [written('member1', source('db-abc'))] },
    delete: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'an unreachable source cluster keeps its mirrors as they are',
    input: { serviceImport: IMPORT, sources: [unreachable('member1'), reachable('member2')], existing: [written('member1', source('db-abc')), written('member2', source('db-xyz'))] },
    delete: [nameOf('member2', 'db-xyz')],
  },
  {
    name: 'a cluster no longer exporting loses its mirrors',
    input: { serviceImport: IMPORT, sources: [reachable('member2', source('db-xyz'))], existing: [written('member1', source('db-abc')), written('member2', source('db-xyz'))] },
    delete: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'no ServiceImport in the member: every mirror goes, even an unreachable cluster\'s',
    input: { serviceImport: undefined, sources: [unreachable('member1')], existing: [written('member1', source('db-abc'))] },
    delete: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a slice we do not own is never touched, even at our name',
    input: {
      serviceImport: undefined,
      sources: [],
      existing: [{ ...written('member1', source('db-abc')), metadata: { ...written('member1', source('db-abc')).metadata, labels: { [MCS_SERVICE_NAME_LABEL]: SVC, [SLICE_MANAGED_BY_LABEL]: 'someone-else' } } }],
    },
  },
  {
    name: 'our slices of another service are not this key\'s',
    input: { serviceImport: undefined, sources: [], existing: [{ ...written('member1', source('db-abc')), metadata: { ...written('member1', source('db-abc')).metadata, labels: { [MCS_SERVICE_NAME_LABEL]: 'web', [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY_VALUE } } }] },
  },
  {
    name: 'only the exported Service\'s IP slices are sources: not another Service\'s, not FQDN, not our own mirrors',
    input: {
      serviceImport: IMPORT,
      sources: [
        reachable(
          'member1',
          source('web-abc', { metadata: { name: 'web-abc', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } } }),
          source('db-fqdn', { addressType: 'FQDN' }),
          desiredMirror(NS, SVC, IMPORT.uid, 'member9', source('db-loop')),
          source('db-v6', { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'], conditions: {} }] }),
        ),
      ],
      existing: [],
    },
    create: [nameOf('member1', 'db-v6', 'IPv6')],
  },
  {
    name: 'an addressType change is a new mirror and the old one is deleted',
    input: { serviceImport: IMPORT, sources: [reachable('member1', source('db-abc', { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::2'], conditions: {} }] }))], existing: [written('member1', source('db-abc'))] },
    create: [nameOf('member1', 'db-abc', 'IPv6')],
    delete: [nameOf('member1', 'db-abc')],
  },
  {
    name: 'a cluster name that is no label value is skipped, and said so',
    input: { serviceImport: IMPORT, sources: [reachable('x'.repeat(64), source('db-abc')), reachable('member2', source('db-xyz'))], existing: [] },
    create: [nameOf('member2', 'db-xyz')],
    skipped: ['x'.repeat(64)],
  },
  {
    name: 'a service name that is no label value mirrors nothing, and says so',
    input: { key: `${NS}/${'d'.repeat(64)}`, serviceImport: IMPORT, sources: [reachable('member1', source('db-abc'))], existing: [] },
    skipped: [''],
  },
];

describe('planMirrors', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planMirrors({ key: `${NS}/${SVC}`, ...c.input });
      expect(plan.namespace).to.equal(NS);
      expect(plan.create.map((s) => s.metadata.name), 'create').to.deep.equal(c.create ?? []);
      expect(plan.update.map((s) => s.metadata.name), 'update').to.deep.equal(c.update ?? []);
      expect(plan.delete.map((d) => d.name), 'delete').to.deep.equal(c.delete ?? []);
      expect(plan.skipped.map((s) => s.cluster ?? ''), 'skipped').to.deep.equal(c.skipped ?? []);
    });
  }

  it('replaces with the resourceVersion it planned from, and deletes with uid and resourceVersion as preconditions', () => {
    const changed = source('db-abc', { ports: [{ name: 'sql', port: 1, protocol: 'TCP' }] });
    const plan = planMirrors({ key: `${NS}/${SVC}`, serviceImport: IMPORT, sources: [reachable('member1', changed)], existing: [written('member1', source('db-abc'), '41'), written('member1', source('db-old'), '42')] });
    expect(plan.update[0]?.metadata.resourceVersion).to.equal('41');
    expect(plan.delete).to.deep.equal([{ name: nameOf('member1', 'db-old'), uid: `uid-${nameOf('member1', 'db-old')}`, resourceVersion: '42' }]);
  });
});

describe('desiredMirror', () => {
  const m = desiredMirror(NS, SVC, IMPORT.uid, 'member1', source('db-abc'));

  it('carries the MCS labels CoreDNS indexes, our managed-by, and keeps kube-proxy away', () => {
    expect(m.metadata.labels).to.deep.equal({
      [MCS_SERVICE_NAME_LABEL]: SVC,
      [MCS_SOURCE_CLUSTER_LABEL]: 'member1',
      [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY_VALUE,
      'service.kubernetes.io/headless': '',
    });
    expect(m.metadata.labels).not.to.have.property('kubernetes.io/service-name');
  });

  it('is owned by the member ServiceImport, not by the source cluster\'s Service', () => {
    expect(m.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: SVC, uid: IMPORT.uid, controller: true }]);
    expect(m.metadata.annotations).to.deep.equal({ 'clusterset-dns.io/source-endpointslice': 'db-abc' });
  });

  it('keeps addresses, hostname, readiness, ports and addressType; drops nodeName, zone and targetRef; sorts', () => {
    expect(m.addressType).to.equal('IPv4');
    expect(m.ports).to.deep.equal([{ name: 'sql', port: 5432, protocol: 'TCP' }]);
    expect(m.endpoints).to.deep.equal([
      { addresses: ['10.0.0.1'], hostname: 'db-0', conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.0.2'], hostname: 'db-1', conditions: { ready: true, serving: true, terminating: false } },
    ]);
  });

  it('fills in the API server\'s port defaults, and leaves an unset condition or empty hostname out', () => {
    const s = desiredMirror(NS, SVC, IMPORT.uid, 'member1', source('db-abc', { ports: [{ port: 80 }], endpoints: [{ addresses: ['10.0.0.9'], hostname: '', conditions: { ready: null } }] }));
    expect(s.ports).to.deep.equal([{ name: '', protocol: 'TCP', port: 80 }]);
    expect(s.endpoints).to.deep.equal([{ addresses: ['10.0.0.9'], conditions: {} }]);
  });
});

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HASH_TAIL = new RegExp(`-[0-9a-f]{${HASH_LENGTH}}$`);

describe('mirrorSliceName', () => {
  const cases: Array<{ name: string; args: [string, string, string, string, string]; want?: RegExp; maxLength?: number }> = [
    { name: 'reads as service and cluster, ended by a hash', args: [NS, 'db', 'member1', 'db-abc', 'IPv4'], want: /^db-member1-[0-9a-f]{10}$/ },
    { name: 'dots, capitals and odd characters in a cluster name become dashes', args: [NS, 'db', 'Edge.EU_1', 'db-abc', 'IPv4'], want: /^db-edge-eu-1-[0-9a-f]{10}$/ },
    { name: 'the longest names are cut to fit an object name', args: [NS, 'd'.repeat(253), 'c'.repeat(253), 's'.repeat(253), 'IPv6'], maxLength: MAX_NAME_LENGTH },
    { name: 'a cut that lands on a dash leaves none before the hash', args: [NS, `${'d'.repeat(MAX_NAME_LENGTH - HASH_LENGTH - 2)}.x`, 'member1', 'db-abc', 'IPv4'], maxLength: MAX_NAME_LENGTH },
    { name: 'a name with nothing readable still is a name', args: [NS, '...', '---', 'db-abc', 'IPv4'], want: /^mcs-[0-9a-f]{10}$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = mirrorSliceName(...c.args);
      expect(got).to.match(DNS_SUBDOMAIN).and.match(HASH_TAIL);
      if (c.want) expect(got).to.match(c.want);
      if (c.maxLength !== undefined) expect(got.length).to.be.at.most(c.maxLength);
    });
  }

  it('tells apart what differs only past the cut, or only in source slice, cluster, namespace or addressType', () => {
    const long = 'd'.repeat(253);
    const names = [
      mirrorSliceName(NS, long, 'member1', 'a', 'IPv4'),
      mirrorSliceName(NS, long, 'member2', 'a', 'IPv4'),
      mirrorSliceName(NS, SVC, 'member1', 'a', 'IPv4'),
      mirrorSliceName(NS, SVC, 'member1', 'b', 'IPv4'),
      mirrorSliceName(NS, SVC, 'member1', 'a', 'IPv6'),
      mirrorSliceName('other', SVC, 'member1', 'a', 'IPv4'),
      // Same readable part: "a-b" + "c" and "a" + "b-c".
      mirrorSliceName(NS, 'a-b', 'c', 'x', 'IPv4'),
      mirrorSliceName(NS, 'a', 'b-c', 'x', 'IPv4'),
    ];
    expect(new Set(names).size).to.equal(names.length);
    expect(mirrorSliceName(NS, SVC, 'member1', 'a', 'IPv4')).to.equal(names[2]);
  });
});

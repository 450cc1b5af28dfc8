import { expect } from 'chai';
import type { Writable } from 'node:stream';
import type { Service } from '../api/core.js';
import type { OverridePolicy } from '../api/karmada.js';
import type { ServiceImport } from '../api/mcs.js';
import type { KubeObject } from '../api/meta.js';
import type { Caches, MemberCaches } from '../karmada/caches.js';
import { createLogger, reconcileLogger } from '../runtime/logging.js';
import { EventRecorder, type EventRecord } from './events.js';
import { desiredOverridePolicy } from './overridepolicy.js';
import { Reconciler, type ReconcileWriter } from './reconciler.js';

/** A reader over a mutable map, keyed namespace/name, as the caches are. */
function store<T extends KubeObject>(...objs: T[]) {
  const m = new Map(objs.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  return {
    get: (ns: string, name: string) => m.get(`${ns}/${name}`),
    list: () => [...m.values()],
    put: (o: T) => void m.set(`${o.metadata.namespace}/${o.metadata.name}`, o),
  };
}

const serviceImport = (o: { managed?: boolean; optedIn?: boolean; uid?: string; rv: string; ips?: string[] }): ServiceImport => ({
  metadata: {
    name: 'web', namespace: 'ns', resourceVersion: o.rv, ...(o.uid ? { uid: o.uid } : {}), ...(o.managed ? { labels: { 'karmada.io/managed': 'true' } } : {}),
    ...(o.optedIn ? { annotations: { 'clusterset-dns.io/fill-ips': 'true' } } : {}),
  },
  spec: { type: 'ClusterSetIP', ports: [{ port: 80 }], ...(o.ips ? { ips: o.ips } : {}) },
});
const derived = (ip: string): Service => ({ metadata: { name: 'derived-web', namespace: 'ns' }, spec: { clusterIP: ip, clusterIPs: [ip] } });

function memberCaches(cluster: string, o: { si?: ServiceImport; derived?: Service; exports?: boolean }): MemberCaches & { serviceImports: ReturnType<typeof store<ServiceImport>>; services: ReturnType<typeof store<Service>> } {
  return {
    cluster,
    reachable: () => true,
    starting: () => false,
    ipsMaxItems: () => 1,
    serviceImportCrdVersions: () => ['v1alpha1'],
    serviceImports: store(...(o.si ? [o.si] : [])),
    services: store(...(o.derived ? [o.derived] : [])),
    serviceExports: store<KubeObject>(...(o.exports ? [{ metadata: { name: 'web', namespace: 'ns' } }] : [])),
    namespaces: store<KubeObject>(),
    endpointSlicesOf: () => [],
  };
}

/**
 * The control plane imports ns/web into member2 (Karmada-managed, through the
 * OverridePolicy) and edge.eu-1 (unmanaged and opted in, patched directly);
 * member1 exports it. `setDerived` moves a member's derived ClusterIP.
 */
function world() {
  const cpImports = store(serviceImport({ uid: 'u1', rv: '5' }));
  const policies = store<OverridePolicy>();
  const members = [
    memberCaches('member1', { exports: true }),
    memberCaches('member2', { si: serviceImport({ managed: true, rv: '3' }), derived: derived('10.98.0.7') }),
    memberCaches('edge.eu-1', { si: serviceImport({ rv: '9', optedIn: true }), derived: derived('10.99.0.1') }),
  ];
  const caches: Caches = { controlPlane: { serviceImports: cpImports, overridePolicies: policies, namespaces: store() }, members: () => members };
  const calls: string[] = [];
  /** The next call of a method fails with this error instead. */
  const failNext = new Map<keyof ReconcileWriter, unknown>();
  const call = async (method: keyof ReconcileWriter, text: string, effect: () => void) => {
    calls.push(text);
    const err = failNext.get(method);
    failNext.delete(method);
    if (err) throw err;
    effect(); // the watch brings the write back into the cache
  };
  const writer: ReconcileWriter = {
    applyOverridePolicy: async (namespace, si, rules, modes) => {
      const p = desiredOverridePolicy(namespace, si, rules, modes);
      await call('applyOverridePolicy', `apply ${p.metadata.name} ${JSON.stringify(rules)}`, () => policies.put(p));
      return p;
    },
    deleteOverridePolicy: (namespace, name) => call('deleteOverridePolicy', `delete ${namespace}/${name}`, () => {}),
    patchMemberIps: (cluster, namespace, name, ips, rv) =>
      call('patchMemberIps', `patch ${cluster} ${namespace}/${name} ${ips.join(',')} rv=${rv}`, () => {
        const m = members.find((x) => x.cluster === cluster)!;
        const old = m.serviceImports.get(namespace, name)!;
        m.serviceImports.put({ ...old, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }], ips }, metadata: { ...old.metadata, resourceVersion: '10' } });
      }),
    releaseMember: (cluster, namespace, name, rv) => call('releaseMember', `release ${cluster} ${namespace}/${name} rv=${rv}`, () => {}),
    patchStatusClusters: (namespace, name, clusters, rv) =>
      call('patchStatusClusters', `status ${namespace}/${name} ${clusters.join(',')} rv=${rv}`, () => {
        cpImports.put({ ...cpImports.get(namespace, name)!, status: { clusters: clusters.map((cluster) => ({ cluster })) } });
      }),
  };
  const events: EventRecord[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as Writable;
  const log = createLogger({ level: 'debug', destination, base: null }).child({ controller: 'serviceimport' });
  const recorder = new EventRecorder(async (e) => void events.push(e), log);
  const reconciler = new Reconciler({ caches, writer, events: recorder, log });
  const sent = async () => {
    await recorder.idle();
    return events.map((e) => `${e.type} ${e.reason}: ${e.message}`);
  };
  const setDerived = (cluster: string, ip: string) => members.find((m) => m.cluster === cluster)!.services.put(derived(ip));
  return { reconciler, calls, failNext, sent, lines, log, setDerived };
}

const apiError = (code: number, reason: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', reason, message: `${reason.toLowerCase()} for the test`, code }) });

const FIRST_PASS = [
  'apply clusterset-dns-web {"member2":["10.98.0.7"]}',
  'patch edge.eu-1 ns/web 10.99.0.1 rv=9',
  'status ns/web member1 rv=5',
];

describe('Reconciler: snapshot → decide → plan → apply', () => {
  it('writes what differs, in order, with the resourceVersions it saw; a second pass over the result writes nothing', async () => {
    const w = world();
    await w.reconciler.reconcile('ns', 'web');
    expect(w.calls).to.deep.equal(FIRST_PASS);
    expect(await w.sent(), 'a first fill is logged, without an Event').to.deep.equal([]);
    expect(w.lines.filter((l) => l['msg'] === 'spec.ips changed').map((l) => l['cluster'])).to.deep.equal(['member2', 'edge.eu-1']);
    await w.reconciler.reconcile('ns', 'web');
    expect(w.calls, 'no write when nothing changed').to.deep.equal(FIRST_PASS);
    w.setDerived('edge.eu-1', '10.99.0.2');
    await w.reconciler.reconcile('ns', 'web');
    expect(w.calls.slice(FIRST_PASS.length)).to.deep.equal(['patch edge.eu-1 ns/web 10.99.0.2 rv=10']);
    expect(await w.sent(), 'one Event for a real change').to.deep.equal(['Normal IPsChanged: edge.eu-1: spec.ips 10.99.0.1 → 10.99.0.2 (through a direct patch)']);
  });

  it('logs every line of a reconcile with its key and one reconcileID of its own', async () => {
    const w = world();
    w.failNext.set('applyOverridePolicy', apiError(500, 'InternalError'));
    await w.reconciler.reconcile('ns', 'web').catch(() => {});
    const failed = w.lines.splice(0);
    await w.reconciler.reconcile('ns', 'web');
    const retried = w.lines.splice(0);
    for (const pass of [failed, retried]) {
      expect(pass.length).to.be.greaterThan(0);
      for (const l of pass) expect(l).to.include({ controller: 'serviceimport', namespace: 'ns', name: 'web', reconcileID: pass[0]!['reconcileID'] });
    }
    expect(failed[0]!['reconcileID']).to.be.a('string').and.not.equal(retried[0]!['reconcileID']);
  });

  it('logs with the reconcile logger it is given (the controller makes one per key it picks up)', async () => {
    const w = world();
    await w.reconciler.reconcile('ns', 'web', reconcileLogger(w.log, { namespace: 'ns', name: 'web' }, 'rid-1'));
    expect(w.lines.length).to.be.greaterThan(0);
    for (const l of w.lines) expect(l).to.include({ namespace: 'ns', name: 'web', reconcileID: 'rid-1' });
  });

  it('on 403: a WriteForbidden Warning, the error is thrown, and the rest of the pass is not taken', async () => {
    const w = world();
    const forbidden = apiError(403, 'Forbidden');
    w.failNext.set('applyOverridePolicy', forbidden);
    let thrown: unknown;
    await w.reconciler.reconcile('ns', 'web').catch((e: unknown) => (thrown = e));
    expect(thrown).to.equal(forbidden);
    expect(w.calls).to.deep.equal([FIRST_PASS[0]]);
    expect(await w.sent()).to.deep.equal(['Warning WriteForbidden: HTTP 403 Forbidden: forbidden for the test']);
    expect(w.lines.find((l) => l['msg'] === 'write failed')).to.include({ level: 50, err: 'HTTP 403 Forbidden: forbidden for the test' });
    // The retry writes everything, from fresh state.
    await w.reconciler.reconcile('ns', 'web');
    expect(w.calls.slice(1)).to.deep.equal(FIRST_PASS);
  });

  it('on 409: the error is thrown without an Event, and the retry writes from fresh state', async () => {
    const w = world();
    w.failNext.set('patchStatusClusters', apiError(409, 'Conflict'));
    let thrown: unknown;
    await w.reconciler.reconcile('ns', 'web').catch((e: unknown) => (thrown = e));
    expect(thrown).to.have.property('code', 409);
    expect((await w.sent()).filter((e) => e.startsWith('Warning'))).to.deep.equal([]);
    expect(w.lines.find((l) => l['msg'] === 'conflict; retrying from fresh state')).to.include({ level: 20 });
    expect(w.lines.some((l) => l['msg'] === 'write failed')).to.equal(false);
    await w.reconciler.reconcile('ns', 'web');
    expect(w.calls).to.deep.equal([...FIRST_PASS, FIRST_PASS[2]]);
  });

  it('names the member in the log of a failed member write, and says WriteFailed for an invalid one', async () => {
    const w = world();
    w.failNext.set('patchMemberIps', apiError(422, 'Invalid'));
    await w.reconciler.reconcile('ns', 'web').catch(() => {});
    expect(w.lines.find((l) => l['msg'] === 'write failed')).to.include({ cluster: 'edge.eu-1', namespace: 'ns', name: 'web' });
    expect((await w.sent()).filter((e) => e.startsWith('Warning'))).to.deep.equal(['Warning WriteFailed: HTTP 422 Invalid: invalid for the test']);
    expect(w.calls, 'status.clusters waits for the retry').to.deep.equal(FIRST_PASS.slice(0, 2));
  });
});

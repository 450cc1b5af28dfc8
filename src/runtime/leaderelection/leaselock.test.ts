import { expect } from 'chai';
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { startTlsServer } from '../../../test/support/tls-server.js';
import { closeConnections } from '../../kube/client.js';
import { ConflictError, KubeLeaseLock } from './leaselock.js';

const EPOCH = Date.UTC(2025, 0, 1);

/** The three CoordinationV1Api calls the lock makes, answered from a script. */
function fakeApi(answers: { read?: () => V1Lease; create?: () => V1Lease; replace?: (body: V1Lease) => V1Lease }): CoordinationV1Api {
  const call = <T>(f: (() => T) | undefined): Promise<T> => (f ? Promise.resolve().then(f) : Promise.reject(new Error('unexpected call')));
  return {
    readNamespacedLease: () => call(answers.read),
    createNamespacedLease: () => call(answers.create),
    replaceNamespacedLease: (req: { body: V1Lease }) => call(answers.replace && (() => answers.replace!(req.body))),
  } as unknown as CoordinationV1Api;
}

const status = (code: number) => new ApiException(code, `HTTP ${code}`, '{"kind":"Status"}', {});
const signal = new AbortController().signal;

describe('runtime/leaderelection/leaselock', () => {
  it('get() of a missing Lease is undefined, not an error', async () => {
    const lock = new KubeLeaseLock(fakeApi({ read: () => { throw status(404); } }), 'ns', 'l');
    expect(await lock.get(signal)).to.equal(undefined);
    expect(lock.description).to.equal('ns/l');
  });

  it('other read errors pass through', async () => {
    const lock = new KubeLeaseLock(fakeApi({ read: () => { throw status(500); } }), 'ns', 'l');
    const err = await lock.get(signal).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ApiException);
  });

  it('a 409 on create or update is a ConflictError', async () => {
    const lock = new KubeLeaseLock(fakeApi({ create: () => { throw status(409); }, replace: () => { throw status(409); } }), 'ns', 'l');
    const record = { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: undefined, renewTime: undefined, leaseTransitions: 0 };
    for (const attempt of [() => lock.create(record, signal), () => lock.update(record, '1', signal)]) {
      const err = await attempt().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ConflictError);
    }
  });

  it('reads MicroTime strings and replaces keeping the metadata and spec fields it does not own', async () => {
    const stored: V1Lease = {
      metadata: { name: 'l', namespace: 'ns', resourceVersion: '5', labels: { a: 'b' } },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: '2025-01-01T00:00:00.000000Z' as never, leaseTransitions: 2, strategy: 'OldestEmulationVersion' },
    };
    let written: V1Lease | undefined;
    const lock = new KubeLeaseLock(
      fakeApi({ read: () => stored, replace: (body) => ({ ...(written = body), metadata: { ...body.metadata, resourceVersion: '6' } }) }),
      'ns',
      'l',
    );
    const snap = await lock.get(signal);
    expect(snap?.resourceVersion).to.equal('5');
    expect(snap?.record).to.deep.include({ holderIdentity: 'other', leaseTransitions: 2 });
    expect(snap?.record.renewTime?.getTime()).to.equal(EPOCH);

    const next = { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: new Date(EPOCH), renewTime: new Date(EPOCH), leaseTransitions: 3 };
    const after = await lock.update(next, '5', signal);
    expect(after.resourceVersion).to.equal('6');
    expect(written?.metadata).to.deep.include({ resourceVersion: '5', labels: { a: 'b' } });
    expect(written?.spec).to.include({ holderIdentity: 'me', leaseTransitions: 3, strategy: 'OldestEmulationVersion' });
  });

  it('fromKubeConfig renews over one keep-alive connection, not a TLS handshake per call', async () => {
    const server = await startTlsServer();
    const kc = server.kubeConfig();
    try {
      const lock = KubeLeaseLock.fromKubeConfig(kc, 'ns', 'l');
      server.answer = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ metadata: { name: 'l', namespace: 'ns', resourceVersion: '1' }, spec: {} }));
      for (let i = 0; i < 3; i++) await lock.get(signal);
      expect(server.connections()).to.equal(1);
    } finally {
      closeConnections(kc);
      await server.close();
    }
  });
});

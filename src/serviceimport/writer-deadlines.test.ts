import { expect } from 'chai';
import { startTlsServer, type TlsServer } from '../../test/support/tls-server.js';
import { closeConnections } from '../kube/client.js';
import { CallCancelled, CallTimeout } from '../kube/timeout.js';
import { Writer, type WriterCalls } from './writer.js';

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('Writer: deadlines and stopping', () => {
  let server: TlsServer;
  const made: Array<{ close(): void }> = [];
  const writerOn = (calls: WriterCalls) => {
    const kc = server.kubeConfig();
    made.push({ close: () => closeConnections(kc) });
    return new Writer(kc, () => undefined, () => {}, 'test', calls);
  };

  beforeEach(async () => {
    server = await startTlsServer();
    // A black-holed API server: the connection is accepted, nothing ever answers.
    server.answer = () => {};
  });
  afterEach(async () => {
    for (const m of made.splice(0)) m.close();
    await server.close();
  });

  it('a write nobody answers fails at its deadline, naming the write', async () => {
    const writer = writerOn({ timeoutMs: 50 });
    const err = await failure(writer.patchStatusClusters('ns', 'web', ['member1'], '1'));
    expect(err).to.be.instanceOf(CallTimeout);
    expect((err as Error).message).to.equal('patch ServiceImport ns/web status: no answer within 50 ms');
  });

  it('stopping cancels a write in flight at once, long before its deadline', async () => {
    const stop = new AbortController();
    const writer = writerOn({ stop: stop.signal, timeoutMs: 60_000 });
    const pending = failure(writer.deleteOverridePolicy('ns', 'clusterset-dns-web'));
    stop.abort();
    const err = await pending;
    expect(err).to.be.instanceOf(CallCancelled);
    expect((err as Error).message).to.equal('delete OverridePolicy ns/clusterset-dns-web: cancelled, stopping');
  });

  it('stopping does not cancel Events: they are drained after the leader work, under their own deadline', async () => {
    const stop = new AbortController();
    stop.abort();
    const writer = writerOn({ stop: stop.signal, timeoutMs: 50 });
    const err = await failure(writer.event({ namespace: 'ns', name: 'web', uid: 'u' }, 'Normal', 'IPsChanged', 'm'));
    expect(err).to.be.instanceOf(CallTimeout);
  });
});

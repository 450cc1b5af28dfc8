import { expect } from 'chai';
import { startTlsServer, type TlsServer } from '../../test/support/tls-server.js';
import { closeConnections } from '../kube/client.js';
import { WriteFenced, Writer, type WriteTarget } from './writer.js';

describe('Writer: connections', () => {
  let server: TlsServer;
  beforeEach(async () => {
    server = await startTlsServer();
  });
  afterEach(() => server.close());

  it('control-plane writes of every kind share one keep-alive connection', async () => {
    const kc = server.kubeConfig();
    try {
      const writer = new Writer(kc, () => undefined);
      await writer.patchStatusClusters('ns', 'web', ['member1'], '1');
      await writer.deleteOverridePolicy('ns', 'clusterset-dns-web');
      await writer.event({ namespace: 'ns', name: 'web', uid: 'u' }, 'Normal', 'IPsChanged', 'm');
      await writer.patchStatusClusters('ns', 'web', ['member2'], '2');
      expect(server.connections()).to.equal(1);
    } finally {
      closeConnections(kc);
    }
  });

  it('a fenced writer sends nothing, and says why', async () => {
    const kc = server.kubeConfig();
    const observed: [WriteTarget, string][] = [];
    try {
      const writer = new Writer(kc, () => undefined, (kind, result) => observed.push([kind, result]), undefined, { fence: () => 'not leading' });
      let err: unknown;
      await writer.patchStatusClusters('ns', 'web', ['member1'], '1').catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(WriteFenced);
      expect((err as Error).message).to.equal('patch ServiceImport ns/web status: not sent: not leading');
      await writer.deleteOverridePolicy('ns', 'clusterset-dns-web').catch(() => {});
      expect(observed).to.deep.equal([['status', 'fenced'], ['overridepolicy', 'fenced']]);
      expect(server.connections()).to.equal(0);
    } finally {
      closeConnections(kc);
    }
  });
});

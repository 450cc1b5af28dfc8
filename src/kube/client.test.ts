import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startTlsServer, type TlsServer } from '../../test/support/tls-server.js';
import { closeConnections, makeClient } from './client.js';

describe('makeClient', () => {
  let server: TlsServer;
  const made: KubeConfig[] = [];
  const kubeConfig = (token?: string) => {
    const kc = server.kubeConfig(token);
    made.push(kc);
    return kc;
  };
  const read = (api: CoreV1Api) => api.readNamespace({ name: 'default' });

  beforeEach(async () => {
    server = await startTlsServer();
  });

  afterEach(async () => {
    for (const kc of made.splice(0)) closeConnections(kc);
    await server.close();
  });

  it('client-node alone opens a TLS connection per call (what makeClient avoids)', async () => {
    const api = kubeConfig().makeApiClient(CoreV1Api);
    for (let i = 0; i < 4; i++) await read(api);
    expect(server.connections()).to.equal(4);
  });

  it('calls through every client of one KubeConfig share one keep-alive TLS connection', async () => {
    const kc = kubeConfig();
    const a = makeClient(kc, CoreV1Api);
    const b = makeClient(kc, CoreV1Api);
    for (let i = 0; i < 3; i++) {
      await read(a);
      await read(b);
    }
    expect(server.connections()).to.equal(1);
  });

  it('each KubeConfig (cluster) has its own pool', async () => {
    await read(makeClient(kubeConfig(), CoreV1Api));
    await read(makeClient(kubeConfig(), CoreV1Api));
    expect(server.connections()).to.equal(2);
  });

  it('credentials are still read per request: a changed token is sent at once, on the same connection', async () => {
    const kc = kubeConfig('one');
    const api = makeClient(kc, CoreV1Api);
    await read(api);
    const user = kc.getCurrentUser();
    if (!user) return expect.fail('no user');
    (user as { token?: string }).token = 'two';
    await read(api);
    expect(server.authorizations).to.deep.equal(['Bearer one', 'Bearer two']);
    expect(server.connections()).to.equal(1);
  });

  it('changed TLS options (a new CA bundle) get a new connection', async () => {
    const kc = kubeConfig();
    const api = makeClient(kc, CoreV1Api);
    await read(api);
    const cluster = kc.getCurrentCluster();
    if (!cluster) return expect.fail('no cluster');
    (cluster as { caData?: string }).caData = Buffer.from(server.cert + server.cert).toString('base64');
    await read(api);
    await read(api);
    expect(server.connections()).to.equal(2);
  });

  it('closeConnections closes the pooled connection; the next call opens a new one', async () => {
    const kc = kubeConfig();
    const api = makeClient(kc, CoreV1Api);
    await read(api);
    expect(server.open()).to.equal(1);
    closeConnections(kc);
    await server.allClosed();
    await read(api);
    expect(server.connections()).to.equal(2);
  });

  it('a request nobody answers fails after the timeout', async () => {
    server.answer = () => {};
    const api = makeClient(kubeConfig(), CoreV1Api, { timeoutMs: 50 });
    const err = await read(api).then(() => undefined, (e: unknown) => e);
    expect(String(err)).to.match(/abort/i);
  });
});

/** Every .ts file below `dir`, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('every API client in src/ has a deadline', () => {
  it('is made by makeClient, never by makeApiClient or a bare constructor', () => {
    const src = resolve(import.meta.dirname, '..');
    // makeApiClient (KubeConfig's or KubernetesObjectApi's) and `new k8s.XxxApi(...)` build clients whose calls wait as long as TCP does.
    const unbounded = /\.makeApiClient\(|new\s+(?:k8s\.)?\w+Api\(/;
    const offenders = sources(src).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (unbounded.test(line) && !line.trimStart().startsWith('*') ? [`${relative(src, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).to.deep.equal([]);
  });
});

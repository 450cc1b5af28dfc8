import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallTimeout } from '../kube/timeout.js';
import { desiredRetention } from './retention.js';
import { RetentionClient } from './retention-client.js';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
}

type Reply = { status: number; body: unknown } | 'hang';

/** An API server on loopback that records each request and answers with `reply(seen)`. */
async function fakeApi(reply: (s: Seen) => Reply): Promise<{ kc: KubeConfig; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const s: Seen = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      const r = reply(s);
      if (r === 'hang') return;
      res.writeHead(r.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // http:// needs skipTLSVerify in client-node (createAgent refuses it otherwise).
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'op' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'op' }],
    currentContext: 'fake',
  });
  return {
    kc, seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const notFound = { status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' } };
const RICS = '/apis/config.karmada.io/v1alpha1/resourceinterpretercustomizations';

describe('RetentionClient: the requests it makes', () => {
  let api: Awaited<ReturnType<typeof fakeApi>> | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('install: a server-side apply as clusterset-dns, forced, of the whole object; dry run adds dryRun=All', async () => {
    api = await fakeApi((s) => ({ status: 200, body: s.body }));
    const client = new RetentionClient(api.kc, 5000);
    await client.applyCustomization(desiredRetention(), false);
    await client.applyCustomization(desiredRetention(), true);
    const [real, dry] = api.seen;
    expect(real).to.deep.include({ method: 'PATCH', path: `${RICS}/clusterset-dns-serviceimport-ips`, query: { fieldManager: 'clusterset-dns', force: 'true' }, contentType: 'application/apply-patch+yaml' });
    expect(real?.body).to.deep.equal(desiredRetention());
    expect(dry?.query).to.deep.equal({ fieldManager: 'clusterset-dns', force: 'true', dryRun: 'All' });
  });

  it('lists page by page', async () => {
    api = await fakeApi((s) => (s.query['continue'] === undefined
      ? { status: 200, body: { items: [{ metadata: { name: 'a' } }], metadata: { continue: 'next' } } }
      : { status: 200, body: { items: [{ metadata: { name: 'b' } }], metadata: {} } }));
    const got = await new RetentionClient(api.kc, 5000).listCustomizations();
    expect(got.map((c) => c.metadata.name)).to.deep.equal(['a', 'b']);
    expect(api.seen.map((s) => [s.path, s.query])).to.deep.equal([[RICS, { limit: '500' }], [RICS, { limit: '500', continue: 'next' }]]);
  });

  it('deletes carry the uid that was read; a 404 is "gone"', async () => {
    api = await fakeApi((s) => (s.path.endsWith('/gone') ? notFound : { status: 200, body: {} }));
    const client = new RetentionClient(api.kc, 5000);
    expect(await client.deleteCustomization({ name: 'clusterset-dns-serviceimport-ips', uid: 'u1' })).to.equal('deleted');
    expect(await client.deleteOverridePolicy({ namespace: 'shop', name: 'gone', uid: 'u2' })).to.equal('gone');
    expect(api.seen.map((s) => [s.method, s.path, (s.body as { preconditions?: unknown }).preconditions])).to.deep.equal([
      ['DELETE', `${RICS}/clusterset-dns-serviceimport-ips`, { uid: 'u1' }],
      ['DELETE', '/apis/policy.karmada.io/v1alpha1/namespaces/shop/overridepolicies/gone', { uid: 'u2' }],
    ]);
  });

  it('a member ServiceImport gets a JSON merge patch', async () => {
    api = await fakeApi(() => ({ status: 200, body: {} }));
    const patch = { metadata: { resourceVersion: '42', annotations: { 'clusterset-dns.io/fill-ips': null } }, spec: { ips: null } };
    await new RetentionClient(api.kc, 5000).patchServiceImport('shop', 'web', patch);
    expect(api.seen[0]).to.deep.equal({ method: 'PATCH', path: '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/shop/serviceimports/web', query: {}, contentType: 'application/merge-patch+json', body: patch });
  });

  it('the Lease: its holder, or undefined when there is none', async () => {
    api = await fakeApi((s) => (s.path.endsWith('/held')
      ? { status: 200, body: { spec: { holderIdentity: 'pod-a', renewTime: '2026-01-01T00:00:06.000000Z', leaseDurationSeconds: 15 } } }
      : notFound));
    const client = new RetentionClient(api.kc, 5000);
    expect(await client.readLease('karmada-system', 'held')).to.deep.equal({ holderIdentity: 'pod-a', renewTime: '2026-01-01T00:00:06.000000Z', leaseDurationSeconds: 15 });
    expect(await client.readLease('karmada-system', 'none')).to.equal(undefined);
    expect(api.seen[0]?.path).to.equal('/apis/coordination.k8s.io/v1/namespaces/karmada-system/leases/held');
  });

  it('every call has a deadline: a server that never answers fails the call, naming it', async () => {
    api = await fakeApi(() => 'hang');
    const client = new RetentionClient(api.kc, 50);
    const err = await client.applyCustomization(desiredRetention(), false).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CallTimeout);
    expect((err as Error).message).to.equal('apply ResourceInterpreterCustomization clusterset-dns-serviceimport-ips: no answer within 50 ms');
    const listErr = await client.listCustomizations().then(() => undefined, (e: unknown) => e);
    expect((listErr as Error).message).to.match(/no answer within/);
    const patchErr = await client.patchServiceImport('shop', 'web', {}).then(() => undefined, (e: unknown) => e);
    expect(patchErr).to.be.instanceOf(CallTimeout);
  });
});

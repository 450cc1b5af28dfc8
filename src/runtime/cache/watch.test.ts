/**
 * The watch stream on its own, against an in-process HTTP server: what goes
 * on the wire, how lines become events, and every way a stream ends.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../clock.js';
import { WatchConnectTimeout, WatchRefused, openWatch, type WatchRequest } from './watch.js';

interface Seen {
  events: Array<[string, unknown]>;
  done: unknown[];
}

describe('watch stream', () => {
  let server: Server;
  let url: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const requests: IncomingMessage[] = [];
  const closed: IncomingMessage[] = [];

  beforeEach(async () => {
    requests.length = 0;
    closed.length = 0;
    server = createServer((req, res) => {
      requests.push(req);
      res.on('close', () => closed.push(req));
      handle(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function kubeConfig(server = url): KubeConfig {
    const kc = new KubeConfig();
    // http:// needs skipTLSVerify in client-node.
    kc.loadFromOptions({ clusters: [{ name: 'c', server, skipTLSVerify: true }], users: [{ name: 'u', token: 'secret' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
    return kc;
  }

  function open(over: Partial<WatchRequest> = {}, onEvent?: (type: string) => void, clock?: FakeClock): { seen: Seen; opened: Promise<void>; abort: AbortController } {
    const abort = new AbortController();
    const seen: Seen = { events: [], done: [] };
    const req: WatchRequest = { path: '/api/v1/namespaces/ns/configmaps', query: { resourceVersion: '7' }, timeoutSeconds: 42, bookmarks: true, connectTimeoutMs: 10_000, signal: abort.signal, ...over };
    const handlers = {
      onEvent: (type: string, object: unknown) => {
        seen.events.push([type, object]);
        onEvent?.(type);
      },
      onDone: (err: unknown) => void seen.done.push(err),
    };
    const opened = openWatch(kubeConfig(), req, handlers, clock);
    return { seen, opened, abort };
  }

  async function until(what: string, cond: () => boolean): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('asks for a watch with bookmarks and a server-side timeout, with the credentials', async () => {
    handle = (_req, res) => res.writeHead(200).end();
    const { seen, opened } = open({ query: { resourceVersion: '7', labelSelector: 'app=x', fieldSelector: undefined } });
    await opened;
    await until('done', () => seen.done.length === 1);
    const req = requests[0]!;
    const q = new URL(req.url!, 'http://x').searchParams;
    expect(new URL(req.url!, 'http://x').pathname).to.equal('/api/v1/namespaces/ns/configmaps');
    expect(Object.fromEntries(q)).to.deep.equal({ watch: 'true', resourceVersion: '7', labelSelector: 'app=x', allowWatchBookmarks: 'true', timeoutSeconds: '42' });
    expect(req.headers['authorization']).to.equal('Bearer secret');
    expect(req.headers['accept']).to.equal('application/json');
  });

  it('leaves allowWatchBookmarks out when bookmarks are not wanted', async () => {
    handle = (_req, res) => res.writeHead(200).end();
    const { seen } = open({ bookmarks: false });
    await until('done', () => seen.done.length === 1);
    expect(new URL(requests[0]!.url!, 'http://x').searchParams.has('allowWatchBookmarks')).to.equal(false);
  });

  it('turns lines into events, across chunk boundaries, skipping what is not an event; a clean end is done(null)', async () => {
    let rest: () => void = () => {};
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODI');
      rest = () => {
        res.write('FIED","object":{"metadata":{"name":"a"}}}\nnot json\nnull\n\r\n{"type":"BOOKMARK","object":{}}\r\n');
        res.end('{"type":"DELETED","object":{"metadata":{"name":"a"}}}');
      };
    };
    const { seen, opened } = open();
    await opened;
    // The rest only once the first chunk arrived: the MODIFIED line is split across chunks.
    await until('the first event', () => seen.events.length === 1);
    rest();
    await until('done', () => seen.done.length === 1);
    expect(seen.events.map(([t]) => t)).to.deep.equal(['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED']);
    expect(seen.events[0]![1]).to.deep.equal({ metadata: { name: 'a' } });
    expect(seen.done).to.deep.equal([null]);
  });

  it('resolves once the server has answered, before any event', async () => {
    let respond: () => void = () => {};
    handle = (_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
      respond = () => res.end('{"type":"ADDED","object":{}}\n');
    };
    const { seen, opened } = open();
    await opened;
    expect(seen).to.deep.equal({ events: [], done: [] });
    respond();
    await until('done', () => seen.done.length === 1);
    expect(seen.events).to.have.length(1);
  });

  it('a refusal is reported by its HTTP status and headers, not its body', async () => {
    handle = (_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json', 'Retry-After': '2' });
      res.end(JSON.stringify({ kind: 'Status', code: 403, message: 'forbidden by RBAC' }));
    };
    const { seen, opened } = open();
    await opened;
    expect(seen.done).to.have.length(1);
    const err = seen.done[0];
    expect(err).to.be.instanceOf(WatchRefused);
    expect(err).to.include({ statusCode: 403, message: 'Forbidden' });
    // Named as ApiException names them (lower case), so src/kube/retry-after.ts reads both alike.
    expect((err as WatchRefused).headers).to.include({ 'retry-after': '2' });
    expect(seen.events).to.deep.equal([]);
  });

  it('a connection cut mid-stream is "Premature close"', async () => {
    let cut: () => void = () => {};
    handle = (req, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n');
      cut = () => req.socket.destroy();
    };
    const { seen } = open();
    // Cut once the event arrived, so the cut is mid-stream.
    await until('the event', () => seen.events.length === 1);
    cut();
    await until('done', () => seen.done.length === 1);
    expect(seen.events).to.have.length(1);
    expect(seen.done[0]).to.include({ message: 'Premature close', code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('a refused connection is reported with its system code', async () => {
    const kc = kubeConfig('http://127.0.0.1:1');
    const done: unknown[] = [];
    await openWatch(kc, { path: '/api/v1/configmaps', query: {}, timeoutSeconds: 1, bookmarks: true, connectTimeoutMs: 10_000, signal: new AbortController().signal }, { onEvent: () => {}, onDone: (e) => void done.push(e) });
    expect(done).to.have.length(1);
    expect(done[0]).to.include({ code: 'ECONNREFUSED' });
  });

  it('abort closes the connection, before the headers or while streaming, and is done(AbortError) once', async () => {
    handle = () => {}; // never answers
    const pending = open();
    await until('the request', () => requests.length === 1);
    pending.abort.abort();
    await pending.opened;
    expect(pending.seen.done).to.have.length(1);
    expect(pending.seen.done[0]).to.include({ name: 'AbortError' });
    await until('the server to see the close', () => closed.length === 1);

    handle = (_req, res) => res.writeHead(200).write('{"type":"ADDED","object":{}}\n');
    const streaming = open();
    await streaming.opened;
    await until('an event', () => streaming.seen.events.length === 1);
    streaming.abort.abort();
    streaming.abort.abort();
    expect(streaming.seen.done).to.have.length(1);
    expect(streaming.seen.done[0]).to.include({ name: 'AbortError' });
    await until('the server to see the close', () => closed.length === 2);
  });

  it('no answer within the connect timeout: done(WatchConnectTimeout) once, and the connection is closed', async () => {
    handle = () => {}; // accepts the connection, never answers
    const clock = new FakeClock();
    const { seen, opened } = open({ connectTimeoutMs: 10_000 }, undefined, clock);
    await until('the request', () => requests.length === 1);
    clock.advance(9_999);
    expect(seen.done, 'not before the timeout').to.deep.equal([]);
    clock.advance(1);
    await opened;
    expect(seen.done).to.have.length(1);
    expect(seen.done[0]).to.be.instanceOf(WatchConnectTimeout);
    expect(seen.done[0]).to.include({ message: 'no answer to the watch request within 10s' });
    await until('the server to see the close', () => closed.length === 1);
    clock.advance(60_000);
    expect(seen.done).to.have.length(1);
  });

  it('once answered, the connect timeout no longer applies: a quiet stream stays open', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
    };
    const clock = new FakeClock();
    const { seen, opened } = open({ connectTimeoutMs: 10_000 }, undefined, clock);
    await opened;
    expect(clock.pendingTimers(), 'the connect timer is cancelled').to.equal(0);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.done).to.deep.equal([]);
    expect(closed).to.have.length(0);
  });

  it('an already aborted signal sends no request', async () => {
    handle = (_req, res) => res.writeHead(200).end();
    const abort = new AbortController();
    abort.abort();
    const { seen, opened } = open({ signal: abort.signal });
    await opened;
    expect(seen.done).to.have.length(1);
    expect(seen.done[0]).to.include({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 20));
    expect(requests).to.have.length(0);
  });

  it('a handler that throws loses that event, not the stream', async () => {
    handle = (_req, res) => res.writeHead(200).end('{"type":"ADDED","object":{}}\n{"type":"MODIFIED","object":{}}\n');
    const { seen } = open({}, (type) => {
      if (type === 'ADDED') throw new Error('handler bug');
    });
    await until('done', () => seen.done.length === 1);
    expect(seen.events.map(([t]) => t)).to.deep.equal(['ADDED', 'MODIFIED']);
    expect(seen.done).to.deep.equal([null]);
  });

  it('rejects, with nothing sent and no done, when the KubeConfig has no current cluster', async () => {
    const done: unknown[] = [];
    let rejected: unknown;
    await openWatch(new KubeConfig(), { path: '/api/v1/configmaps', query: {}, timeoutSeconds: 1, bookmarks: true, connectTimeoutMs: 10_000, signal: new AbortController().signal }, { onEvent: () => {}, onDone: (e) => void done.push(e) }).catch((e: unknown) => (rejected = e));
    expect(rejected).to.be.instanceOf(Error);
    expect(done).to.deep.equal([]);
  });
});

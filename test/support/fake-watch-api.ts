/**
 * An in-process API server double for the Reflector's unit tests
 * (src/runtime/cache/reflector*.test.ts): it records every list and watch
 * request and lets each test answer them as it likes, including the ways a
 * real API server fails that cannot be produced on demand.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectLike } from '../../src/runtime/cache/reflector-types.js';

export interface Obj extends ObjectLike {
  metadata: { name: string; namespace?: string; resourceVersion: string };
}

export const cm = (name: string, rv: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

export interface Fake {
  url: string;
  lists: URLSearchParams[];
  watches: URLSearchParams[];
  /** Each watch request's response, in the order of `watches`: a test writes events to it or ends it. */
  responses: ServerResponse[];
  /** Watch connections the server currently holds open. */
  openWatches: () => number;
  list: (q: URLSearchParams, res: ServerResponse) => void;
  watch: (q: URLSearchParams, res: ServerResponse, req: IncomingMessage) => void;
  close: () => Promise<void>;
}

export async function fakeApi(): Promise<Fake> {
  const open = new Set<ServerResponse>();
  const fake: Fake = {
    url: '',
    lists: [],
    watches: [],
    responses: [],
    openWatches: () => open.size,
    list: (_q, res) => json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items: [] }),
    // Answers at once, as kube-apiserver does, and holds the stream open.
    watch: (_q, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders(),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    if (q.get('watch') === 'true') {
      fake.watches.push(q);
      fake.responses.push(res);
      open.add(res);
      res.on('close', () => open.delete(res));
      fake.watch(q, res, req);
    } else {
      fake.lists.push(q);
      fake.list(q, res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return fake;
}

export function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

export function kubeConfig(server: string, user: Record<string, unknown> = { name: 'u', token: 't' }): KubeConfig {
  const kc = new KubeConfig();
  // http:// needs skipTLSVerify in client-node (createAgent refuses it otherwise).
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

export async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

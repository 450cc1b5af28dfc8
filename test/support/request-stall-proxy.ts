/**
 * An HTTPS reverse proxy on loopback in front of an API server that holds
 * chosen requests unanswered until `release()`: a GET that hangs in the
 * server or on the way, without stalling anything else the same client
 * sends. It
 * terminates TLS with the environment's own serving certificate (its SANs
 * cover 127.0.0.1, so clients verify it as they verify the API server) and
 * forwards every request, streaming (watches included), to the target with
 * the client's own Authorization header, so the API server sees the same
 * identity and RBAC applies unchanged.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RequestStallProxy {
  /** https://127.0.0.1:<port>, a kubeconfig's server. */
  readonly url: string;
  /** Requests that matched `hold` and were held, in arrival order ("METHOD path"). */
  readonly held: string[];
  /** Requests forwarded (held ones too, once let go). */
  forwarded(): number;
  /** Lets every held request go now, and stops holding new ones. */
  release(): void;
  close(): Promise<void>;
}

export interface RequestStallOptions {
  target: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** True for a request to hold. */
  hold: (req: IncomingMessage) => boolean;
}

export async function startRequestStallProxy(o: RequestStallOptions): Promise<RequestStallProxy> {
  const ca = readFileSync(o.caFile);
  const held: string[] = [];
  const releases = new Set<() => void>();
  const sockets = new Set<Socket>();
  let releasedAll = false;
  let forwarded = 0;

  const forward = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    forwarded++;
    const upstream = httpsRequest(new URL(req.url ?? '/', o.target), { method: req.method, headers: req.headers, ca }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      // A watch's headers come long before its first event: pass them on now, as the API server sends them.
      res.flushHeaders();
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer({ cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) }, (req, res) => {
    if (releasedAll || !o.hold(req)) {
      forward(req, res);
      return;
    }
    held.push(`${req.method} ${req.url}`);
    // Paused: nothing is read from the client while it waits, as with a request stuck on the way.
    req.pause();
    const go = () => {
      releases.delete(go);
      if (!res.destroyed) forward(req, res);
    };
    releases.add(go);
    // A client that gives up (its own deadline) closes the request: nothing is forwarded then.
    res.on('close', () => releases.delete(go));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    held,
    forwarded: () => forwarded,
    release: () => {
      releasedAll = true;
      for (const go of [...releases]) go();
    },
    close: async () => {
      releasedAll = true;
      for (const go of [...releases]) go();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

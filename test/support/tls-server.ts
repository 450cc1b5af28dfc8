/**
 * An HTTPS server on 127.0.0.1 with a self-signed certificate made for the
 * test (openssl, as test/env/pki.ts), that counts the TLS connections it
 * accepts and hands each request to the test's `answer`. For unit tests of
 * how clients reuse connections, and as the admission webhook of
 * test/support/apf-jail.ts; never reachable from outside the machine.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsServer {
  readonly url: string;
  /** PEM of the self-signed certificate, to trust it. */
  readonly cert: string;
  /** TLS connections accepted so far. */
  connections(): number;
  /** TLS connections still open. */
  open(): number;
  /** Resolves once no TLS connection is open. */
  allClosed(): Promise<void>;
  /** Authorization headers seen, in order. */
  readonly authorizations: string[];
  answer: (req: IncomingMessage, res: ServerResponse) => void;
  /** A KubeConfig that trusts this server, with a bearer token. */
  kubeConfig(token?: string): KubeConfig;
  close(): Promise<void>;
}

function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tls-server-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTlsServer(): Promise<TlsServer> {
  const { cert, key } = selfSigned();
  let accepted = 0;
  let open = 0;
  const authorizations: string[] = [];
  const self: { answer: TlsServer['answer'] } = { answer: (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}') };
  const server: Server = createServer({ cert, key }, (req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    self.answer(req, res);
  });
  let closedWaiters: Array<() => void> = [];
  server.on('secureConnection', (socket) => {
    accepted++;
    open++;
    socket.on('close', () => {
      if (--open > 0) return;
      for (const w of closedWaiters) w();
      closedWaiters = [];
    });
  });
  // Idle connections stay open until the client closes them (Node's default closes them after 5 s), as an API server's do for much longer.
  server.keepAliveTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    cert,
    connections: () => accepted,
    open: () => open,
    allClosed: () => (open === 0 ? Promise.resolve() : new Promise<void>((r) => closedWaiters.push(r))),
    authorizations,
    get answer() {
      return self.answer;
    },
    set answer(f) {
      self.answer = f;
    },
    kubeConfig(token = 't') {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: url, caData: Buffer.from(cert).toString('base64'), skipTLSVerify: false }],
        users: [{ name: 'u', token }],
        contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
        currentContext: 'c',
      });
      return kc;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

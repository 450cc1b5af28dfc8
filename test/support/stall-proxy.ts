/**
 * A TCP relay on loopback that can black-hole a connection: the fault a
 * member's network shows when a firewall or a dead route drops packets. The
 * relay forwards bytes both ways to `target` (TLS passes through untouched,
 * so clients still verify the API server's certificate, whose SANs cover
 * 127.0.0.1). `stall()` stops forwarding in both directions and holds every
 * socket open: no FIN, no RST, nothing read, so each side sees only silence
 * and TCP back-pressure. New connections are accepted by the kernel as
 * usual but wait unanswered. `resume()` delivers what was held, in order,
 * and forwards again, as a network that heals does.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface StallProxy {
  /** https://127.0.0.1:<port>, to use as a Cluster's apiEndpoint. */
  readonly url: string;
  readonly port: number;
  stall(): void;
  resume(): void;
  /** Connections accepted so far (a client that never came through would prove nothing). */
  accepted(): number;
  close(): Promise<void>;
}

/** One client connection and its upstream, with what a stall held back. */
interface Link {
  client: Socket;
  upstream?: Socket;
  /** Chunks read but not yet forwarded, and closes not yet passed on, in arrival order. */
  held: Array<() => void>;
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const links = new Set<Link>();
  let stalled = false;
  let accepted = 0;

  /** Forwards `from`'s bytes to `to`, holding them while stalled and honouring back-pressure. */
  const relay = (link: Link, from: Socket, to: () => Socket | undefined) => {
    from.on('data', (chunk: Buffer) => {
      const send = () => {
        const dest = to();
        if (dest && !dest.destroyed && !dest.write(chunk)) {
          from.pause();
          dest.once('drain', () => { if (!stalled) from.resume(); });
        }
      };
      if (stalled) {
        from.pause();
        link.held.push(send);
      } else {
        send();
      }
    });
    // A close on one side is passed on only once the network "heals".
    const closeOther = () => {
      const end = () => { to()?.destroy(); links.delete(link); };
      if (stalled) link.held.push(end);
      else end();
    };
    from.on('close', closeOther);
    from.on('error', () => { /* 'close' follows */ });
  };

  const open = (link: Link) => {
    const upstream = connect({ host: target.host, port: target.port });
    link.upstream = upstream;
    relay(link, link.client, () => link.upstream);
    relay(link, upstream, () => link.client);
  };

  const server: Server = createServer((client) => {
    accepted++;
    const link: Link = { client, held: [] };
    links.add(link);
    if (stalled) {
      // Unanswered until resume: as a SYN-ACK from a path that drops everything after.
      client.pause();
      link.held.push(() => { open(link); client.resume(); });
    } else {
      open(link);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stall proxy: no TCP address');
  const port = address.port;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    stall() {
      stalled = true;
      for (const l of links) {
        l.client.pause();
        l.upstream?.pause();
      }
    },
    resume() {
      stalled = false;
      for (const l of [...links]) {
        const held = l.held.splice(0);
        for (const f of held) f();
        if (!l.client.destroyed) l.client.resume();
        if (l.upstream && !l.upstream.destroyed) l.upstream.resume();
      }
    },
    accepted: () => accepted,
    async close() {
      for (const l of links) {
        l.client.destroy();
        l.upstream?.destroy();
      }
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

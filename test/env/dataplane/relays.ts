/**
 * Relays between a node's network namespace and the host's loopback, where
 * the member's API server and CoreDNS listen. Each relay is two socat
 * processes joined by a Unix socket in the environment's directory: one in
 * the host's namespace connects to 127.0.0.1, one in the node's namespace
 * listens there. A Unix socket is reached through the file system, so no
 * link, address or route joins the namespaces to the host's network.
 *
 *   kube-proxy, kubelet → 127.0.0.1:6443 (node) ⇄ <member>-api.sock ⇄ 127.0.0.1:<API port> (host)
 *   pods' resolver      → <gateway>:53 udp/tcp  ⇄ <member>-dns-*.sock ⇄ 127.0.0.1:<CoreDNS port>
 *
 * DNS over UDP crosses a stream socket: socat forks one child per query on
 * each side, so each child carries one datagram each way and the boundaries
 * hold. `-T` ends a child idle for that many seconds.
 */
import { join } from 'node:path';
import type { NodeNetwork } from './topology.js';

/** Where a node's components find its member's API server, inside the node's namespace. */
export const NODE_API_PORT = 6443;
export const nodeApiServer = () => `https://127.0.0.1:${NODE_API_PORT}`;

export interface RelaySpec {
  name: string;
  bin: string;
  args: string[];
}

const IDLE_SECONDS = '5';

/** The processes that give `node` its member's API server (hostApiPort) and CoreDNS (hostDnsPort). */
export function relaySpecs(node: NodeNetwork, ports: { api: number; dns: number }, socketDir: string): RelaySpec[] {
  const sock = (what: string) => join(socketDir, `${node.member}-${what}.sock`);
  const inNode = (name: string, args: string[]): RelaySpec => ({ name: `${node.member}-node-relay-${name}`, bin: 'ip', args: ['netns', 'exec', node.nodeNs, 'socat', ...args] });
  const onHost = (name: string, args: string[]): RelaySpec => ({ name: `${node.member}-host-relay-${name}`, bin: 'socat', args });
  const listen = (what: string) => `UNIX-LISTEN:${sock(what)},fork,unlink-early`;
  return [
    onHost('api', [listen('api'), `TCP4:127.0.0.1:${ports.api}`]),
    inNode('api', [`TCP4-LISTEN:${NODE_API_PORT},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock('api')}`]),
    onHost('dns-udp', ['-T', IDLE_SECONDS, listen('dns-udp'), `UDP4:127.0.0.1:${ports.dns}`]),
    inNode('dns-udp', ['-T', IDLE_SECONDS, `UDP4-RECVFROM:53,bind=${node.gateway},fork`, `UNIX-CONNECT:${sock('dns-udp')}`]),
    onHost('dns-tcp', [listen('dns-tcp'), `TCP4:127.0.0.1:${ports.dns}`]),
    inNode('dns-tcp', [`TCP4-LISTEN:53,bind=${node.gateway},fork,reuseaddr`, `UNIX-CONNECT:${sock('dns-tcp')}`]),
  ];
}

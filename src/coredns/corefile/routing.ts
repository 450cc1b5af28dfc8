// Which server block receives which queries: a block's plain-DNS keys and ports, and
// the block CoreDNS hands a zone's queries to.

import { serverBlocks, serverKeys, type Corefile, type ServerBlock } from './tree.js';
import { isReverseZone, parseServerKey, zoneCovers, zoneDepth, type ServerKey } from './zones.js';

/** A server block's keys as one label for messages, e.g. `.:53`. */
export function keysLabel(s: ServerBlock): string {
  return serverKeys(s).join(' ');
}

/** The block's plain-DNS keys we can read (no placeholders, no other transports). */
export function dnsKeys(s: ServerBlock): ServerKey[] {
  return serverKeys(s).map(parseServerKey).filter((k) => k.transport === 'dns' && k.known);
}

export function dnsPorts(s: ServerBlock): number[] {
  return [...new Set(dnsKeys(s).map((k) => k.port))];
}

/**
 * The server block CoreDNS hands plain-DNS queries for `zone` on `port` to: the one
 * whose key is the most specific zone covering it.
 */
export function routeZone(cf: Corefile, zone: string, port: number): { block: ServerBlock; key: ServerKey } | null {
  let best: { block: ServerBlock; key: ServerKey } | null = null;
  for (const s of serverBlocks(cf)) {
    for (const k of dnsKeys(s)) {
      if (k.port !== port || isReverseZone(k.zone) || !zoneCovers(k.zone, zone)) continue;
      if (best === null || zoneDepth(k.zone) > zoneDepth(best.key.zone)) best = { block: s, key: k };
    }
  }
  return best;
}

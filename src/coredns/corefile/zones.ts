// DNS zone and server-block-key helpers, modelled on CoreDNS's own normalisation
// (plugin/normalize.go, plugin/pkg/parse/transport.go), so that "does this block
// serve clusterset.local?" gets the answer CoreDNS would give.

/** CoreDNS's default listening port when a key has none (and no -dns.port flag). */
export const DEFAULT_PORT = 53;

const TRANSPORTS = ['tls', 'dns', 'quic', 'grpc', 'https3', 'https', 'unix'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** True if a token holds an environment placeholder that CoreDNS expands at load time. */
export function hasPlaceholder(s: string): boolean {
  return s.includes('{$') || s.includes('{%');
}

/**
 * Lower-case, no trailing dot; `.` stays `.`. We compare zones in this form and write
 * them without the dot, as people do in Corefiles.
 */
export function normalizeZone(z: string): string {
  const lower = z.toLowerCase();
  if (lower === '.' || lower === '') return '.';
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** RFC 1123-ish check for a zone we are asked to write into a Corefile. */
export function isValidZone(z: string): boolean {
  const n = normalizeZone(z);
  if (n === '.' || n.length > 253) return false;
  return n.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

/** True if `parent` is `child` or one of its ancestors (`.` is everyone's ancestor). */
export function zoneCovers(parent: string, child: string): boolean {
  const p = normalizeZone(parent);
  const c = normalizeZone(child);
  if (p === '.') return true;
  return c === p || c.endsWith('.' + p);
}

/** Number of labels, so the most specific of several covering zones wins. */
export function zoneDepth(z: string): number {
  const n = normalizeZone(z);
  return n === '.' ? 0 : n.split('.').length;
}

export function isReverseZone(z: string): boolean {
  const n = normalizeZone(z);
  return n === 'in-addr.arpa' || n === 'ip6.arpa' || n.endsWith('.in-addr.arpa') || n.endsWith('.ip6.arpa') || n.includes('/');
}

export interface ServerKey {
  readonly transport: Transport;
  /** Normalised zone; for CIDR keys the CIDR text itself (we never route clusterset.local to those). */
  readonly zone: string;
  readonly port: number;
  /** False if the key uses a placeholder or is not a zone we can read; such keys match nothing. */
  readonly known: boolean;
  readonly text: string;
}

/** Splits `dns://.:53` into transport, zone and port the way CoreDNS does. */
export function parseServerKey(text: string): ServerKey {
  let rest = text;
  let transport: Transport = 'dns';
  for (const t of TRANSPORTS) {
    if (rest.startsWith(t + '://')) {
      transport = t;
      rest = rest.slice(t.length + 3);
      break;
    }
  }
  if (hasPlaceholder(text)) return { transport, zone: rest, port: DEFAULT_PORT, known: false, text };
  let port = DEFAULT_PORT;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    const p = rest.slice(colon + 1);
    if (/^\d+$/.test(p)) {
      port = Number(p);
      rest = rest.slice(0, colon);
    } else if (p === '') {
      return { transport, zone: rest, port, known: false, text };
    }
  }
  const known = rest !== '' && !/[\s{}]/.test(rest);
  return { transport, zone: normalizeZone(rest === '' ? '.' : rest), port, known, text };
}

/**
 * True if a token's text refers to `zone` or a name under it. Tolerates regex escapes
 * (`clusterset\.local` in a rewrite rule) and requires a label boundary before the
 * match so `myclusterset.local` does not count.
 */
export function mentionsZone(text: string, zone: string): boolean {
  const hay = text.toLowerCase().replace(/\\/g, '');
  const needle = normalizeZone(zone);
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at === -1) return false;
    const before = at === 0 ? '' : (hay[at - 1] ?? '');
    const after = hay[at + needle.length] ?? '';
    const boundaryBefore = before === '' || !/[a-z0-9-]/.test(before);
    const boundaryAfter = after === '' || !/[a-z0-9-]/.test(after);
    if (boundaryBefore && boundaryAfter) return true;
    from = at + 1;
  }
}

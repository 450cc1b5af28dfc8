// Test helpers: a seeded PRNG (no dependency, reproducible failures) and generators
// for mutated, random and structured Corefiles. Used only by the *.test.ts files.

import { parse, startsLine, type Token } from '../../../src/coredns/corefile/index.js';

/** mulberry32: tiny, fast, good enough to drive property tests from a seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('pick from empty list');
    return x;
  }
}

// Comment words never spell our marker or the zone, so mutations keep a Corefile's meaning.
const WORDS = ['note', 'keep', 'TODO', 'owner:', 'platform', 'see', 'ticket', '#42', 'do', 'not', 'edit', '{', '}', '"', '\\'];
const SPACES = [' ', '  ', '\t', ' \t', '    '];

function comment(rng: Rng): string {
  const n = 1 + rng.int(4);
  let s = '#';
  for (let i = 0; i < n; i++) s += (rng.bool(0.7) ? ' ' : '') + rng.pick(WORDS);
  return s;
}

function eolIn(src: string): string {
  return src.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * Inserts whitespace, blank lines and comments between tokens: the token values and
 * their line structure (what CoreDNS sees) stay the same.
 */
export function mutateTrivia(src: string, rng: Rng, rate = 0.25, extendComments = true): string {
  const cf = parse(src);
  const ts = cf.tokens;
  const eol = eolIn(src);
  let out = '';
  ts.forEach((t: Token, i: number) => {
    let leading = t.leading;
    let trailing = t.trailing;
    const lastOnLine = i + 1 >= ts.length || startsLine(ts, i + 1);
    if (startsLine(ts, i) && i > 0 && rng.bool(rate)) {
      const nl = leading.lastIndexOf('\n');
      if (nl !== -1) {
        const indent = leading.slice(nl + 1);
        const extra = rng.bool() ? eol : indent + comment(rng) + eol;
        leading = leading.slice(0, nl + 1) + extra + (rng.bool(0.2) ? rng.pick(SPACES) : indent);
      }
    }
    if (rng.bool(rate)) {
      if (!lastOnLine) {
        // Only add whitespace between two tokens on one line; never glue or split them.
        if (trailing !== '' || !t.quoted) trailing += rng.pick(SPACES);
      } else if (!trailing.includes('#')) {
        trailing += rng.bool() ? rng.pick(SPACES) : ' ' + comment(rng);
      } else {
        trailing += rng.pick(SPACES) + (extendComments ? rng.pick(WORDS) : '');
      }
    }
    out += leading + t.raw + trailing;
  });
  let eof = cf.eof;
  // A comment glued to the last token (a file without a final newline) would
  // only comment up to its first blank in CoreDNS's lexer: keep a blank before it.
  if (rng.bool(rate)) eof += rng.bool() ? eol : (/\s$/.test(out + eof) ? '' : ' ') + comment(rng) + eol;
  return out + eof;
}

const EXTRA_DIRECTIVES = ['log', 'whoami', 'any', 'bufsize 1232', 'rewrite name foo.example bar.example', 'errors', 'local', 'nsid coredns'];

/** Adds unrelated directive lines to server blocks (changes meaning, not our stanza's). */
export function addDirectives(src: string, rng: Rng): string {
  const cf = parse(src);
  const ts = cf.tokens;
  const eol = eolIn(src);
  const inserts: { at: number; text: string }[] = [];
  for (const item of cf.items) {
    if (item.kind !== 'server' || item.close === null) continue;
    for (const d of item.body) {
      if (!rng.bool(0.3) || !startsLine(ts, d.name.index)) continue;
      let last = d.name;
      for (const p of d.parts) last = p.kind === 'block' ? p.close : p;
      let j = last.index;
      while (j + 1 < ts.length && !startsLine(ts, j + 1)) j++;
      const end = ts[j] as Token;
      const nl = d.name.leading.lastIndexOf('\n');
      const indent = nl === -1 ? '' : d.name.leading.slice(nl + 1);
      inserts.push({ at: end.offset + end.raw.length + end.trailing.length, text: eol + indent + rng.pick(EXTRA_DIRECTIVES) });
    }
  }
  let out = src;
  for (const ins of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}

export function toCRLF(src: string): string {
  return src.replace(/\r?\n/g, '\r\n');
}

const SOUP = [
  '{', '}', '{', '}', '"', '#', ' ', ' ', '\t', '\n', '\n', '\r\n', '\r', '.:53', 'kubernetes', 'cluster.local',
  'clusterset.local', 'multicluster', 'import', '(snip)', '{$VAR}', 'foo', '"quoted str"', '\\', '\\"', ',',
  '# clusterset-dns', '# clusterset-dns: added clusterset.local', '# clusterset-dns: opened block',
  '# clusterset-dns: ttl was 30', ' # clusterset-dns\n', 'ttl', '30', 'header', 'response', 'set', 'ra',
  '\uFEFF', 'é', '\u00a0', '#lighthouse-start', 'forward', '.', 'cache', 'dns://', ':53',
];

/** A random soup of Corefile-ish fragments: mostly invalid, meant to shake the lexer and parser. */
export function tokenSoup(rng: Rng): string {
  const n = rng.int(40);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(SOUP);
  return s;
}

/** A random but well-formed Corefile, with a kubernetes plugin most of the time. */
export function structuredCorefile(rng: Rng): string {
  const eol = rng.bool(0.2) ? '\r\n' : '\n';
  const unit = rng.pick(['  ', '    ', '\t']);
  const sp = (): string => (rng.bool(0.85) ? ' ' : rng.pick(SPACES));
  const tail = (): string => (rng.bool(0.15) ? sp() + comment(rng) : rng.bool(0.1) ? ' ' : '');
  const out: string[] = [];
  if (rng.bool(0.3)) out.push(comment(rng));
  const blocks = 1 + rng.int(3);
  let kubeWritten = false;
  for (let b = 0; b < blocks; b++) {
    const key = b === 0 ? rng.pick(['.:53', '.', 'dns://.:53', '.:53 dns://:53']) : rng.pick(['example.org:53', 'corp.internal:53', '.:5353', 'tls://.:853']);
    out.push(key + ' {' + tail());
    const directives = ['errors', 'health', 'ready', 'prometheus :9153', 'loop', 'reload', 'loadbalance', 'forward . /etc/resolv.conf', 'cache 30'];
    const count = 1 + rng.int(5);
    const kubeAt = !kubeWritten && rng.bool(0.85) ? rng.int(count + 1) : -1;
    for (let i = 0; i <= count; i++) {
      if (i === kubeAt) {
        kubeWritten = true;
        const zones = rng.pick(['cluster.local', 'cluster.local in-addr.arpa ip6.arpa', 'corp.example in-addr.arpa', '"cluster.local" ip6.arpa']);
        const opts = ['pods insecure', 'fallthrough in-addr.arpa ip6.arpa', 'ttl 30', 'ttl 0', 'noendpoints', 'namespaces default kube-system'];
        if (rng.bool(0.2)) {
          out.push(unit + 'kubernetes' + sp() + zones.split(' ').join(sp()) + tail());
        } else {
          out.push(unit + 'kubernetes' + sp() + zones.split(' ').join(sp()) + ' {' + tail());
          const k = rng.int(4);
          const used = new Set<string>();
          for (let j = 0; j < k; j++) {
            const o = rng.pick(opts);
            const name = o.split(' ')[0] as string;
            if (used.has(name)) continue;
            used.add(name);
            if (rng.bool(0.1)) out.push(unit + unit + comment(rng));
            out.push(unit + unit + o.split(' ').join(sp()) + tail());
          }
          out.push(unit + '}' + tail());
        }
      } else if (i < count) {
        const d = rng.pick(directives);
        if (d === 'cache 30' && rng.bool(0.4)) {
          out.push(unit + 'cache 30 {' + tail(), unit + unit + 'disable success cluster.local', unit + unit + 'disable denial cluster.local', unit + '}');
        } else if (d === 'health' && rng.bool(0.4)) {
          out.push(unit + 'health {', unit + unit + 'lameduck 5s' + tail(), unit + '}');
        } else {
          out.push(unit + d.split(' ').join(sp()) + tail());
        }
        if (rng.bool(0.1)) out.push('');
      }
    }
    out.push('}' + tail());
  }
  if (rng.bool(0.2)) out.push('import custom/*.server');
  const text = out.join(eol);
  return rng.bool(0.9) ? text + eol : text;
}

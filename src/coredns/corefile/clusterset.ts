// The clusterset stanza editor: installs, removes and inspects the Corefile lines
// that make CoreDNS answer `<svc>.<ns>.svc.clusterset.local` from ServiceImports.
//
// Design (brief D6): cluster DNS is the most critical service in a cluster, so
//  - every edit is a byte splice computed from the lossless parse in parse.ts; nothing
//    we do not touch is re-rendered or re-indented;
//  - every line we add ends in `# clusterset-dns`, every line we change ends in
//    `# clusterset-dns: <what we did>`, so removal needs no other state and restores
//    the original byte for byte;
//  - install refuses (with a message that says what to do) whenever the result would
//    not be served, would not be removable, or would step on someone else's setup;
//  - before returning a changed Corefile, install proves on the result that removal
//    gives back its input and that `inspect` sees a valid installation.

import { CorefileParseError, startsLine, type Token } from './lex.js';
import { parse } from './parse.js';
import {
  comments,
  directiveArgs,
  directiveBlock,
  lastToken,
  serverBlocks,
  serverKeys,
  type Block,
  type Corefile,
  type Directive,
  type ServerBlock,
} from './tree.js';
import {
  DEFAULT_PORT,
  hasPlaceholder,
  isReverseZone,
  isValidZone,
  mentionsZone,
  normalizeZone,
  parseServerKey,
  zoneCovers,
  zoneDepth,
  type ServerKey,
} from './zones.js';

/** The comment word that marks our lines. Reserved: do not use it in hand-written comments. */
export const MARKER = 'clusterset-dns';
export const DEFAULT_ZONE = 'clusterset.local';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The kubernetes plugin's TTL when its block has no `ttl` line (and the external plugin's fixed TTL). */
export const PLUGIN_DEFAULT_TTL = 5;

// An added line ends with ADDED_SUFFIX; a changed line with CHANGED_PREFIX + ops.
const ADDED_SUFFIX = ` # ${MARKER}`;
const CHANGED_PREFIX = ` # ${MARKER}: `;
const OP_SEPARATOR = '; ';

/**
 * `in-tree`: CoreDNS >= 1.12.2, `multicluster` option inside the `kubernetes` block.
 * `external`: older CoreDNS built with github.com/coredns/multicluster, a standalone directive.
 */
export type Flavor = 'in-tree' | 'external';

export interface InstallOptions {
  /** The clusterset zone; default `clusterset.local`. */
  readonly zone?: string;
  readonly flavor: Flavor;
  /**
   * In-tree only: the `ttl` of the kubernetes block. That block also answers the
   * cluster domain, so this changes cluster.local TTLs as well. Reversible: a changed
   * `ttl` line remembers its old value in the marker.
   */
  readonly ttl?: number;
  /** Add `header { response set ra }` (external: `set ra`) to the serving server block. */
  readonly headerRaFix?: boolean;
  /**
   * The cluster domain whose kubernetes plugin gets the zone (in-tree). Default: the
   * kubernetes plugin that serves `cluster.local`, or the only one if there is one.
   */
  readonly clusterDomain?: string;
}

export type InstallPlan =
  | { readonly kind: 'changed'; readonly corefile: string; readonly changes: readonly string[]; readonly warnings: readonly string[] }
  | { readonly kind: 'unchanged'; readonly reason: string; readonly warnings: readonly string[] }
  | { readonly kind: 'foreign'; readonly reason: string; readonly findings: readonly string[] }
  | { readonly kind: 'refused'; readonly reason: string };

export type UninstallPlan =
  | { readonly kind: 'changed'; readonly corefile: string; readonly changes: readonly string[] }
  | { readonly kind: 'unchanged'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

export type InspectStatus = 'installed' | 'foreign' | 'absent' | 'broken';

export interface Inspection {
  readonly status: InspectStatus;
  /** One paragraph for humans: what is there and, if something is wrong, what to do. */
  readonly message: string;
  /** How the zone is served, if it is: by the kubernetes plugin or the standalone plugin. */
  readonly flavor: Flavor | null;
  /** Things that make CoreDNS fail to start or not answer the zone as intended. */
  readonly problems: readonly string[];
  /** Facts worth knowing (answer TTL, cache, imports we cannot see). */
  readonly notes: readonly string[];
  /** TTL of clusterset answers, when we can tell. */
  readonly answerTtl: number | null;
  /** True if clusterset-dns lines for this zone are present (lines for another zone do not count). */
  readonly markers: boolean;
}

// ---------------------------------------------------------------------------
// Small helpers over tokens and lines

const tokEnd = (t: Token): number => t.offset + t.raw.length;
/** End of a line's content (before its line break), given the line's last token. */
const lineEnd = (t: Token): number => tokEnd(t) + t.trailing.length;

function lastOnLine(ts: readonly Token[], i: number): Token {
  let j = i;
  while (j + 1 < ts.length && !startsLine(ts, j + 1)) j++;
  return ts[j] as Token;
}

function firstOnLine(ts: readonly Token[], i: number): Token {
  let j = i;
  while (j > 0 && !startsLine(ts, j)) j--;
  return ts[j] as Token;
}

/** The indentation of the line holding token i. */
function indentOf(ts: readonly Token[], i: number): string {
  const first = firstOnLine(ts, i);
  const nl = first.leading.lastIndexOf('\n');
  return nl === -1 ? (first.index === 0 ? first.leading.replace(/^\uFEFF/, '') : '') : first.leading.slice(nl + 1);
}

/** The line break that ends the line holding token i, so inserted lines match the file. */
function eolAfter(cf: Corefile, src: string, i: number): string {
  const last = lastOnLine(cf.tokens, i);
  const next = cf.tokens[last.index + 1];
  const trivia = next === undefined ? cf.eof : next.leading;
  const nl = trivia.indexOf('\n');
  if (nl !== -1) return nl > 0 && trivia[nl - 1] === '\r' ? '\r\n' : '\n';
  const any = src.indexOf('\n');
  return any > 0 && src[any - 1] === '\r' ? '\r\n' : '\n';
}

/** One level of indentation as the file uses it (guessed from any nested block). */
function indentUnit(cf: Corefile, fallbackFrom: string): string {
  const ts = cf.tokens;
  for (const d of allDirectives(cf)) {
    const b = directiveBlock(d.directive);
    const child = b?.body[0];
    if (b === null || child === undefined || !startsLine(ts, child.name.index) || !startsLine(ts, d.directive.name.index)) continue;
    const outer = indentOf(ts, d.directive.name.index);
    const inner = indentOf(ts, child.name.index);
    if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
  }
  return fallbackFrom.includes('\t') ? '\t' : '    ';
}

function lineText(src: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = src.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  const end = src.indexOf('\n', start);
  return src.slice(start, end === -1 ? src.length : end).replace(/\r$/, '').trim();
}

interface Located {
  readonly directive: Directive;
  /** The server block (or null inside a snippet). */
  readonly server: ServerBlock | null;
  /** Nesting depth: 0 = directly in a server block or snippet body. */
  readonly depth: number;
}

function* walkDirectives(ds: readonly Directive[], server: ServerBlock | null, depth: number): Generator<Located> {
  for (const d of ds) {
    yield { directive: d, server, depth };
    for (const p of d.parts) if (p.kind === 'block') yield* walkDirectives(p.body, server, depth + 1);
  }
}

function* allDirectives(cf: Corefile): Generator<Located> {
  for (const item of cf.items) {
    if (item.kind === 'server') yield* walkDirectives(item.body, item, 0);
    else if (item.kind === 'snippet') yield* walkDirectives(item.body, null, 0);
  }
}

function* allBlocks(cf: Corefile): Generator<Block> {
  for (const { directive } of allDirectives(cf)) for (const p of directive.parts) if (p.kind === 'block') yield p;
}

function subdirectives(d: Directive, name: string): Directive[] {
  const b = directiveBlock(d);
  return b === null ? [] : b.body.filter((s) => s.name.value === name);
}

function keysLabel(s: ServerBlock): string {
  return serverKeys(s).join(' ');
}

function dnsKeys(s: ServerBlock): ServerKey[] {
  return serverKeys(s).map(parseServerKey).filter((k) => k.transport === 'dns' && k.known);
}

function dnsPorts(s: ServerBlock): number[] {
  return [...new Set(dnsKeys(s).map((k) => k.port))];
}

/**
 * The server block CoreDNS hands plain-DNS queries for `zone` on `port` to: the one
 * whose key is the most specific zone covering it.
 */
function routeZone(cf: Corefile, zone: string, port: number): { block: ServerBlock; key: ServerKey } | null {
  let best: { block: ServerBlock; key: ServerKey } | null = null;
  for (const s of serverBlocks(cf)) {
    for (const k of dnsKeys(s)) {
      if (k.port !== port || isReverseZone(k.zone) || !zoneCovers(k.zone, zone)) continue;
      if (best === null || zoneDepth(k.zone) > zoneDepth(best.key.zone)) best = { block: s, key: k };
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// kubernetes plugin instances

interface Kube {
  readonly directive: Directive;
  readonly server: ServerBlock;
  /** Normalised zones it is authoritative for (arguments, or the block's keys without arguments). */
  readonly zones: readonly string[];
  readonly explicitArgs: boolean;
  readonly mcZones: readonly string[];
  readonly mcDirectives: readonly Directive[];
}

function kubes(cf: Corefile): Kube[] {
  const out: Kube[] = [];
  for (const { directive, server, depth } of allDirectives(cf)) {
    if (server === null || depth !== 0 || directive.name.value !== 'kubernetes') continue;
    const args = directiveArgs(directive).filter((t) => t.kind === 'word' && !hasPlaceholder(t.value));
    const explicitArgs = directiveArgs(directive).length > 0;
    const zones = explicitArgs ? args.map((t) => normalizeZone(t.value)) : dnsKeys(server).map((k) => k.zone);
    const mcDirectives = subdirectives(directive, 'multicluster');
    const mcZones = mcDirectives.flatMap((m) => directiveArgs(m).map((t) => normalizeZone(t.value)));
    out.push({ directive, server, zones, explicitArgs, mcZones, mcDirectives });
  }
  return out;
}

function fallthroughCovers(d: Directive, zone: string): boolean {
  return subdirectives(d, 'fallthrough').some((f) => {
    const args = directiveArgs(f);
    return args.length === 0 || args.some((a) => zoneCovers(a.value, zone));
  });
}

type KubeChoice = { ok: true; kube: Kube; domain: string } | { ok: false; reason: string };

/** Finds the kubernetes plugin that serves the cluster domain, or says why it cannot. */
function chooseClusterKube(cf: Corefile, clusterDomain: string | undefined): KubeChoice {
  const all = kubes(cf);
  const inSnippets = [...allDirectives(cf)].filter((l) => l.server === null && l.directive.name.value === 'kubernetes');
  if (all.length === 0) {
    const imports = importTargets(cf);
    let reason = 'this Corefile has no kubernetes plugin in any server block, so it is not serving a cluster domain; is this the cluster DNS ConfigMap?';
    if (inSnippets.length > 0) reason += ` The kubernetes plugin is defined in a snippet (line ${inSnippets[0]?.directive.name.line}); clusterset-dns does not edit snippets because they may be imported into several blocks. Add the stanza by hand.`;
    else if (imports.length > 0) reason += ` It imports ${imports.join(', ')}; if the kubernetes plugin lives in one of those files, clusterset-dns cannot see or edit it. Add the stanza by hand.`;
    return { ok: false, reason };
  }
  const wanted = normalizeZone(clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  const exact = all.filter((k) => k.zones.includes(wanted));
  // A plugin serving `.` or `local` also answers the cluster domain; pick it so the
  // refusal that follows can say precisely what to change.
  const matching = exact.length > 0 ? exact : all.filter((k) => k.zones.some((z) => zoneCovers(z, wanted)));
  const where = (ks: readonly Kube[]): string => ks.map((k) => `line ${k.directive.name.line}`).join(', ');
  if (matching.length === 1) return { ok: true, kube: matching[0] as Kube, domain: wanted };
  if (matching.length > 1) {
    return { ok: false, reason: `several kubernetes plugins serve ${wanted} (${where(matching)}); clusterset-dns cannot tell which one answers pods. Merge them or add the stanza by hand.` };
  }
  if (clusterDomain === undefined && all.length === 1) {
    const only = all[0] as Kube;
    const primary = only.zones.find((z) => !isReverseZone(z));
    if (only.explicitArgs && primary !== undefined) return { ok: true, kube: only, domain: primary };
  }
  if (all.length === 1) {
    return { ok: false, reason: `the kubernetes plugin (${where(all)}) does not serve ${wanted}; pass the cluster domain it serves.` };
  }
  return { ok: false, reason: `several kubernetes plugins (${where(all)}) and none of them serves ${wanted}; pass the cluster domain to use.` };
}

function importTargets(cf: Corefile): string[] {
  const out: string[] = [];
  for (const item of cf.items) if (item.kind === 'import') out.push(item.args.map((a) => a.value).join(' '));
  for (const { directive, server } of allDirectives(cf)) {
    if (server !== null && directive.name.value === 'import') out.push(directiveArgs(directive).map((a) => a.value).join(' '));
  }
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------
// Markers

type Op = { readonly op: 'added'; readonly zone: string } | { readonly op: 'opened-block' } | { readonly op: 'ttl-was'; readonly raw: string };

function formatOps(ops: readonly Op[]): string {
  return ops
    .map((o) => (o.op === 'added' ? `added ${o.zone}` : o.op === 'opened-block' ? 'opened block' : `ttl was ${o.raw}`))
    .join(OP_SEPARATOR);
}

function parseOps(text: string): Op[] | null {
  const out: Op[] = [];
  for (const part of text.split(OP_SEPARATOR)) {
    let m: RegExpExecArray | null;
    if ((m = /^added (\S+)$/.exec(part)) !== null) out.push({ op: 'added', zone: m[1] as string });
    else if (part === 'opened block') out.push({ op: 'opened-block' });
    else if ((m = /^ttl was (\S+)$/.exec(part)) !== null) out.push({ op: 'ttl-was', raw: m[1] as string });
    else return null;
  }
  return out;
}

type LineMark =
  | { readonly kind: 'none' }
  | { readonly kind: 'added' }
  | { readonly kind: 'changed'; readonly ops: readonly Op[]; readonly suffixStart: number }
  | { readonly kind: 'invalid'; readonly text: string };

interface Line {
  readonly first: Token;
  readonly last: Token;
  readonly mark: LineMark;
}

function markOf(last: Token): LineMark {
  // Blanks after the marker do not matter: editors and YAML tooling add or strip them.
  const tr = last.trailing.replace(/[ \t]+$/, '');
  if (tr.endsWith(ADDED_SUFFIX)) return { kind: 'added' };
  const at = tr.lastIndexOf(CHANGED_PREFIX);
  if (at === -1) return { kind: 'none' };
  const ops = parseOps(tr.slice(at + CHANGED_PREFIX.length));
  if (ops === null) return { kind: 'invalid', text: tr.slice(at + 1) };
  return { kind: 'changed', ops, suffixStart: tokEnd(last) + at };
}

function linesOf(cf: Corefile): { lines: Line[]; lineOfToken: number[] } {
  const ts = cf.tokens;
  const lines: Line[] = [];
  const lineOfToken: number[] = [];
  let i = 0;
  while (i < ts.length) {
    const first = ts[i] as Token;
    const last = lastOnLine(ts, i);
    for (let j = i; j <= last.index; j++) lineOfToken.push(lines.length);
    lines.push({ first, last, mark: markOf(last) });
    i = last.index + 1;
  }
  return { lines, lineOfToken };
}

class Edits {
  private readonly list: { start: number; end: number; text: string; seq: number }[] = [];
  insert(at: number, text: string): void {
    this.list.push({ start: at, end: at, text, seq: this.list.length });
  }
  replace(start: number, end: number, text: string): void {
    this.list.push({ start, end, text, seq: this.list.length });
  }
  get size(): number {
    return this.list.length;
  }
  /**
   * Applies all edits; inserts at one offset keep the order they were made in.
   * Overlapping deletions merge (two removed lines may both claim the line break
   * between them); any other overlap is a bug and throws.
   */
  apply(src: string): string {
    const sorted = [...this.list].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
    let out = '';
    let pos = 0;
    let lastWasDeletion = false;
    for (const e of sorted) {
      const deletion = e.text === '' && e.end > e.start;
      if (e.start < pos) {
        if (!(deletion && lastWasDeletion)) throw new Error('internal error: overlapping Corefile edits');
        pos = Math.max(pos, e.end);
        continue;
      }
      out += src.slice(pos, e.start) + e.text;
      pos = e.end;
      lastWasDeletion = deletion;
    }
    return out + src.slice(pos);
  }
}

type Strip = { ok: true; text: string; changed: boolean; changes: string[] } | { ok: false; reason: string };

/**
 * Removes everything our markers describe. Works from the markers alone (no zone or
 * options needed), and refuses rather than guess when the marked lines were edited in
 * a way that would leave a broken Corefile behind.
 */
function stripOurs(src: string, cf: Corefile): Strip {
  const ts = cf.tokens;
  const { lines, lineOfToken } = linesOf(cf);
  if (!lines.some((l) => l.mark.kind !== 'none')) return { ok: true, text: src, changed: false, changes: [] };
  const refuse = (line: number, why: string): Strip => ({
    ok: false,
    reason: `line ${line}: ${why}. Fix or remove the clusterset-dns lines by hand (every line clusterset-dns wrote or changed ends in "# ${MARKER}").`,
  });
  const markAt = (t: Token): LineMark => (lines[lineOfToken[t.index] as number] as Line).mark;

  for (const l of lines) {
    if (l.mark.kind === 'invalid') return refuse(l.first.line, `unrecognised clusterset-dns marker "${l.mark.text}" (written by another version?)`);
    if (l.mark.kind === 'changed') {
      const allowed = l.first.value === 'kubernetes' ? ['added', 'opened-block'] : l.first.value === 'ttl' ? ['ttl-was'] : [];
      const bad = l.mark.ops.find((o) => !allowed.includes(o.op));
      if (bad !== undefined) return refuse(l.first.line, `a clusterset-dns change marker is on a '${l.first.value}' line, where clusterset-dns never makes that change`);
    }
  }

  // Our blocks must be ours from `{` to `}`: otherwise removing our lines would leave
  // someone's lines dangling outside any block, or remove a brace they rely on.
  const openedByUs = (b: { open: Token }): boolean => {
    const m = markAt(b.open);
    if (m.kind === 'added') return true;
    if (m.kind !== 'changed' || !m.ops.some((o) => o.op === 'opened-block')) return false;
    const line = lines[lineOfToken[b.open.index] as number] as Line;
    for (let j = line.last.index; j >= line.first.index; j--) {
      if ((ts[j] as Token).kind === 'open') return ts[j] === b.open;
    }
    return false;
  };
  const checkBlock = (b: { open: Token; close: Token }, directiveBlockOk: boolean): Strip | null => {
    const opened = directiveBlockOk && openedByUs(b);
    const closed = markAt(b.close).kind === 'added';
    if (!directiveBlockOk && (markAt(b.open).kind === 'added' || closed)) {
      return refuse(b.open.line, 'a server block brace is on a line marked as added by clusterset-dns, which never adds server blocks');
    }
    if (opened !== closed) {
      return refuse(opened ? b.close.line : b.open.line, `the block from line ${b.open.line} to line ${b.close.line} is only partly marked as clusterset-dns's`);
    }
    if (opened) {
      const from = lineOfToken[b.open.index] as number;
      const to = lineOfToken[b.close.index] as number;
      for (let l = from + 1; l < to; l++) {
        const line = lines[l] as Line;
        if (line.mark.kind !== 'added') {
          return refuse(line.first.line, `this line is inside a block clusterset-dns added (lines ${b.open.line}-${b.close.line}) but is not marked as clusterset-dns's; move it out of that block first`);
        }
      }
    }
    return null;
  };
  for (const item of cf.items) {
    const heads = item.kind === 'server' ? item.keys : item.kind === 'snippet' ? [item.key] : [item.name];
    const marked = heads.find((t) => markAt(t).kind !== 'none');
    if (marked !== undefined) return refuse(marked.line, 'a server block address, snippet or top-level import line carries a clusterset-dns marker, but clusterset-dns never writes those');
  }
  for (const b of allBlocks(cf)) {
    const r = checkBlock(b, true);
    if (r !== null) return r;
  }
  for (const item of cf.items) {
    if (item.kind === 'import') continue;
    if (item.open === null || item.close === null) continue;
    const r = checkBlock({ open: item.open, close: item.close }, false);
    if (r !== null) return r;
  }

  const edits = new Edits();
  const changes: string[] = [];
  for (const l of lines) {
    const m = l.mark;
    if (m.kind === 'added') {
      // Remove the line with the line break before it: install inserted exactly that.
      const lead = l.first.leading;
      const leadStart = l.first.offset - lead.length;
      const nl = lead.lastIndexOf('\n');
      if (nl !== -1) {
        const from = leadStart + (nl > 0 && lead[nl - 1] === '\r' ? nl - 1 : nl);
        edits.replace(from, lineEnd(l.last), '');
      } else {
        // First line of the file: take the following line break instead.
        const next = ts[l.last.index + 1];
        const trivia = next === undefined ? cf.eof : next.leading;
        const nl2 = trivia.indexOf('\n');
        edits.replace(leadStart, lineEnd(l.last) + (nl2 === -1 ? 0 : nl2 + 1), '');
      }
      changes.push(`line ${l.first.line}: removed \`${lineTextOf(src, l)}\``);
    } else if (m.kind === 'changed') {
      for (const o of m.ops) {
        if (o.op === 'added') {
          for (let j = l.first.index + 1; j <= l.last.index; j++) {
            const t = ts[j] as Token;
            if (t.kind === 'word' && normalizeZone(t.value) === normalizeZone(o.zone)) {
              edits.replace(tokEnd(ts[j - 1] as Token), tokEnd(t), '');
              changes.push(`line ${l.first.line}: removed ${o.zone} from the ${l.first.value} line`);
              break;
            }
          }
        } else if (o.op === 'opened-block') {
          for (let j = l.last.index; j > l.first.index; j--) {
            const t = ts[j] as Token;
            if (t.kind === 'open') {
              edits.replace(tokEnd(ts[j - 1] as Token), tokEnd(t), '');
              changes.push(`line ${l.first.line}: removed the '{' clusterset-dns opened`);
              break;
            }
          }
        } else {
          const arg = ts[l.first.index + 1];
          if (arg === undefined || arg !== l.last) return refuse(l.first.line, 'the ttl line clusterset-dns changed no longer has exactly one value');
          edits.replace(arg.offset, tokEnd(arg), o.raw);
          changes.push(`line ${l.first.line}: restored ttl ${o.raw}`);
        }
      }
      edits.replace(m.suffixStart, lineEnd(l.last), '');
    }
  }
  const text = edits.apply(src);
  try {
    const again = parse(text);
    if (linesOf(again).lines.some((l) => l.mark.kind !== 'none')) {
      return { ok: false, reason: 'clusterset-dns markers remain after removing them (nested or repeated markers); remove the marked lines by hand' };
    }
  } catch (e) {
    if (!(e instanceof CorefileParseError)) throw e;
    return { ok: false, reason: `removing the clusterset-dns lines would leave an invalid Corefile (${e.message}); the marked lines were edited by hand, fix them first` };
  }
  return { ok: true, text, changed: text !== src, changes };
}

function lineTextOf(src: string, l: Line): string {
  return src.slice(l.first.offset, tokEnd(l.last));
}

// ---------------------------------------------------------------------------
// Someone else's setup

interface Finding {
  readonly line: number;
  readonly what: 'zone' | 'multicluster' | 'lighthouse';
  readonly text: string;
  /** Directive the zone appears in (for recognising mcs-api's sed on `disable` lines). */
  readonly context: string;
}

function foreignFindings(src: string, cf: Corefile, zone: string): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (line: number, what: Finding['what'], context: string): void => {
    const key = `${line}:${what}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ line, what, text: lineText(src, line), context });
  };
  for (const c of comments(cf)) {
    if (/lighthouse-(start|end)/i.test(c.text)) add(c.line, 'lighthouse', 'comment');
  }
  for (const item of cf.items) {
    if (item.kind === 'server') for (const k of item.keys) if (mentionsZone(k.value, zone)) add(k.line, 'zone', 'server block key');
    if (item.kind === 'import') for (const a of item.args) if (mentionsZone(a.value, zone)) add(a.line, 'zone', 'import');
  }
  for (const { directive } of allDirectives(cf)) {
    if (directive.name.value === 'multicluster') add(directive.name.line, 'multicluster', 'multicluster');
    if (mentionsZone(directive.name.value, zone)) add(directive.name.line, 'zone', directive.name.value);
    for (const p of directive.parts) {
      if (p.kind === 'word' && mentionsZone(p.value, zone)) add(p.line, 'zone', directive.name.value);
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

function guessOwner(fs: readonly Finding[]): string {
  if (fs.some((f) => f.what === 'lighthouse')) return 'Submariner Lighthouse';
  if (fs.some((f) => f.what === 'zone' && f.context === 'disable')) return "mcs-api's e2e script (a global sed that also rewrote the cache `disable` lines)";
  if (fs.some((f) => f.what === 'multicluster')) return "Cilium's coredns-mcsapi-auto-configure job, mcs-api, or a hand edit";
  return 'a hand edit or another tool';
}

function describeFindings(fs: readonly Finding[]): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (const f of fs) {
    if (seen.has(f.line)) continue;
    seen.add(f.line);
    out.push(`line ${f.line}: ${f.text}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Analysis: is the zone served, and how

interface Setup {
  readonly kind: 'in-tree' | 'external' | 'server-block';
  readonly server: ServerBlock;
  readonly line: number;
  readonly kube?: Kube;
}

interface Analysis {
  readonly setups: readonly Setup[];
  readonly problems: string[];
  readonly notes: string[];
  readonly answerTtl: number | null;
}

function analyze(cf: Corefile, zone: string): Analysis {
  const problems: string[] = [];
  const notes: string[] = [];
  const setups: Setup[] = [];
  const ks = kubes(cf);

  for (const k of ks) {
    const line = k.directive.name.line;
    for (const m of k.mcDirectives) {
      if (directiveArgs(m).length === 0) problems.push(`line ${m.name.line}: \`multicluster\` without a zone does nothing; write \`multicluster ${zone}\``);
    }
    for (const mz of k.mcZones) {
      if (!k.zones.includes(mz)) {
        problems.push(`line ${line}: CoreDNS will refuse to start ("is not authoritative for the multicluster zone ${mz}"): add ${mz} to this kubernetes line`);
      }
    }
    const onLine = k.zones.includes(zone);
    const mc = k.mcZones.includes(zone);
    if (onLine && mc) setups.push({ kind: 'in-tree', server: k.server, line, kube: k });
    else if (onLine) {
      problems.push(`line ${line}: ${zone} is on the kubernetes line but its block has no \`multicluster ${zone}\`, so CoreDNS answers ${zone} names from local Services instead of ServiceImports`);
    }
  }

  for (const { directive, server, depth } of allDirectives(cf)) {
    if (server === null || depth !== 0 || directive.name.value !== 'multicluster') continue;
    const args = directiveArgs(directive);
    const zones = args.length > 0 ? args.map((a) => normalizeZone(a.value)) : dnsKeys(server).map((k) => k.zone);
    if (zones.some((z) => zoneCovers(z, zone))) setups.push({ kind: 'external', server, line: directive.name.line });
  }

  for (const s of serverBlocks(cf)) {
    if (dnsKeys(s).some((k) => !isReverseZone(k.zone) && k.zone !== '.' && zoneCovers(zone, k.zone))) {
      setups.push({ kind: 'server-block', server: s, line: (s.keys[0] as Token).line });
    }
  }

  for (const st of setups) {
    for (const port of dnsPorts(st.server)) {
      const r = routeZone(cf, zone, port);
      if (r === null) {
        problems.push(`line ${st.line}: ${zone} is configured in server block '${keysLabel(st.server)}', but that block does not receive ${zone} queries on port ${port}; add ${zone} (or .) to its keys`);
      } else if (r.block !== st.server) {
        problems.push(`line ${st.line}: ${zone} is configured in server block '${keysLabel(st.server)}', but CoreDNS sends ${zone} queries on port ${port} to server block '${keysLabel(r.block)}' (line ${(r.block.keys[0] as Token).line})`);
      }
    }
    if (st.kind === 'external') {
      for (const k of ks) {
        if (k.server !== st.server) continue;
        const covering = k.zones.find((z) => z !== zone && zoneCovers(z, zone));
        if (covering !== undefined && !fallthroughCovers(k.directive, zone)) {
          problems.push(`line ${k.directive.name.line}: the kubernetes plugin serves '${covering}' and runs before multicluster (plugin order), so it answers ${zone} itself; add \`fallthrough ${zone}\` to its block`);
        }
      }
    }
  }
  const kinds = new Set(setups.filter((s) => s.kind !== 'server-block').map((s) => `${s.kind}@${keysLabel(s.server)}`));
  if (kinds.size > 1) problems.push(`${zone} is configured more than once (${setups.map((s) => `${s.kind} at line ${s.line}`).join(', ')}); keep one`);

  let answerTtl: number | null = null;
  const main = setups[0];
  if (main !== undefined) {
    if (main.kind === 'in-tree' && main.kube !== undefined) {
      const ttls = subdirectives(main.kube.directive, 'ttl');
      const last = ttls[ttls.length - 1];
      const v = last === undefined ? PLUGIN_DEFAULT_TTL : Number(directiveArgs(last)[0]?.value);
      answerTtl = Number.isInteger(v) ? v : null;
      if (answerTtl !== null) {
        notes.push(`${zone} answers carry TTL ${answerTtl}s, the kubernetes block's ttl${last === undefined ? ' (plugin default)' : ''}; it is shared with the cluster domain`);
      }
      if (subdirectives(main.kube.directive, 'fallthrough').some((f) => directiveArgs(f).length === 0)) {
        notes.push(`the kubernetes plugin has a bare \`fallthrough\`: ${zone} names it cannot answer go on to the next plugins (e.g. forward to upstream DNS)`);
      }
    } else if (main.kind === 'external') {
      answerTtl = PLUGIN_DEFAULT_TTL;
      notes.push(`${zone} answers carry TTL ${PLUGIN_DEFAULT_TTL}s (fixed in the standalone multicluster plugin)`);
    }
    const cacheNote = describeCache(main.server, zone);
    if (cacheNote !== null) notes.push(cacheNote);
  }
  const imports = importTargets(cf);
  if (imports.length > 0) notes.push(`the Corefile imports ${imports.join(', ')}; clusterset-dns cannot see what those files add`);
  return { setups, problems, notes, answerTtl };
}

function describeCache(s: ServerBlock, zone: string): string | null {
  const cache = s.body.find((d) => d.name.value === 'cache');
  if (cache === undefined) return null;
  const args = directiveArgs(cache).map((a) => a.value);
  const cap = args[0] !== undefined && /^\d+$/.test(args[0]) ? Number(args[0]) : null;
  const zones = cap === null ? args : args.slice(1);
  if (zones.length > 0 && !zones.some((z) => zoneCovers(z, zone))) return null;
  const disabled = subdirectives(cache, 'disable')
    .map((d) => directiveArgs(d).map((a) => a.value))
    .filter((a) => a.length === 1 || a.slice(1).some((z) => zoneCovers(z, zone)))
    .map((a) => a[0]);
  const both = disabled.includes('success') && disabled.includes('denial');
  if (both) return `the cache plugin (line ${cache.name.line}) does not cache ${zone} answers`;
  const what = disabled.length > 0 ? ` (except ${disabled.join(' and ')} responses)` : '';
  return `the cache plugin (line ${cache.name.line}) keeps ${zone} answers${what} for up to their TTL${cap !== null ? ` (capped at ${cap}s)` : ''}, so a change of spec.ips reaches clients only after that`;
}

// ---------------------------------------------------------------------------
// Install

interface Resolved {
  readonly zone: string;
  readonly flavor: Flavor;
  readonly ttl: number | undefined;
  readonly headerRaFix: boolean;
  readonly clusterDomain: string | undefined;
}

type Fresh = { ok: true; text: string; changes: string[]; warnings: string[] } | { ok: false; reason: string };

function freshInstall(src: string, cf: Corefile, o: Resolved): Fresh {
  return o.flavor === 'in-tree' ? installInTree(src, cf, o) : installExternal(src, cf, o);
}

function installInTree(src: string, cf: Corefile, o: Resolved): Fresh {
  const ts = cf.tokens;
  const zone = o.zone;
  const choice = chooseClusterKube(cf, o.clusterDomain);
  if (!choice.ok) return { ok: false, reason: choice.reason };
  const { kube, domain } = choice;
  const K = kube.directive;
  const S = kube.server;
  const kLine = K.name.line;
  const refuse = (why: string): Fresh => ({ ok: false, reason: `kubernetes plugin at line ${kLine}: ${why}` });

  if (!kube.explicitArgs) {
    return refuse(`it has no zone arguments (it serves the server block's keys). Write its zones out, e.g. \`kubernetes ${domain} in-addr.arpa ip6.arpa\`, then install again`);
  }
  if (!startsLine(ts, K.name.index)) return refuse('put the kubernetes directive on its own line, then install again');
  const args = directiveArgs(K);
  const block = directiveBlock(K);
  if (block !== null && K.parts[K.parts.length - 1] !== block) return refuse("there is text after its block's closing '}' on the same line; move it to its own line");
  if (block !== null && lastOnLine(ts, block.open.index) !== block.open) {
    return refuse("its block's '{' must end the line (put the options on their own lines), as CoreDNS's option parser expects");
  }
  if (block !== null && !startsLine(ts, block.close.index)) return refuse("its block's closing '}' must be on its own line");
  const domainTok = args.find((t) => t.kind === 'word' && !hasPlaceholder(t.value) && normalizeZone(t.value) === domain);
  if (domainTok === undefined) {
    return refuse(`its zones (${kube.zones.join(' ')}) do not list ${domain} itself; clusterset-dns adds ${zone} next to the cluster domain, so write it out, e.g. \`kubernetes ${domain} in-addr.arpa ip6.arpa\`, then install again`);
  }
  if (args.some((t) => t.quoted && t.raw.includes('\n'))) return refuse('it has a quoted argument spanning lines; rewrite it on one line');

  const ports = dnsPorts(S);
  if (ports.length === 0) return refuse(`its server block '${keysLabel(S)}' has no plain-DNS address clusterset-dns understands`);
  for (const port of ports) {
    const r = routeZone(cf, zone, port);
    if (r === null) {
      return refuse(`its server block '${keysLabel(S)}' does not receive ${zone} queries on port ${port}. Add ${zone}:${port} to that block's keys by hand (or use a '.' block), then install again`);
    }
    if (r.block !== S) {
      return refuse(`${zone} queries on port ${port} go to server block '${keysLabel(r.block)}' (line ${(r.block.keys[0] as Token).line}), not to '${keysLabel(S)}' where this plugin is. Configure ${zone} by hand`);
    }
  }

  const edits = new Edits();
  const changes: string[] = [];
  const warnings: string[] = [];
  const indentK = indentOf(ts, K.name.index);
  const firstChild = block?.body[0];
  const bodyIndent = firstChild !== undefined && startsLine(ts, firstChild.name.index) ? indentOf(ts, firstChild.name.index) : indentK + indentUnit(cf, indentK);
  const eol = eolAfter(cf, src, K.name.index);

  edits.insert(tokEnd(domainTok), ' ' + zone);
  const ops: Op[] = [{ op: 'added', zone }];
  const lastArg = args[args.length - 1] as Token;
  if (block === null) {
    edits.insert(tokEnd(lastArg), ' {');
    ops.push({ op: 'opened-block' });
  }
  const kLast = lastOnLine(ts, K.name.index);
  edits.insert(lineEnd(kLast), CHANGED_PREFIX + formatOps(ops));
  changes.push(`line ${kLine}: added ${zone} to the kubernetes plugin's zones`);

  const newLines: string[] = [];
  if (o.ttl !== undefined) {
    const ttlLines = block === null ? [] : block.body.filter((d) => d.name.value === 'ttl');
    if (ttlLines.length > 1) return refuse('its block has several ttl lines; keep one, then install again');
    const existing = ttlLines[0];
    if (existing !== undefined) {
      const arg = existing.parts[0];
      if (existing.parts.length !== 1 || arg === undefined || arg.kind !== 'word' || !/^[^\s;#]+$/.test(arg.raw) || !startsLine(ts, existing.name.index)) {
        return refuse(`its ttl line (line ${existing.name.line}) is not a plain \`ttl N\`; edit the ttl by hand or drop the ttl option`);
      }
      if (arg.value !== String(o.ttl)) {
        edits.replace(arg.offset, tokEnd(arg), String(o.ttl));
        edits.insert(lineEnd(arg), CHANGED_PREFIX + formatOps([{ op: 'ttl-was', raw: arg.raw }]));
        changes.push(`line ${existing.name.line}: ttl ${arg.value} -> ${o.ttl} (also applies to ${domain})`);
      }
    } else {
      newLines.push(`ttl ${o.ttl}`);
      changes.push(`added ttl ${o.ttl} (was the plugin default ${PLUGIN_DEFAULT_TTL}s; also applies to ${domain})`);
    }
  }
  newLines.push(`multicluster ${zone}`);
  changes.push(`added \`multicluster ${zone}\` to the kubernetes block`);

  let afterK: number;
  let afterKIndex: number;
  if (block !== null) {
    const before = ts[block.close.index - 1] as Token;
    const at = lineEnd(before);
    for (const l of newLines) edits.insert(at, eol + bodyIndent + l + ADDED_SUFFIX);
    const closeLast = lastOnLine(ts, block.close.index);
    afterK = lineEnd(closeLast);
    afterKIndex = closeLast.index;
  } else {
    const at = lineEnd(kLast);
    for (const l of newLines) edits.insert(at, eol + bodyIndent + l + ADDED_SUFFIX);
    edits.insert(at, eol + indentK + '}' + ADDED_SUFFIX);
    afterK = at;
    afterKIndex = kLast.index;
  }

  if (o.headerRaFix) {
    addHeader(edits, S, afterK, eolAfter(cf, src, afterKIndex), indentK, bodyIndent, 'response set ra', changes, warnings);
  }
  return { ok: true, text: edits.apply(src), changes, warnings };
}

function installExternal(src: string, cf: Corefile, o: Resolved): Fresh {
  const ts = cf.tokens;
  const zone = o.zone;
  if (o.ttl !== undefined) {
    return { ok: false, reason: `the standalone multicluster plugin always answers with TTL ${PLUGIN_DEFAULT_TTL}s; drop the ttl option (or upgrade CoreDNS to >= 1.12.2 and use the in-tree flavor)` };
  }
  const ks = kubes(cf);
  const choice = chooseClusterKube(cf, o.clusterDomain);
  if (ks.length === 0 && !choice.ok) return { ok: false, reason: choice.reason };
  // Queries reach the server block that serves the cluster domain on its port; the
  // zone must route to a block on that same port.
  const port = choice.ok ? (dnsPorts(choice.kube.server)[0] ?? DEFAULT_PORT) : DEFAULT_PORT;
  const r = routeZone(cf, zone, port);
  if (r === null) {
    return { ok: false, reason: `no server block receives ${zone} queries on port ${port} (a '.:${port}' block would). Add one by hand, then install again` };
  }
  const S = r.block;
  for (const k of ks) {
    if (k.server !== S) continue;
    const covering = k.zones.find((z) => zoneCovers(z, zone));
    if (covering !== undefined && !fallthroughCovers(k.directive, zone)) {
      return {
        ok: false,
        reason: `kubernetes plugin at line ${k.directive.name.line} serves '${covering}' and runs before multicluster (plugin order), so it would answer ${zone} itself. Give it explicit zones (e.g. \`kubernetes cluster.local in-addr.arpa ip6.arpa\`), then install again`,
      };
    }
  }
  const anchor =
    (choice.ok && choice.kube.server === S ? choice.kube.directive : undefined) ??
    ks.find((k) => k.server === S)?.directive ??
    S.body[S.body.length - 1];
  if (anchor === undefined) return { ok: false, reason: `server block '${keysLabel(S)}' is empty; add the stanza by hand` };
  if (!startsLine(ts, anchor.name.index)) {
    return { ok: false, reason: `line ${anchor.name.line}: put '${anchor.name.value}' on its own line, then install again` };
  }
  const last = lastOnLine(ts, lastToken(anchor).index);
  const at = lineEnd(last);
  const indent = indentOf(ts, anchor.name.index);
  const eol = eolAfter(cf, src, last.index);
  const edits = new Edits();
  const changes: string[] = [];
  const warnings: string[] = [];
  // No `fallthrough`: the plugin only serves the clusterset zone, and passing its
  // misses on would send cluster-private names to upstream resolvers via `forward`.
  // It would only make sense if another plugin served names under the zone, and such
  // a Corefile is someone else's setup, which we do not join.
  edits.insert(at, eol + indent + `multicluster ${zone}` + ADDED_SUFFIX);
  changes.push(`added \`multicluster ${zone}\` to server block '${keysLabel(S)}' after line ${last.line}`);
  if (o.headerRaFix) {
    // Older CoreDNS (the only kind that needs this flavor) knows only the selector-less form.
    addHeader(edits, S, at, eol, indent, indent + indentUnit(cf, indent), 'set ra', changes, warnings);
  }
  return { ok: true, text: edits.apply(src), changes, warnings };
}

// The header plugin has no zone filter: it applies to every answer of its server
// block. So we put it only in the block that serves the zone (never in other blocks),
// and never next to an existing `header`, whose rules we would silently override.
function addHeader(
  edits: Edits,
  S: ServerBlock,
  at: number,
  eol: string,
  indent: string,
  inner: string,
  rule: string,
  changes: string[],
  warnings: string[],
): void {
  const existing = S.body.find((d) => d.name.value === 'header');
  if (existing !== undefined) {
    warnings.push(`server block '${keysLabel(S)}' already has a header plugin (line ${existing.name.line}); not adding the 'ra' fix, add \`${rule}\` to it by hand if you want it`);
    return;
  }
  edits.insert(at, eol + indent + 'header {' + ADDED_SUFFIX);
  edits.insert(at, eol + inner + rule + ADDED_SUFFIX);
  edits.insert(at, eol + indent + '}' + ADDED_SUFFIX);
  changes.push(`added \`header { ${rule} }\` to server block '${keysLabel(S)}' (applies to all its answers)`);
}

function resolve(opts: InstallOptions): Resolved | string {
  const zone = normalizeZone(opts.zone ?? DEFAULT_ZONE);
  if (!isValidZone(zone)) return `'${opts.zone ?? ''}' is not a valid DNS zone name`;
  if (opts.flavor !== 'in-tree' && opts.flavor !== 'external') return `unknown flavor '${String(opts.flavor)}' (use in-tree or external)`;
  if (opts.ttl !== undefined && (!Number.isInteger(opts.ttl) || opts.ttl < 0 || opts.ttl > 3600)) {
    return `ttl must be a whole number of seconds in [0, 3600] (CoreDNS's range), got ${opts.ttl}`;
  }
  let clusterDomain: string | undefined;
  if (opts.clusterDomain !== undefined) {
    clusterDomain = normalizeZone(opts.clusterDomain);
    if (!isValidZone(clusterDomain)) return `'${opts.clusterDomain}' is not a valid cluster domain`;
    if (clusterDomain === zone) return 'the clusterset zone must differ from the cluster domain';
  }
  return { zone, flavor: opts.flavor, ttl: opts.ttl, headerRaFix: opts.headerRaFix === true, clusterDomain };
}

function parseOrReason(src: string): Corefile | string {
  try {
    return parse(src);
  } catch (e) {
    if (e instanceof CorefileParseError) return `the Corefile cannot be parsed (${e.message}); fix it first`;
    throw e;
  }
}

/**
 * Plans adding the clusterset stanza. Never throws for any Corefile text; a
 * `changed` result has been checked to uninstall back to its input.
 */
export function planInstall(corefile: string, opts: InstallOptions): InstallPlan {
  const o = resolve(opts);
  if (typeof o === 'string') return { kind: 'refused', reason: o };
  const cf = parseOrReason(corefile);
  if (typeof cf === 'string') return { kind: 'refused', reason: cf };
  const stripped = stripOurs(corefile, cf);
  if (!stripped.ok) return { kind: 'refused', reason: `existing clusterset-dns lines cannot be updated: ${stripped.reason}` };
  const base = stripped.text;
  const baseCf = stripped.changed ? parse(base) : cf;

  const foreign = foreignFindings(base, baseCf, o.zone);
  if (foreign.length > 0) {
    const ours = stripped.changed ? ' It also has clusterset-dns lines; remove one of the two setups.' : '';
    return {
      kind: 'foreign',
      reason: `${o.zone} is already configured outside clusterset-dns, apparently by ${guessOwner(foreign)} (${describeFindings(foreign).join('; ')}). clusterset-dns leaves it alone; remove those lines first if clusterset-dns should manage the zone.${ours}`,
      findings: describeFindings(foreign),
    };
  }

  const fresh = freshInstall(base, baseCf, o);
  if (!fresh.ok) return { kind: 'refused', reason: fresh.reason };
  const after = parseOrReason(fresh.text);
  const notes = typeof after === 'string' ? [] : analyze(after, o.zone).notes;
  const warnings = [...fresh.warnings, ...notes];
  // Whitespace or comments a human changed around our lines do not warrant a write
  // (and the CoreDNS reload that follows it): compare what CoreDNS and uninstall see.
  if (fresh.text === corefile || (typeof after !== 'string' && signature(after) === signature(cf))) {
    return { kind: 'unchanged', reason: `${o.zone} is already installed by clusterset-dns with these options`, warnings };
  }
  const problem = verifyInstalled(base, fresh.text, o.zone);
  if (problem !== null) {
    return { kind: 'refused', reason: `internal safety check failed, the Corefile was left alone: ${problem}` };
  }
  const changes = stripped.changed ? ['removed the previous clusterset-dns lines', ...fresh.changes] : fresh.changes;
  return { kind: 'changed', corefile: fresh.text, changes, warnings };
}

/** Tokens line by line plus each line's marker: equal signatures mean equal meaning and equal uninstall. */
function signature(cf: Corefile): string {
  return linesOf(cf)
    .lines.map((l) => {
      const values: string[] = [];
      for (let i = l.first.index; i <= l.last.index; i++) values.push(JSON.stringify((cf.tokens[i] as Token).value));
      const m = l.mark;
      const mark = m.kind === 'changed' ? `changed:${formatOps(m.ops)}` : m.kind;
      return `${values.join(' ')}|${mark}`;
    })
    .join('\n');
}

function verifyInstalled(base: string, text: string, zone: string): string | null {
  const cf = parseOrReason(text);
  if (typeof cf === 'string') return `the result does not parse: ${cf}`;
  const back = stripOurs(text, cf);
  if (!back.ok) return `the result could not be uninstalled: ${back.reason}`;
  if (back.text !== base) return 'uninstalling the result would not restore the original Corefile byte for byte';
  const ins = inspect(text, zone);
  if (ins.status !== 'installed') return `the result does not inspect as installed: ${ins.message}`;
  return null;
}

/** Plans removing exactly what clusterset-dns added or changed, restoring the original bytes. */
export function planUninstall(corefile: string): UninstallPlan {
  const cf = parseOrReason(corefile);
  if (typeof cf === 'string') return { kind: 'refused', reason: cf };
  const stripped = stripOurs(corefile, cf);
  if (!stripped.ok) return { kind: 'refused', reason: stripped.reason };
  if (!stripped.changed) return { kind: 'unchanged', reason: `no lines marked "# ${MARKER}"; nothing to remove` };
  return { kind: 'changed', corefile: stripped.text, changes: stripped.changes };
}

/** Reports whether and how `zone` is served, and by whom. Never throws for any text. */
export function inspect(corefile: string, zone: string = DEFAULT_ZONE): Inspection {
  const z = normalizeZone(zone);
  const cf = parseOrReason(corefile);
  const base = { flavor: null, notes: [], answerTtl: null } as const;
  if (typeof cf === 'string') return { ...base, status: 'broken', message: cf, problems: [cf], markers: false };
  const stripped = stripOurs(corefile, cf);
  if (!stripped.ok) return { ...base, status: 'broken', message: `clusterset-dns lines are damaged: ${stripped.reason}`, problems: [stripped.reason], markers: true };
  // Markers for another zone (installed with a different zone option) do not make
  // this zone ours: judge it as if those lines were not there.
  const markers = stripped.changed && ourLinesMention(cf, z);
  const foreign = foreignFindings(stripped.text, stripped.changed ? parse(stripped.text) : cf, z);
  const an = analyze(cf, z);
  const main = an.setups.find((s) => s.kind !== 'server-block') ?? an.setups[0];
  const flavor: Flavor | null = main === undefined || main.kind === 'server-block' ? null : main.kind;
  const common = { flavor, notes: an.notes, answerTtl: an.answerTtl, markers };
  const where = main === undefined ? '' : ` in server block '${keysLabel(main.server)}' (line ${main.line})`;
  const how =
    main === undefined
      ? ''
      : main.kind === 'in-tree'
        ? `by the kubernetes plugin's multicluster option (CoreDNS >= 1.12.2)${where}`
        : main.kind === 'external'
          ? `by the standalone multicluster plugin${where}`
          : `by its own server block '${keysLabel(main.server)}' (line ${main.line})`;

  if (!markers) {
    if (foreign.length === 0) {
      return { ...common, status: 'absent', message: `${z} is not configured in this Corefile`, problems: an.problems };
    }
    const valid = an.problems.length === 0 && an.setups.length > 0;
    const problems = an.setups.length === 0 ? [...an.problems, `${z} is mentioned but nothing serves it`] : an.problems;
    const state = valid ? `It is served ${how}.` : `It looks broken: ${problems.join('; ')}.`;
    return {
      ...common,
      status: 'foreign',
      message: `${z} is configured outside clusterset-dns, apparently by ${guessOwner(foreign)}. ${state} clusterset-dns will not change it.`,
      problems,
    };
  }
  if (foreign.length > 0) {
    const problems = [...an.problems, `besides the clusterset-dns lines, ${z} is also configured by ${guessOwner(foreign)}: ${describeFindings(foreign).join('; ')}`];
    return { ...common, status: 'broken', message: `Mixed setup: ${problems.join('; ')}. Remove one of the two.`, problems };
  }
  const ours = an.setups.filter((s) => s.kind === 'in-tree' || s.kind === 'external');
  if (ours.length === 0 || an.problems.length > 0) {
    const problems = ours.length === 0 ? [...an.problems, `clusterset-dns lines are present but nothing serves ${z}`] : an.problems;
    return { ...common, status: 'broken', message: `clusterset-dns lines are present but not working: ${problems.join('; ')}. Run uninstall and install again.`, problems };
  }
  return { ...common, status: 'installed', message: `${z} is served ${how}, installed by clusterset-dns`, problems: [] };
}

function ourLinesMention(cf: Corefile, zone: string): boolean {
  return linesOf(cf).lines.some((l) => {
    if (l.mark.kind === 'changed') return l.mark.ops.some((o) => o.op === 'added' && normalizeZone(o.zone) === zone);
    if (l.mark.kind !== 'added') return false;
    for (let i = l.first.index; i <= l.last.index; i++) if (mentionsZone((cf.tokens[i] as Token).value, zone)) return true;
    return false;
  });
}

/** @internal exported for tests: the lines of a Corefile that carry our marker. */
export function markedLines(corefile: string): number[] {
  const cf = parse(corefile);
  return linesOf(cf).lines.filter((l) => l.mark.kind !== 'none').map((l) => l.first.line);
}

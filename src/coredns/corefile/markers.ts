// Our markers, and removing what they describe.
//
// Every line we add ends in `# clusterset-dns`; every line we change ends in
// `# clusterset-dns: <ops>`, where the ops say what we did to it (`added <zone>`,
// `opened block`, `ttl was <raw>`). Removal needs nothing but these markers and
// restores the original byte for byte; it refuses, rather than guess, when the marked
// lines were edited into something it cannot undo cleanly
// (docs/design.md#coredns-safety).

import { fail, ok, type Result } from '../../api/result.js';
import { Edits } from './edits.js';
import { allBlocks } from './directives.js';
import { lastOnLine, lineEnd, tokEnd } from './layout.js';
import { CorefileParseError, type Token } from './lex.js';
import { parse } from './parse.js';
import type { Corefile } from './tree.js';
import { mentionsZone, normalizeZone } from './zones.js';

/** The comment word that marks our lines. Reserved: do not use it in hand-written comments. */
export const MARKER = 'clusterset-dns';
/** The end of every line we add. */
export const ADDED_SUFFIX = ` # ${MARKER}`;
/** Starts the end of every line we change; the ops follow. */
export const CHANGED_PREFIX = ` # ${MARKER}: `;
const OP_SEPARATOR = '; ';

/** One change to an existing line, as its marker records it. */
export type Op = { readonly op: 'added'; readonly zone: string } | { readonly op: 'opened-block' } | { readonly op: 'ttl-was'; readonly raw: string };

export function formatOps(ops: readonly Op[]): string {
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

type ChangedMark = { readonly kind: 'changed'; readonly ops: readonly Op[]; readonly suffixStart: number };

type LineMark = { readonly kind: 'none' } | { readonly kind: 'added' } | ChangedMark | { readonly kind: 'invalid'; readonly text: string };

interface Line {
  readonly first: Token;
  readonly last: Token;
  readonly mark: LineMark;
}

/** The Corefile's lines (of tokens) with their markers, and the line each token is on. */
interface MarkedLines {
  readonly lines: readonly Line[];
  readonly lineOfToken: readonly number[];
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

function linesOf(cf: Corefile): MarkedLines {
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

const lineOf = (ml: MarkedLines, t: Token): Line => ml.lines[ml.lineOfToken[t.index] as number] as Line;

/** @internal exported for tests: the lines of a Corefile that carry our marker. */
export function markedLines(corefile: string): number[] {
  const cf = parse(corefile);
  return linesOf(cf).lines.filter((l) => l.mark.kind !== 'none').map((l) => l.first.line);
}

/** Tokens line by line plus each line's marker: equal signatures mean equal meaning and equal uninstall. */
export function signature(cf: Corefile): string {
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

/** True if our marked lines install `zone` (lines installed for another zone do not count). */
export function ourLinesMention(cf: Corefile, zone: string): boolean {
  return linesOf(cf).lines.some((l) => {
    if (l.mark.kind === 'changed') return l.mark.ops.some((o) => o.op === 'added' && normalizeZone(o.zone) === zone);
    if (l.mark.kind !== 'added') return false;
    for (let i = l.first.index; i <= l.last.index; i++) if (mentionsZone((cf.tokens[i] as Token).value, zone)) return true;
    return false;
  });
}

// ---------------------------------------------------------------------------
// Removal

/** Where removal stops, and why. */
interface Refusal {
  readonly line: number;
  readonly why: string;
}

const refusalText = (r: Refusal): string =>
  `line ${r.line}: ${r.why}. Fix or remove the clusterset-dns lines by hand (every line clusterset-dns wrote or changed ends in "# ${MARKER}").`;

export type Stripped = Result<{ text: string; changed: boolean; changes: string[] }>;

/**
 * Removes everything our markers describe. Works from the markers alone (no zone or
 * options needed), and refuses rather than guess when the marked lines were edited in
 * a way that would leave a broken Corefile behind.
 */
export function stripOurs(src: string, cf: Corefile): Stripped {
  const ml = linesOf(cf);
  if (!ml.lines.some((l) => l.mark.kind !== 'none')) return ok({ text: src, changed: false, changes: [] });
  const misplaced = misplacedMarker(cf, ml) ?? damagedBlock(cf, ml);
  if (misplaced !== undefined) return fail(refusalText(misplaced));

  const edits = new Edits();
  const changes: string[] = [];
  for (const l of ml.lines) {
    if (l.mark.kind === 'added') {
      removeAddedLine(edits, cf, l);
      changes.push(`line ${l.first.line}: removed \`${src.slice(l.first.offset, tokEnd(l.last))}\``);
    } else if (l.mark.kind === 'changed') {
      const refused = undoChanges(edits, cf.tokens, l, l.mark, changes);
      if (refused !== undefined) return fail(refusalText(refused));
    }
  }
  const text = edits.apply(src);
  const leftover = problemAfterRemoval(text);
  if (leftover !== undefined) return fail(leftover);
  return ok({ text, changed: text !== src, changes });
}

/** A marker we cannot read, or one on a line we never write or never change that way. */
function misplacedMarker(cf: Corefile, ml: MarkedLines): Refusal | undefined {
  for (const l of ml.lines) {
    if (l.mark.kind === 'invalid') return { line: l.first.line, why: `unrecognised clusterset-dns marker "${l.mark.text}" (written by another version?)` };
    if (l.mark.kind === 'changed') {
      const allowed = l.first.value === 'kubernetes' ? ['added', 'opened-block'] : l.first.value === 'ttl' ? ['ttl-was'] : [];
      const bad = l.mark.ops.find((o) => !allowed.includes(o.op));
      if (bad !== undefined) return { line: l.first.line, why: `a clusterset-dns change marker is on a '${l.first.value}' line, where clusterset-dns never makes that change` };
    }
  }
  for (const item of cf.items) {
    const heads = item.kind === 'server' ? item.keys : item.kind === 'snippet' ? [item.key] : [item.name];
    const marked = heads.find((t) => lineOf(ml, t).mark.kind !== 'none');
    if (marked !== undefined) {
      return { line: marked.line, why: 'a server block address, snippet or top-level import line carries a clusterset-dns marker, but clusterset-dns never writes those' };
    }
  }
  return undefined;
}

/**
 * Our blocks must be ours from `{` to `}`: otherwise removing our lines would leave
 * someone's lines dangling outside any block, or remove a brace they rely on. And we
 * never add server blocks, so their braces must not be marked as added.
 */
function damagedBlock(cf: Corefile, ml: MarkedLines): Refusal | undefined {
  for (const b of allBlocks(cf)) {
    const r = checkBlock(cf.tokens, ml, b, true);
    if (r !== undefined) return r;
  }
  for (const item of cf.items) {
    if (item.kind === 'import') continue;
    if (item.open === null || item.close === null) continue;
    const r = checkBlock(cf.tokens, ml, { open: item.open, close: item.close }, false);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** `directiveBlock` is false for server block and snippet braces, which we never add. */
function checkBlock(ts: readonly Token[], ml: MarkedLines, b: { open: Token; close: Token }, directiveBlock: boolean): Refusal | undefined {
  const opened = directiveBlock && openedByUs(ts, ml, b.open);
  const closed = lineOf(ml, b.close).mark.kind === 'added';
  if (!directiveBlock && (lineOf(ml, b.open).mark.kind === 'added' || closed)) {
    return { line: b.open.line, why: 'a server block brace is on a line marked as added by clusterset-dns, which never adds server blocks' };
  }
  if (opened !== closed) {
    return { line: opened ? b.close.line : b.open.line, why: `the block from line ${b.open.line} to line ${b.close.line} is only partly marked as clusterset-dns's` };
  }
  if (!opened) return undefined;
  const from = ml.lineOfToken[b.open.index] as number;
  const to = ml.lineOfToken[b.close.index] as number;
  for (let l = from + 1; l < to; l++) {
    const line = ml.lines[l] as Line;
    if (line.mark.kind !== 'added') {
      return {
        line: line.first.line,
        why: `this line is inside a block clusterset-dns added (lines ${b.open.line}-${b.close.line}) but is not marked as clusterset-dns's; move it out of that block first`,
      };
    }
  }
  return undefined;
}

/** True if the `{` is on a line we added, or is the last `{` of a line whose marker says we opened it. */
function openedByUs(ts: readonly Token[], ml: MarkedLines, open: Token): boolean {
  const line = lineOf(ml, open);
  const m = line.mark;
  if (m.kind === 'added') return true;
  if (m.kind !== 'changed' || !m.ops.some((o) => o.op === 'opened-block')) return false;
  for (let j = line.last.index; j >= line.first.index; j--) {
    if ((ts[j] as Token).kind === 'open') return ts[j] === open;
  }
  return false;
}

/** Removes an added line with the line break before it: install inserted exactly that. */
function removeAddedLine(edits: Edits, cf: Corefile, l: Line): void {
  const lead = l.first.leading;
  const leadStart = l.first.offset - lead.length;
  const nl = lead.lastIndexOf('\n');
  if (nl !== -1) {
    const from = leadStart + (nl > 0 && lead[nl - 1] === '\r' ? nl - 1 : nl);
    edits.replace(from, lineEnd(l.last), '');
    return;
  }
  // First line of the file: take the following line break instead.
  const next = cf.tokens[l.last.index + 1];
  const trivia = next === undefined ? cf.eof : next.leading;
  const nl2 = trivia.indexOf('\n');
  edits.replace(leadStart, lineEnd(l.last) + (nl2 === -1 ? 0 : nl2 + 1), '');
}

/** Undoes each op of a changed line, then drops its marker. */
function undoChanges(edits: Edits, ts: readonly Token[], l: Line, m: ChangedMark, changes: string[]): Refusal | undefined {
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
      if (arg === undefined || arg !== l.last) return { line: l.first.line, why: 'the ttl line clusterset-dns changed no longer has exactly one value' };
      edits.replace(arg.offset, tokEnd(arg), o.raw);
      changes.push(`line ${l.first.line}: restored ttl ${o.raw}`);
    }
  }
  edits.replace(m.suffixStart, lineEnd(l.last), '');
  return undefined;
}

/** What is wrong with the text removal produced, if anything: it must parse and carry no markers. */
function problemAfterRemoval(text: string): string | undefined {
  try {
    const again = parse(text);
    if (linesOf(again).lines.some((l) => l.mark.kind !== 'none')) {
      return 'clusterset-dns markers remain after removing them (nested or repeated markers); remove the marked lines by hand';
    }
  } catch (e) {
    if (!(e instanceof CorefileParseError)) throw e;
    return `removing the clusterset-dns lines would leave an invalid Corefile (${e.message}); the marked lines were edited by hand, fix them first`;
  }
  return undefined;
}

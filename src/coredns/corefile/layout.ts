// Where things are on a Corefile's lines, so that inserted lines look like their
// neighbours: token and line ends, indentation, and the file's line breaks.

import { startsLine, type Token } from './lex.js';
import { allDirectives } from './directives.js';
import { directiveBlock, type Corefile } from './tree.js';

/** Offset just past a token's raw text. */
export const tokEnd = (t: Token): number => t.offset + t.raw.length;
/** End of a line's content (before its line break), given the line's last token. */
export const lineEnd = (t: Token): number => tokEnd(t) + t.trailing.length;

/** The last token on the line holding token i. */
export function lastOnLine(ts: readonly Token[], i: number): Token {
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
export function indentOf(ts: readonly Token[], i: number): string {
  const first = firstOnLine(ts, i);
  const nl = first.leading.lastIndexOf('\n');
  return nl === -1 ? (first.index === 0 ? first.leading.replace(/^\uFEFF/, '') : '') : first.leading.slice(nl + 1);
}

/** The line break that ends the line holding token i, so inserted lines match the file. */
export function eolAfter(cf: Corefile, src: string, i: number): string {
  const last = lastOnLine(cf.tokens, i);
  const next = cf.tokens[last.index + 1];
  const trivia = next === undefined ? cf.eof : next.leading;
  const nl = trivia.indexOf('\n');
  if (nl !== -1) return nl > 0 && trivia[nl - 1] === '\r' ? '\r\n' : '\n';
  const any = src.indexOf('\n');
  return any > 0 && src[any - 1] === '\r' ? '\r\n' : '\n';
}

/** One level of indentation as the file uses it (guessed from any nested block). */
export function indentUnit(cf: Corefile, fallbackFrom: string): string {
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

/** The trimmed text of a 1-based line, for messages. */
export function lineText(src: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = src.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  const end = src.indexOf('\n', start);
  return src.slice(start, end === -1 ? src.length : end).replace(/\r$/, '').trim();
}

// The Corefile syntax tree, and reading and writing it: node types, a walk over
// every token in source order (`render` concatenates it, so `render(parse(x)) === x`),
// and the small accessors the editor and its callers use.

import type { Token } from './lex.js';

/** `{ ... }` after a directive or its arguments. */
export interface Block {
  readonly kind: 'block';
  readonly open: Token;
  readonly body: readonly Directive[];
  readonly close: Token;
}

/**
 * One directive: its name and everything up to the end of its line, with any blocks
 * it opens. `parts` keeps arguments and blocks in source order because Caddy allows
 * tokens after a block's closing brace on the same line (rare, but lossless).
 */
export interface Directive {
  readonly kind: 'directive';
  readonly name: Token;
  readonly parts: readonly (Token | Block)[];
}

/** A server block: one or more keys (`.:53`, `dns://cluster.local:53`, ...) and a body. */
export interface ServerBlock {
  readonly kind: 'server';
  readonly keys: readonly Token[];
  /** null for Caddy's brace-less single-server form. */
  readonly open: Token | null;
  readonly body: readonly Directive[];
  readonly close: Token | null;
}

/** `(name) { ... }`: tokens replayed where `import name` appears. */
export interface Snippet {
  readonly kind: 'snippet';
  readonly key: Token;
  readonly name: string;
  readonly open: Token;
  readonly body: readonly Directive[];
  readonly close: Token;
}

/** A top-level `import FILE|GLOB|SNIPPET` line (outside any server block). */
export interface TopImport {
  readonly kind: 'import';
  readonly name: Token;
  readonly args: readonly Token[];
}

export type TopLevel = ServerBlock | Snippet | TopImport;

export interface Corefile {
  readonly items: readonly TopLevel[];
  /** Every token in source order; tree nodes reference these same objects. */
  readonly tokens: readonly Token[];
  /** Trivia after the last token (or the whole input if it has no tokens). */
  readonly eof: string;
}

/** Every token of a directive, in source order. */
export function* directiveTokens(d: Directive): Generator<Token> {
  yield d.name;
  for (const p of d.parts) {
    if (p.kind === 'block') yield* blockTokens(p);
    else yield p;
  }
}

function* blockTokens(b: Block): Generator<Token> {
  yield b.open;
  for (const d of b.body) yield* directiveTokens(d);
  yield b.close;
}

/** Every token of the tree, in source order (what `render` concatenates). */
export function* walkTokens(cf: Corefile): Generator<Token> {
  for (const item of cf.items) {
    switch (item.kind) {
      case 'import':
        yield item.name;
        yield* item.args;
        break;
      case 'snippet':
        yield item.key;
        yield* blockTokens({ kind: 'block', open: item.open, body: item.body, close: item.close });
        break;
      case 'server':
        yield* item.keys;
        if (item.open !== null) yield item.open;
        for (const d of item.body) yield* directiveTokens(d);
        if (item.close !== null) yield item.close;
        break;
    }
  }
}

/** Writes the tree back out; `render(parse(x)) === x`. */
export function render(cf: Corefile): string {
  let out = '';
  for (const t of walkTokens(cf)) out += t.leading + t.raw + t.trailing;
  return out + cf.eof;
}

/** The arguments of a directive: its tokens before the first block. */
export function directiveArgs(d: Directive): Token[] {
  const out: Token[] = [];
  for (const p of d.parts) {
    if (p.kind === 'block') break;
    out.push(p);
  }
  return out;
}

/** The first block a directive opens, if any. */
export function directiveBlock(d: Directive): Block | null {
  for (const p of d.parts) if (p.kind === 'block') return p;
  return null;
}

/** The last token of a directive (its block's `}` for a directive with a block). */
export function lastToken(d: Directive): Token {
  let last = d.name;
  for (const t of directiveTokens(d)) last = t;
  return last;
}

/** The server block keys as CoreDNS reads them (trailing commas dropped, empty ones skipped). */
export function serverKeys(block: ServerBlock): string[] {
  const out: string[] = [];
  for (const k of block.keys) {
    const v = k.value.endsWith(',') ? k.value.slice(0, -1) : k.value;
    if (v !== '') out.push(v);
  }
  return out;
}

/** All server blocks of a Corefile (snippets and top-level imports excluded). */
export function serverBlocks(cf: Corefile): ServerBlock[] {
  return cf.items.filter((i): i is ServerBlock => i.kind === 'server');
}

/** All comments (text from `#` to end of line) with the line they are on. */
export function comments(cf: Corefile): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const scan = (trivia: string, firstLine: number): void => {
    let line = firstLine;
    let i = 0;
    while (i < trivia.length) {
      const ch = trivia[i];
      if (ch === '\n') {
        line++;
        i++;
      } else if (ch === '#') {
        let j = i;
        while (j < trivia.length && trivia[j] !== '\n' && trivia[j] !== '\r') j++;
        out.push({ line, text: trivia.slice(i, j) });
        i = j;
      } else {
        i++;
      }
    }
  };
  let line = 1;
  for (const t of cf.tokens) {
    scan(t.leading, line);
    line = t.endLine;
    scan(t.trailing, line);
  }
  scan(cf.eof, line);
  return out;
}

// Lossless tokenizer and parser for CoreDNS Corefiles.
//
// CoreDNS reads its Corefile with github.com/coredns/caddy (a fork of Caddy v1's
// `caddyfile` package). This module follows that lexer and parser closely so that
// what we call a token, a line, a block or an import is what CoreDNS calls one, and
// it keeps every byte of the input: each token carries the whitespace and comments
// around it, so `render(parse(x)) === x` for any input `parse` accepts. Nothing in
// here knows about clusterset.local; the editor in `clusterset.ts` builds on it.
//
// Where Caddy would accept something only by accident (a `}` that silently ends a
// block that never had a `{`, a `{` with no address before it, a lone carriage
// return inside a word) we throw a CorefileParseError instead: refusing to edit an
// odd file is always safe, guessing is not.

/** Thrown for input we cannot tokenize or structure; says where and what to do. */
export class CorefileParseError extends Error {
  override readonly name = 'CorefileParseError';
  /** 1-based line of the offending character or token. */
  readonly line: number;
  /** 1-based column (UTF-16 code units, as editors count them). */
  readonly column: number;
  /** 0-based offset into the input. */
  readonly offset: number;
  /** The bare message, without the "line X, column Y" prefix. */
  readonly reason: string;

  constructor(reason: string, line: number, column: number, offset: number) {
    super(`Corefile line ${line}, column ${column}: ${reason}`);
    this.line = line;
    this.column = column;
    this.offset = offset;
    this.reason = reason;
  }
}

/** `open` and `close` are decided by the token's value, as Caddy compares `Val() == "{"`. */
export type TokenKind = 'word' | 'open' | 'close';

export interface Token {
  readonly kind: TokenKind;
  /** The exact source text of the token, quotes and escapes included. */
  readonly raw: string;
  /** What CoreDNS sees: quotes removed, `\"` unescaped (other backslashes kept, as Caddy does). */
  readonly value: string;
  readonly quoted: boolean;
  /**
   * Whitespace, line breaks and whole-line comments between the previous token's
   * `trailing` and this token. For the first token on a line it ends with the line's
   * indentation; for a token that follows another on the same line it is empty.
   */
  readonly leading: string;
  /**
   * Whitespace and an end-of-line comment after the token, up to (not including) the
   * line break. Keeping the line break out lets an editor append to a line's comment.
   */
  readonly trailing: string;
  /** Offset of `raw` in the source. */
  readonly offset: number;
  /** 1-based line and column where `raw` starts. */
  readonly line: number;
  readonly column: number;
  /** Line where `raw` ends (differs from `line` only for quoted tokens spanning lines). */
  readonly endLine: number;
  /** Position in `Corefile.tokens`. */
  readonly index: number;
}

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

// Go's unicode.IsSpace: the separators Caddy's lexer splits words on.
function isSpace(code: number): boolean {
  switch (code) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20:
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202f: case 0x205f: case 0x3000:
      return true;
    default:
      return code >= 0x2000 && code <= 0x200a;
  }
}

interface Lexed {
  tokens: Token[];
  eof: string;
}

function lex(src: string): Lexed {
  const tokens: Token[] = [];
  const n = src.length;
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (reason: string, at: number, atLine = line, atLineStart = lineStart): never => {
    throw new CorefileParseError(reason, atLine, at - atLineStart + 1, at);
  };

  // A carriage return is only a line-ending companion; Caddy silently drops a lone
  // one, which would glue words together in ways no human intends.
  const checkCR = (at: number): void => {
    if (src.charCodeAt(at + 1) !== 0x0a) {
      fail('stray carriage return (\\r) not followed by a line feed; convert the file to LF or CRLF line endings', at);
    }
  };

  // Caddy discards a byte order mark at the very start; we keep it as trivia.
  let leadingStart = 0;
  if (src.charCodeAt(0) === 0xfeff) pos = 1;

  for (;;) {
    // Leading trivia: whitespace, line breaks, comments.
    while (pos < n) {
      const c = src.charCodeAt(pos);
      if (c === 0x0a) {
        pos++;
        line++;
        lineStart = pos;
      } else if (c === 0x0d) {
        checkCR(pos);
        pos++;
      } else if (isSpace(c)) {
        pos++;
      } else if (c === 0x23 /* # */) {
        while (pos < n && src.charCodeAt(pos) !== 0x0a) {
          if (src.charCodeAt(pos) === 0x0d) checkCR(pos);
          pos++;
        }
      } else {
        break;
      }
    }
    if (pos >= n) {
      return { tokens, eof: src.slice(leadingStart) };
    }

    const start = pos;
    const startLine = line;
    const startColumn = pos - lineStart + 1;
    let value: string;
    let quoted = false;
    if (src.charCodeAt(pos) === 0x22 /* " */) {
      // Quoted token, Caddy rules: `\"` is a quote, any other backslash stays as is.
      quoted = true;
      pos++;
      let out = '';
      let escaped = false;
      for (;;) {
        if (pos >= n) {
          fail('quoted string is never closed: add the missing `"`', start, startLine, start - startColumn + 1);
        }
        const ch = src[pos] as string;
        if (!escaped) {
          if (ch === '\\') {
            escaped = true;
            pos++;
            continue;
          }
          if (ch === '"') {
            pos++;
            break;
          }
        }
        if (ch === '\n') {
          line++;
          lineStart = pos + 1;
        }
        if (escaped && ch !== '"') out += '\\';
        out += ch;
        escaped = false;
        pos++;
      }
      value = out;
    } else {
      // A word runs to whitespace or `#`. A `#` glued to a word ends the word but,
      // in Caddy's lexer (caddyfile/lexer.go, coredns/caddy v1.1.4-0.20250930002214),
      // comments only up to the next whitespace: its `comment` flag is local to one
      // token, so `}#no space here` is the tokens `}`, `space`, `here` — checked
      // against CoreDNS v1.14.7. The glued part stays in the token's raw text.
      while (pos < n) {
        const c = src.charCodeAt(pos);
        if (isSpace(c) || c === 0x23) break;
        pos++;
      }
      value = src.slice(start, pos);
      if (pos < n && src.charCodeAt(pos) === 0x23) {
        while (pos < n && !isSpace(src.charCodeAt(pos))) pos++;
      }
    }
    const raw = src.slice(start, pos);
    const endLine = line;

    // Trailing trivia: same-line whitespace and an end-of-line comment.
    const trailStart = pos;
    while (pos < n) {
      const c = src.charCodeAt(pos);
      if (c === 0x0a) break;
      if (c === 0x0d) {
        checkCR(pos);
        break;
      }
      if (isSpace(c)) {
        pos++;
        continue;
      }
      if (c === 0x23) {
        while (pos < n) {
          const d = src.charCodeAt(pos);
          if (d === 0x0a) break;
          if (d === 0x0d) {
            checkCR(pos);
            break;
          }
          pos++;
        }
      }
      break;
    }

    const kind: TokenKind = value === '{' ? 'open' : value === '}' ? 'close' : 'word';
    tokens.push({
      kind,
      raw,
      value,
      quoted,
      leading: src.slice(leadingStart, start),
      trailing: src.slice(trailStart, pos),
      offset: start,
      line: startLine,
      column: startColumn,
      endLine,
      index: tokens.length,
    });
    leadingStart = pos;
  }
}

/** True if token `i` starts a new line (Caddy's `isNewLine`, multi-line tokens included). */
export function startsLine(tokens: readonly Token[], i: number): boolean {
  if (i <= 0) return true;
  const prev = tokens[i - 1];
  const cur = tokens[i];
  if (prev === undefined || cur === undefined) return true;
  return cur.line > prev.endLine;
}

class Parser {
  private i = 0;
  constructor(private readonly ts: readonly Token[]) {}

  private at(i: number): Token | undefined {
    return this.ts[i];
  }

  private error(t: Token, reason: string): CorefileParseError {
    return new CorefileParseError(reason, t.line, t.column, t.offset);
  }

  private newLine(i: number): boolean {
    return startsLine(this.ts, i);
  }

  file(): TopLevel[] {
    const items: TopLevel[] = [];
    for (;;) {
      const t = this.at(this.i);
      if (t === undefined) return items;
      if (t.value === 'import' && this.newLine(this.i)) {
        items.push(this.topImport());
        continue;
      }
      if (t.kind === 'open') {
        throw this.error(t, "found '{' where a server block address was expected; a block starts with its zone and port, e.g. `.:53 {`");
      }
      if (t.kind === 'close') {
        throw this.error(t, "unexpected '}' with no matching '{' before it");
      }
      items.push(this.serverOrSnippet());
    }
  }

  private topImport(): TopImport {
    const name = this.at(this.i) as Token;
    this.i++;
    const args: Token[] = [];
    for (let t = this.at(this.i); t !== undefined && !this.newLine(this.i); t = this.at(this.i)) {
      args.push(t);
      this.i++;
    }
    this.checkImport(name, args);
    return { kind: 'import', name, args };
  }

  // Caddy's doImport: exactly one argument (file, glob or snippet name), on the same line.
  private checkImport(name: Token, args: readonly (Token | Block)[]): void {
    const first = args[0];
    if (args.length !== 1 || first === undefined || first.kind !== 'word' || first.value === '') {
      throw this.error(name, 'import takes exactly one argument on the same line: a file, a glob pattern or a snippet name');
    }
  }

  private serverOrSnippet(): ServerBlock | Snippet {
    // Caddy's `addresses`: keys up to `{`; a trailing comma continues onto the next line.
    const keys: Token[] = [];
    let expectingAnother = false;
    let open: Token | null = null;
    for (;;) {
      const t = this.at(this.i);
      if (t === undefined) {
        if (expectingAnother) {
          const last = keys[keys.length - 1] as Token;
          throw this.error(last, `server block address '${last.value}' ends with a comma but no address follows`);
        }
        break;
      }
      if (t.kind === 'open') {
        if (keys.length === 0) throw this.error(t, "found '{' where a server block address was expected");
        if (expectingAnother) throw this.error(t, "expected another address after the trailing comma, found '{'; remove the extra comma");
        open = t;
        this.i++;
        break;
      }
      if (keys.length > 0 && !expectingAnother && this.newLine(this.i)) break;
      if (t.kind === 'close') throw this.error(t, "unexpected '}' among server block addresses");
      keys.push(t);
      expectingAnother = t.value.endsWith(',');
      this.i++;
    }

    const first = keys[0] as Token;
    if (keys.length === 1 && first.value.startsWith('(') && first.value.endsWith(')')) {
      if (open === null) {
        throw this.error(first, `snippet ${first.value} must be followed by '{' on the same line`);
      }
      const body = this.body('nested');
      const close = this.at(this.i);
      if (close === undefined) throw this.error(open, `snippet ${first.value} is never closed: add a matching '}'`);
      this.i++;
      return { kind: 'snippet', key: first, name: first.value.slice(1, -1), open, body, close };
    }

    if (open === null) {
      // Brace-less form: the rest of the file is this block's body.
      const body = this.body('server');
      const stray = this.at(this.i);
      if (stray !== undefined) {
        throw this.error(stray, `unexpected '}': server block '${keysText(keys)}' has no opening '{'`);
      }
      return { kind: 'server', keys, open: null, body, close: null };
    }
    const body = this.body('server');
    const close = this.at(this.i);
    if (close === undefined) {
      throw this.error(open, `server block '${keysText(keys)}' opened here is never closed: add a matching '}'`);
    }
    this.i++;
    return { kind: 'server', keys, open, body, close };
  }

  // 'server': the body of a server block, where Caddy rejects a `}` on a directive's
  // own line. 'nested': inside a directive's block, where Caddy only counts braces.
  private body(mode: 'server' | 'nested'): Directive[] {
    const out: Directive[] = [];
    for (;;) {
      const t = this.at(this.i);
      if (t === undefined || t.kind === 'close') return out;
      if (t.kind === 'open') {
        throw this.error(t, "unexpected '{': a block must open on the same line as its directive");
      }
      out.push(this.directive(mode));
    }
  }

  private directive(mode: 'server' | 'nested'): Directive {
    const nameIndex = this.i;
    const name = this.at(nameIndex) as Token;
    this.i++;
    const parts: (Token | Block)[] = [];
    for (;;) {
      const t = this.at(this.i);
      if (t === undefined || this.newLine(this.i)) break;
      if (t.kind === 'open') {
        parts.push(this.block());
        continue;
      }
      if (t.kind === 'close') {
        if (mode === 'server') {
          throw this.error(t, `unexpected '}' on the same line as directive '${name.value}'; the '}' that closes a server block must be on its own line`);
        }
        break;
      }
      parts.push(t);
      this.i++;
    }
    // Caddy expands `import` at a directive position (server body) or at a line start
    // (nested); both demand exactly one argument.
    if (name.value === 'import' && (mode === 'server' || this.newLine(nameIndex))) {
      this.checkImport(name, parts);
    }
    return { kind: 'directive', name, parts };
  }

  private block(): Block {
    const open = this.at(this.i) as Token;
    this.i++;
    const body = this.body('nested');
    const close = this.at(this.i);
    if (close === undefined) {
      throw this.error(open, "this '{' is never closed: add a matching '}'");
    }
    this.i++;
    return { kind: 'block', open, body, close };
  }
}

function keysText(keys: readonly Token[]): string {
  return keys.map((k) => k.value).join(' ');
}

/** Parses a Corefile; throws CorefileParseError on input CoreDNS would reject or we cannot structure. */
export function parse(source: string): Corefile {
  const { tokens, eof } = lex(source);
  const items = new Parser(tokens).file();
  const cf: Corefile = { items, tokens, eof };
  // The round-trip guarantee rests on the tree holding every token exactly once, in
  // order. Check it here so a parser bug can never turn into a silently lost line.
  let expected = 0;
  for (const t of walkTokens(cf)) {
    if (t !== tokens[expected]) throw new Error(`internal error: Corefile tree lost token #${expected}`);
    expected++;
  }
  if (expected !== tokens.length) throw new Error('internal error: Corefile tree does not cover every token');
  return cf;
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

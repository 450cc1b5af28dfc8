// Lossless tokenizer for CoreDNS Corefiles.
//
// CoreDNS reads its Corefile with github.com/coredns/caddy (a fork of Caddy v1's
// `caddyfile` package). This lexer follows Caddy's closely so that what we call a
// token or a line is what CoreDNS calls one, and it keeps every byte of the input:
// each token carries the whitespace and comments around it, so concatenating
// `leading + raw + trailing` of every token, then the end-of-file trivia, gives the
// input back.
//
// Where Caddy would accept something only by accident (a lone carriage return inside
// a word, a quote that is never closed) we throw a CorefileParseError instead:
// refusing to edit an odd file is always safe, guessing is not.

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

export interface Lexed {
  readonly tokens: Token[];
  /** Trivia after the last token (or the whole input if it has no tokens). */
  readonly eof: string;
}

/** True if token `i` starts a new line (Caddy's `isNewLine`, multi-line tokens included). */
export function startsLine(tokens: readonly Token[], i: number): boolean {
  if (i <= 0) return true;
  const prev = tokens[i - 1];
  const cur = tokens[i];
  if (prev === undefined || cur === undefined) return true;
  return cur.line > prev.endLine;
}

const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;
const QUOTE = 0x22;
const BOM = 0xfeff;

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

/** Splits a Corefile into tokens that keep every byte around them. */
export function lex(src: string): Lexed {
  return new Lexer(src).run();
}

/**
 * One pass over the source. Each token is read in three steps — the trivia before
 * it, the token itself (quoted or bare), the trivia after it on the same line —
 * which share the read position and the line bookkeeping held here.
 */
class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  run(): Lexed {
    const src = this.src;
    // Caddy discards a byte order mark at the very start; we keep it as trivia.
    let leadingStart = 0;
    if (src.charCodeAt(0) === BOM) this.pos = 1;
    for (;;) {
      this.skipLeadingTrivia();
      if (this.pos >= src.length) return { tokens: this.tokens, eof: src.slice(leadingStart) };

      const start = this.pos;
      const startLine = this.line;
      const startColumn = this.pos - this.lineStart + 1;
      const quoted = src.charCodeAt(start) === QUOTE;
      const value = quoted ? this.quotedValue(startLine, startColumn) : this.bareValue();
      const raw = src.slice(start, this.pos);
      const endLine = this.line;
      const trailStart = this.pos;
      this.skipTrailingTrivia();

      this.tokens.push({
        kind: value === '{' ? 'open' : value === '}' ? 'close' : 'word',
        raw,
        value,
        quoted,
        leading: src.slice(leadingStart, start),
        trailing: src.slice(trailStart, this.pos),
        offset: start,
        line: startLine,
        column: startColumn,
        endLine,
        index: this.tokens.length,
      });
      leadingStart = this.pos;
    }
  }

  private fail(reason: string, at: number, atLine = this.line, atLineStart = this.lineStart): never {
    throw new CorefileParseError(reason, atLine, at - atLineStart + 1, at);
  }

  // A carriage return is only a line-ending companion; Caddy silently drops a lone
  // one, which would glue words together in ways no human intends.
  private checkCR(at: number): void {
    if (this.src.charCodeAt(at + 1) !== LF) {
      this.fail('stray carriage return (\\r) not followed by a line feed; convert the file to LF or CRLF line endings', at);
    }
  }

  /** Whitespace, line breaks and whole-line comments before the next token. */
  private skipLeadingTrivia(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (c === LF) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === CR) {
        this.checkCR(this.pos);
        this.pos++;
      } else if (isSpace(c)) {
        this.pos++;
      } else if (c === HASH) {
        this.skipToLineEnd();
      } else {
        return;
      }
    }
  }

  /** A quoted token, Caddy rules: `\"` is a quote, any other backslash stays as is. May span lines. */
  private quotedValue(startLine: number, startColumn: number): string {
    const src = this.src;
    const start = this.pos;
    this.pos++;
    let out = '';
    let escaped = false;
    for (;;) {
      if (this.pos >= src.length) {
        this.fail('quoted string is never closed: add the missing `"`', start, startLine, start - startColumn + 1);
      }
      const ch = src[this.pos] as string;
      if (!escaped) {
        if (ch === '\\') {
          escaped = true;
          this.pos++;
          continue;
        }
        if (ch === '"') {
          this.pos++;
          return out;
        }
      }
      if (ch === '\n') {
        this.line++;
        this.lineStart = this.pos + 1;
      }
      if (escaped && ch !== '"') out += '\\';
      out += ch;
      escaped = false;
      this.pos++;
    }
  }

  /**
   * A word runs to whitespace or `#`. A `#` glued to a word ends the word but, in
   * Caddy's lexer (caddyfile/lexer.go, coredns/caddy v1.1.4-0.20250930002214),
   * comments only up to the next whitespace: its `comment` flag is local to one
   * token, so `}#no space here` is the tokens `}`, `space`, `here` (see
   * docs/upstream-behaviour.md, "CoreDNS's Corefile lexer"). The glued part stays
   * in the token's raw text.
   */
  private bareValue(): string {
    const src = this.src;
    const start = this.pos;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (isSpace(c) || c === HASH) break;
      this.pos++;
    }
    const value = src.slice(start, this.pos);
    if (this.pos < src.length && src.charCodeAt(this.pos) === HASH) {
      while (this.pos < src.length && !isSpace(src.charCodeAt(this.pos))) this.pos++;
    }
    return value;
  }

  /** Same-line whitespace and an end-of-line comment, up to (not including) the line break. */
  private skipTrailingTrivia(): void {
    const src = this.src;
    let c = src.charCodeAt(this.pos);
    while (this.pos < src.length && c !== LF && c !== CR && isSpace(c)) c = src.charCodeAt(++this.pos);
    if (c === HASH) this.skipToLineEnd();
    else if (c === CR) this.checkCR(this.pos);
  }

  /** Up to the line break (a carriage return must be part of one) or the end of the input. */
  private skipToLineEnd(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const d = src.charCodeAt(this.pos);
      if (d === LF) return;
      if (d === CR) {
        this.checkCR(this.pos);
        return;
      }
      this.pos++;
    }
  }
}

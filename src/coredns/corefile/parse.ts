// Parser for CoreDNS Corefiles, over the tokens of lex.ts.
//
// It follows github.com/coredns/caddy's parser closely so that what we call a line,
// a block or an import is what CoreDNS calls one, and it keeps every token: the tree
// in tree.ts references each token of the input exactly once, in order, so
// `render(parse(x)) === x` for any input `parse` accepts. Nothing in here knows about
// clusterset.local; the editor (plan.ts and the files it uses) builds on it.
//
// Where Caddy would accept something only by accident (a `}` that silently ends a
// block that never had a `{`, a `{` with no address before it) we throw a
// CorefileParseError instead: refusing to edit an odd file is always safe, guessing
// is not.

import { fail, ok, type Result } from '../../api/result.js';
import { CorefileParseError, lex, startsLine, type Token } from './lex.js';
import { walkTokens, type Block, type Corefile, type Directive, type ServerBlock, type Snippet, type TopImport, type TopLevel } from './tree.js';

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


/** `parse` for callers that refuse rather than throw: the tree, or why the text cannot be edited (with line and column). */
export function tryParse(source: string): Result<Corefile> {
  try {
    return ok(parse(source));
  } catch (e) {
    if (e instanceof CorefileParseError) return fail(`the Corefile cannot be parsed (${e.message}); fix it first`);
    throw e;
  }
}

// Walking the directives of a parsed Corefile: every directive with the server block
// it belongs to and how deeply it is nested, and the lookups built on that walk.

import { directiveArgs, directiveBlock, type Block, type Corefile, type Directive, type ServerBlock } from './tree.js';

export interface Located {
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

/** Every directive of every server block and snippet, nested ones included, in source order. */
export function* allDirectives(cf: Corefile): Generator<Located> {
  for (const item of cf.items) {
    if (item.kind === 'server') yield* walkDirectives(item.body, item, 0);
    else if (item.kind === 'snippet') yield* walkDirectives(item.body, null, 0);
  }
}

/** Every block a directive opens (server block and snippet braces excluded). */
export function* allBlocks(cf: Corefile): Generator<Block> {
  for (const { directive } of allDirectives(cf)) for (const p of directive.parts) if (p.kind === 'block') yield p;
}

/** The directives called `name` directly inside `d`'s block. */
export function subdirectives(d: Directive, name: string): Directive[] {
  const b = directiveBlock(d);
  return b === null ? [] : b.body.filter((s) => s.name.value === name);
}

/** What the Corefile imports (top level and in server blocks): files we cannot see. */
export function importTargets(cf: Corefile): string[] {
  const out: string[] = [];
  for (const item of cf.items) if (item.kind === 'import') out.push(item.args.map((a) => a.value).join(' '));
  for (const { directive, server } of allDirectives(cf)) {
    if (server !== null && directive.name.value === 'import') out.push(directiveArgs(directive).map((a) => a.value).join(' '));
  }
  return [...new Set(out)];
}

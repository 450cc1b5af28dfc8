// The optional `header` lines that set the RA (recursion available) flag, so dig stops
// warning "recursion requested but not available" on clusterset answers.

import type { Edits } from './edits.js';
import { ADDED_SUFFIX } from './markers.js';
import { keysLabel } from './routing.js';
import type { ServerBlock } from './tree.js';

/**
 * Inserts a marked `header { <rule> }` at `at`. The header plugin has no zone filter:
 * it applies to every answer of its server block. So we put it only in the block that
 * serves the zone (never in other blocks), and never next to an existing `header`,
 * whose rules we would silently override.
 */
export function addHeader(
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

// Byte splices over the Corefile text: every edit the editor makes is an insert or a
// replacement at an offset computed from the lossless parse, so nothing it does not
// touch is re-rendered or re-indented.

import type { Result } from '../../api/result.js';

/** What one flavour's install produces: the new text and what changed, or why it refuses. */
export type InstallEdit = Result<{ text: string; changes: string[]; warnings: string[] }>;

/** Inserts and replacements at offsets of one source text, applied all at once. */
export class Edits {
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

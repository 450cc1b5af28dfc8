/**
 * A line diff of two texts in unified-diff form, for `coredns install
 * --dry-run`: it prints the Corefile edit install would make. Pure.
 *
 * Exact, not approximate: applying the hunks to the old text gives the new
 * text byte for byte (applyHunks, used by the tests), including a missing
 * final newline, which is shown as `\ No newline at end of file` like
 * `diff -u` does. A line ending in `\r` keeps it, so CRLF files diff as such.
 *
 * The common head and tail are taken off first (an edit of a Corefile touches
 * one server block), and the rest is an LCS table. A middle too large for the
 * table (over MAX_TABLE cells) is shown as removed then added: still exact,
 * just not minimal.
 */

/** One hunk, as `diff -u` and jsdiff's structuredPatch give it: each line starts with ' ', '-', '+' or '\'. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

const NO_EOL = '\\ No newline at end of file';
const MAX_TABLE = 4_000_000;

interface Line {
  text: string;
  /** The text's last line, with no line break after it. */
  noEol: boolean;
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const noEol = parts[parts.length - 1] !== '';
  if (!noEol) parts.pop();
  return parts.map((t, i) => ({ text: t, noEol: noEol && i === parts.length - 1 }));
}

const same = (a: Line, b: Line) => a.text === b.text && a.noEol === b.noEol;

type Op = { op: ' ' | '-' | '+'; line: Line };

/** The edit script turning `a` into `b`: common lines, removals and additions, in order. */
function editScript(a: Line[], b: Line[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && same(a[head]!, b[head]!)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && same(a[a.length - 1 - tail]!, b[b.length - 1 - tail]!)) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const keep = (ls: Line[]): Op[] => ls.map((line) => ({ op: ' ', line }));
  return [...keep(a.slice(0, head)), ...middleScript(midA, midB), ...keep(a.slice(a.length - tail))];
}

function middleScript(a: Line[], b: Line[]): Op[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > MAX_TABLE) {
    return [...a.map((line): Op => ({ op: '-', line })), ...b.map((line): Op => ({ op: '+', line }))];
  }
  // lcs[i * (m + 1) + j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = same(a[i]!, b[j]!) ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(a[i]!, b[j]!)) {
      out.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (j === m || (i < n && lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      // On a tie the removal goes first, as diff -u prints a changed line: - then +.
      out.push({ op: '-', line: a[i++]! });
    } else {
      out.push({ op: '+', line: b[j++]! });
    }
  }
  return out;
}

/** The hunks turning `before` into `after`, with `context` unchanged lines around each change. Empty when equal. */
export function diffLines(before: string, after: string, context = 3): Hunk[] {
  const ops = editScript(splitLines(before), splitLines(after));
  const changed = ops.map((o, k) => (o.op === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  // Group changes whose context windows touch or overlap into one hunk.
  const groups: Array<[number, number]> = [];
  for (const k of changed) {
    const last = groups[groups.length - 1];
    if (last && k - last[1] <= 2 * context + 1) last[1] = k;
    else groups.push([k, k]);
  }
  // Line numbers before each op, in the old and the new text.
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 0;
  let n = 0;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(n);
    if (op.op !== '+') o++;
    if (op.op !== '-') n++;
  }
  return groups.map(([first, last]) => {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const lines: string[] = [];
    for (const { op, line } of slice) {
      lines.push(op + line.text);
      if (line.noEol) lines.push(NO_EOL);
    }
    const oldLines = slice.filter((x) => x.op !== '+').length;
    const newLines = slice.filter((x) => x.op !== '-').length;
    // diff -u numbers an empty side by the line before it.
    return { oldStart: oldLines === 0 ? oldNo[from]! : oldNo[from]! + 1, oldLines, newStart: newLines === 0 ? newNo[from]! : newNo[from]! + 1, newLines, lines };
  });
}

/** The hunks as `diff -u` prints them, under `--- fromLabel` / `+++ toLabel`; empty string when there are none. */
export function formatUnifiedDiff(hunks: readonly Hunk[], fromLabel: string, toLabel: string): string {
  if (hunks.length === 0) return '';
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  for (const h of hunks) out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  return out.join('\n') + '\n';
}

/**
 * Applies hunks made by diffLines to the text they were made from; throws when
 * a context or removed line does not match. What `patch` would do, so a test
 * (and a reader of --dry-run) can check the diff is exactly the change.
 */
export function applyHunks(before: string, hunks: readonly Hunk[]): string {
  const src = splitLines(before);
  const out: Line[] = [];
  let at = 0;
  for (const h of hunks) {
    const start = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
    while (at < start) out.push(src[at++]!);
    for (let k = 0; k < h.lines.length; k++) {
      const l = h.lines[k]!;
      if (l === NO_EOL) continue;
      const line: Line = { text: l.slice(1), noEol: h.lines[k + 1] === NO_EOL };
      if (l[0] === '+') {
        out.push(line);
        continue;
      }
      const have = src[at];
      if (!have || !same(have, line)) throw new Error(`hunk @@ -${h.oldStart} does not apply at old line ${at + 1}`);
      at++;
      if (l[0] === ' ') out.push(line);
    }
  }
  while (at < src.length) out.push(src[at++]!);
  return out.map((l) => l.text + (l.noEol ? '' : '\n')).join('');
}

/**
 * A plain-text table for command output: columns padded to their widest
 * cell, two spaces apart, one row a line.
 */

/** rows[0] is usually the header. The last column is never padded, so a long message leaves no trailing blanks. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

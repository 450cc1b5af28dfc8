// Someone else's setup of the zone: after our own lines are set aside, any token that
// mentions the zone, any `multicluster` directive or a Submariner lighthouse comment
// means another tool (or a human) configured it, and we leave it alone.

import { allDirectives } from './directives.js';
import { lineText } from './layout.js';
import { comments, type Corefile } from './tree.js';
import { mentionsZone } from './zones.js';

/** One line that shows someone else configured the zone. */
export interface Finding {
  readonly line: number;
  readonly what: 'zone' | 'multicluster' | 'lighthouse';
  readonly text: string;
  /** Directive the zone appears in (for recognising mcs-api's sed on `disable` lines). */
  readonly context: string;
}

/** Every line of `src` (already without our lines) that configures `zone`, in line order. */
export function foreignFindings(src: string, cf: Corefile, zone: string): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (line: number, what: Finding['what'], context: string): void => {
    const key = `${line}:${what}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ line, what, text: lineText(src, line), context });
  };
  for (const c of comments(cf)) {
    if (/lighthouse-(start|end)/i.test(c.text)) add(c.line, 'lighthouse', 'comment');
  }
  for (const item of cf.items) {
    if (item.kind === 'server') for (const k of item.keys) if (mentionsZone(k.value, zone)) add(k.line, 'zone', 'server block key');
    if (item.kind === 'import') for (const a of item.args) if (mentionsZone(a.value, zone)) add(a.line, 'zone', 'import');
  }
  for (const { directive } of allDirectives(cf)) {
    if (directive.name.value === 'multicluster') add(directive.name.line, 'multicluster', 'multicluster');
    if (mentionsZone(directive.name.value, zone)) add(directive.name.line, 'zone', directive.name.value);
    for (const p of directive.parts) {
      if (p.kind === 'word' && mentionsZone(p.value, zone)) add(p.line, 'zone', directive.name.value);
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Who most likely wrote the findings, for messages. */
export function guessOwner(fs: readonly Finding[]): string {
  if (fs.some((f) => f.what === 'lighthouse')) return 'Submariner Lighthouse';
  if (fs.some((f) => f.what === 'zone' && f.context === 'disable')) return "mcs-api's e2e script (a global sed that also rewrote the cache `disable` lines)";
  if (fs.some((f) => f.what === 'multicluster')) return "Cilium's coredns-mcsapi-auto-configure job, mcs-api, or a hand edit";
  return 'a hand edit or another tool';
}

/** One `line N: text` entry per line. */
export function describeFindings(fs: readonly Finding[]): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (const f of fs) {
    if (seen.has(f.line)) continue;
    seen.add(f.line);
    out.push(`line ${f.line}: ${f.text}`);
  }
  return out;
}

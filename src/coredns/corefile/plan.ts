// The clusterset stanza editor's entry points: plan installing or removing the
// Corefile lines that make CoreDNS answer `<svc>.<ns>.svc.clusterset.local` from
// ServiceImports.
//
// Cluster DNS is the most critical service in a cluster (docs/design.md#coredns-safety), so
//  - every edit is a byte splice computed from the lossless parse; nothing we do not
//    touch is re-rendered or re-indented;
//  - every line we add ends in `# clusterset-dns`, every line we change ends in
//    `# clusterset-dns: <what we did>`, so removal needs no other state and restores
//    the original byte for byte (markers.ts);
//  - install refuses (with a message that says what to do) whenever the result would
//    not be served, would not be removable, or would step on someone else's setup;
//  - before returning a changed Corefile, install proves on the result that removal
//    gives back its input and that `inspect` sees a valid installation.

import { analyze } from './analyze.js';
import type { InstallEdit } from './edits.js';
import { describeFindings, foreignFindings, guessOwner } from './foreign.js';
import { inspect } from './inspect.js';
import { installExternal } from './install-external.js';
import { installInTree } from './install-in-tree.js';
import { MARKER, signature, stripOurs } from './markers.js';
import { resolveOptions, type InstallOptions, type ResolvedOptions } from './options.js';
import { parse, tryParse } from './parse.js';
import type { Corefile } from './tree.js';

export type InstallPlan =
  | { readonly kind: 'changed'; readonly corefile: string; readonly changes: readonly string[]; readonly warnings: readonly string[] }
  | { readonly kind: 'unchanged'; readonly reason: string; readonly warnings: readonly string[] }
  | { readonly kind: 'foreign'; readonly reason: string; readonly findings: readonly string[] }
  | { readonly kind: 'refused'; readonly reason: string };

export type UninstallPlan =
  | { readonly kind: 'changed'; readonly corefile: string; readonly changes: readonly string[] }
  | { readonly kind: 'unchanged'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Plans adding the clusterset stanza. Never throws for any Corefile text; a
 * `changed` result has been checked to uninstall back to its input.
 */
export function planInstall(corefile: string, opts: InstallOptions): InstallPlan {
  const resolved = resolveOptions(opts);
  if (!resolved.ok) return { kind: 'refused', reason: resolved.reason };
  const o = resolved.value;
  const parsed = tryParse(corefile);
  if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
  const cf = parsed.value;
  // Previous lines of ours are removed first, so a changed option reinstalls afresh
  // and only one zone is managed at a time.
  const stripped = stripOurs(corefile, cf);
  if (!stripped.ok) return { kind: 'refused', reason: `existing clusterset-dns lines cannot be updated: ${stripped.reason}` };
  const { text: base, changed: hadOurs } = stripped.value;
  const baseCf = hadOurs ? parse(base) : cf;

  const foreign = foreignFindings(base, baseCf, o.zone);
  if (foreign.length > 0) {
    const ours = hadOurs ? ' It also has clusterset-dns lines; remove one of the two setups.' : '';
    return {
      kind: 'foreign',
      reason: `${o.zone} is already configured outside clusterset-dns, apparently by ${guessOwner(foreign)} (${describeFindings(foreign).join('; ')}). clusterset-dns leaves it alone; remove those lines first if clusterset-dns should manage the zone.${ours}`,
      findings: describeFindings(foreign),
    };
  }

  const fresh = freshInstall(base, baseCf, o);
  if (!fresh.ok) return { kind: 'refused', reason: fresh.reason };
  const { text, changes } = fresh.value;
  const after = tryParse(text);
  const notes = after.ok ? analyze(after.value, o.zone).notes : [];
  const warnings = [...fresh.value.warnings, ...notes];
  // Whitespace or comments a human changed around our lines do not warrant a write
  // (and the CoreDNS reload that follows it): compare what CoreDNS and uninstall see.
  if (text === corefile || (after.ok && signature(after.value) === signature(cf))) {
    return { kind: 'unchanged', reason: `${o.zone} is already installed by clusterset-dns with these options`, warnings };
  }
  const problem = verifyInstalled(base, text, o.zone);
  if (problem !== null) {
    return { kind: 'refused', reason: `internal safety check failed, the Corefile was left alone: ${problem}` };
  }
  return { kind: 'changed', corefile: text, changes: hadOurs ? ['removed the previous clusterset-dns lines', ...changes] : changes, warnings };
}

/** Plans removing exactly what clusterset-dns added or changed, restoring the original bytes. */
export function planUninstall(corefile: string): UninstallPlan {
  const parsed = tryParse(corefile);
  if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
  const stripped = stripOurs(corefile, parsed.value);
  if (!stripped.ok) return { kind: 'refused', reason: stripped.reason };
  if (!stripped.value.changed) return { kind: 'unchanged', reason: `no lines marked "# ${MARKER}"; nothing to remove` };
  return { kind: 'changed', corefile: stripped.value.text, changes: stripped.value.changes };
}

/** Installs on a Corefile without lines of ours, in the requested flavour. */
function freshInstall(src: string, cf: Corefile, o: ResolvedOptions): InstallEdit {
  return o.flavor === 'in-tree' ? installInTree(src, cf, o) : installExternal(src, cf, o);
}

/** Why the install result is not safe to write (null if it is): it must parse, uninstall to `base` byte for byte, and inspect as installed. */
function verifyInstalled(base: string, text: string, zone: string): string | null {
  const parsed = tryParse(text);
  if (!parsed.ok) return `the result does not parse: ${parsed.reason}`;
  const back = stripOurs(text, parsed.value);
  if (!back.ok) return `the result could not be uninstalled: ${back.reason}`;
  if (back.value.text !== base) return 'uninstalling the result would not restore the original Corefile byte for byte';
  const ins = inspect(text, zone);
  if (ins.status !== 'installed') return `the result does not inspect as installed: ${ins.message}`;
  return null;
}

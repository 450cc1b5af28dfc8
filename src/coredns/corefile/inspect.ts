// Whether and how the zone is served, and by whom: our installation, someone else's
// setup, nothing, or a broken mix. Used by `doctor`, and by install to prove its own
// result.

import { analyze, type Setup } from './analyze.js';
import { describeFindings, foreignFindings, guessOwner } from './foreign.js';
import { ourLinesMention, stripOurs } from './markers.js';
import { DEFAULT_ZONE, type Flavor } from './options.js';
import { parse, tryParse } from './parse.js';
import { keysLabel } from './routing.js';
import { normalizeZone } from './zones.js';

export type InspectStatus = 'installed' | 'foreign' | 'absent' | 'broken';

export interface Inspection {
  readonly status: InspectStatus;
  /** One paragraph for humans: what is there and, if something is wrong, what to do. */
  readonly message: string;
  /** How the zone is served, if it is: by the kubernetes plugin or the standalone plugin. */
  readonly flavor: Flavor | null;
  /** Things that make CoreDNS fail to start or not answer the zone as intended. */
  readonly problems: readonly string[];
  /** Facts worth knowing (answer TTL, cache, imports we cannot see). */
  readonly notes: readonly string[];
  /** TTL of clusterset answers, when we can tell. */
  readonly answerTtl: number | null;
  /** True if clusterset-dns lines for this zone are present (lines for another zone do not count). */
  readonly markers: boolean;
}

/** Reports whether and how `zone` is served, and by whom. Never throws for any text. */
export function inspect(corefile: string, zone: string = DEFAULT_ZONE): Inspection {
  const z = normalizeZone(zone);
  const parsed = tryParse(corefile);
  const base = { flavor: null, notes: [], answerTtl: null } as const;
  if (!parsed.ok) return { ...base, status: 'broken', message: parsed.reason, problems: [parsed.reason], markers: false };
  const cf = parsed.value;
  const stripped = stripOurs(corefile, cf);
  if (!stripped.ok) return { ...base, status: 'broken', message: `clusterset-dns lines are damaged: ${stripped.reason}`, problems: [stripped.reason], markers: true };
  const { text: withoutOurs, changed: hadOurs } = stripped.value;
  // Markers for another zone (installed with a different zone option) do not make
  // this zone ours: judge it as if those lines were not there.
  const markers = hadOurs && ourLinesMention(cf, z);
  const foreign = foreignFindings(withoutOurs, hadOurs ? parse(withoutOurs) : cf, z);
  const an = analyze(cf, z);
  const main = an.setups.find((s) => s.kind !== 'server-block') ?? an.setups[0];
  const flavor: Flavor | null = main === undefined || main.kind === 'server-block' ? null : main.kind;
  const common = { flavor, notes: an.notes, answerTtl: an.answerTtl, markers };
  const how = servedBy(main);

  if (!markers) {
    if (foreign.length === 0) {
      return { ...common, status: 'absent', message: `${z} is not configured in this Corefile`, problems: an.problems };
    }
    const valid = an.problems.length === 0 && an.setups.length > 0;
    const problems = an.setups.length === 0 ? [...an.problems, `${z} is mentioned but nothing serves it`] : an.problems;
    const state = valid ? `It is served ${how}.` : `It looks broken: ${problems.join('; ')}.`;
    return {
      ...common,
      status: 'foreign',
      message: `${z} is configured outside clusterset-dns, apparently by ${guessOwner(foreign)}. ${state} clusterset-dns will not change it.`,
      problems,
    };
  }
  if (foreign.length > 0) {
    const problems = [...an.problems, `besides the clusterset-dns lines, ${z} is also configured by ${guessOwner(foreign)}: ${describeFindings(foreign).join('; ')}`];
    return { ...common, status: 'broken', message: `Mixed setup: ${problems.join('; ')}. Remove one of the two.`, problems };
  }
  const ours = an.setups.filter((s) => s.kind === 'in-tree' || s.kind === 'external');
  if (ours.length === 0 || an.problems.length > 0) {
    const problems = ours.length === 0 ? [...an.problems, `clusterset-dns lines are present but nothing serves ${z}`] : an.problems;
    return { ...common, status: 'broken', message: `clusterset-dns lines are present but not working: ${problems.join('; ')}. Run uninstall and install again.`, problems };
  }
  return { ...common, status: 'installed', message: `${z} is served ${how}, installed by clusterset-dns`, problems: [] };
}

/** How the main setup serves the zone, for messages ("by the ... plugin in server block ..."). */
function servedBy(main: Setup | undefined): string {
  if (main === undefined) return '';
  const where = ` in server block '${keysLabel(main.server)}' (line ${main.line})`;
  if (main.kind === 'in-tree') return `by the kubernetes plugin's multicluster option (CoreDNS >= 1.12.2)${where}`;
  if (main.kind === 'external') return `by the standalone multicluster plugin${where}`;
  return `by its own server block '${keysLabel(main.server)}' (line ${main.line})`;
}

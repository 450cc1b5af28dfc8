// What the current Corefile does with the zone: which setups serve it (the in-tree
// multicluster option, the standalone plugin, or a server block of its own), what
// keeps them from working, and facts worth knowing (answer TTL, cache, imports).

import { allDirectives, importTargets, subdirectives } from './directives.js';
import { fallthroughCovers, kubes, type Kube } from './kubernetes.js';
import type { Token } from './lex.js';
import { PLUGIN_DEFAULT_TTL } from './options.js';
import { dnsKeys, dnsPorts, keysLabel, routeZone } from './routing.js';
import { directiveArgs, serverBlocks, type Corefile, type ServerBlock } from './tree.js';
import { isReverseZone, normalizeZone, zoneCovers } from './zones.js';

/** One place that serves the zone. */
export interface Setup {
  readonly kind: 'in-tree' | 'external' | 'server-block';
  readonly server: ServerBlock;
  readonly line: number;
  readonly kube?: Kube;
}

export interface Analysis {
  readonly setups: readonly Setup[];
  /** What makes CoreDNS fail to start or not answer the zone as intended. */
  readonly problems: string[];
  readonly notes: string[];
  /** TTL of the zone's answers, when we can tell. */
  readonly answerTtl: number | null;
}

export function analyze(cf: Corefile, zone: string): Analysis {
  const problems: string[] = [];
  const ks = kubes(cf);
  const setups = [...inTreeSetups(ks, zone, problems), ...externalSetups(cf, zone), ...serverBlockSetups(cf, zone)];
  for (const st of setups) problems.push(...setupProblems(cf, ks, st, zone));
  const kinds = new Set(setups.filter((s) => s.kind !== 'server-block').map((s) => `${s.kind}@${keysLabel(s.server)}`));
  if (kinds.size > 1) problems.push(`${zone} is configured more than once (${setups.map((s) => `${s.kind} at line ${s.line}`).join(', ')}); keep one`);

  const notes: string[] = [];
  const main = setups[0];
  const answerTtl = main === undefined ? null : describeAnswers(main, zone, notes);
  const imports = importTargets(cf);
  if (imports.length > 0) notes.push(`the Corefile imports ${imports.join(', ')}; clusterset-dns cannot see what those files add`);
  return { setups, problems, notes, answerTtl };
}

/** kubernetes plugins with the zone on their line and in `multicluster`; problems with their multicluster options go to `problems`. */
function inTreeSetups(ks: readonly Kube[], zone: string, problems: string[]): Setup[] {
  const setups: Setup[] = [];
  for (const k of ks) {
    const line = k.directive.name.line;
    for (const m of k.mcDirectives) {
      if (directiveArgs(m).length === 0) problems.push(`line ${m.name.line}: \`multicluster\` without a zone does nothing; write \`multicluster ${zone}\``);
    }
    for (const mz of k.mcZones) {
      if (!k.zones.includes(mz)) {
        problems.push(`line ${line}: CoreDNS will refuse to start ("is not authoritative for the multicluster zone ${mz}"): add ${mz} to this kubernetes line`);
      }
    }
    const onLine = k.zones.includes(zone);
    const mc = k.mcZones.includes(zone);
    if (onLine && mc) setups.push({ kind: 'in-tree', server: k.server, line, kube: k });
    else if (onLine) {
      problems.push(`line ${line}: ${zone} is on the kubernetes line but its block has no \`multicluster ${zone}\`, so CoreDNS answers ${zone} names from local Services instead of ServiceImports`);
    }
  }
  return setups;
}

/** Standalone `multicluster` directives whose zones cover the zone. */
function externalSetups(cf: Corefile, zone: string): Setup[] {
  const setups: Setup[] = [];
  for (const { directive, server, depth } of allDirectives(cf)) {
    if (server === null || depth !== 0 || directive.name.value !== 'multicluster') continue;
    const args = directiveArgs(directive);
    const zones = args.length > 0 ? args.map((a) => normalizeZone(a.value)) : dnsKeys(server).map((k) => k.zone);
    if (zones.some((z) => zoneCovers(z, zone))) setups.push({ kind: 'external', server, line: directive.name.line });
  }
  return setups;
}

/** Server blocks keyed by the zone or a name under it. */
function serverBlockSetups(cf: Corefile, zone: string): Setup[] {
  const setups: Setup[] = [];
  for (const s of serverBlocks(cf)) {
    if (dnsKeys(s).some((k) => !isReverseZone(k.zone) && k.zone !== '.' && zoneCovers(zone, k.zone))) {
      setups.push({ kind: 'server-block', server: s, line: (s.keys[0] as Token).line });
    }
  }
  return setups;
}

/** Why a setup does not get the zone's queries, or (standalone plugin) a kubernetes plugin answers them first. */
function setupProblems(cf: Corefile, ks: readonly Kube[], st: Setup, zone: string): string[] {
  const problems: string[] = [];
  for (const port of dnsPorts(st.server)) {
    const r = routeZone(cf, zone, port);
    if (r === null) {
      problems.push(`line ${st.line}: ${zone} is configured in server block '${keysLabel(st.server)}', but that block does not receive ${zone} queries on port ${port}; add ${zone} (or .) to its keys`);
    } else if (r.block !== st.server) {
      problems.push(`line ${st.line}: ${zone} is configured in server block '${keysLabel(st.server)}', but CoreDNS sends ${zone} queries on port ${port} to server block '${keysLabel(r.block)}' (line ${(r.block.keys[0] as Token).line})`);
    }
  }
  if (st.kind !== 'external') return problems;
  for (const k of ks) {
    if (k.server !== st.server) continue;
    const covering = k.zones.find((z) => z !== zone && zoneCovers(z, zone));
    if (covering !== undefined && !fallthroughCovers(k.directive, zone)) {
      problems.push(`line ${k.directive.name.line}: the kubernetes plugin serves '${covering}' and runs before multicluster (plugin order), so it answers ${zone} itself; add \`fallthrough ${zone}\` to its block`);
    }
  }
  return problems;
}

/** The answer TTL of the main setup (null if unknown); notes on TTL, fallthrough and cache go to `notes`. */
function describeAnswers(main: Setup, zone: string, notes: string[]): number | null {
  let answerTtl: number | null = null;
  if (main.kind === 'in-tree' && main.kube !== undefined) {
    const ttls = subdirectives(main.kube.directive, 'ttl');
    const last = ttls[ttls.length - 1];
    const v = last === undefined ? PLUGIN_DEFAULT_TTL : Number(directiveArgs(last)[0]?.value);
    answerTtl = Number.isInteger(v) ? v : null;
    if (answerTtl !== null) {
      notes.push(`${zone} answers carry TTL ${answerTtl}s, the kubernetes block's ttl${last === undefined ? ' (plugin default)' : ''}; it is shared with the cluster domain`);
    }
    if (subdirectives(main.kube.directive, 'fallthrough').some((f) => directiveArgs(f).length === 0)) {
      notes.push(`the kubernetes plugin has a bare \`fallthrough\`: ${zone} names it cannot answer go on to the next plugins (e.g. forward to upstream DNS)`);
    }
  } else if (main.kind === 'external') {
    answerTtl = PLUGIN_DEFAULT_TTL;
    notes.push(`${zone} answers carry TTL ${PLUGIN_DEFAULT_TTL}s (fixed in the standalone multicluster plugin)`);
  }
  const cacheNote = describeCache(main.server, zone);
  if (cacheNote !== null) notes.push(cacheNote);
  return answerTtl;
}

/** Whether and for how long the block's cache keeps the zone's answers, or null if no cache applies to it. */
function describeCache(s: ServerBlock, zone: string): string | null {
  const cache = s.body.find((d) => d.name.value === 'cache');
  if (cache === undefined) return null;
  const args = directiveArgs(cache).map((a) => a.value);
  const cap = args[0] !== undefined && /^\d+$/.test(args[0]) ? Number(args[0]) : null;
  const zones = cap === null ? args : args.slice(1);
  if (zones.length > 0 && !zones.some((z) => zoneCovers(z, zone))) return null;
  const disabled = subdirectives(cache, 'disable')
    .map((d) => directiveArgs(d).map((a) => a.value))
    .filter((a) => a.length === 1 || a.slice(1).some((z) => zoneCovers(z, zone)))
    .map((a) => a[0]);
  const both = disabled.includes('success') && disabled.includes('denial');
  if (both) return `the cache plugin (line ${cache.name.line}) does not cache ${zone} answers`;
  const what = disabled.length > 0 ? ` (except ${disabled.join(' and ')} responses)` : '';
  return `the cache plugin (line ${cache.name.line}) keeps ${zone} answers${what} for up to their TTL${cap !== null ? ` (capped at ${cap}s)` : ''}, so a change of spec.ips reaches clients only after that`;
}


// The kubernetes plugin instances of a Corefile: which zones each is authoritative
// for, what multicluster zones it already has, and which one serves the cluster
// domain (the one the in-tree stanza goes into).

import { fail, ok, type Result } from '../../api/result.js';
import { allDirectives, importTargets, subdirectives } from './directives.js';
import { DEFAULT_CLUSTER_DOMAIN } from './options.js';
import { dnsKeys } from './routing.js';
import { directiveArgs, type Corefile, type Directive, type ServerBlock } from './tree.js';
import { hasPlaceholder, isReverseZone, normalizeZone, zoneCovers } from './zones.js';

export interface Kube {
  readonly directive: Directive;
  readonly server: ServerBlock;
  /** Normalised zones it is authoritative for (arguments, or the block's keys without arguments). */
  readonly zones: readonly string[];
  readonly explicitArgs: boolean;
  readonly mcZones: readonly string[];
  readonly mcDirectives: readonly Directive[];
}

/** Every kubernetes plugin directly in a server block (snippets are not ours to edit). */
export function kubes(cf: Corefile): Kube[] {
  const out: Kube[] = [];
  for (const { directive, server, depth } of allDirectives(cf)) {
    if (server === null || depth !== 0 || directive.name.value !== 'kubernetes') continue;
    const args = directiveArgs(directive).filter((t) => t.kind === 'word' && !hasPlaceholder(t.value));
    const explicitArgs = directiveArgs(directive).length > 0;
    const zones = explicitArgs ? args.map((t) => normalizeZone(t.value)) : dnsKeys(server).map((k) => k.zone);
    const mcDirectives = subdirectives(directive, 'multicluster');
    const mcZones = mcDirectives.flatMap((m) => directiveArgs(m).map((t) => normalizeZone(t.value)));
    out.push({ directive, server, zones, explicitArgs, mcZones, mcDirectives });
  }
  return out;
}

/** True if the plugin passes queries for `zone` it cannot answer on to the next plugin. */
export function fallthroughCovers(d: Directive, zone: string): boolean {
  return subdirectives(d, 'fallthrough').some((f) => {
    const args = directiveArgs(f);
    return args.length === 0 || args.some((a) => zoneCovers(a.value, zone));
  });
}

/** The kubernetes plugin that answers pods, and the cluster domain it serves. */
export interface ClusterKube {
  readonly kube: Kube;
  readonly domain: string;
}

/** Finds the kubernetes plugin that serves the cluster domain, or says why it cannot. */
export function chooseClusterKube(cf: Corefile, clusterDomain: string | undefined): Result<ClusterKube> {
  const all = kubes(cf);
  if (all.length === 0) return fail(noKubeReason(cf));
  const wanted = normalizeZone(clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  const exact = all.filter((k) => k.zones.includes(wanted));
  // A plugin serving `.` or `local` also answers the cluster domain; pick it so the
  // refusal that follows can say precisely what to change.
  const matching = exact.length > 0 ? exact : all.filter((k) => k.zones.some((z) => zoneCovers(z, wanted)));
  const where = (ks: readonly Kube[]): string => ks.map((k) => `line ${k.directive.name.line}`).join(', ');
  if (matching.length === 1) return ok({ kube: matching[0] as Kube, domain: wanted });
  if (matching.length > 1) {
    return fail(`several kubernetes plugins serve ${wanted} (${where(matching)}); clusterset-dns cannot tell which one answers pods. Merge them or add the stanza by hand.`);
  }
  if (clusterDomain === undefined && all.length === 1) {
    const only = all[0] as Kube;
    const primary = only.zones.find((z) => !isReverseZone(z));
    if (only.explicitArgs && primary !== undefined) return ok({ kube: only, domain: primary });
  }
  if (all.length === 1) {
    return fail(`the kubernetes plugin (${where(all)}) does not serve ${wanted}; pass the cluster domain it serves.`);
  }
  return fail(`several kubernetes plugins (${where(all)}) and none of them serves ${wanted}; pass the cluster domain to use.`);
}

/** Why a Corefile without a kubernetes plugin in a server block cannot be edited, with a hint where it might be. */
function noKubeReason(cf: Corefile): string {
  const inSnippets = [...allDirectives(cf)].filter((l) => l.server === null && l.directive.name.value === 'kubernetes');
  const imports = importTargets(cf);
  let reason = 'this Corefile has no kubernetes plugin in any server block, so it is not serving a cluster domain; is this the cluster DNS ConfigMap?';
  if (inSnippets.length > 0) reason += ` The kubernetes plugin is defined in a snippet (line ${inSnippets[0]?.directive.name.line}); clusterset-dns does not edit snippets because they may be imported into several blocks. Add the stanza by hand.`;
  else if (imports.length > 0) reason += ` It imports ${imports.join(', ')}; if the kubernetes plugin lives in one of those files, clusterset-dns cannot see or edit it. Add the stanza by hand.`;
  return reason;
}

// The external flavour (older CoreDNS built with github.com/coredns/multicluster):
// one standalone `multicluster <zone>` line after the kubernetes block, in the server
// block that receives the zone's queries.

import { fail, ok } from '../../api/result.js';
import { Edits, type InstallEdit } from './edits.js';
import { addHeader } from './header-fix.js';
import { chooseClusterKube, fallthroughCovers, kubes, type Kube } from './kubernetes.js';
import { eolAfter, indentOf, indentUnit, lastOnLine, lineEnd } from './layout.js';
import { startsLine } from './lex.js';
import { ADDED_SUFFIX } from './markers.js';
import { PLUGIN_DEFAULT_TTL, type ResolvedOptions } from './options.js';
import { dnsPorts, keysLabel, routeZone } from './routing.js';
import { lastToken, type Corefile, type ServerBlock } from './tree.js';
import { DEFAULT_PORT, zoneCovers } from './zones.js';

export function installExternal(src: string, cf: Corefile, o: ResolvedOptions): InstallEdit {
  const ts = cf.tokens;
  const zone = o.zone;
  if (o.ttl !== undefined) {
    return fail(`the standalone multicluster plugin always answers with TTL ${PLUGIN_DEFAULT_TTL}s; drop the ttl option (or upgrade CoreDNS to >= 1.12.2 and use the in-tree flavor)`);
  }
  const ks = kubes(cf);
  const choice = chooseClusterKube(cf, o.clusterDomain);
  if (ks.length === 0 && !choice.ok) return choice;
  const clusterKube = choice.ok ? choice.value.kube : undefined;
  // Queries reach the server block that serves the cluster domain on its port; the
  // zone must route to a block on that same port.
  const port = clusterKube !== undefined ? (dnsPorts(clusterKube.server)[0] ?? DEFAULT_PORT) : DEFAULT_PORT;
  const r = routeZone(cf, zone, port);
  if (r === null) {
    return fail(`no server block receives ${zone} queries on port ${port} (a '.:${port}' block would). Add one by hand, then install again`);
  }
  const S = r.block;
  const shadow = shadowingKube(ks, S, zone);
  if (shadow !== undefined) return fail(shadow);
  const anchor = (clusterKube?.server === S ? clusterKube.directive : undefined) ?? ks.find((k) => k.server === S)?.directive ?? S.body[S.body.length - 1];
  if (anchor === undefined) return fail(`server block '${keysLabel(S)}' is empty; add the stanza by hand`);
  if (!startsLine(ts, anchor.name.index)) {
    return fail(`line ${anchor.name.line}: put '${anchor.name.value}' on its own line, then install again`);
  }
  const last = lastOnLine(ts, lastToken(anchor).index);
  const at = lineEnd(last);
  const indent = indentOf(ts, anchor.name.index);
  const eol = eolAfter(cf, src, last.index);
  const edits = new Edits();
  const changes: string[] = [];
  const warnings: string[] = [];
  // No `fallthrough`: the plugin only serves the clusterset zone, and passing its
  // misses on would send cluster-private names to upstream resolvers via `forward`.
  // It would only make sense if another plugin served names under the zone, and such
  // a Corefile is someone else's setup, which we do not join.
  edits.insert(at, eol + indent + `multicluster ${zone}` + ADDED_SUFFIX);
  changes.push(`added \`multicluster ${zone}\` to server block '${keysLabel(S)}' after line ${last.line}`);
  if (o.headerRaFix) {
    // Older CoreDNS (the only kind that needs this flavor) knows only the selector-less form.
    addHeader(edits, S, at, eol, indent, indent + indentUnit(cf, indent), 'set ra', changes, warnings);
  }
  return ok({ text: edits.apply(src), changes, warnings });
}

/**
 * Why a kubernetes plugin in the same block would answer the zone before the
 * standalone plugin sees it (plugin order puts kubernetes first), if one would.
 */
function shadowingKube(ks: readonly Kube[], S: ServerBlock, zone: string): string | undefined {
  for (const k of ks) {
    if (k.server !== S) continue;
    const covering = k.zones.find((z) => zoneCovers(z, zone));
    if (covering !== undefined && !fallthroughCovers(k.directive, zone)) {
      return `kubernetes plugin at line ${k.directive.name.line} serves '${covering}' and runs before multicluster (plugin order), so it would answer ${zone} itself. Give it explicit zones (e.g. \`kubernetes cluster.local in-addr.arpa ip6.arpa\`), then install again`;
    }
  }
  return undefined;
}

// The in-tree flavour (CoreDNS >= 1.12.2): the zone goes on the kubernetes plugin's
// line, right after the cluster domain, and `multicluster <zone>` into its block.
// CoreDNS rejects `multicluster` for a zone the plugin is not authoritative for
// ("is not authoritative for the multicluster zone"), hence both edits.

import { fail, ok, type Result } from '../../api/result.js';
import { Edits, type InstallEdit } from './edits.js';
import { addHeader } from './header-fix.js';
import { chooseClusterKube, type Kube } from './kubernetes.js';
import { eolAfter, indentOf, indentUnit, lastOnLine, lineEnd, tokEnd } from './layout.js';
import { startsLine, type Token } from './lex.js';
import { ADDED_SUFFIX, CHANGED_PREFIX, formatOps, type Op } from './markers.js';
import { PLUGIN_DEFAULT_TTL, type ResolvedOptions } from './options.js';
import { dnsPorts, keysLabel, routeZone } from './routing.js';
import { directiveArgs, directiveBlock, type Corefile, type Directive, type ServerBlock } from './tree.js';
import { hasPlaceholder, normalizeZone } from './zones.js';

export function installInTree(src: string, cf: Corefile, o: ResolvedOptions): InstallEdit {
  const ts = cf.tokens;
  const zone = o.zone;
  const choice = chooseClusterKube(cf, o.clusterDomain);
  if (!choice.ok) return choice;
  const { kube, domain } = choice.value;
  const K = kube.directive;
  const refuse = (why: string): InstallEdit => fail(`kubernetes plugin at line ${K.name.line}: ${why}`);
  const domainTok = domainToken(ts, kube, domain, zone);
  if (!domainTok.ok) return refuse(domainTok.reason);
  const misrouted = routingProblem(cf, kube.server, zone);
  if (misrouted !== undefined) return refuse(misrouted);

  const edits = new Edits();
  const changes: string[] = [];
  const warnings: string[] = [];
  addZoneToKubeLine(edits, ts, K, domainTok.value, zone);
  changes.push(`line ${K.name.line}: added ${zone} to the kubernetes plugin's zones`);
  const newLines: string[] = [];
  if (o.ttl !== undefined) {
    const refused = setTtl(edits, ts, K, o.ttl, domain, newLines, changes);
    if (refused !== undefined) return refuse(refused);
  }
  newLines.push(`multicluster ${zone}`);
  changes.push(`added \`multicluster ${zone}\` to the kubernetes block`);

  const indent = stanzaIndent(src, cf, K);
  const kubeEnd = insertBlockLines(edits, ts, K, newLines, indent);
  if (o.headerRaFix) {
    addHeader(edits, kube.server, lineEnd(kubeEnd), eolAfter(cf, src, kubeEnd.index), indent.directive, indent.body, 'response set ra', changes, warnings);
  }
  return ok({ text: edits.apply(src), changes, warnings });
}

/**
 * The cluster domain's token on the kubernetes line, after which the zone goes; or,
 * as the failure, why the directive's layout cannot be edited safely. CoreDNS's
 * option parser would misread a block that does not open at the end of the line or
 * close on its own line anyway.
 */
function domainToken(ts: readonly Token[], kube: Kube, domain: string, zone: string): Result<Token> {
  const K = kube.directive;
  if (!kube.explicitArgs) {
    return fail(`it has no zone arguments (it serves the server block's keys). Write its zones out, e.g. \`kubernetes ${domain} in-addr.arpa ip6.arpa\`, then install again`);
  }
  if (!startsLine(ts, K.name.index)) return fail('put the kubernetes directive on its own line, then install again');
  const args = directiveArgs(K);
  const block = directiveBlock(K);
  if (block !== null && K.parts[K.parts.length - 1] !== block) return fail("there is text after its block's closing '}' on the same line; move it to its own line");
  if (block !== null && lastOnLine(ts, block.open.index) !== block.open) {
    return fail("its block's '{' must end the line (put the options on their own lines), as CoreDNS's option parser expects");
  }
  if (block !== null && !startsLine(ts, block.close.index)) return fail("its block's closing '}' must be on its own line");
  const domainTok = args.find((t) => t.kind === 'word' && !hasPlaceholder(t.value) && normalizeZone(t.value) === domain);
  if (domainTok === undefined) {
    return fail(`its zones (${kube.zones.join(' ')}) do not list ${domain} itself; clusterset-dns adds ${zone} next to the cluster domain, so write it out, e.g. \`kubernetes ${domain} in-addr.arpa ip6.arpa\`, then install again`);
  }
  if (args.some((t) => t.quoted && t.raw.includes('\n'))) return fail('it has a quoted argument spanning lines; rewrite it on one line');
  return ok(domainTok);
}

/** Why the zone's queries would not reach the kubernetes plugin's server block, if they would not. */
function routingProblem(cf: Corefile, S: ServerBlock, zone: string): string | undefined {
  const ports = dnsPorts(S);
  if (ports.length === 0) return `its server block '${keysLabel(S)}' has no plain-DNS address clusterset-dns understands`;
  for (const port of ports) {
    const r = routeZone(cf, zone, port);
    if (r === null) {
      return `its server block '${keysLabel(S)}' does not receive ${zone} queries on port ${port}. Add ${zone}:${port} to that block's keys by hand (or use a '.' block), then install again`;
    }
    if (r.block !== S) {
      return `${zone} queries on port ${port} go to server block '${keysLabel(r.block)}' (line ${(r.block.keys[0] as Token).line}), not to '${keysLabel(S)}' where this plugin is. Configure ${zone} by hand`;
    }
  }
  return undefined;
}

/** Adds the zone after the cluster domain, opens a block if there is none, and marks the line with both. */
function addZoneToKubeLine(edits: Edits, ts: readonly Token[], K: Directive, domainTok: Token, zone: string): void {
  edits.insert(tokEnd(domainTok), ' ' + zone);
  const ops: Op[] = [{ op: 'added', zone }];
  if (directiveBlock(K) === null) {
    const args = directiveArgs(K);
    edits.insert(tokEnd(args[args.length - 1] as Token), ' {');
    ops.push({ op: 'opened-block' });
  }
  edits.insert(lineEnd(lastOnLine(ts, K.name.index)), CHANGED_PREFIX + formatOps(ops));
}

/**
 * Sets the block's ttl: changes a plain `ttl N` line in place (its marker remembers
 * the old value), or queues a new `ttl` line. Returns why it cannot, if it cannot.
 */
function setTtl(edits: Edits, ts: readonly Token[], K: Directive, ttl: number, domain: string, newLines: string[], changes: string[]): string | undefined {
  const block = directiveBlock(K);
  const ttlLines = block === null ? [] : block.body.filter((d) => d.name.value === 'ttl');
  if (ttlLines.length > 1) return 'its block has several ttl lines; keep one, then install again';
  const existing = ttlLines[0];
  if (existing === undefined) {
    newLines.push(`ttl ${ttl}`);
    changes.push(`added ttl ${ttl} (was the plugin default ${PLUGIN_DEFAULT_TTL}s; also applies to ${domain})`);
    return undefined;
  }
  const arg = existing.parts[0];
  if (existing.parts.length !== 1 || arg === undefined || arg.kind !== 'word' || !/^[^\s;#]+$/.test(arg.raw) || !startsLine(ts, existing.name.index)) {
    return `its ttl line (line ${existing.name.line}) is not a plain \`ttl N\`; edit the ttl by hand or drop the ttl option`;
  }
  if (arg.value !== String(ttl)) {
    edits.replace(arg.offset, tokEnd(arg), String(ttl));
    edits.insert(lineEnd(arg), CHANGED_PREFIX + formatOps([{ op: 'ttl-was', raw: arg.raw }]));
    changes.push(`line ${existing.name.line}: ttl ${arg.value} -> ${ttl} (also applies to ${domain})`);
  }
  return undefined;
}

/** How the lines we add are laid out: the kubernetes line's indentation, its block's, and the line break. */
interface StanzaIndent {
  readonly directive: string;
  readonly body: string;
  readonly eol: string;
}

function stanzaIndent(src: string, cf: Corefile, K: Directive): StanzaIndent {
  const ts = cf.tokens;
  const directive = indentOf(ts, K.name.index);
  const firstChild = directiveBlock(K)?.body[0];
  const body = firstChild !== undefined && startsLine(ts, firstChild.name.index) ? indentOf(ts, firstChild.name.index) : directive + indentUnit(cf, directive);
  return { directive, body, eol: eolAfter(cf, src, K.name.index) };
}

/**
 * Inserts the new lines at the end of the kubernetes block, or (no block) after its
 * line together with a marked closing `}`. Returns the last token of what is now
 * the kubernetes directive's last line, where anything that follows it goes.
 */
function insertBlockLines(edits: Edits, ts: readonly Token[], K: Directive, newLines: readonly string[], indent: StanzaIndent): Token {
  const block = directiveBlock(K);
  if (block !== null) {
    const at = lineEnd(ts[block.close.index - 1] as Token);
    for (const l of newLines) edits.insert(at, indent.eol + indent.body + l + ADDED_SUFFIX);
    return lastOnLine(ts, block.close.index);
  }
  const kLast = lastOnLine(ts, K.name.index);
  const at = lineEnd(kLast);
  for (const l of newLines) edits.insert(at, indent.eol + indent.body + l + ADDED_SUFFIX);
  edits.insert(at, indent.eol + indent.directive + '}' + ADDED_SUFFIX);
  return kLast;
}

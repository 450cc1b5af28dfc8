// Public API of the Corefile parser and clusterset stanza editor. Pure functions over
// strings: reading and writing the kube-system/coredns ConfigMap is the caller's job.

export { CorefileParseError, startsLine, type Token, type TokenKind } from './lex.js';
export { parse } from './parse.js';
export {
  comments,
  directiveArgs,
  directiveBlock,
  lastToken,
  render,
  serverBlocks,
  serverKeys,
  walkTokens,
  type Block,
  type Corefile,
  type Directive,
  type ServerBlock,
  type Snippet,
  type TopImport,
  type TopLevel,
} from './tree.js';

export {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_ZONE,
  MARKER,
  PLUGIN_DEFAULT_TTL,
  inspect,
  planInstall,
  planUninstall,
  type Flavor,
  type InspectStatus,
  type Inspection,
  type InstallOptions,
  type InstallPlan,
  type UninstallPlan,
} from './clusterset.js';

export { normalizeZone, parseServerKey, zoneCovers, type ServerKey, type Transport } from './zones.js';

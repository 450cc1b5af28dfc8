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

export { DEFAULT_CLUSTER_DOMAIN, DEFAULT_ZONE, PLUGIN_DEFAULT_TTL, type Flavor, type InstallOptions } from './options.js';
export { MARKER } from './markers.js';
export { planInstall, planUninstall, type InstallPlan, type UninstallPlan } from './plan.js';
export { inspect, type InspectStatus, type Inspection } from './inspect.js';

export { normalizeZone, parseServerKey, zoneCovers, type ServerKey, type Transport } from './zones.js';

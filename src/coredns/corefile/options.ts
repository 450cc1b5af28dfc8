// What an install is asked to do, and checking those options before any Corefile
// is read.

import { fail, ok, type Result } from '../../api/result.js';
import { isValidZone, normalizeZone } from './zones.js';

export const DEFAULT_ZONE = 'clusterset.local';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The kubernetes plugin's TTL when its block has no `ttl` line (and the external plugin's fixed TTL). */
export const PLUGIN_DEFAULT_TTL = 5;

/**
 * `in-tree`: CoreDNS >= 1.12.2, `multicluster` option inside the `kubernetes` block.
 * `external`: older CoreDNS built with github.com/coredns/multicluster, a standalone directive.
 */
export type Flavor = 'in-tree' | 'external';

export interface InstallOptions {
  /** The clusterset zone; default `clusterset.local`. */
  readonly zone?: string;
  readonly flavor: Flavor;
  /**
   * In-tree only: the `ttl` of the kubernetes block. That block also answers the
   * cluster domain, so this changes cluster.local TTLs as well. Reversible: a changed
   * `ttl` line remembers its old value in the marker.
   */
  readonly ttl?: number;
  /** Add `header { response set ra }` (external: `set ra`) to the serving server block. */
  readonly headerRaFix?: boolean;
  /**
   * The cluster domain whose kubernetes plugin gets the zone (in-tree). Default: the
   * kubernetes plugin that serves `cluster.local`, or the only one if there is one.
   */
  readonly clusterDomain?: string;
}

/** InstallOptions checked, with defaults filled in and zones normalised. */
export interface ResolvedOptions {
  readonly zone: string;
  readonly flavor: Flavor;
  readonly ttl: number | undefined;
  readonly headerRaFix: boolean;
  readonly clusterDomain: string | undefined;
}

export function resolveOptions(opts: InstallOptions): Result<ResolvedOptions> {
  const zone = normalizeZone(opts.zone ?? DEFAULT_ZONE);
  if (!isValidZone(zone)) return fail(`'${opts.zone ?? ''}' is not a valid DNS zone name`);
  if (opts.flavor !== 'in-tree' && opts.flavor !== 'external') return fail(`unknown flavor '${String(opts.flavor)}' (use in-tree or external)`);
  if (opts.ttl !== undefined && (!Number.isInteger(opts.ttl) || opts.ttl < 0 || opts.ttl > 3600)) {
    return fail(`ttl must be a whole number of seconds in [0, 3600] (CoreDNS's range), got ${opts.ttl}`);
  }
  let clusterDomain: string | undefined;
  if (opts.clusterDomain !== undefined) {
    clusterDomain = normalizeZone(opts.clusterDomain);
    if (!isValidZone(clusterDomain)) return fail(`'${opts.clusterDomain}' is not a valid cluster domain`);
    if (clusterDomain === zone) return fail('the clusterset zone must differ from the cluster domain');
  }
  return ok({ zone, flavor: opts.flavor, ttl: opts.ttl, headerRaFix: opts.headerRaFix === true, clusterDomain });
}

/**
 * Which Corefile syntax a running CoreDNS can serve: the in-tree
 * `kubernetes … { multicluster … }` from v1.12.2 (coredns/coredns#7266, first
 * released in v1.12.2), otherwise only the external
 * github.com/coredns/multicluster plugin, if the image carries it. The
 * version is read from the CoreDNS container's image tag.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { Flavor } from './corefile/index.js';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

/** The version in an image reference's tag, e.g. registry.k8s.io/coredns/coredns:v1.12.2 → 1.12.2. */
export function versionFromImage(image: string): SemVer | undefined {
  const tag = /:([^/@]+)(?:@.*)?$/.exec(image)?.[1];
  const m = tag ? /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag) : null;
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

export const IN_TREE_SINCE: SemVer = { major: 1, minor: 12, patch: 2 };

export function atLeast(v: SemVer, min: SemVer): boolean {
  return v.major !== min.major ? v.major > min.major : v.minor !== min.minor ? v.minor > min.minor : v.patch >= min.patch;
}

export const fmt = (v: SemVer) => `v${v.major}.${v.minor}.${v.patch}`;

/** The CoreDNS container's image: the one named like CoreDNS, else the first. Pure. */
export function corednsImage(d: V1Deployment): string | undefined {
  const cs = d.spec?.template.spec?.containers ?? [];
  return cs.find((c) => /coredns/.test(c.image ?? ''))?.image ?? cs[0]?.image;
}

/**
 * Decides the flavour from the running CoreDNS's image, or from what the
 * user said (`flavor`, `version`, as `--coredns-flavor`, `--coredns-version`);
 * pure. A CoreDNS that cannot serve the stanza is refused with what to do.
 */
export function chooseFlavor(image: string | undefined, opts: { flavor?: Flavor; version?: string }): { flavor: Flavor } | { refused: string } {
  if (opts.flavor === 'external') return { flavor: 'external' };
  const v = versionFromImage(opts.version ? `x:${opts.version}` : image ?? '');
  if (!v) {
    if (opts.version) return { refused: `--coredns-version ${JSON.stringify(opts.version)} is not a version; pass it as MAJOR.MINOR.PATCH, e.g. 1.12.2` };
    return { refused: `cannot tell the CoreDNS version from image ${JSON.stringify(image ?? '')}; pass --coredns-version (e.g. 1.12.2), or --coredns-flavor=external if the image carries the multicluster plugin` };
  }
  if (atLeast(v, IN_TREE_SINCE)) return { flavor: 'in-tree' };
  return { refused: `CoreDNS ${fmt(v)} cannot serve clusterset.local: the in-tree multicluster support needs >= ${fmt(IN_TREE_SINCE)}. Upgrade CoreDNS, or, if this image has github.com/coredns/multicluster compiled in, pass --coredns-flavor=external` };
}

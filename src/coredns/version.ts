/**
 * Which Corefile syntax a running CoreDNS can serve (coredns.md §1): the
 * in-tree `kubernetes … { multicluster … }` from v1.12.2 (coredns/coredns#7266),
 * otherwise only the external github.com/coredns/multicluster plugin, if the
 * image carries it.
 */
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

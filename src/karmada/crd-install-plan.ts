/**
 * `crds install`, the pure half: from a member's ServiceImport and
 * ServiceExport CRDs (as read) and the mcs-api CRDs this package ships →
 * apply ours, leave them (already ours), or refuse, with the reason.
 *
 * Refused, changing nothing:
 *   - a downgrade: the member's CRDs serve a version ours do not, or carry a
 *     newer mcs-api release (its release-version label) than ours, since
 *     objects stored in a version that disappears become unreadable;
 *   - CRDs Karmada propagates (karmada.io/managed): Karmada would put its
 *     own copy back over ours, and once objects are stored as v1beta1 its
 *     copy (v1alpha1 only) could no longer be applied at all.
 */
import { KARMADA_MANAGED_LABEL } from '../api/karmada.js';
import type { KubeObject } from '../api/meta.js';
import { classifyCrds, flavourLabel, MCS_API_RELEASE_LABEL } from './crd-flavour.js';
import { servedVersionsOf } from './crd-schema.js';

/** The label mcs-api bumps on each CRD change within a release. */
export const MCS_API_REVISION_LABEL = 'multicluster.x-k8s.io/crd-schema-revision';

export interface MemberCrds {
  serviceImport: KubeObject | undefined;
  serviceExport: KubeObject | undefined;
}

export type CrdInstallPlan =
  | { action: 'apply'; from: string; message: string }
  | { action: 'unchanged'; from: string; message: string }
  | { action: 'refuse'; from: string; message: string };

/** "v0.5.2" → [0, 5, 2]; undefined for anything else. */
function release(v: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** <0, 0, >0 as a is older than, the same as, newer than b. */
function compareReleases(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

const labelOf = (crd: KubeObject | undefined, label: string) => crd?.metadata.labels?.[label];

export function planCrdInstall(member: MemberCrds, ours: MemberCrds & { release: string }): CrdInstallPlan {
  const from = flavourLabel(classifyCrds(member.serviceImport, member.serviceExport));
  const oursName = `mcs-api ${ours.release}`;
  const pairs = [['ServiceImport', member.serviceImport, ours.serviceImport], ['ServiceExport', member.serviceExport, ours.serviceExport]] as const;

  for (const [kind, theirs, mine] of pairs) {
    if (!theirs) continue;
    if (labelOf(theirs, KARMADA_MANAGED_LABEL) === 'true') {
      return { action: 'refuse', from, message: `the ${kind} CRD is propagated by Karmada, which would put its copy back: stop propagating the MCS CRDs to this member (remove it from the ClusterPropagationPolicy, keeping the CRDs there), then install` };
    }
    const extra = (servedVersionsOf(theirs) ?? []).filter((v) => !(servedVersionsOf(mine) ?? []).includes(v));
    if (extra.length > 0) return { action: 'refuse', from, message: `the ${kind} CRD serves ${extra.join(', ')}, which ${oursName} does not: installing ours would be a downgrade` };
    const theirRelease = labelOf(theirs, MCS_API_RELEASE_LABEL);
    if (theirRelease !== undefined) {
      const a = release(theirRelease);
      const b = release(ours.release);
      if (!a || !b) return { action: 'refuse', from, message: `the ${kind} CRD is from mcs-api ${theirRelease}, which cannot be compared with ${oursName}: not replacing it` };
      if (compareReleases(a, b) > 0) return { action: 'refuse', from, message: `the ${kind} CRD is from mcs-api ${theirRelease}, newer than ${oursName}: installing ours would be a downgrade` };
    }
  }

  const same = pairs.every(([, theirs, mine]) => theirs !== undefined
    && labelOf(theirs, MCS_API_RELEASE_LABEL) === labelOf(mine, MCS_API_RELEASE_LABEL)
    && labelOf(theirs, MCS_API_REVISION_LABEL) === labelOf(mine, MCS_API_REVISION_LABEL));
  if (same) return { action: 'unchanged', from, message: `already ${oursName}` };
  return { action: 'apply', from, message: `${from} → ${oursName}` };
}

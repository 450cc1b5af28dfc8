/**
 * hack/e2e.sh's preconditions as verdicts with the fix in the message. Pure:
 * the objects read come in as arguments.
 */
import type { CoreDnsStatus } from '../../src/coredns/status.js';
import { SERVICEEXPORT_CRD, SERVICEIMPORT_CRD } from '../../src/kube/gvr.js';

export const MCS_CRDS = [SERVICEIMPORT_CRD, SERVICEEXPORT_CRD] as const;

interface CrdLike {
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

/** Why a CRD read from `where` cannot be used (undefined: not found), or undefined when it is Established. */
export function crdProblem(name: string, crd: CrdLike | undefined, where: string, fix: string): string | undefined {
  if (crd === undefined) return `CRD ${name} is not installed in ${where}; ${fix}`;
  const established = (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  return established ? undefined : `CRD ${name} in ${where} is not Established yet; wait, or see its conditions`;
}

/** The fix for missing MCS CRDs in a member: mcs-api's installed by `crds install`, or Karmada's propagated from the control plane. */
export const MEMBER_CRD_FIX = 'install mcs-api\'s with clusterset-dns crds install --cluster NAME, or propagate Karmada\'s from the control plane: apply examples/00-mcs-crds.yaml (with your members in clusterNames) to karmada-apiserver';
export const CONTROL_PLANE_CRD_FIX = 'Karmada installs them with its control plane (karmadactl init, hack/local-up-karmada.sh); install Karmada\'s multicluster CRDs';

interface LeaseLike {
  spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number | null; renewTime?: Date | string | null };
}

/**
 * Who holds the controller's Lease now (renewed within its duration), or
 * undefined. A local controller next to a running one would race it for
 * every write, so e2e.sh starts one only when nobody holds the Lease.
 */
export function leaseHolder(lease: LeaseLike | undefined, now: Date): string | undefined {
  const s = lease?.spec;
  if (!s?.holderIdentity || !s.renewTime) return undefined;
  const renewed = new Date(s.renewTime).getTime();
  const durationMs = (s.leaseDurationSeconds ?? 15) * 1000;
  return now.getTime() - renewed <= durationMs ? s.holderIdentity : undefined;
}

/** Objects of config/karmada not found in the control plane → the failure, with both ways to fix it. */
export function missingConfigMessage(missing: readonly string[], context: string): string | undefined {
  if (missing.length === 0) return undefined;
  return `config/karmada is not applied to ${context}: missing ${missing.join(', ')}; apply it (kubectl --context ${context} apply -k config/karmada), or pass --apply-config`;
}

/**
 * What hack/e2e.sh reads of one member in `clusterset-dns coredns status -o
 * json`: the command's own report type, every field optional since it
 * arrives as parsed JSON.
 */
export interface CoreDnsStatusLike {
  ok?: CoreDnsStatus['ok'];
  summary?: CoreDnsStatus['summary'];
  rbac?: Partial<CoreDnsStatus['rbac']>;
  corefile?: { status?: CoreDnsStatus['corefile']['status'] };
}

/**
 * Whether a member's CoreDNS answers clusterset names, from `coredns status
 * -o json`: our stanza with CoreDNS's account bound to our ClusterRole, or a
 * stanza of someone else's (install leaves that alone, and so does this
 * check). Exit code 0 is not enough: status exits 0 for a Corefile without
 * the zone, since nothing there is broken, only not set up.
 */
export function coreDnsServes(s: CoreDnsStatusLike | undefined): { serves: true; how: string } | { serves: false; why: string } {
  if (s === undefined) return { serves: false, why: 'coredns status printed no report for it' };
  if (s.ok === false) return { serves: false, why: s.summary ?? 'coredns status reports it broken' };
  if (s.corefile?.status === 'installed' && s.rbac?.clusterRole && s.rbac.bound) return { serves: true, how: 'our stanza, and CoreDNS may list serviceimports' };
  if (s.corefile?.status === 'foreign') return { serves: true, how: 'a stanza of another setup (left alone)' };
  return { serves: false, why: s.summary ?? `the Corefile is ${s.corefile?.status ?? 'unknown'}` };
}

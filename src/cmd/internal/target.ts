/**
 * Which members a one-shot command names (--cluster, --all,
 * --member-kubeconfig), parsed from its flags. Apart from members.ts, which
 * reaches them through the API client, so parsing loads no client.
 */
import { DEFAULT_MEMBER_ACCESS, MEMBER_ACCESS_MODES, isMemberAccessMode, type MemberAccessMode } from '../../karmada/member-access-mode.js';
import { UsageError, type FlagSpec, type FlagValues } from './flags.js';

/** --member-access, for `run` and for the commands that reach members through Karmada. */
export const MEMBER_ACCESS_FLAG: FlagSpec = {
  name: 'member-access',
  kind: 'string',
  default: DEFAULT_MEMBER_ACCESS,
  help: 'How Push members are reached: "proxy" through Karmada\'s cluster proxy, with our own identity, impersonated in the member (needs the Cluster\'s impersonatorSecretRef; no Secret is read); "direct" at spec.apiEndpoint with the token of the Secret the Cluster names (needs config/karmada/direct-access). Pull members are reached through the proxy either way. docs/design.md#reaching-members.',
};

/** --member-access → proxy or direct; pure. Throws UsageError. */
export function parseMemberAccess(f: FlagValues): MemberAccessMode {
  const v = String(f['member-access']).trim();
  if (!isMemberAccessMode(v)) throw new UsageError(`--member-access: want ${MEMBER_ACCESS_MODES.join(' or ')}, got ${JSON.stringify(v)}`);
  return v;
}

export type Target =
  | { kind: 'karmada'; kubeconfig: string; context: string; clusters: string[] | 'all'; memberAccess: MemberAccessMode }
  | { kind: 'direct'; kubeconfig: string; context: string };

/**
 * --cluster / --all / --member-kubeconfig (and their contexts) → which members; pure.
 * `defaultAll`: neither --cluster nor --all means every Cluster (doctor) instead of a usage error (coredns, which changes things).
 */
export function parseTarget(f: FlagValues, opts: { defaultAll: boolean }): Target {
  const str = (name: string) => String(f[name]).trim();
  const clusters = str('cluster').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (str('cluster') !== '' && clusters.length === 0) throw new UsageError('--cluster: no cluster names given');
  const memberKc = str('member-kubeconfig');
  const all = f['all'] === true;
  const memberAccess = parseMemberAccess(f);
  if (memberKc) {
    if (memberAccess !== DEFAULT_MEMBER_ACCESS) throw new UsageError('--member-access says how members are reached through Karmada; --member-kubeconfig reaches one directly');
    if (all || clusters.length > 0) throw new UsageError('--member-kubeconfig reaches one member directly; do not combine it with --cluster or --all');
    return { kind: 'direct', kubeconfig: memberKc, context: str('member-context') };
  }
  if (str('member-context')) throw new UsageError('--member-context needs --member-kubeconfig');
  if (all && clusters.length > 0) throw new UsageError('give either --cluster or --all, not both');
  if (!all && clusters.length === 0 && !opts.defaultAll) throw new UsageError('say which members: --cluster NAME[,NAME...], --all, or --member-kubeconfig PATH');
  return { kind: 'karmada', kubeconfig: str('kubeconfig'), context: str('context'), clusters: all || clusters.length === 0 ? 'all' : [...new Set(clusters)], memberAccess };
}

/**
 * Which members a one-shot command names (--cluster, --all,
 * --member-kubeconfig), parsed from its flags. Apart from members.ts, which
 * reaches them through the API client, so parsing loads no client.
 */
import { UsageError, type FlagValues } from './flags.js';

export type Target =
  | { kind: 'karmada'; kubeconfig: string; context: string; clusters: string[] | 'all' }
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
  if (memberKc) {
    if (all || clusters.length > 0) throw new UsageError('--member-kubeconfig reaches one member directly; do not combine it with --cluster or --all');
    return { kind: 'direct', kubeconfig: memberKc, context: str('member-context') };
  }
  if (str('member-context')) throw new UsageError('--member-context needs --member-kubeconfig');
  if (all && clusters.length > 0) throw new UsageError('give either --cluster or --all, not both');
  if (!all && clusters.length === 0 && !opts.defaultAll) throw new UsageError('say which members: --cluster NAME[,NAME...], --all, or --member-kubeconfig PATH');
  return { kind: 'karmada', kubeconfig: str('kubeconfig'), context: str('context'), clusters: all || clusters.length === 0 ? 'all' : [...new Set(clusters)] };
}

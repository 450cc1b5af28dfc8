/**
 * Which member clusters a one-shot command acts on, and how it reaches them:
 * --cluster / --all through Karmada's Cluster objects, exactly as the
 * controller reaches them (src/karmada/access.ts; --member-access: the
 * cluster proxy, or directly with the Cluster's Secret), or one
 * member directly with --member-kubeconfig. Shared by `coredns` and `doctor`.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../../kube/client.js';
import { parseCluster } from '../../api/guards.js';
import type { Cluster } from '../../api/karmada.js';
import type { Secret } from '../../api/core.js';
import { memberAccess, memberKubeConfig, secretRefOf } from '../../karmada/access.js';
import type { MemberAccessMode } from '../../karmada/member-access-mode.js';
import { apiErrorMessage, isNotFound } from '../../kube/errors.js';
import { KARMADA_CLUSTER_GROUP, KARMADA_CLUSTER_VERSION } from '../../kube/gvr.js';
import { UsageError } from './flags.js';
import { EXIT_FAILURE, reportError, type Io } from './io.js';
import { loadKubeConfig } from './kubeconfig.js';
import type { Target } from './target.js';

/** A member a Target named: reached (its KubeConfig), or why it cannot be. */
export type FoundMember = { cluster: string; kc: k8s.KubeConfig } | { cluster: string; error: string };

const CLUSTERS = { group: KARMADA_CLUSTER_GROUP, version: KARMADA_CLUSTER_VERSION, plural: 'clusters' };

/** The Cluster objects named (or all of them), raw; undefined for a name that does not exist. */
async function readClusters(custom: k8s.CustomObjectsApi, which: string[] | 'all'): Promise<Array<{ name: string; obj: unknown }>> {
  if (which === 'all') {
    const list = (await custom.listClusterCustomObject(CLUSTERS)) as { items?: Array<{ metadata?: { name?: string } }> };
    return (list.items ?? []).map((obj) => ({ name: obj.metadata?.name ?? '?', obj }));
  }
  return Promise.all(which.map(async (name) => {
    try {
      return { name, obj: await custom.getClusterCustomObject({ ...CLUSTERS, name }) as unknown };
    } catch (e) {
      if (isNotFound(e)) return { name, obj: undefined };
      throw e;
    }
  }));
}

/** Each named (or every) Cluster, reached as the controller reaches it. */
async function karmadaMembers(cp: k8s.KubeConfig, which: string[] | 'all', mode: MemberAccessMode): Promise<FoundMember[]> {
  const core = makeClient(cp, k8s.CoreV1Api);
  const raws = await readClusters(makeClient(cp, k8s.CustomObjectsApi), which);
  return Promise.all(raws.map(async ({ name, obj }): Promise<FoundMember> => {
    if (obj === undefined) return { cluster: name, error: `Cluster ${name} not found in the Karmada control plane; \`kubectl get clusters\` on the Karmada API server lists the members` };
    const parsed = parseCluster(obj);
    if (!parsed.ok) return { cluster: name, error: parsed.reason };
    const c: Cluster = parsed.value;
    const ref = secretRefOf(c, mode);
    let secret: Secret | undefined;
    if (ref) {
      try {
        secret = (await core.readNamespacedSecret(ref)) as unknown as Secret;
      } catch (e) {
        if (!isNotFound(e)) return { cluster: name, error: `cannot read Secret ${ref.namespace}/${ref.name} for Cluster ${name}: ${apiErrorMessage(e)}` };
      }
    }
    const access = memberAccess(c, secret, mode);
    if (access.kind === 'unreachable') return { cluster: name, error: `${access.reason}; or reach the member directly with --member-kubeconfig` };
    return { cluster: name, kc: memberKubeConfig(name, access, cp) };
  }));
}

/**
 * The members a Target names — the one --member-kubeconfig reaches (named
 * after its context), or Clusters through Karmada, with the control plane's
 * KubeConfig. Throws UsageError for a kubeconfig or context that cannot be used.
 */
export async function findMembers(t: Target): Promise<{ members: FoundMember[]; controlPlane?: k8s.KubeConfig }> {
  if (t.kind === 'direct') {
    const kc = loadKubeConfig({ path: t.kubeconfig, context: t.context, whenNoPath: 'default', flag: '--member-kubeconfig', contextFlag: '--member-context' });
    return { members: [{ cluster: kc.getCurrentContext() || t.kubeconfig, kc }] };
  }
  const controlPlane = loadKubeConfig({ path: t.kubeconfig, context: t.context, whenNoPath: 'default' });
  return { members: await karmadaMembers(controlPlane, t.clusters, t.memberAccess), controlPlane };
}

/**
 * findMembers for a command that acts on them (`coredns install`): the
 * members, or, when there are none to act on, the line said and the exit
 * code. `name` is what the user typed ("coredns status").
 */
export async function membersOrExit(name: string, target: Target, io: Io): Promise<FoundMember[] | number> {
  let members: FoundMember[];
  try {
    members = (await findMembers(target)).members;
  } catch (e) {
    if (e instanceof UsageError) return reportError(name, e, io);
    io.stderr(`clusterset-dns ${name}: cannot list the members (Cluster objects): ${apiErrorMessage(e)}; check that --kubeconfig/--context point at the Karmada API server and that it answers\n`);
    return EXIT_FAILURE;
  }
  if (members.length === 0) {
    io.stderr(`clusterset-dns ${name}: --all found no Cluster objects on the Karmada API server; check that --kubeconfig/--context point at karmada-apiserver\n`);
    return EXIT_FAILURE;
  }
  return members;
}

/**
 * hack/e2e.sh's first step, shared by the run and --dry-run because it only
 * reads: the kubeconfigs and contexts of the layout, the Cluster objects, and
 * from them the members and their roles (./members.ts).
 */
import { KubeConfig } from '@kubernetes/client-node';
import type * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { loadKubeConfig } from '../../src/cmd/internal/kubeconfig.js';
import { apiErrorMessage } from '../../src/kube/errors.js';
import { listClusters } from './cluster.js';
import type { Layout } from './layout.js';
import { chooseMembers, type Roles } from './members.js';

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface Connected {
  /** karmada.config's control-plane and host contexts. */
  cp: k8s.KubeConfig;
  host: k8s.KubeConfig;
  /** Each member used, by name, from members.config. */
  members: Map<string, k8s.KubeConfig>;
  roles: Roles;
}

/** The contexts of a kubeconfig file (whatever its current context), or why it cannot be read. */
function contextNames(file: string): string[] {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new Error(`cannot read the members' kubeconfig ${file} (MEMBER_CLUSTER_KUBECONFIG, default $KUBECONFIG_PATH/members.config): ${message(e).split('\n')[0]}`);
  }
  return kc.getContexts().map((c) => c.name);
}

/** The kubeconfigs, the contexts, the members and their roles. */
export async function connect(layout: Layout, say: (l: string) => void): Promise<Connected> {
  // Errors name the environment variable that fixes them, not a CLI flag.
  const load = (path: string, context: string, flag: string, contextFlag: string) => loadKubeConfig({ path, context, whenNoPath: 'default', flag, contextFlag });
  if (!existsSync(layout.karmadaConfig)) {
    throw new Error(`no ${layout.karmadaConfig}: KUBECONFIG_PATH (default ~/.kube) must hold karmada.config and members.config as Karmada's hack/local-up-karmada.sh writes them, or MAIN_KUBECONFIG name the first; for the local environment, --env=local once npm run env:up has run`);
  }
  const cp = load(layout.karmadaConfig, layout.karmadaContext, 'MAIN_KUBECONFIG', 'KARMADA_APISERVER_CLUSTER_NAME');
  const host = load(layout.karmadaConfig, layout.hostContext, 'MAIN_KUBECONFIG', 'HOST_CLUSTER_NAME');
  say(`control plane: ${layout.karmadaConfig} context ${layout.karmadaContext} (${cp.getCurrentCluster()?.server}); host: context ${layout.hostContext} (${host.getCurrentCluster()?.server})`);
  const contexts = contextNames(layout.membersConfig);
  const clusters = await listClusters(cp).catch((e: unknown) => {
    throw new Error(`cannot list the Clusters on ${layout.karmadaContext} (${cp.getCurrentCluster()?.server}): ${apiErrorMessage(e)}`);
  });
  const chosen = chooseMembers(layout.memberNames, clusters, contexts, layout.membersConfig);
  if ('problems' in chosen) throw new Error(chosen.problems.join('\n'));
  const { roles } = chosen;
  const members = new Map([roles.exporter, ...roles.importers].map((m) => [m, load(layout.membersConfig, m, 'MEMBER_CLUSTER_KUBECONFIG', 'MEMBER_CLUSTER_<N>_NAME')]));
  say(`members: ${roles.exporter} exports, ${roles.importers.join(', ')} import${roles.importers.length === 1 ? 's' : ''} (${layout.memberNames.length > 0 ? 'from MEMBER_CLUSTER_*_NAME' : 'every Cluster in Karmada'})`);
  return { cp, host, members, roles };
}

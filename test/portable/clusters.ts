/**
 * The clusters the portable suite runs against, as hack/e2e.sh names them
 * (hack/e2e/suite.ts): API clients for the control plane and each member
 * used, from kubeconfig files and contexts. Nothing here knows the local
 * environment; a controller is assumed to be running already (hack/e2e.sh
 * starts one, or checks the deployed one holds its Lease).
 */
import { deleteNamespace } from '../../hack/e2e/cluster.js';
import { SUITE_VARS, suiteTargetFromEnv, type SuiteTarget } from '../../hack/e2e/suite.js';
import { loadKubeConfig } from '../../src/cmd/internal/kubeconfig.js';
import { isNotFound } from '../../src/kube/errors.js';
import { clientsFor, type Clients } from '../support/kube.js';

export interface Federation {
  target: SuiteTarget;
  karmada: Clients;
  exporter: Clients;
  /** Each importer's clients, in the order the target names them. */
  importers: Array<{ name: string; clients: Clients }>;
}

/** The clusters from the environment's variables; throws, saying how to run the suite, when they are not set. */
export function federationFromEnv(env: NodeJS.ProcessEnv = process.env): Federation {
  const target = suiteTargetFromEnv(env);
  // Errors name the variable to fix, as hack/e2e.sh's own do.
  const member = (name: string) => clientsFor(loadKubeConfig({ path: target.membersConfig, context: name, whenNoPath: 'default', flag: SUITE_VARS.membersConfig, contextFlag: `${SUITE_VARS.exporter} or ${SUITE_VARS.importers}` }));
  return {
    target,
    karmada: clientsFor(loadKubeConfig({ path: target.karmadaConfig, context: target.karmadaContext, whenNoPath: 'default', flag: SUITE_VARS.karmadaConfig, contextFlag: SUITE_VARS.karmadaContext })),
    exporter: member(target.exporter),
    importers: target.importers.map((name) => ({ name, clients: member(name) })),
  };
}

/**
 * Deletes a test namespace from the control plane and waits until it is
 * gone, then from each member where Karmada has not yet removed it (objects
 * a test made there directly go with it).
 */
export async function deleteTestNamespace(f: Federation, name: string, timeoutMs = 120_000): Promise<void> {
  const gone = async (c: Clients) => {
    try {
      await c.core.deleteNamespace({ name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };
  await deleteNamespace(f.karmada.kc, name, timeoutMs);
  for (const m of [f.exporter, ...f.importers.map((i) => i.clients)]) await gone(m);
}

/**
 * The clusters the portable suite runs against, as hack/e2e.sh names them
 * (hack/e2e/suite.ts): API clients for the control plane and each member
 * used, from kubeconfig files and contexts. Nothing here knows the local
 * environment; a controller is assumed to be running already (hack/e2e.sh
 * starts one, or checks the deployed one holds its Lease).
 */
import * as k8s from '@kubernetes/client-node';
import { suiteTargetFromEnv, type SuiteTarget } from '../../hack/e2e/suite.js';
import { isNotFound } from '../../src/kube/errors.js';
import { clientsFor, eventually, getOrUndefined, type Clients } from '../support/kube.js';

export interface Federation {
  target: SuiteTarget;
  karmada: Clients;
  exporter: Clients;
  /** Each importer's clients, in the order the target names them. */
  importers: Array<{ name: string; clients: Clients }>;
}

function load(file: string, context: string, what: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  if (!kc.getContexts().some((c) => c.name === context)) throw new Error(`${what}: no context ${context} in ${file} (it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
  kc.setCurrentContext(context);
  return kc;
}

/** The clusters from the environment's variables; throws, saying how to run the suite, when they are not set. */
export function federationFromEnv(env: NodeJS.ProcessEnv = process.env): Federation {
  const target = suiteTargetFromEnv(env);
  const member = (name: string) => clientsFor(load(target.membersConfig, name, `member ${name}`));
  return {
    target,
    karmada: clientsFor(load(target.karmadaConfig, target.karmadaContext, 'the control plane')),
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
  await gone(f.karmada);
  await eventually(`namespace ${name} to be deleted from the control plane`, async () => ((await getOrUndefined(() => f.karmada.core.readNamespace({ name }))) === undefined ? true : undefined), timeoutMs, 1000);
  for (const m of [f.exporter, ...f.importers.map((i) => i.clients)]) await gone(m);
}

/**
 * What hack/e2e.sh creates in the Karmada control plane: examples/ (the
 * tutorial the demo and test/e2e/examples.test.ts apply), moved into the
 * test namespace and onto the members it was given. Pure.
 *
 * Left out: cluster-scoped objects (the ClusterPropagationPolicy that sends
 * the MCS CRDs to the members: e2e.sh checks the CRDs are there and writes
 * nothing outside its namespace) and the Deployment (spec.ips and the
 * answer CoreDNS gives depend on the derived Service, not on pods, and a
 * check of this project should not depend on pulling a workload image).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { EXAMPLE, type ExampleFile } from '../../test/env/examples.js';

export interface ScenarioTarget {
  namespace: string;
  exporter: string;
  importers: readonly string[];
}

const LEFT_OUT = new Set(['Deployment']);

interface Selector {
  kind?: string;
}
interface PolicySpec {
  resourceSelectors?: Selector[];
  placement?: { clusterAffinity?: { clusterNames?: string[] } };
}

/** examples/'s member names → the ones given: its exporter → the exporter, its importer → every importer. */
function placeOn(names: readonly string[], t: ScenarioTarget): string[] {
  return names.flatMap((n) => (n === EXAMPLE.exporter ? [t.exporter] : n === EXAMPLE.importer ? [...t.importers] : [n]));
}

export function scenarioObjects(examples: readonly ExampleFile[], t: ScenarioTarget): KubernetesObject[] {
  return examples
    .flatMap((f) => f.objects)
    .filter((o) => !LEFT_OUT.has(o.kind ?? '') && (o.kind === 'Namespace' || o.metadata?.namespace !== undefined))
    .map((original) => {
      const o = structuredClone(original) as KubernetesObject & { spec?: PolicySpec };
      if (o.kind === 'Namespace') o.metadata = { ...o.metadata, name: t.namespace };
      else o.metadata = { ...o.metadata, namespace: t.namespace };
      if (o.kind === 'PropagationPolicy' && o.spec) {
        if (o.spec.resourceSelectors) o.spec.resourceSelectors = o.spec.resourceSelectors.filter((s) => !LEFT_OUT.has(s.kind ?? ''));
        const affinity = o.spec.placement?.clusterAffinity;
        if (affinity?.clusterNames) affinity.clusterNames = placeOn(affinity.clusterNames, t);
      }
      return o;
    });
}

/** The Service examples/ exports and imports. */
export const SCENARIO_SERVICE = EXAMPLE.service;

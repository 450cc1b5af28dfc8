/**
 * examples/ on the local environment, as a user applies it: every file, in
 * name order, to the Karmada control plane — then, in the exporting member,
 * the EndpointSlice that stands in for the example Deployment's pods. The
 * environment has no kubelet, so those pods stay Pending and nothing else
 * would list an address for `web` (test/env/fixtures/example-endpoints.yaml).
 * Used by the demo and by test/e2e/examples.test.ts.
 */
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { apply, parseYamlObjects } from './kube.js';
import { waitUntil } from './process.js';
import { KARMADA_CONTEXT, kubeConfig, type EnvState } from './state.js';

/** What examples/ exports, from where, and into which member (examples/README.md). */
export const EXAMPLE = { namespace: 'demo', service: 'web', exporter: 'member1', importer: 'member2' } as const;

/** The name member2's CoreDNS answers once the examples are applied and the controller runs. */
export const EXAMPLE_NAME = `${EXAMPLE.service}.${EXAMPLE.namespace}.svc.clusterset.local`;

export const EXAMPLES_DIR = 'examples';
export const STAND_IN_ENDPOINTS = 'test/env/fixtures/example-endpoints.yaml';

export interface ExampleFile {
  /** Relative to the repository root. */
  file: string;
  objects: KubernetesObject[];
}

/** examples/*.yaml in the order a user applies them: by name, as `kubectl apply -f examples/` does. */
export function readExamples(root = repoRoot): ExampleFile[] {
  const dir = join(root, EXAMPLES_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `${EXAMPLES_DIR}/${f}`, objects: parseYamlObjects(readFileSync(join(dir, f), 'utf8')) }));
}

/** The EndpointSlice that stands in for the example's pods in the exporting member. */
export function readStandInEndpoints(root = repoRoot): KubernetesObject[] {
  return parseYamlObjects(readFileSync(join(root, STAND_IN_ENDPOINTS), 'utf8'));
}

const describeObject = (o: KubernetesObject) => `${o.kind} ${o.metadata?.name}`;

/** Applies examples/ and the stand-in endpoints; `say` gets one line per step. */
export async function applyExamples(env: EnvState, fieldManager: string, say: (line: string) => void = () => {}): Promise<void> {
  const karmada = kubeConfig(env, KARMADA_CONTEXT);
  for (const { file, objects } of readExamples()) {
    await apply(karmada, objects, fieldManager);
    say(`applied ${file} to the Karmada control plane (${objects.map(describeObject).join(', ')})`);
  }
  // Karmada creates the namespace in the member; the slice cannot go in before it does.
  const exporter = kubeConfig(env, EXAMPLE.exporter);
  const core = exporter.makeApiClient(CoreV1Api);
  await waitUntil(`namespace ${EXAMPLE.namespace} in ${EXAMPLE.exporter}`, async () => {
    await core.readNamespace({ name: EXAMPLE.namespace });
    return true;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  await apply(exporter, readStandInEndpoints(), fieldManager);
  say(`applied ${STAND_IN_ENDPOINTS} to ${EXAMPLE.exporter} (an EndpointSlice for ${EXAMPLE.service}'s pods: no kubelet runs them here)`);
}

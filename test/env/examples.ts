/**
 * examples/ on the local environment, as a user applies it: every file, in
 * name order, to the Karmada control plane. First, one OverridePolicy of the
 * environment's own (test/env/fixtures/example-runnable.yaml) makes the
 * example's Deployment runnable by the process kubelet in the exporting
 * member: its agnhost image becomes the same behaviour as a command. It goes
 * in before the Deployment, so Karmada's first Work for the exporter already
 * carries it. Used by the demo and by test/e2e/examples.test.ts.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { apply, parseYamlObjects } from './kube.js';
import { KARMADA_CONTEXT, kubeConfig, type EnvState } from './state.js';

/** What examples/ exports, from where, and into which member (examples/README.md). */
export const EXAMPLE = { namespace: 'demo', service: 'web', exporter: 'member1', importer: 'member2' } as const;

/** The name member2's CoreDNS answers once the examples are applied and the controller runs. */
export const EXAMPLE_NAME = `${EXAMPLE.service}.${EXAMPLE.namespace}.svc.clusterset.local`;

export const EXAMPLES_DIR = 'examples';
export const RUNNABLE_OVERRIDE = 'test/env/fixtures/example-runnable.yaml';

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

/** The OverridePolicy that lets the process kubelet run the example's pods in the exporting member. */
export function readRunnableOverride(root = repoRoot): KubernetesObject[] {
  return parseYamlObjects(readFileSync(join(root, RUNNABLE_OVERRIDE), 'utf8'));
}

const describeObject = (o: KubernetesObject) => `${o.kind} ${o.metadata?.name}`;

/** Applies the runnable override, then examples/; `say` gets one line per step. */
export async function applyExamples(env: EnvState, fieldManager: string, say: (line: string) => void = () => {}): Promise<void> {
  const karmada = kubeConfig(env, KARMADA_CONTEXT);
  const files = readExamples();
  // The override lives in the example's namespace, which the examples create.
  const ns = files.flatMap((f) => f.objects).filter((o) => o.kind === 'Namespace' && o.metadata?.name === EXAMPLE.namespace);
  await apply(karmada, [...ns, ...readRunnableOverride()], fieldManager);
  say(`applied ${RUNNABLE_OVERRIDE} to the Karmada control plane (the example's pods run as processes in ${EXAMPLE.exporter}: no container runtime here)`);
  for (const { file, objects } of files) {
    await apply(karmada, objects, fieldManager);
    say(`applied ${file} to the Karmada control plane (${objects.map(describeObject).join(', ')})`);
  }
}

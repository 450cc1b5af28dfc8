/**
 * The kustomization folders under config/, found by walking it rather than listed, so a test
 * that goes through all of them (helm-chart.test.ts, config-applies.test.ts) also covers a
 * folder added later.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../env/binaries.js';
import { kustomizeResources } from '../env/controller.js';

const configDir = join(repoRoot, 'config');

/** Every folder under config/ holding a kustomization.yaml, relative to config/ with '/' ('host', 'karmada/auto-import', …), sorted. */
export function configFolders(): string[] {
  const found: string[] = [];
  const walk = (rel: string[]) => {
    const dir = join(configDir, ...rel);
    if (rel.length > 0 && existsSync(join(dir, 'kustomization.yaml'))) found.push(rel.join('/'));
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk([...rel, e.name]);
  };
  walk([]);
  return found.sort();
}

/** The objects these config/ folders' kustomizations list (configMapGenerator left out: kustomizeResources reads `resources` only). */
export function configObjects(...folders: string[]): KubernetesObject[] {
  return folders.flatMap((f) => kustomizeResources(join(configDir, ...f.split('/'))));
}

/**
 * Guards that turn untrusted API objects into the types in this folder.
 * Everything read from an API server passes one before any decision sees it,
 * so a malformed object becomes a clear reason instead of a crash.
 */
import type { Cluster } from './karmada.js';
import type { ServiceImport } from './mcs.js';
import type { ObjectMeta } from './meta.js';
import { fail, ok, type Result } from './result.js';

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

function meta(obj: unknown): Result<ObjectMeta> {
  if (!isRecord(obj) || !isRecord(obj['metadata'])) return fail('object has no metadata');
  const m = obj['metadata'];
  if (typeof m['name'] !== 'string' || m['name'] === '') return fail('object has no metadata.name');
  return ok(m as unknown as ObjectMeta);
}

export function parseServiceImport(obj: unknown): Result<ServiceImport> {
  const m = meta(obj);
  if (!m.ok) return m;
  const where = `ServiceImport ${m.value.namespace ?? ''}/${m.value.name}`;
  const spec = (obj as Record<string, unknown>)['spec'];
  if (!isRecord(spec)) return fail(`${where} has no spec`);
  if (spec['type'] !== 'ClusterSetIP' && spec['type'] !== 'Headless') {
    return fail(`${where}: spec.type is ${JSON.stringify(spec['type'])}, want ClusterSetIP or Headless`);
  }
  const ports = spec['ports'] ?? [];
  if (!Array.isArray(ports) || !ports.every((p) => isRecord(p) && typeof p['port'] === 'number')) {
    return fail(`${where}: spec.ports is not a list of ports`);
  }
  if (spec['ips'] !== undefined && !isStringArray(spec['ips'])) return fail(`${where}: spec.ips is not a list of strings`);
  return ok(obj as ServiceImport);
}

export function parseCluster(obj: unknown): Result<Cluster> {
  const m = meta(obj);
  if (!m.ok) return m;
  const spec = (obj as Record<string, unknown>)['spec'];
  if (!isRecord(spec) || (spec['syncMode'] !== 'Push' && spec['syncMode'] !== 'Pull')) {
    return fail(`Cluster ${m.value.name}: spec.syncMode must be Push or Pull`);
  }
  return ok(obj as Cluster);
}

/** What an installed ServiceImport or ServiceExport CRD serves and its schema allows. */
import type { KubeObject } from '../api/meta.js';
import { MCS_VERSION } from '../kube/gvr.js';

/**
 * spec.ips maxItems of an installed ServiceImport CRD (Karmada's: 1; mcs-api
 * >= v0.2.0: 2); undefined when the CRD or its served v1alpha1 is missing.
 */
export function ipsMaxItemsOf(crd: KubeObject | undefined): number | undefined {
  if (!crd) return undefined;
  const v = versionsOf(crd).find((x) => x.name === MCS_VERSION && x.served !== false);
  if (!v) return undefined; // CoreDNS watches v1alpha1: without it nothing answers
  const ips = fieldOf(v.schema?.openAPIV3Schema, ['spec', 'ips']) as { maxItems?: number } | undefined;
  return ips?.maxItems ?? 2; // no limit in the schema: one per IP family
}

type Schema = { properties?: Record<string, Schema> };
type CrdVersion = { name: string; served?: boolean; schema?: { openAPIV3Schema?: unknown } };

/** The schema of the field at `path` (["spec", "ips"]) under `schema`, through `properties`; undefined when absent. */
function fieldOf(schema: unknown, path: readonly string[]): Schema | undefined {
  let at = schema as Schema | undefined;
  for (const p of path) at = at?.properties?.[p];
  return at;
}

/**
 * Whether the schema of `version` (served) has the field at `path`, e.g.
 * ["status", "conditions"]; false when that version is not served. A
 * structural schema prunes what it does not declare, so a field missing
 * here is a field the API server drops.
 */
export function servesField(crd: KubeObject | undefined, version: string, path: readonly string[]): boolean {
  const v = crd ? versionsOf(crd).find((x) => x.name === version && x.served !== false) : undefined;
  return v !== undefined && fieldOf(v.schema?.openAPIV3Schema, path) !== undefined;
}

const versionsOf = (crd: KubeObject): CrdVersion[] => (crd as { spec?: { versions?: CrdVersion[] } }).spec?.versions ?? [];

/**
 * The versions an installed CRD serves; undefined when it is not installed.
 * Tells "not installed" from "installed, but not serving v1alpha1" (an
 * mcs-api release that serves only v1beta1), whose fixes differ.
 */
export function servedVersionsOf(crd: KubeObject | undefined): string[] | undefined {
  return crd ? versionsOf(crd).filter((v) => v.served !== false).map((v) => v.name) : undefined;
}

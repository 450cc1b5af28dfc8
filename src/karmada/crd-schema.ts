/** What the installed ServiceImport CRD's schema allows. */
import type { KubeObject } from '../api/meta.js';
import { MCS_VERSION } from '../kube/gvr.js';

/**
 * spec.ips maxItems of an installed ServiceImport CRD (Karmada's: 1; mcs-api
 * >= v0.2.0: 2); undefined when the CRD or its served v1alpha1 is missing.
 */
export function ipsMaxItemsOf(crd: KubeObject | undefined): number | undefined {
  if (!crd) return undefined;
  const versions = (crd as { spec?: { versions?: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: unknown } }> } }).spec?.versions ?? [];
  const v = versions.find((x) => x.name === MCS_VERSION && x.served !== false);
  if (!v) return undefined; // CoreDNS watches v1alpha1: without it nothing answers
  const ips = (v.schema?.openAPIV3Schema as { properties?: { spec?: { properties?: { ips?: { maxItems?: number } } } } } | undefined)?.properties?.spec?.properties?.ips;
  return ips?.maxItems ?? 2; // no limit in the schema: one per IP family
}

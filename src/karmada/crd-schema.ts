/** What the installed ServiceImport CRD's schema allows. */
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
  const ips = (v.schema?.openAPIV3Schema as { properties?: { spec?: { properties?: { ips?: { maxItems?: number } } } } } | undefined)?.properties?.spec?.properties?.ips;
  return ips?.maxItems ?? 2; // no limit in the schema: one per IP family
}

type CrdVersion = { name: string; served?: boolean; schema?: { openAPIV3Schema?: unknown } };
const versionsOf = (crd: KubeObject): CrdVersion[] => (crd as { spec?: { versions?: CrdVersion[] } }).spec?.versions ?? [];

/**
 * The versions an installed CRD serves; undefined when it is not installed.
 * Tells "not installed" from "installed, but not serving v1alpha1" (an
 * mcs-api release that serves only v1beta1), whose fixes differ.
 */
export function servedVersionsOf(crd: KubeObject | undefined): string[] | undefined {
  return crd ? versionsOf(crd).filter((v) => v.served !== false).map((v) => v.name) : undefined;
}

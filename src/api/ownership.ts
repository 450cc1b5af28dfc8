/**
 * The annotation that says a member ServiceImport's spec.ips is ours to fill
 * (docs/design.md#ownership).
 *
 * - The controller sets it on every Karmada-propagated member ServiceImport it
 *   fills directly; Karmada's retention rule for ServiceImport (the
 *   ResourceInterpreterCustomization in src/karmada/retention.ts) keeps the
 *   member's spec.ips only on objects that carry it.
 * - On a ServiceImport Karmada does not propagate, a user sets it to opt in;
 *   without it such an object is never written.
 */
export const FILL_IPS_ANNOTATION = 'clusterset-dns.io/fill-ips';
export const FILL_IPS_VALUE = 'true';

export const fillsIps = (annotations: Record<string, string> | undefined): boolean => annotations?.[FILL_IPS_ANNOTATION] === FILL_IPS_VALUE;

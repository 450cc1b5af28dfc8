/**
 * The OverridePolicy through which spec.ips reaches Karmada-managed member
 * ServiceImports (docs/design.md#where-writes-go), as pure functions: its name, the object we want, and
 * the rules an existing one carries. One policy per control-plane
 * ServiceImport, owned by it (garbage-collected with it), one rule per
 * importing cluster. Verified against Karmada v1.18.2: test/e2e/smoke.test.ts.
 */
import { createHash } from 'node:crypto';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_API_VERSION } from '../kube/gvr.js';
import type { OverridePolicy } from '../api/karmada.js';

export const OVERRIDE_POLICY_PREFIX = 'clusterset-dns-';

/** Kubernetes object names (DNS subdomains) are at most this long. */
export const MAX_NAME_LENGTH = 253;
/** Hex digits of the sha256 of the ServiceImport name that end a shortened name. */
export const HASH_LENGTH = 10;

/**
 * Our OverridePolicy's name for a ServiceImport: `clusterset-dns-<name>`, or,
 * when that would be longer than an object name may be, the name cut short
 * and ended with a hash of the whole ServiceImport name, the way Kubernetes
 * controllers name what they generate. Deterministic, so writes and lookups
 * agree; the hash keeps two long names with the same start apart.
 */
export function overridePolicyName(serviceImport: string): string {
  const full = `${OVERRIDE_POLICY_PREFIX}${serviceImport}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = createHash('sha256').update(serviceImport).digest('hex').slice(0, HASH_LENGTH);
  // A DNS subdomain's labels end in an alphanumeric: no '.' or '-' before the hash's '-'.
  const head = full.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1).replace(/[.-]+$/, '');
  return `${head}-${hash}`;
}

/**
 * Which ServiceImport a policy of ours belongs to. A shortened name cannot
 * be read back, so every policy we write says it here; policies written
 * before this annotation existed are read back from their name.
 */
export const SERVICE_IMPORT_ANNOTATION = 'clusterset-dns.io/service-import';

/** Whether we wrote this policy: only then may it be changed or deleted. */
export const isOurPolicy = (p: OverridePolicy): boolean => p.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;

/**
 * The ServiceImport an OverridePolicy of ours belongs to, or undefined for
 * someone else's: it must carry our label and bear the name we would give
 * that ServiceImport's policy.
 */
export function serviceImportOfPolicy(p: OverridePolicy): string | undefined {
  if (!isOurPolicy(p)) return undefined;
  const name = p.metadata.annotations?.[SERVICE_IMPORT_ANNOTATION] ?? (p.metadata.name.startsWith(OVERRIDE_POLICY_PREFIX) ? p.metadata.name.slice(OVERRIDE_POLICY_PREFIX.length) : undefined);
  return name !== undefined && name !== '' && overridePolicyName(name) === p.metadata.name ? name : undefined;
}

/** Where the local-first mode of each managed importer is shown: an annotation on our policy. */
export const MODES_ANNOTATION = 'clusterset-dns.io/local-first-modes';

/** "member1=derived,member2=local", sorted; '' when local-first is off. */
export const modesValue = (modes: Record<string, string>) =>
  Object.keys(modes).sort().map((c) => `${c}=${modes[c]}`).join(',');

export function desiredOverridePolicy(
  namespace: string,
  serviceImport: { name: string; uid: string },
  rules: Record<string, string[]>,
  modes: Record<string, string> = {},
): OverridePolicy {
  const mv = modesValue(modes);
  return {
    apiVersion: `${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`,
    kind: 'OverridePolicy',
    metadata: {
      name: overridePolicyName(serviceImport.name),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { [SERVICE_IMPORT_ANNOTATION]: serviceImport.name, ...(mv ? { [MODES_ANNOTATION]: mv } : {}) },
      ownerReferences: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: serviceImport.name, uid: serviceImport.uid, controller: true }],
    },
    spec: {
      resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: serviceImport.name }],
      overrideRules: Object.keys(rules).sort().map((cluster) => ({
        targetCluster: { clusterNames: [cluster] },
        // `add` on an existing member replaces it (RFC 6902), so it works
        // whether or not the template already has spec.ips.
        overriders: { plaintext: [{ path: '/spec/ips', operator: 'add', value: rules[cluster] }] },
      })),
    },
  };
}

/**
 * A merge patch that makes the policy `desired` if it is still at
 * `resourceVersion`: every field we own is set (our annotations that
 * `desired` lacks, and the deprecated top-level overriders, are removed), the
 * arrays (selectors, rules, owner) replaced whole, as merge patches do.
 */
export function conditionalPolicyPatch(desired: OverridePolicy, resourceVersion: string): object {
  const annotations: Record<string, string | null> = { [MODES_ANNOTATION]: null, ...desired.metadata.annotations };
  return {
    metadata: { resourceVersion, labels: desired.metadata.labels, annotations, ownerReferences: desired.metadata.ownerReferences },
    spec: { targetCluster: null, overriders: null, ...desired.spec },
  };
}

/** cluster → ips, as the policy says now. Rules not in our shape are ignored (and so get overwritten). */
export function rulesOf(p: OverridePolicy): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of p.spec?.overrideRules ?? []) {
    const clusters = r.targetCluster?.clusterNames ?? [];
    const op = r.overriders?.plaintext?.find((o) => o.path === '/spec/ips');
    const cluster = clusters[0];
    if (clusters.length === 1 && cluster && Array.isArray(op?.value) && op.value.every((v) => typeof v === 'string')) {
      out[cluster] = op.value as string[];
    }
  }
  return out;
}

/**
 * Whether `p` already says what we would write for `rules` (and so needs no
 * write). Compared by meaning, not by JSON text: the API server returns keys
 * in its own order and Karmada's webhook adds defaults (e.g. the selector's
 * namespace, an empty spec.overriders).
 */
export function policyMatches(p: OverridePolicy, _namespace: string, si: { name: string; uid: string }, rules: Record<string, string[]>, modes: Record<string, string> = {}): boolean {
  if (!p.metadata.ownerReferences?.some((o) => o.uid === si.uid)) return false;
  if ((p.metadata.annotations?.[MODES_ANNOTATION] ?? '') !== modesValue(modes)) return false;
  if (p.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return false;
  const sel = p.spec?.resourceSelectors ?? [];
  if (sel.length !== 1 || sel[0]?.kind !== 'ServiceImport' || sel[0].name !== si.name || sel[0].apiVersion !== MCS_API_VERSION) return false;
  const have = rulesOf(p);
  const clusters = Object.keys(rules);
  if ((p.spec.overrideRules ?? []).length !== clusters.length || Object.keys(have).length !== clusters.length) return false;
  return clusters.every((c) => {
    const a = have[c];
    const b = rules[c] ?? [];
    return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  });
}

/**
 * Which ServiceImport keys a change that is not about one object can
 * affect, so the cluster manager re-enqueues those and not every key. Pure:
 * the cluster manager hands in readers over its caches.
 *
 * What a decision reads (src/serviceimport/build-snapshot.ts, decide.ts)
 * bounds the answer:
 *
 *  - A Namespace (control plane or member) being deleted stops writes for
 *    the keys in it: a Namespace event touches only the keys in that
 *    namespace.
 *  - A member takes part in a key's decision through its ServiceImport
 *    (its spec.ips, its route, its CRD's maxItems, kept while unreachable),
 *    its ServiceExport (status.clusters, where it stays listed while
 *    unreachable) and the OverridePolicy rule naming it (kept while
 *    unreachable, dropped with the member). So a member that is engaged,
 *    dropped, becomes reachable or unreachable, or whose ServiceImport CRD
 *    changes touches the keys it has a ServiceImport or ServiceExport for,
 *    the keys whose OverridePolicy names it, and the keys whose
 *    status.clusters lists it (an export removed while the member was out of
 *    sight shows no object after a fresh relist). A key reconciled while the
 *    member was unreachable only kept its state, and an object first seen
 *    during a relist was reconciled while the member still counted as
 *    unreachable: both are among those keys.
 *  - An OverridePolicy of ours belongs to one key. Someone else's matters
 *    only to the one control-plane ServiceImport whose policy would bear its
 *    name (it blocks that policy: PolicyNameTaken), so only that key is
 *    touched, not its whole namespace.
 *  - One thing a member decides without any object of its own: `CRDMissing`,
 *    reported for every control-plane ServiceImport while the member is
 *    reachable and its ServiceImport CRD is not installed. When that
 *    condition flips, every control-plane key is touched.
 */
import { key, splitKey } from '../api/meta.js';

/** What a member looks like to the decisions, before and after a change. */
export interface MemberFacts {
  reachable: boolean;
  /** Its ServiceImport CRD is installed and serves the version we read. */
  crdInstalled: boolean;
}

export const NO_MEMBER: MemberFacts = { reachable: false, crdInstalled: false };

export type KeyEvent =
  /** A Namespace changed, in the control plane or in a member. */
  | { kind: 'namespace'; namespace: string }
  /** A member was engaged or dropped, its reachability changed, or its ServiceImport CRD changed. */
  | { kind: 'member'; cluster: string; before: MemberFacts; after: MemberFacts }
  /** An OverridePolicy changed; `serviceImport` is the one it belongs to when it is ours, undefined when it is someone else's. */
  | { kind: 'policy'; namespace: string; name: string; serviceImport: string | undefined };

/** Readers over the caches (each returns keys, namespace/name), and how our policies are named. */
export interface KeySources {
  /** The control plane's ServiceImports, in `namespace` when given. */
  controlPlaneImports(namespace?: string): string[];
  /** The ServiceImports and ServiceExports of one member, or of every member when `cluster` is undefined; in `namespace` when given. */
  memberObjects(cluster: string | undefined, namespace?: string): string[];
  /** Our OverridePolicies, each with its key and the clusters its rules name. */
  policies(): Array<{ key: string; clusters: readonly string[] }>;
  /** The control plane's ServiceImports, each with its key and the clusters its status.clusters lists. */
  listedExporters(): Array<{ key: string; clusters: readonly string[] }>;
  /** The name our OverridePolicy for a ServiceImport has (the feature names it; long names end in a hash). */
  policyNameOf(serviceImport: string): string;
}

const crdMissing = (f: MemberFacts) => f.reachable && !f.crdInstalled;
const naming = (xs: Array<{ key: string; clusters: readonly string[] }>, cluster: string) => xs.filter((x) => x.clusters.includes(cluster)).map((x) => x.key);

/** The keys `e` can change, sorted, without duplicates. */
export function keysForEvent(e: KeyEvent, sources: KeySources): string[] {
  const keys = new Set<string>();
  const add = (ks: Iterable<string>) => {
    for (const k of ks) keys.add(k);
  };
  if (e.kind === 'namespace') {
    const prefix = key(e.namespace, '');
    add(sources.controlPlaneImports(e.namespace));
    add(sources.memberObjects(undefined, e.namespace));
    add(sources.policies().filter((p) => p.key.startsWith(prefix)).map((p) => p.key));
  } else if (e.kind === 'policy') {
    if (e.serviceImport !== undefined) add([key(e.namespace, e.serviceImport)]);
    else add(sources.controlPlaneImports(e.namespace).filter((k) => sources.policyNameOf(splitKey(k).name) === e.name));
  } else {
    add(sources.memberObjects(e.cluster));
    add(naming(sources.policies(), e.cluster));
    add(naming(sources.listedExporters(), e.cluster));
    if (crdMissing(e.before) !== crdMissing(e.after)) add(sources.controlPlaneImports());
  }
  return [...keys].sort();
}

/**
 * `clusterset-dns karmada uninstall`, the part of the pure plan for what
 * `run --auto-import` keeps in the Karmada control plane
 * (docs/auto-import.md): per import a PropagationPolicy, the ServiceImport
 * and, when the control plane lacked it, the namespace; and the sentinel's
 * namespace, ServiceExport and PropagationPolicy.
 *
 * Ours is what carries both of our labels (src/autoimport/decide.ts
 * isAutoImportObject), never what merely has our names: a
 * `clusterset-dns-system` namespace, a `clusterset-dns-import-*` policy or a
 * `clusterset-dns-sentinel` export without them belongs to someone else, is
 * left, and is listed.
 *
 * The order mirrors the controller's own clean-up (src/autoimport/decide.ts):
 * the import policies first, so Karmada removes the member ServiceImports and
 * derived Services it made from them; then our ServiceImports; then the
 * sentinel's policy and ServiceExport; the namespaces last, since deleting a
 * namespace deletes everything in it.
 */
import { isAutoImportObject } from '../autoimport/decide.js';
import { SENTINEL_NAME, SENTINEL_NAMESPACE } from '../autoimport/sentinel.js';
import type { KubeObject } from '../api/meta.js';
import type { Left, Step } from './karmada-uninstall-plan.js';

/** What the plan reads of the control plane for automatic imports: each list whole, every namespace. */
export interface AutoImportLists {
  namespaces: KubeObject[];
  propagationPolicies: KubeObject[];
  serviceExports: KubeObject[];
  /** The control-plane ServiceImports. */
  serviceImports: KubeObject[];
  /** The control-plane OverridePolicies: only to see whether a namespace holds anything else. */
  overridePolicies: KubeObject[];
}

/** The kinds whose objects the namespace rule looks at; anything of another kind in a namespace is not seen. */
export const NAMESPACE_CONTENT_KINDS = 'ServiceImports, ServiceExports, PropagationPolicies and OverridePolicies';

const IMPORT_POLICY_PREFIX = 'clusterset-dns-import-';
const OUR_LABELS_TEXT = 'app.kubernetes.io/managed-by=clusterset-dns and clusterset-dns.io/auto-import=true';

type Namespaced = Extract<Step, { kind: 'auto-policy' | 'auto-import' | 'auto-export' }>;

const byKey = (a: KubeObject, b: KubeObject) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`);
const sorted = (objects: KubeObject[]) => [...objects].sort(byKey);
const step = <K extends Namespaced['kind']>(kind: K, o: KubeObject) => ({ kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name, uid: o.metadata.uid ?? '' }) as Extract<Step, { kind: K }>;
const isSentinel = (o: KubeObject) => o.metadata.namespace === SENTINEL_NAMESPACE && o.metadata.name === SENTINEL_NAME;
const notOurs = (what: string) => ({ what, why: `named like an automatic import's but not labelled ${OUR_LABELS_TEXT}: not ours` });

/**
 * The steps that remove what automatic imports made, in their order, and the
 * look-alikes left. `alsoRemoved` names the other objects this uninstall
 * removes ("OverridePolicy ns/name"), which do not keep a namespace.
 */
export function planAutoImportRemoval(lists: AutoImportLists, alsoRemoved: ReadonlySet<string>): { steps: Step[]; left: Left[] } {
  const left: Left[] = [];
  const ours = (objects: KubeObject[]) => sorted(objects).filter((o) => isAutoImportObject(o.metadata.labels));

  const policies = ours(lists.propagationPolicies);
  const importPolicies = policies.filter((p) => !isSentinel(p)).map((p) => step('auto-policy', p));
  const imports = ours(lists.serviceImports).map((si) => step('auto-import', si));
  const sentinel = [...policies.filter(isSentinel).map((p) => step('auto-policy', p)), ...ours(lists.serviceExports).map((se) => step('auto-export', se))];
  for (const p of sorted(lists.propagationPolicies)) {
    if (!isAutoImportObject(p.metadata.labels) && (p.metadata.name.startsWith(IMPORT_POLICY_PREFIX) || isSentinel(p))) left.push(notOurs(`PropagationPolicy ${p.metadata.namespace ?? ''}/${p.metadata.name}`));
  }
  for (const se of sorted(lists.serviceExports)) {
    if (!isAutoImportObject(se.metadata.labels) && isSentinel(se)) left.push(notOurs(`ServiceExport ${se.metadata.namespace ?? ''}/${se.metadata.name}`));
  }

  const removed = new Set(alsoRemoved);
  const kindOf = { 'auto-policy': 'PropagationPolicy', 'auto-import': 'ServiceImport', 'auto-export': 'ServiceExport' } as const;
  for (const s of [...importPolicies, ...imports, ...sentinel]) removed.add(`${kindOf[s.kind]} ${s.namespace}/${s.name}`);
  const others = othersByNamespace(lists, removed);

  const namespaces: Step[] = [];
  for (const ns of sorted(lists.namespaces)) {
    const name = ns.metadata.name;
    if (!isAutoImportObject(ns.metadata.labels)) {
      if (name === SENTINEL_NAMESPACE) left.push({ what: `Namespace ${name}`, why: `the sentinel's name but not labelled ${OUR_LABELS_TEXT}: not ours` });
      continue;
    }
    const kept = others.get(name);
    if (kept) left.push({ what: `Namespace ${name}`, why: `ours, but it holds ${kept.join(', ')}, which uninstall does not remove: deleting the namespace would delete them` });
    else namespaces.push({ kind: 'namespace', name, uid: ns.metadata.uid ?? '' });
  }
  return { steps: [...importPolicies, ...imports, ...sentinel, ...namespaces], left };
}

/** Per namespace, the objects of the kinds we list that this uninstall does not remove. */
function othersByNamespace(lists: AutoImportLists, removed: ReadonlySet<string>): Map<string, string[]> {
  const others = new Map<string, string[]>();
  const seen: Array<[string, KubeObject[]]> = [
    ['ServiceImport', lists.serviceImports],
    ['ServiceExport', lists.serviceExports],
    ['PropagationPolicy', lists.propagationPolicies],
    ['OverridePolicy', lists.overridePolicies],
  ];
  for (const [kind, objects] of seen) {
    for (const o of sorted(objects)) {
      const ns = o.metadata.namespace ?? '';
      if (removed.has(`${kind} ${ns}/${o.metadata.name}`)) continue;
      others.set(ns, [...(others.get(ns) ?? []), `${kind} ${o.metadata.name}`]);
    }
  }
  return others;
}

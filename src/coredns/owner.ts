/**
 * Who else keeps the Corefile's ConfigMap in the state they want: a reconciler
 * (Karmada, the addon manager, Helm, a GitOps controller, a cloud add-on,
 * k3s's deploy controller) would put its own Corefile back over our edit —
 * at once, on its next sync, or on the next upgrade — and CoreDNS would stop
 * answering the clusterset zone without anyone having touched it. So install
 * refuses to edit such a ConfigMap and names the owner and how to add the
 * stanza through it (docs/coredns.md, "A Corefile someone else owns").
 *
 * Read from the ConfigMap's metadata only (labels, annotations, owner
 * references, managedFields managers): no other object, no API call. Pure.
 */
import type * as k8s from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';

export interface CorefileOwner {
  /** Who, for people: "Helm release kube-system/coredns". */
  owner: string;
  /** The metadata that says so: `label addonmanager.kubernetes.io/mode=Reconcile`. */
  evidence: string;
  /** How to get the stanza in through that owner instead. */
  fix: string;
}

const DRY_RUN_HINT = 'clusterset-dns coredns install --dry-run prints the lines to add';

type Meta = k8s.V1ObjectMeta;
type Rule = (m: Meta) => CorefileOwner | undefined;

const labels = (m: Meta) => m.labels ?? {};
const annotations = (m: Meta) => m.annotations ?? {};
const withPrefix = (o: Record<string, string>, prefix: string) => Object.keys(o).find((k) => k.startsWith(prefix));

/** The managedFields managers that wrote the ConfigMap's data (all of its managers when fieldsV1 is not given). */
function dataManagers(m: Meta): string[] {
  return (m.managedFields ?? [])
    .filter((f) => f.manager && (f.fieldsV1 === undefined || JSON.stringify(f.fieldsV1).includes('"f:data"')))
    .map((f) => f.manager as string);
}

const managerRule = (names: readonly string[], owner: (manager: string) => string, fix: string): Rule => (m) => {
  const manager = dataManagers(m).find((x) => names.includes(x));
  return manager === undefined ? undefined : { owner: owner(manager), evidence: `managedFields manager ${manager} owns its data`, fix };
};

const KARMADA_FIX = `change the ConfigMap in the Karmada control plane that Karmada propagates to this member (${DRY_RUN_HINT})`;

/** In the order they are tried: the most specific owner first. */
const RULES: readonly Rule[] = [
  // Karmada: a ConfigMap propagated from the control plane is re-applied from its template.
  (m) => {
    if (labels(m)['karmada.io/managed'] === 'true') return { owner: 'Karmada (propagated from the control plane)', evidence: 'label karmada.io/managed=true', fix: KARMADA_FIX };
    const k = withPrefix(labels(m), 'work.karmada.io/') ?? withPrefix(annotations(m), 'work.karmada.io/');
    return k ? { owner: 'Karmada (propagated from the control plane)', evidence: `${k in labels(m) ? 'label' : 'annotation'} ${k}`, fix: KARMADA_FIX } : undefined;
  },
  managerRule(['karmada-controller-manager', 'karmada-agent'], (x) => `Karmada (${x})`, KARMADA_FIX),
  // kube-addon-manager (GKE, AKS, kube-up clusters): Reconcile re-applies the manifest; EnsureExists only creates it.
  (m) => labels(m)['addonmanager.kubernetes.io/mode'] === 'Reconcile'
    ? {
      owner: 'the Kubernetes addon manager (mode Reconcile)',
      evidence: 'label addonmanager.kubernetes.io/mode=Reconcile',
      fix: `on AKS add a server block for the zone to the coredns-custom ConfigMap (a *.server key); elsewhere change the addon manifest on the control-plane nodes, or set that label to EnsureExists (${DRY_RUN_HINT})`,
    }
    : undefined,
  // Helm, and Flux's helm-controller, which runs Helm.
  (m) => {
    const release = annotations(m)['meta.helm.sh/release-name'];
    const ns = annotations(m)['meta.helm.sh/release-namespace'];
    const byLabel = labels(m)[MANAGED_BY_LABEL] === 'Helm';
    if (release === undefined && !byLabel) return undefined;
    return {
      owner: release !== undefined ? `Helm release ${ns ? `${ns}/` : ''}${release}` : 'Helm',
      evidence: release !== undefined ? 'annotation meta.helm.sh/release-name' : `label ${MANAGED_BY_LABEL}=Helm`,
      fix: `add the stanza to the chart's values (the coredns chart: servers[].plugins) and upgrade the release (${DRY_RUN_HINT})`,
    };
  },
  managerRule(['helm', 'helm-controller'], (x) => `Helm (${x})`, `add the stanza to the chart's values and upgrade the release (${DRY_RUN_HINT})`),
  // GitOps controllers: they sync the manifest from Git back over the cluster.
  (m) => {
    const k = withPrefix(labels(m), 'kustomize.toolkit.fluxcd.io/');
    return k ? { owner: `Flux Kustomization ${labels(m)['kustomize.toolkit.fluxcd.io/namespace'] ?? '?'}/${labels(m)['kustomize.toolkit.fluxcd.io/name'] ?? '?'}`, evidence: `label ${k}`, fix: `add the stanza to the manifest in Git (${DRY_RUN_HINT})` } : undefined;
  },
  (m) => {
    const id = annotations(m)['argocd.argoproj.io/tracking-id'];
    return id !== undefined ? { owner: `Argo CD application ${id.split(':')[0]}`, evidence: 'annotation argocd.argoproj.io/tracking-id', fix: `add the stanza to the manifest in Git (${DRY_RUN_HINT})` } : undefined;
  },
  managerRule(['kustomize-controller', 'argocd-controller'], (x) => `GitOps (${x})`, `add the stanza to the manifest in Git (${DRY_RUN_HINT})`),
  // k3s's deploy controller re-applies /var/lib/rancher/k3s/server/manifests/coredns.yaml.
  (m) => labels(m)['objectset.rio.cattle.io/hash'] !== undefined
    ? { owner: 'k3s (its packaged coredns manifest)', evidence: 'label objectset.rio.cattle.io/hash', fix: 'add a server block for the zone to the coredns-custom ConfigMap (a *.server key), which k3s imports' }
    : undefined,
  // An EKS managed add-on owns the fields it applies, and puts them back on update.
  managerRule(['eks'], () => 'the Amazon EKS CoreDNS add-on', `give the Corefile through the add-on's configuration values (aws eks update-addon --configuration-values, key corefile) (${DRY_RUN_HINT})`),
  // Any other controller that owns the object.
  (m) => {
    const ref = (m.ownerReferences ?? []).find((r) => r.controller === true);
    return ref ? { owner: `${ref.kind} ${ref.name} (its controller)`, evidence: `ownerReference ${ref.kind}/${ref.name}`, fix: `add the stanza through that ${ref.kind} (${DRY_RUN_HINT})` } : undefined;
  },
  (m) => {
    const by = labels(m)[MANAGED_BY_LABEL];
    return by !== undefined && by !== MANAGED_BY_VALUE ? { owner: by, evidence: `label ${MANAGED_BY_LABEL}=${by}`, fix: `add the stanza through ${by} (${DRY_RUN_HINT})` } : undefined;
  },
];

/** The reconciler that would revert an edit of this ConfigMap, or undefined when nothing says there is one. Pure. */
export function corefileOwner(configMap: Pick<k8s.V1ConfigMap, 'metadata'>): CorefileOwner | undefined {
  const m = configMap.metadata ?? {};
  for (const rule of RULES) {
    const found = rule(m);
    if (found) return found;
  }
  return undefined;
}

/** Install's one-line refusal for an owned ConfigMap. */
export function ownerRefusal(o: CorefileOwner, configMap: string): string {
  return `refused before changing anything: ConfigMap ${configMap} is managed by ${o.owner} (${o.evidence}), which would revert this edit; ${o.fix}, or pass --ignore-configmap-owner if it does not reconcile the Corefile`;
}

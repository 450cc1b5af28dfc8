/**
 * What makes two renderings of the controller's host objects the same deployment, for
 * comparing the Helm chart's with config/host's: the fields that decide how the controller
 * runs (arguments, ports, probes, hardening, resources, identity, the kubeconfig mount,
 * scheduling) and RBAC rules, keyed by kind, namespace and name. Labels and annotations
 * Helm adds are left out; config/'s own labels are compared apart (ownLabels).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

type Obj = KubernetesObject & Record<string, unknown>;
type Fields = Record<string, unknown>;

export function objectKey(o: KubernetesObject): string {
  return `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Only the keys named, those present: an absent field and an empty one read alike. */
function pick(from: unknown, keys: readonly string[]): Fields {
  const src = (from ?? {}) as Fields;
  const out: Fields = {};
  for (const k of keys) {
    const v = src[k];
    const empty = v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    if (!empty) out[k] = v;
  }
  return out;
}

const CONTAINER_FIELDS = ['name', 'image', 'command', 'args', 'env', 'ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'resources', 'securityContext', 'volumeMounts'] as const;
const POD_FIELDS = ['serviceAccountName', 'terminationGracePeriodSeconds', 'automountServiceAccountToken', 'securityContext', 'volumes', 'nodeSelector', 'affinity', 'tolerations', 'imagePullSecrets'] as const;

function deploymentShape(o: Obj): Fields {
  const spec = (o['spec'] ?? {}) as Fields;
  const pod = ((spec['template'] as Fields | undefined)?.['spec'] ?? {}) as Fields;
  return {
    ...pick(spec, ['replicas', 'selector']),
    pod: pick(pod, POD_FIELDS),
    containers: ((pod['containers'] ?? []) as unknown[]).map((c) => pick(c, CONTAINER_FIELDS)),
  };
}

function shapeOf(o: Obj): Fields {
  switch (o.kind) {
    case 'Deployment':
      return deploymentShape(o);
    case 'ServiceAccount':
      return pick(o, ['automountServiceAccountToken', 'imagePullSecrets']);
    case 'Service':
      return pick(o['spec'], ['type', 'selector', 'ports']);
    default:
      // RBAC and anything else: what it grants and to whom, or else its whole spec.
      return pick(o, ['rules', 'roleRef', 'subjects', 'spec', 'data']);
  }
}

export function hostShape(objects: readonly KubernetesObject[]): Record<string, Fields> {
  return Object.fromEntries(objects.map((o) => [objectKey(o), shapeOf(o as Obj)]));
}

/** Each object's labels, keeping only the keys `reference` gives that object (config/'s own). */
export function ownLabels(objects: readonly KubernetesObject[], reference: readonly KubernetesObject[]): Record<string, Record<string, string>> {
  const refLabels = new Map(reference.map((o) => [objectKey(o), o.metadata?.labels ?? {}]));
  return Object.fromEntries(objects.map((o) => {
    const keys = Object.keys(refLabels.get(objectKey(o)) ?? {});
    const labels = o.metadata?.labels ?? {};
    return [objectKey(o), Object.fromEntries(keys.filter((k) => k in labels).map((k) => [k, labels[k]!]))];
  }));
}

interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
}

/** kustomize's `images:` transform on containers, which kustomizeResources does not apply. */
export function withImages(objects: readonly KubernetesObject[], images: readonly KustomizeImage[]): KubernetesObject[] {
  return objects.map((o) => {
    if (o.kind !== 'Deployment') return o;
    const copy = structuredClone(o) as Obj;
    const pod = ((copy['spec'] as Fields)['template'] as Fields)['spec'] as { containers: Array<{ image: string }> };
    for (const c of pod.containers) {
      const [name, tag] = c.image.split(':');
      const rule = images.find((i) => i.name === name);
      if (rule) c.image = `${rule.newName ?? name}:${rule.newTag ?? tag ?? 'latest'}`;
    }
    return copy;
  });
}

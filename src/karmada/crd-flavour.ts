/**
 * Which ServiceImport/ServiceExport CRDs a member has, and what its users
 * cannot do with them; pure. Two flavours are common: Karmada's (served by
 * its control plane and often propagated to members: v1alpha1 only, one IP
 * in spec.ips) and mcs-api's own release (v1alpha1 and v1beta1, one IP per
 * family, and the fields newer clients write). `crds check`, `crds install`
 * and doctor all read a member through classifyCrds, so they agree.
 */
import type { KubeObject } from '../api/meta.js';
import { MCS_VERSION } from '../kube/gvr.js';
import { ipsMaxItemsOf, servedVersionsOf, servesField } from './crd-schema.js';

/** The label mcs-api's release CRDs carry (sigs.k8s.io/mcs-api config/crd): the release they come from. */
export const MCS_API_RELEASE_LABEL = 'multicluster.x-k8s.io/release-version';

/** The version mcs-api added beside v1alpha1, with the same schema. */
export const MCS_BETA_VERSION = 'v1beta1';

export type CrdFlavourName = 'mcs-api' | 'karmada' | 'missing' | 'other';

export interface CrdFlavour {
  flavour: CrdFlavourName;
  /** The mcs-api release (its release-version label), for the mcs-api flavour. */
  release?: string;
  /** The versions each CRD serves; undefined when that CRD is not installed. */
  served: { serviceImport: string[] | undefined; serviceExport: string[] | undefined };
  /** spec.ips maxItems as the controller reads it (undefined: no v1alpha1 ServiceImport). */
  ipsMaxItems: number | undefined;
  /** What the member cannot do with these CRDs, one plain sentence each; empty for mcs-api v0.5. */
  lacks: string[];
}

/** A field newer clients write, and the sentence naming it when the schema drops it. */
const FIELDS: ReadonlyArray<{ crd: 'serviceImport' | 'serviceExport'; path: readonly string[]; lack: string }> = [
  { crd: 'serviceImport', path: ['spec', 'ipFamilies'], lack: 'ServiceImport spec.ipFamilies' },
  { crd: 'serviceImport', path: ['spec', 'sessionAffinity'], lack: 'ServiceImport spec.sessionAffinity' },
  { crd: 'serviceImport', path: ['spec', 'internalTrafficPolicy'], lack: 'ServiceImport spec.internalTrafficPolicy' },
  { crd: 'serviceImport', path: ['spec', 'trafficDistribution'], lack: 'ServiceImport spec.trafficDistribution' },
  { crd: 'serviceImport', path: ['status', 'conditions'], lack: 'ServiceImport conditions' },
  { crd: 'serviceExport', path: ['spec', 'exportedLabels'], lack: 'ServiceExport spec.exportedLabels' },
  { crd: 'serviceExport', path: ['spec', 'exportedAnnotations'], lack: 'ServiceExport spec.exportedAnnotations' },
  { crd: 'serviceExport', path: ['status', 'conditions'], lack: 'ServiceExport conditions' },
];

/** The version whose schema tells what clients can write: v1alpha1 (what CoreDNS and the controller read) when served. */
const readVersion = (served: string[]) => (served.includes(MCS_VERSION) ? MCS_VERSION : served[0]);

function lacksOf(crds: { serviceImport: KubeObject | undefined; serviceExport: KubeObject | undefined }, served: CrdFlavour['served'], ipsMaxItems: number | undefined): string[] {
  const lacks: string[] = [];
  if (!served.serviceImport) lacks.push('imports: no ServiceImport CRD, so CoreDNS cannot answer clusterset names');
  if (!served.serviceExport) lacks.push('exports: no ServiceExport CRD, so this member cannot export');
  const all = [...(served.serviceImport ?? []), ...(served.serviceExport ?? [])];
  if (served.serviceImport && !served.serviceImport.includes(MCS_VERSION)) lacks.push(`${MCS_VERSION} clients: CoreDNS and the controller read ${MCS_VERSION}`);
  if (all.length > 0 && ![served.serviceImport, served.serviceExport].every((s) => s === undefined || s.includes(MCS_BETA_VERSION))) lacks.push(`${MCS_BETA_VERSION} clients`);
  if (ipsMaxItems !== undefined && ipsMaxItems < 2) lacks.push(`dual-stack imports: spec.ips holds ${ipsMaxItems} IP`);
  for (const f of FIELDS) {
    const crd = crds[f.crd];
    const version = readVersion(served[f.crd] ?? []);
    if (crd && version !== undefined && !servesField(crd, version, f.path)) lacks.push(f.lack);
  }
  return lacks;
}

/**
 * A member's CRDs (as read from its API; undefined when not installed) → their
 * flavour and what they cannot do. mcs-api: its release label on the
 * ServiceImport CRD. karmada: unlabelled, only v1alpha1 served, spec.ips at
 * most 1. missing: either CRD absent. other: anything else (an older or
 * patched copy), described by what it lacks.
 */
export function classifyCrds(serviceImport: KubeObject | undefined, serviceExport: KubeObject | undefined): CrdFlavour {
  const served = { serviceImport: servedVersionsOf(serviceImport), serviceExport: servedVersionsOf(serviceExport) };
  const ipsMaxItems = ipsMaxItemsOf(serviceImport);
  const lacks = lacksOf({ serviceImport, serviceExport }, served, ipsMaxItems);
  const base = { served, ipsMaxItems, lacks };
  if (!serviceImport || !serviceExport) return { flavour: 'missing', ...base };
  const release = serviceImport.metadata.labels?.[MCS_API_RELEASE_LABEL];
  if (release !== undefined) return { flavour: 'mcs-api', release, ...base };
  const onlyAlpha = (s: string[] | undefined) => s?.length === 1 && s[0] === MCS_VERSION;
  if (onlyAlpha(served.serviceImport) && onlyAlpha(served.serviceExport) && ipsMaxItems !== undefined && ipsMaxItems <= 1) return { flavour: 'karmada', ...base };
  return { flavour: 'other', ...base };
}

/** "mcs-api v0.5.2", "karmada", "missing": the flavour as a person reads it. */
export const flavourLabel = (f: CrdFlavour): string => (f.flavour === 'mcs-api' && f.release ? `mcs-api ${f.release}` : f.flavour);

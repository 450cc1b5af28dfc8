/**
 * Taking the ServiceImport CRD away from one member and giving it back, for
 * the fault suite.
 *
 * Only for an environment whose members get Karmada's CRDs
 * (CLUSTERSET_DNS_MEMBER_CRDS=karmada; requireMemberCrds). There, a member's
 * CRD comes from the control plane: it holds Karmada's
 * own copy (charts/karmada/_crds/bases/multicluster, installed by
 * test/env/startup.ts with the other Karmada CRDs), and the
 * ClusterPropagationPolicy MCS_CRD_POLICY (test/env/manifests.ts) propagates
 * it to every member, as Karmada's MCS guide does. Karmada re-creates a
 * propagated object that is deleted in a member as soon as it sees the
 * deletion (its work-status controller), so a deletion alone would last a
 * moment. To hold the CRD away, dispatching to that member is first
 * suspended in the policy (`spec.suspension.dispatchingOnClusters`), which
 * Karmada carries to the member's Work and which stops the re-creation;
 * lifting the suspension lets Karmada apply the CRD from the same source
 * again.
 */
import * as k8s from '@kubernetes/client-node';
import { SERVICEIMPORT_CRD } from '../../src/kube/gvr.js';
import { MCS_CRD_POLICY } from '../env/manifests.js';
import { getOrUndefined, type Clients } from './kube.js';

const POLICIES = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'clusterpropagationpolicies' };
const BINDINGS = { group: 'work.karmada.io', version: 'v1alpha2', plural: 'clusterresourcebindings' };
const WORKS = { group: 'work.karmada.io', version: 'v1alpha1', plural: 'works' };
/** Karmada names a cluster-scoped object's binding `<name>-<kind>` in lower case (pkg/util/names GenerateBindingName). */
const CRD_BINDING = `${SERVICEIMPORT_CRD}-customresourcedefinition`;
/** Karmada labels the Works of a ClusterResourceBinding with the binding's permanent id. */
const BINDING_ID_LABEL = 'clusterresourcebinding.karmada.io/permanent-id';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Crd = k8s.KubernetesObject & { status?: { conditions?: Array<{ type?: string; status?: string }> } };
const crdRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: SERVICEIMPORT_CRD } };

/** Suspends Karmada's dispatching of the MCS CRDs to `member`, or, with undefined, lifts every suspension. */
export async function suspendCrdDispatching(karmada: Clients, member: string | undefined): Promise<void> {
  const suspension = member === undefined ? null : { dispatchingOnClusters: { clusterNames: [member] } };
  await karmada.custom.patchClusterCustomObject({ ...POLICIES, name: MCS_CRD_POLICY, body: { spec: { suspension } } }, merge);
}

/** True once Karmada has suspended the Work that puts the ServiceImport CRD into `member`. */
export async function crdWorkSuspended(karmada: Clients, member: string): Promise<boolean> {
  const binding = await karmada.custom.getClusterCustomObject({ ...BINDINGS, name: CRD_BINDING }) as k8s.KubernetesObject;
  const id = binding.metadata?.labels?.[BINDING_ID_LABEL];
  if (id === undefined) return false;
  const works = await karmada.custom.listNamespacedCustomObject({ ...WORKS, namespace: `karmada-es-${member}`, labelSelector: `${BINDING_ID_LABEL}=${id}` }) as { items: Array<{ spec?: { suspendDispatching?: boolean } }> };
  return works.items.length > 0 && works.items.every((w) => w.spec?.suspendDispatching === true);
}

/** The member's ServiceImport CRD, or undefined when it has none. */
export function readCrd(member: Clients): Promise<Crd | undefined> {
  return getOrUndefined(() => member.objects.read(crdRef) as Promise<Crd>);
}

/** Deletes the member's ServiceImport CRD; the API server deletes every ServiceImport there before the CRD goes. */
export async function deleteCrd(member: Clients): Promise<void> {
  await member.objects.delete(crdRef);
}

/** True when the CRD is there and Established (its API is served). */
export const established = (crd: Crd | undefined) => crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;

/**
 * Taking the ServiceImport CRD away from one member and giving it back, for
 * the fault suite (`holdCrdAway`), whichever CRDs the environment gave the
 * members (CLUSTERSET_DNS_MEMBER_CRDS).
 *
 * With mcs-api's (the default), the member's CRDs were applied to it
 * directly: deleting one holds it away, and the test applies it again from
 * crds/mcs-api. A ClusterPropagationPolicy of Karmada's CRDs may exist all
 * the same (examples/ ships one, and its test leaves it): then Karmada would
 * put its own copy into the gap, so its dispatching to the member is
 * suspended too, and lifted only once mcs-api's CRD is back (Karmada then
 * leaves a CRD it did not create alone: conflict resolution Abort).
 *
 * With Karmada's, a member's CRD comes from the control plane: it holds Karmada's
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
import type { EnvState } from '../env/environment.js';
import { apply } from '../env/kube.js';
import { MCS_CRD_POLICY, mcsApiCrds } from '../env/manifests.js';
import { repoRoot } from '../env/binaries.js';
import { eventually, getOrUndefined, type Clients } from './kube.js';

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

/** Whether Karmada has a policy that propagates the MCS CRDs (the environment's, with Karmada's CRDs, or examples/'s). */
async function crdPolicyExists(karmada: Clients): Promise<boolean> {
  return (await getOrUndefined(() => karmada.custom.getClusterCustomObject({ ...POLICIES, name: MCS_CRD_POLICY }))) !== undefined;
}

export interface CrdHold {
  /** Gives the CRD back: Karmada re-creates its own, or the test applies mcs-api's again. */
  giveBack(): Promise<void>;
  /** Lifts what giveBack() would, for an `after` hook whatever happened; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Deletes `member`'s ServiceImport CRD and keeps it away until giveBack():
 * with Karmada's CRDs by suspending its dispatching first; with mcs-api's by
 * not applying it again (and suspending Karmada's policy, if one exists, so
 * that Karmada does not fill the gap). Resolves once the CRD is gone.
 */
export async function holdCrdAway(env: EnvState, karmada: Clients, member: Clients, name: string, timeoutMs: number): Promise<CrdHold> {
  const karmadaCrds = (env.memberCrds ?? 'karmada') === 'karmada';
  const suspended = karmadaCrds || (await crdPolicyExists(karmada));
  if (suspended) {
    await suspendCrdDispatching(karmada, name);
    await eventually(`Karmada to suspend the CRD's Work for ${name}`, async () => ((await crdWorkSuspended(karmada, name)) ? true : undefined), timeoutMs, 500);
  }
  await deleteCrd(member);
  await eventually(`the CRD gone from ${name}`, async () => ((await readCrd(member)) === undefined ? true : undefined), timeoutMs, 250);
  let lifted = false;
  const release = async () => {
    if (suspended && !lifted) await suspendCrdDispatching(karmada, undefined);
    lifted = true;
  };
  return {
    release,
    giveBack: async () => {
      if (!karmadaCrds) {
        await apply(member.kc, mcsApiCrds(repoRoot).filter((o) => o.metadata?.name === SERVICEIMPORT_CRD), 'clusterset-dns-tests');
        await eventually(`mcs-api's CRD Established in ${name} again`, async () => (established(await readCrd(member)) ? true : undefined), timeoutMs, 250);
      }
      await release();
    },
  };
}

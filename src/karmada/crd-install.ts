/**
 * `crds check` and `crds install`, the I/O half: read a member's
 * ServiceImport and ServiceExport CRDs, and server-side apply the shipped
 * mcs-api CRDs when crd-install-plan.ts says so. Every call has a deadline.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.js';
import { makeClient } from '../kube/client.js';
import { API_CALL_TIMEOUT_MS, GET_TIMEOUT_MS } from '../kube/deadlines.js';
import { isNotFound } from '../kube/errors.js';
import { SERVICEEXPORT_CRD, SERVICEIMPORT_CRD } from '../kube/gvr.js';
import { withDeadline } from '../kube/timeout.js';
import { planCrdInstall, type CrdInstallPlan, type MemberCrds } from './crd-install-plan.js';
import { bundledMcsApiCrds } from './mcs-api-crds.js';

/** Who owns the fields `crds install` applies (kubectl get crd --show-managed-fields shows it). */
export const CRD_FIELD_MANAGER = 'clusterset-dns';

/** The member's two CRDs; undefined for one that is not installed. Throws on any other failure. */
export async function readMemberCrds(kc: k8s.KubeConfig): Promise<MemberCrds> {
  const ext = makeClient(kc, k8s.ApiextensionsV1Api);
  const read = async (name: string): Promise<KubeObject | undefined> => {
    try {
      return (await withDeadline(`read CRD ${name}`, GET_TIMEOUT_MS, (o) => ext.readCustomResourceDefinition({ name }, o))) as unknown as KubeObject;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  const [serviceImport, serviceExport] = await Promise.all([read(SERVICEIMPORT_CRD), read(SERVICEEXPORT_CRD)]);
  return { serviceImport, serviceExport };
}

export type CrdInstallResult = CrdInstallPlan & { dryRun: boolean };

/**
 * Reads the member's CRDs, plans, and applies ours when the plan says so.
 * `dryRun`: the API server judges the apply (dryRun=All: validation and the
 * stored-versions rules run) and stores nothing.
 */
export async function installMcsApiCrds(kc: k8s.KubeConfig, opts: { dryRun: boolean }): Promise<CrdInstallResult> {
  const ours = bundledMcsApiCrds();
  const plan = planCrdInstall(await readMemberCrds(kc), ours);
  if (plan.action !== 'apply') return { ...plan, dryRun: opts.dryRun };
  const ext = makeClient(kc, k8s.ApiextensionsV1Api);
  // ServiceImport first: it is what CoreDNS and the controller read, so a failure on the second leaves the more useful one in place.
  for (const crd of [ours.serviceImport, ours.serviceExport]) {
    const name = crd.metadata.name;
    await withDeadline(`apply CRD ${name}`, API_CALL_TIMEOUT_MS, (o) =>
      ext.patchCustomResourceDefinition(
        // force: take over the fields another manager (kubectl, a Helm chart) set; planCrdInstall has refused Karmada's and downgrades.
        { name, body: crd, fieldManager: CRD_FIELD_MANAGER, force: true, ...(opts.dryRun ? { dryRun: 'All' } : {}) },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply, o),
      ));
  }
  return { ...plan, dryRun: opts.dryRun };
}

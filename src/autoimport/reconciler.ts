/**
 * One pass of automatic imports for one key `namespace/name`: the members'
 * exports → the MCS rules (merged import, Valid and Conflict per export) →
 * decide (the control-plane writes) → apply, then each reachable exporting
 * member's ServiceExport conditions, written only when they change, then the
 * MCS EndpointSlice mirrors in each reachable importing member.
 * Level-based and idempotent: a thrown error sends the key back to the queue,
 * to be decided again from fresh cache state.
 */
import type { Logger } from 'pino';
import { MCS_SERVICE_NAME_LABEL } from '../api/mcs.js';
import { isDeleting, key, type KubeObject } from '../api/meta.js';
import type { Caches } from '../karmada/caches.js';
import { servesField } from '../karmada/crd-schema.js';
import { apiErrorMessage } from '../kube/errors.js';
import { MCS_VERSION } from '../kube/gvr.js';
import { planMirrors } from '../mcs/endpointslice-mirror.js';
import type { EndpointSliceWriter } from '../mcs/endpointslice-writer.js';
import { decideAutoImport, OPTIONAL_FIELDS, readyCondition, type DesiredImport, type ExportCondition, type OptionalField, type Step } from './decide.js';
import { collectedSources } from './mirror-sources.js';
import { importBody, importNamespace, importPolicy } from './objects.js';
import { SENTINEL_NAMESPACE } from './sentinel.js';
import { buildAutoImportSnapshot, observeExports, type ObservedExport } from './snapshot.js';
import type { AutoImportWriter } from './writer.js';

/** The MCS rules (src/mcs/), as this feature uses them. */
export interface ExportRules {
  /** The import the exports agree on, the members that export validly, and each export's Valid and Conflict conditions. */
  merge(exports: readonly ObservedExport[], carried: ReadonlySet<OptionalField>): { desired: DesiredImport | undefined; exporters: string[]; conditions: ReadonlyMap<string, readonly ExportCondition[]> };
  /** The conditions to write over `existing` (anyone else's kept, transition times kept where the status did not change), and whether that is a change. */
  next(existing: readonly unknown[] | undefined, desired: readonly ExportCondition[], now: Date, observedGeneration: number | undefined): { conditions: unknown[]; changed: boolean };
}

/** The optional fields the control plane's ServiceImport CRD keeps in the version we write. */
export function carriedFields(crd: KubeObject | undefined): ReadonlySet<OptionalField> {
  return new Set(OPTIONAL_FIELDS.filter((f) => servesField(crd, MCS_VERSION, ['spec', f])));
}

export type AutoImportWrites = Pick<AutoImportWriter, 'createNamespace' | 'deleteNamespace' | 'applyImport' | 'deleteImport' | 'applyPolicy' | 'deletePolicy' | 'patchExportConditions'>;

export interface AutoImportReconcilerOptions {
  caches: Caches;
  writer: AutoImportWrites;
  /** Carries out an MCS EndpointSlice mirror plan in one member (src/mcs/endpointslice-writer.ts). */
  mirrors: Pick<EndpointSliceWriter, 'apply'>;
  rules: ExportRules;
  log: Logger;
  now?: () => Date;
}

export class AutoImportReconciler {
  constructor(private readonly o: AutoImportReconcilerOptions) {}

  async reconcile(namespace: string, name: string, log: Logger = this.o.log): Promise<{ requeueAfterMs?: number }> {
    // The sentinel's ServiceExport exports nothing.
    if (namespace === SENTINEL_NAMESPACE) return {};
    const exports = observeExports(this.o.caches, namespace, name);
    const merged = this.o.rules.merge(exports, carriedFields(this.o.caches.controlPlane.serviceImportCrd?.()));
    const snapshot = buildAutoImportSnapshot(this.o.caches, namespace, name, merged);
    const decision = decideAutoImport(snapshot);
    if (decision.note && decision.steps.length === 0 && exports.length > 0) log.debug({ note: decision.note }, 'automatic import: nothing to write in the control plane');
    for (const step of decision.steps) await this.apply(namespace, name, step, log);

    // Conditions on each export we can reach; an unreachable member's are written when it is back (its keys are re-enqueued then).
    const now = (this.o.now ?? (() => new Date()))();
    for (const e of exports) {
      if (!e.reachable) continue;
      const mine = merged.conditions.get(e.cluster) ?? [];
      const valid = mine.find((c) => c.type === 'Valid')?.status === 'True';
      const desired = [...mine, readyCondition(valid, snapshot)];
      const next = this.o.rules.next(e.serviceExport.status?.conditions, desired, now, e.serviceExport.metadata.generation);
      if (!next.changed) continue;
      await this.o.writer.patchExportConditions(e.cluster, namespace, name, next.conditions as object[], e.serviceExport.metadata.resourceVersion);
      log.info({ cluster: e.cluster, conditions: desired.map((c) => `${c.type}=${c.status}/${c.reason}`) }, 'ServiceExport conditions written');
    }
    await this.mirror(namespace, name, log);
    return {};
  }

  /**
   * The MCS EndpointSlices (docs/mcs-endpointslices.md) in every reachable
   * member that imports the key — through our ServiceImport or one written
   * by hand — mirroring what Karmada collected from the exporting members,
   * so that CoreDNS answers headless and per-pod names. A member without
   * the import loses our mirrors (the garbage collector also removes them
   * with the ServiceImport that owns them).
   */
  private async mirror(namespace: string, name: string, log: Logger): Promise<void> {
    const collected = this.o.caches.controlPlane.collectedSlices;
    if (!collected) return;
    const sources = collectedSources(collected.list(namespace), namespace, name);
    for (const m of this.o.caches.members()) {
      if (!m.reachable() || !m.mirrorSlices) continue;
      const si = m.serviceImports.get(namespace, name);
      const plan = planMirrors({
        key: key(namespace, name),
        serviceImport: si && !isDeleting(si) && si.metadata.uid ? { type: si.spec.type, uid: si.metadata.uid } : undefined,
        sources,
        existing: m.mirrorSlices.list(namespace).filter((x) => x.metadata.labels?.[MCS_SERVICE_NAME_LABEL] === name),
      });
      for (const skip of plan.skipped) log.warn({ cluster: m.cluster, source: skip.cluster, reason: skip.reason }, 'MCS EndpointSlice not mirrored');
      if (plan.create.length + plan.update.length + plan.delete.length === 0) continue;
      await this.o.mirrors.apply(m.cluster, plan);
      log.info({ cluster: m.cluster, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length }, 'MCS EndpointSlices mirrored');
    }
  }

  private async apply(namespace: string, name: string, step: Step, log: Logger): Promise<void> {
    const cached = () => this.o.caches.controlPlane.serviceImports.get(namespace, name);
    try {
      switch (step.do) {
        case 'create-namespace':
          await this.o.writer.createNamespace(importNamespace(namespace));
          break;
        case 'apply-import': {
          const current = cached();
          await this.o.writer.applyImport(namespace, name, importBody(namespace, name, step.import, current), current !== undefined);
          break;
        }
        case 'apply-policy':
          await this.o.writer.applyPolicy(namespace, importPolicy(namespace, name, step.clusters), step.resourceVersion);
          break;
        case 'delete-policy':
          await this.o.writer.deletePolicy(namespace, name, step);
          break;
        case 'delete-import':
          await this.o.writer.deleteImport(namespace, name, step);
          break;
        case 'delete-namespace':
          await this.o.writer.deleteNamespace(namespace, step.uid);
          break;
      }
      log.info({ step: step.do }, 'automatic import: written');
    } catch (e) {
      log.debug({ step: step.do, err: apiErrorMessage(e) }, 'automatic import: write failed');
      throw e;
    }
  }
}

/**
 * Carries out a MirrorPlan (./endpointslice-mirror.ts) in one importing
 * member: creates, whole-object replaces and deletes of our MCS
 * EndpointSlices. Thin on purpose: what to write is decided by planMirrors;
 * this only says how, the way src/serviceimport/writer.ts does.
 *
 * Optimistic concurrency: a replace carries the resourceVersion the plan
 * was made from, a delete carries it and the uid as preconditions, so a
 * slice changed or recreated since gives 409 and the key is retried from
 * fresh cache state. A create at a name someone else holds fails
 * (AlreadyExists, 409) rather than taking the slice over.
 *
 * Fencing, deadlines and cancellation: src/kube/write-guard.ts, as for
 * every writer.
 */
import * as k8s from '@kubernetes/client-node';
import type { EndpointSlice } from '../api/core.js';
import { deletePreconditions, FIELD_MANAGER, goneIsDone, WriteGuard, type CallOptions, type WriteResult, type WriterCalls } from '../kube/write-guard.js';
import type { MirrorDelete, MirrorPlan } from './endpointslice-mirror.js';

/** Counts each call by its outcome; `endpointslice` is the kind, as WriteObserver's are. */
export type EndpointSliceWriteObserver = (kind: 'endpointslice', result: WriteResult) => void;

export class EndpointSliceWriter {
  private readonly guard: WriteGuard<'endpointslice'>;

  constructor(
    private readonly memberClient: (cluster: string) => k8s.DiscoveryV1Api | undefined,
    observe: EndpointSliceWriteObserver = () => {},
    calls: WriterCalls = {},
  ) {
    this.guard = new WriteGuard<'endpointslice'>(calls, observe);
  }

  /**
   * The plan's writes in one member, in its order: creates, replaces,
   * deletes. Stops at the first failure (the key is retried from fresh
   * state, which plans again what is left).
   */
  async apply(cluster: string, plan: MirrorPlan): Promise<void> {
    const client = this.memberClient(cluster);
    if (!client) throw new Error(`no client for cluster ${cluster}`);
    const { namespace } = plan;
    for (const slice of plan.create) await this.create(client, cluster, namespace, slice);
    for (const slice of plan.update) await this.replace(client, cluster, namespace, slice);
    for (const d of plan.delete) await this.delete(client, cluster, namespace, d);
  }

  private create(client: k8s.DiscoveryV1Api, cluster: string, namespace: string, body: EndpointSlice): Promise<unknown> {
    return this.counted(`create EndpointSlice ${namespace}/${body.metadata.name} in ${cluster}`, (o) =>
      client.createNamespacedEndpointSlice({ namespace, body: body as k8s.V1EndpointSlice, fieldManager: FIELD_MANAGER }, o));
  }

  /** A whole-object replace: the body carries the planned-from resourceVersion, so a slice changed since gives 409. */
  private replace(client: k8s.DiscoveryV1Api, cluster: string, namespace: string, body: EndpointSlice): Promise<unknown> {
    const name = body.metadata.name;
    return this.counted(`replace EndpointSlice ${namespace}/${name} in ${cluster}`, (o) =>
      client.replaceNamespacedEndpointSlice({ name, namespace, body: body as k8s.V1EndpointSlice, fieldManager: FIELD_MANAGER }, o));
  }

  /** Deletes the slice the plan saw, and only it; one already gone is done. */
  private delete(client: k8s.DiscoveryV1Api, cluster: string, namespace: string, d: MirrorDelete): Promise<unknown> {
    return this.counted(`delete EndpointSlice ${namespace}/${d.name} in ${cluster}`, (o) =>
      goneIsDone(() => client.deleteNamespacedEndpointSlice({ name: d.name, namespace, ...deletePreconditions(d) }, o)));
  }

  private counted<T>(what: string, f: (options: CallOptions) => Promise<T>): Promise<T> {
    return this.guard.run('endpointslice', what, f);
  }
}

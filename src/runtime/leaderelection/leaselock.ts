/**
 * The lock leader election reads and writes: a coordination.k8s.io/v1 Lease,
 * as client-go's resourcelock.LeaseLock
 * (k8s.io/client-go/tools/leaderelection/resourcelock/leaselock.go).
 * client-node has no leader election of its own; its CoordinationV1Api
 * offers read/create/replaceNamespacedLease, which is all this needs.
 *
 * Writes carry the resourceVersion just read, so a 409 means another
 * candidate changed the Lease first; that surfaces as ConflictError.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { makeClient } from '../../kube/client.js';
import { isConflict, isNotFound } from '../../kube/errors.js';
import { signalOptions } from '../../kube/timeout.js';
import type { LeaderElectionRecord } from './decide.js';

export interface LeaseSnapshot {
  readonly record: LeaderElectionRecord;
  readonly resourceVersion: string;
}

/** 409: the Lease changed since it was read, or already exists. Someone else won. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** client-go's resourcelock.Interface, for a Lease. */
export interface LeaseLock {
  /** `namespace/name`, for logs. */
  readonly description: string;
  /** undefined when the Lease does not exist. */
  get(signal: AbortSignal): Promise<LeaseSnapshot | undefined>;
  /** Throws ConflictError if it exists already. */
  create(record: LeaderElectionRecord, signal: AbortSignal): Promise<LeaseSnapshot>;
  /** Replaces the record if the Lease is still at resourceVersion; throws ConflictError otherwise. */
  update(record: LeaderElectionRecord, resourceVersion: string, signal: AbortSignal): Promise<LeaseSnapshot>;
}

/**
 * A Lease through client-node's CoordinationV1Api. fromKubeConfig() builds
 * it with makeClient (src/kube/client.ts), so renewals reuse the cluster's
 * keep-alive connection instead of a TLS handshake every 2 s.
 */
export class KubeLeaseLock implements LeaseLock {
  readonly description: string;
  /** The last Lease read or written, so a replace keeps its metadata and the spec fields we do not own. */
  private last: V1Lease | undefined;

  constructor(
    private readonly api: CoordinationV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.description = `${namespace}/${name}`;
  }

  static fromKubeConfig(kc: KubeConfig, namespace: string, name: string): KubeLeaseLock {
    return new KubeLeaseLock(makeClient(kc, CoordinationV1Api), namespace, name);
  }

  async get(signal: AbortSignal): Promise<LeaseSnapshot | undefined> {
    try {
      return this.remember(await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }, signalOptions(signal)));
    } catch (e) {
      if (isNotFound(e)) {
        this.last = undefined;
        return undefined;
      }
      throw e;
    }
  }

  async create(record: LeaderElectionRecord, signal: AbortSignal): Promise<LeaseSnapshot> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: toSpec(record),
    };
    return this.remember(await conflicts(this.api.createNamespacedLease({ namespace: this.namespace, body }, signalOptions(signal))));
  }

  async update(record: LeaderElectionRecord, resourceVersion: string, signal: AbortSignal): Promise<LeaseSnapshot> {
    const base = this.last?.metadata?.resourceVersion === resourceVersion ? this.last : undefined;
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(base?.metadata ?? { name: this.name, namespace: this.namespace }), resourceVersion },
      // Keep fields we do not manage (strategy, preferredHolder) as they were.
      spec: { ...base?.spec, ...toSpec(record) },
    };
    return this.remember(
      await conflicts(this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body }, signalOptions(signal))),
    );
  }

  private remember(lease: V1Lease): LeaseSnapshot {
    this.last = lease;
    return { record: fromSpec(lease.spec), resourceVersion: lease.metadata?.resourceVersion ?? '' };
  }
}

async function conflicts<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isConflict(e)) throw new ConflictError(`409 Conflict: ${String((e as { message?: unknown }).message).slice(0, 300)}`, { cause: e });
    throw e;
  }
}

function toSpec(r: LeaderElectionRecord): V1LeaseSpec {
  // V1MicroTime serializes with microseconds (…123000Z), the Lease's format.
  const spec: V1LeaseSpec = { holderIdentity: r.holderIdentity, leaseDurationSeconds: r.leaseDurationSeconds, leaseTransitions: r.leaseTransitions };
  if (r.acquireTime !== undefined) spec.acquireTime = new V1MicroTime(r.acquireTime.getTime());
  if (r.renewTime !== undefined) spec.renewTime = new V1MicroTime(r.renewTime.getTime());
  return spec;
}

/**
 * client-node 1.4.0 types renewTime/acquireTime as V1MicroTime but its
 * deserializer does not know that type and hands back the JSON string, so
 * accept both.
 */
function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : new Date(v.getTime());
  if (typeof v === 'string' && v !== '') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

function fromSpec(spec: V1LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/**
 * What install remembers about its last Corefile change, kept on the
 * ConfigMap itself (one annotation, written in the same replace as the
 * Corefile): the Corefile before the edit, a hash of the one written, the
 * pod-template restart it started, and whether that rollout was seen
 * healthy. A process that dies mid-rollout (lease lost, SIGKILL, a node
 * gone) leaves the record `pending`, so whoever runs install next — a new
 * leader, a re-engage, a person with the CLI — can tell whether our change
 * broke CoreDNS and put the previous Corefile back (./recovery.ts). Nothing
 * else survives a crash; memory does not. Pure.
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';

export const CHANGE_RECORD_ANNOTATION = 'clusterset-dns.io/corefile-change';

export interface ChangeRecord {
  /**
   * pending: written, the rollout not yet seen healthy; verified: healthy
   * after it (or nothing to wait for: reload, --rollout=never); rolled-back:
   * the previous Corefile was put back.
   */
  state: 'pending' | 'verified' | 'rolled-back';
  /** sha256 of the Corefile we wrote: a different Corefile now means someone edited it since. */
  wrote: string;
  /** The Corefile before our edit, byte for byte: what a rollback writes. */
  previous: string;
  /** When the Corefile was written (RFC 3339); a pending rollout is judged against this plus the rollout timeout. */
  at: string;
  /** The restartedAt value our rollout set on the pod template; absent when no rollout was needed. */
  restartedAt?: string;
  /** The pod template's restartedAt before ours (absent: none): what undoing our rollout puts back. */
  restartedBefore?: string;
}

export const corefileHash = (corefile: string): string => createHash('sha256').update(corefile).digest('hex');

/** The record on a ConfigMap, or undefined when there is none or it does not parse (a hand edit: not ours to act on). */
export function readChangeRecord(cm: Pick<k8s.V1ConfigMap, 'metadata'>): ChangeRecord | undefined {
  const raw = cm.metadata?.annotations?.[CHANGE_RECORD_ANNOTATION];
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (r['state'] !== 'pending' && r['state'] !== 'verified' && r['state'] !== 'rolled-back') return undefined;
  if (typeof r['wrote'] !== 'string' || typeof r['previous'] !== 'string' || typeof r['at'] !== 'string') return undefined;
  const optionals = ['restartedAt', 'restartedBefore'] as const;
  if (optionals.some((k) => r[k] !== undefined && typeof r[k] !== 'string')) return undefined;
  const optional = (k: (typeof optionals)[number]) => (typeof r[k] === 'string' ? { [k]: r[k] } : {});
  return { state: r['state'], wrote: r['wrote'], previous: r['previous'], at: r['at'], ...optional('restartedAt'), ...optional('restartedBefore') };
}

/**
 * `cm` with `corefile` as its Corefile and `record` as its change record
 * (null: the record removed). Metadata, resourceVersion included, is kept,
 * so a replace with the result fails with 409 if someone wrote in between.
 */
export function withCorefile(cm: k8s.V1ConfigMap, corefile: string, record: ChangeRecord | null | undefined): k8s.V1ConfigMap {
  if (record === undefined) return { ...cm, data: { ...cm.data, Corefile: corefile } };
  const annotations = { ...cm.metadata?.annotations };
  if (record === null) delete annotations[CHANGE_RECORD_ANNOTATION];
  else annotations[CHANGE_RECORD_ANNOTATION] = JSON.stringify(record);
  return { ...cm, metadata: { ...cm.metadata, annotations }, data: { ...cm.data, Corefile: corefile } };
}

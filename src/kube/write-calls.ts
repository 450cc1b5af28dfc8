/**
 * What every writer of the controller shares, whatever it writes: the field
 * manager it names, the fence it asks before each call, and the options its
 * calls take. Defined below every feature, so each feature's writer uses
 * the same ones and a fenced write is one error class everywhere.
 */

/** The field manager of every write the controller makes. */
export const FIELD_MANAGER = 'clusterset-dns';

export interface WriterCalls {
  /** Aborts the reconciler's writes in flight, and fails later ones at once. */
  readonly stop?: AbortSignal | undefined;
  /** Deadline of each call; default API_CALL_TIMEOUT_MS. */
  readonly timeoutMs?: number | undefined;
  /** Asked before each write whether this replica may still write (Manager.writeFence); default always. */
  readonly fence?: WriteFence | undefined;
}

/** A write refused because this replica may no longer write; the key is retried (by a leader, if this one recovers). */
export class WriteFenced extends Error {
  override readonly name = 'WriteFenced';
}

/** Undefined when writes may go out; otherwise why not (Manager.writeFence). */
export type WriteFence = () => string | undefined;

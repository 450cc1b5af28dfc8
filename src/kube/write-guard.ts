/**
 * How every controller write is sent: fenced, with a deadline, cancelled when
 * the leader work stops, and counted by its outcome. The writers of each
 * feature (src/serviceimport/writer.ts, src/autoimport/writer.ts) say what to
 * write; this says how it goes out.
 *
 * Fencing: before each write the fence is asked whether this replica may
 * still write (it leads, and its lease is fresh); a replica paused past its
 * lease refuses instead of overwriting the new leader's work. A write already
 * on the wire when the pause began cannot be recalled: Kubernetes has no
 * fencing tokens, so the margin is the lease's (docs/reliability.md).
 */
import { API_CALL_TIMEOUT_MS } from './deadlines.js';
import { isConflict, isNotFound } from './errors.js';
import { withDeadline } from './timeout.js';

/** The field manager of every write the controller makes. */
export const FIELD_MANAGER = 'clusterset-dns';

export type CallOptions = Parameters<Parameters<typeof withDeadline>[2]>[0];

export interface WriterCalls {
  /** Aborts the writes in flight, and fails later ones at once. */
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

export type WriteResult = 'success' | 'conflict' | 'error' | 'fenced';

export class WriteGuard<Kind extends string> {
  constructor(
    private readonly calls: WriterCalls,
    private readonly observe: (kind: Kind, result: WriteResult) => void,
    /** Kinds of write that outlive the leader work (Events, drained at shutdown): not cancelled by `stop`. */
    private readonly unstoppable: readonly Kind[] = [],
  ) {}

  /** One call, fenced, with its deadline (and `stop`), counted by its outcome. */
  async run<T>(kind: Kind, what: string, f: (options: CallOptions) => Promise<T>): Promise<T> {
    const refused = this.calls.fence?.();
    if (refused !== undefined) {
      this.observe(kind, 'fenced');
      throw new WriteFenced(`${what}: not sent: ${refused}`);
    }
    try {
      const r = await withDeadline(what, this.calls.timeoutMs ?? API_CALL_TIMEOUT_MS, f, this.unstoppable.includes(kind) ? undefined : this.calls.stop);
      this.observe(kind, 'success');
      return r;
    } catch (e) {
      this.observe(kind, isConflict(e) ? 'conflict' : 'error');
      throw e;
    }
  }
}

/** What a delete saw of its object: both, when known, become preconditions. */
export interface Seen {
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

/**
 * The delete options that make a delete remove only the object the decision
 * saw: one recreated (another uid) or changed since (another
 * resourceVersion) gives 409 instead. Nothing when nothing was seen.
 */
export function deletePreconditions(seen: Seen): { body?: { preconditions: { uid?: string; resourceVersion?: string } } } {
  const preconditions: { uid?: string; resourceVersion?: string } = { ...(seen.uid ? { uid: seen.uid } : {}), ...(seen.resourceVersion ? { resourceVersion: seen.resourceVersion } : {}) };
  return Object.keys(preconditions).length > 0 ? { body: { preconditions } } : {};
}

/** A delete of something already gone has done its job. */
export async function goneIsDone(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

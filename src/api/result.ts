/**
 * The one result type for work that can fail without throwing: a value, or
 * a human-readable reason (plus whatever else a caller needs, such as an
 * HTTP code). Failures that are part of normal operation — a malformed
 * object, a read that was refused — travel as values so a decision can name
 * them; programming errors still throw.
 */
export type Result<T, Failure extends object = object> = { ok: true; value: T } | ({ ok: false; reason: string } & Failure);

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

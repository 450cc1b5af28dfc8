/**
 * The server's `Retry-After` hint on a refused request, read once where an
 * error is handled (a reflector's failure, a reconcile's failure) rather than
 * parsed at every call site.
 *
 * Where it comes from: kube-apiserver's priority and fairness and its
 * max-in-flight filter answer 429 with `Retry-After` in seconds (apiserver
 * pkg/server/filters/priority-and-fairness.go `tooManyRequests`). client-node
 * 1.4.0 keeps the response headers on the `ApiException` a generated client
 * throws (lower-cased names, from node-fetch), and so does src/kube/list.ts
 * for a list page; our watch stream keeps them on `WatchRefused`
 * (src/runtime/cache/watch.ts). As client-go's rest client (rest/with_retry.go
 * `checkWait`), the hint counts only on a 429 or a 5xx; unlike it, an
 * HTTP-date is read too (RFC 9110 allows both forms), since a proxy in front
 * of a member may send one.
 */
import { httpStatusOf } from './errors.js';

/**
 * The longest wait a hint can impose by default: the reflector's longest
 * backoff (src/runtime/cache/backoff.ts). A hint of minutes or hours, from a
 * proxy or a misconfigured server, would otherwise freeze a member's cache or
 * a key's writes for that long, longer than any failure of our own ever
 * makes us wait.
 */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * A `Retry-After` value as milliseconds from `nowMs`: delta-seconds (digits
 * only, as client-go's strconv.Atoi takes them) or an HTTP-date (a date
 * already past waits 0). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date names its weekday first ("Wed, 21 Oct 2015 07:28:00 GMT"); a bare number with a sign or a point is not one.
  if (!/^[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The `retry-after` header of an error that kept its response headers (ApiException, WatchRefused), whatever its case. */
function retryAfterHeaderOf(err: unknown): string | undefined {
  const headers = (err as { headers?: unknown } | null | undefined)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (name.toLowerCase() === 'retry-after') return Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * How long the server asked us to wait before trying again, capped at
 * `capMs`; undefined when it did not ask (no hint, or not a 429 or 5xx).
 */
export function retryAfterMsOf(err: unknown, nowMs: number, capMs: number = MAX_RETRY_AFTER_MS): number | undefined {
  const status = httpStatusOf(err);
  if (status === undefined || !(status === 429 || status >= 500)) return undefined;
  const ms = parseRetryAfter(retryAfterHeaderOf(err), nowMs);
  return ms === undefined ? undefined : Math.min(ms, Math.max(0, capMs));
}

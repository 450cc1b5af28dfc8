/**
 * Everything the project knows about API errors, in one place: the HTTP
 * status of an error, the Status body the API server sends with it, and a
 * message a human can act on.
 *
 * client-node 1.x throws `ApiException` with a numeric `code` and `body` (the
 * raw JSON Status); its Watch reports `statusCode`; a network failure carries
 * a string `code` such as ECONNREFUSED, which is not an HTTP status. The
 * Status message already names the verb, resource and user for 403s
 * ("serviceimports.multicluster.x-k8s.io is forbidden: User \"x\" cannot list
 * resource ..."), so it is passed through rather than paraphrased.
 */

/** The fields of a metav1.Status the project reads. */
export interface ApiStatus {
  message?: string;
  reason?: string;
  code?: number;
}

/** The one parser of a Status body: JSON text, an already-parsed object, or plain text. */
export function parseStatus(body: unknown): ApiStatus | undefined {
  let v: unknown = body;
  if (typeof body === 'string') {
    try {
      v = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : undefined;
    }
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const s: ApiStatus = {};
  if (typeof o['message'] === 'string') s.message = o['message'];
  if (typeof o['reason'] === 'string') s.reason = o['reason'];
  if (typeof o['code'] === 'number') s.code = o['code'];
  return s;
}

/** HTTP status of an error from a generated client (ApiException), a Watch (statusCode) or an ERROR event; undefined for network errors. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

export const isNotFound = (e: unknown) => httpStatusOf(e) === 404;
export const isConflict = (e: unknown) => httpStatusOf(e) === 409;
export const isForbidden = (e: unknown) => httpStatusOf(e) === 403;

/**
 * What client-node's fetch (node-fetch 2) says when a request's signal
 * aborts; it keeps no reason. makeClient's clients abort a call at its
 * deadline (src/kube/deadlines.ts), and the controller aborts its writes when
 * it stops, so this is what a silent API server looks like.
 */
const ABORTED = 'no answer before the call\'s deadline (or cancelled while stopping)';

export function apiErrorMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const { code, body, message, name } = e as { code?: unknown; body?: unknown; message?: unknown; name?: unknown };
    if (name === 'AbortError') return ABORTED;
    if (typeof code === 'number') {
      const status = parseStatus(body);
      return `HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}: ${status?.message ?? (typeof body === 'string' ? body.slice(0, 300) : String(message ?? ''))}`;
    }
    if (typeof message === 'string') return message;
  }
  return String(e);
}

/** The object a read returns, or undefined when it does not exist (404); any other error propagates. */
export async function undefinedIfNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Why a Reflector's list or watch failed, as one reason from a small closed
 * set (also the `reason` label of the restarts metric) and one line a human
 * can act on, naming the verb, the resource and the cluster.
 */
import { ListTimeout } from '../../kube/list.js';
import { httpStatusOf, parseStatus, type ApiStatus } from '../../kube/errors.js';
import { parseResourcePath } from './resource-path.js';
import { WatchConnectTimeout } from './watch.js';

export type FailureReason =
  | 'forbidden' // 403: RBAC
  | 'unauthorized' // 401: credentials rejected
  | 'crd-missing' // 404 on an /apis/... resource path: CRD (or APIService) not installed
  | 'not-found' // 404 on a core (/api/...) path
  | 'expired' // 410: resourceVersion too old (ListWatch relists by itself)
  | 'throttled' // 429
  | 'server-error' // 5xx
  | 'client-error' // other 4xx
  | 'network' // connection refused/reset/closed early, DNS, ...
  | 'tls' // certificate problems
  | 'timeout' // a list, or a watch request, the server did not answer in time
  | 'watchdog' // a watch that went quiet past its deadline (the connection is presumed dead)
  | 'watch-closed' // the server ended a watch at once, or with an ERROR event
  | 'internal'; // a bug in client-node or here; still retried

export interface ClassifiedError {
  reason: FailureReason;
  /** One line, for humans: names the verb, the resource and the cluster. */
  message: string;
  /** HTTP status when there was one. */
  code?: number;
}

export interface ClassifyContext {
  verb: 'list' | 'watch';
  path: string;
  cluster: string;
  resource?: string;
}

/** Marks a watch torn down by the watchdog. */
export class WatchdogTimeout extends Error {
  override readonly name = 'WatchdogTimeout';
  constructor(readonly quietMs: number) {
    super(`no event, bookmark or reconnect for ${Math.round(quietMs / 1000)}s`);
  }
}

/**
 * A watch the server should have ended (its timeoutSeconds and a grace have
 * passed since it answered) that showed no sign of life lately: the
 * connection is presumed dead (./watch-limits.ts).
 */
export class WatchDeadlineExceeded extends Error {
  override readonly name = 'WatchDeadlineExceeded';
  constructor(readonly timeoutSeconds: number, readonly openForMs: number) {
    super(`open for ${Math.round(openForMs / 1000)}s with timeoutSeconds=${timeoutSeconds}, not ended by the server, nothing received lately`);
  }
}

/** A watch the server ended at once or with an ERROR event. */
export class WatchClosed extends Error {
  override readonly name = 'WatchClosed';
  constructor(message: string, readonly status?: ApiStatus) {
    super(message);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ECONNCLOSED', 'ERR_SOCKET_CLOSED',
]);

/** Reasons that need someone to change the configuration or fix a bug: logged as errors, the rest as warnings. */
export const CONFIG_REASONS: ReadonlySet<FailureReason> = new Set(['forbidden', 'unauthorized', 'crd-missing', 'not-found', 'tls', 'client-error', 'internal']);

/**
 * Turns whatever a list or watch threw into a reason and one clear line.
 * Uses the server's Status message when there is one (list errors carry it;
 * a failed watch request only has the HTTP status, because the watch stream
 * does not read the body of a refusal).
 */
export function classifyError(err: unknown, ctx: ClassifyContext): ClassifiedError {
  const ref = parseResourcePath(ctx.path);
  const resource = ctx.resource ?? ref.resource;
  const scope = ref.namespace !== undefined ? `in the namespace "${ref.namespace}"` : 'at the cluster scope';
  const where = `on cluster "${ctx.cluster}"`;
  const code = httpStatusOf(err);

  if (err instanceof WatchdogTimeout) {
    return { reason: 'watchdog', message: `watchdog: ${ctx.verb} of ${resource} ${scope} ${where} went quiet (${err.message}); reconnecting` };
  }
  if (err instanceof WatchDeadlineExceeded) {
    return { reason: 'watchdog', message: `watchdog: watch of ${resource} ${scope} ${where} presumed dead (${err.message}); reconnecting` };
  }
  if (err instanceof ListTimeout) {
    return { reason: 'timeout', message: `timeout: list of ${resource} ${scope} ${where} took too long (${err.message})` };
  }
  if (err instanceof WatchConnectTimeout) {
    return { reason: 'timeout', message: `timeout: watch of ${resource} ${scope} ${where}: ${err.message}` };
  }
  if (err instanceof WatchClosed && code === undefined) {
    return { reason: 'watch-closed', message: `watch of ${resource} ${scope} ${where} ended: ${err.message}` };
  }
  if (code !== undefined) {
    const status = err instanceof WatchClosed ? err.status : parseStatus((err as { body?: unknown }).body);
    const c = classifyStatus(code, status, { ...ctx, resource, scope, where, grouped: ref.grouped });
    if (c !== undefined) return { ...c, code };
  }
  return classifyNonHttp(err, ctx.verb, resource, where);
}

interface StatusContext extends ClassifyContext {
  resource: string;
  scope: string;
  where: string;
  grouped: boolean;
}

/** An answer from the server with HTTP status `code`; undefined below 400 (not an HTTP failure). */
function classifyStatus(code: number, status: ApiStatus | undefined, ctx: StatusContext): ClassifiedError | undefined {
  const { verb, resource, scope, where } = ctx;
  const serverSays = status?.message ? `: ${status.message}` : '';
  if (code === 403) {
    const user = /User "([^"]*)"/.exec(status?.message ?? '')?.[1];
    return {
      reason: 'forbidden',
      message: `forbidden: cannot ${verb} ${resource} ${scope}${user !== undefined ? ` as user "${user}"` : ''} ${where}${serverSays || ' (HTTP 403)'}`,
    };
  }
  if (code === 401) {
    return { reason: 'unauthorized', message: `unauthorized: the credentials for cluster "${ctx.cluster}" were rejected when trying to ${verb} ${resource} (token expired or invalid?)${serverSays}` };
  }
  if (code === 404) {
    if (ctx.grouped) {
      // A CRD that exists but no longer serves this version (mcs-api's v1beta1-only releases) answers 404 too.
      const version = /^\/apis\/[^/]+\/([^/]+)\//.exec(ctx.path)?.[1] ?? 'this version';
      return {
        reason: 'crd-missing',
        message: `CRD not installed, or ${version} not served: cluster "${ctx.cluster}" does not serve ${resource} (${verb} ${ctx.path} answered 404); install the CustomResourceDefinition ${resource} with ${version} served${serverSays}`,
      };
    }
    return { reason: 'not-found', message: `not found: cluster "${ctx.cluster}" does not serve ${resource} (${verb} ${ctx.path} answered 404)${serverSays}` };
  }
  if (code === 410) return { reason: 'expired', message: `expired: resourceVersion of ${resource} ${where} is too old; relisting${serverSays}` };
  if (code === 429) return { reason: 'throttled', message: `throttled: ${verb} of ${resource} ${where} answered 429${serverSays}` };
  if (code >= 500) return { reason: 'server-error', message: `server error: ${verb} of ${resource} ${where} answered ${code}${serverSays}` };
  if (code >= 400) return { reason: 'client-error', message: `${verb} of ${resource} ${scope} ${where} answered ${code}${serverSays}` };
  return undefined;
}

/** A failure without an HTTP status: network, TLS, an abort, or a bug. */
function classifyNonHttp(err: unknown, verb: ClassifyContext['verb'], resource: string, where: string): ClassifiedError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; name?: unknown; message?: unknown };
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  // client-node's exec credential plugin throws an Error with an empty message when the command fails.
  const msg = (typeof e.message === 'string' && e.message !== '' ? e.message : '') || (typeof e.name === 'string' && e.name !== 'Error' ? e.name : '') || (typeof err === 'object' ? 'unknown error' : String(err));
  if (sysCode !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(sysCode)) {
    return { reason: 'tls', message: `TLS: cannot ${verb} ${resource} ${where}: ${msg} (${sysCode}); check the cluster's CA and server name` };
  }
  if ((sysCode !== undefined && NETWORK_CODES.has(sysCode)) || /socket hang up|Premature close|network|ECONN/i.test(msg)) {
    return { reason: 'network', message: `network: ${verb} of ${resource} ${where} failed: ${msg}` };
  }
  if (e.name === 'AbortError') return { reason: 'network', message: `network: ${verb} of ${resource} ${where} was aborted: ${msg}` };
  return { reason: 'internal', message: `${verb} of ${resource} ${where} failed: ${msg}` };
}

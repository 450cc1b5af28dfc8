/**
 * A reflector: one resource on one cluster, listed and watched into a
 * read-only cache, that never dies silently (design: client-node.md §2.3,
 * brief D5/D7).
 *
 * It wraps client-node 1.4.0's ListWatch, which does the cache bookkeeping
 * and already handles 410 Gone correctly (resets its resourceVersion and
 * relists, emitting deletes for what vanished), but stops for good on every
 * other error, fires `error` on its own stop(), lets a throwing handler become
 * an unhandledRejection, and never notices a silently dead connection. What
 * this module adds around it:
 *
 *   - a Watch subclass (TunedWatch) that asks for bookmarks and a server-side
 *     timeout, tracks every watch it opens (so stop() and the watchdog can
 *     really close them, even while a connection is still being set up), and
 *     turns failures into one place: Reflector.fail();
 *   - restart with exponential backoff and jitter on every error (network,
 *     5xx, 429, 403, 401, 404/CRD missing, ...), reset after a healthy period;
 *   - a watchdog for watches that go quiet longer than the server's timeout
 *     plus a grace period;
 *   - an "epoch" that marks everything belonging to an abandoned attempt as
 *     stale, so a late callback from an old watch or list can neither restart
 *     a stopped reflector nor touch the cache;
 *   - handlers wrapped in try/catch (sync throws and async rejections);
 *   - paginated lists (limit/continue) inside the list function;
 *   - objects deep-frozen on the way in, so the shared references the cache
 *     hands out cannot be mutated by a consumer;
 *   - health, metrics hooks and structured logs with clear error messages.
 *
 * One KubeConfig per cluster, and never setCurrentContext on it: Watch reads
 * the current cluster on every reconnect (client-node.md §4.2).
 */
import { ApiException, ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { realClock, type Clock, type Timer } from '../clock.js';

// ---------------------------------------------------------------------------
// Public types

/** pino-compatible: merge object first, message second. */
export interface ReflectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<DeepReadonly<E>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * What the reflector needs of an object: its name, namespace and
 * resourceVersion. Looser than client-node's KubernetesObject (whose
 * V1ObjectMeta declares Date fields that raw JSON carries as strings), so
 * callers can use their own JSON-shaped types.
 */
export interface ObjectLike {
  metadata?: { name?: string | undefined; namespace?: string | undefined; resourceVersion?: string | undefined } | undefined;
}

export type ReflectorState = 'running' | 'backoff' | 'stopped';

export type ReflectorEvent = 'add' | 'update' | 'delete';

export type ReflectorHandler<T> = (obj: DeepReadonly<T>) => void | Promise<void>;

/**
 * Why an attempt failed; also the `reason` label of the restarts metric, so
 * the set is closed and small.
 */
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
  | 'timeout' // a list request that took too long
  | 'watchdog' // a watch that went quiet past its deadline
  | 'watch-closed' // the server ended a watch at once, or with an ERROR event
  | 'internal'; // a bug in client-node or here; still retried

export interface ClassifiedError {
  reason: FailureReason;
  /** One line, for humans: names the verb, the resource and the cluster. */
  message: string;
  /** HTTP status when there was one. */
  code?: number;
}

export interface ReflectorError extends ClassifiedError {
  verb: 'list' | 'watch';
  /** Wall-clock milliseconds (Date.now()). */
  at: number;
}

export interface ReflectorHealth {
  cluster: string;
  resource: string;
  state: ReflectorState;
  /** The first list has completed (stays true afterwards: the cache keeps the last known state, D5). */
  synced: boolean;
  /**
   * Wall-clock ms of the last sign of life from the server: a list, a watch
   * (re)established, an event or a bookmark. Undefined before the first.
   */
  lastEventAt: number | undefined;
  /** Restarts after failures (all reasons, including 410 relists). */
  restarts: number;
  restartsByReason: Partial<Record<FailureReason, number>>;
  /** Lists after the first (410 Gone, or a restart before the first sync). */
  relists: number;
  /** Handlers that threw or rejected. */
  handlerErrors: number;
  /** Watch requests opened (each server-side timeout ends one and opens the next). */
  watches: number;
  /** The most recent failure; kept after recovery (compare `at` with lastEventAt). */
  lastError: ReflectorError | undefined;
  /** Consecutive failures since the last healthy period (drives the backoff). */
  consecutiveFailures: number;
  resourceVersion: string;
  objects: number;
}

/**
 * Metrics sinks, structurally compatible with prom-client's Gauge.set(labels,
 * value) and Counter.inc(labels), so an adapter can pass those in directly.
 */
export interface ReflectorMetrics {
  /** `…_informer_last_event_timestamp_seconds{cluster,resource}` */
  readonly lastEventTimestampSeconds?: { set(labels: { cluster: string; resource: string }, value: number): void };
  /** `…_informer_restarts_total{cluster,resource,reason}` */
  readonly restartsTotal?: { inc(labels: { cluster: string; resource: string; reason: string }): void };
  /** `…_informer_handler_errors_total{cluster,resource}` */
  readonly handlerErrorsTotal?: { inc(labels: { cluster: string; resource: string }): void };
}

/** Callbacks for whoever aggregates health (readiness, cluster status). Exceptions are logged, not propagated. */
export interface ReflectorHooks {
  onStateChange?(state: ReflectorState, previous: ReflectorState): void;
  onRestart?(info: { reason: FailureReason; error: ReflectorError; delayMs: number; attempt: number }): void;
  onSynced?(): void;
}

export interface ListPageOptions {
  limit?: number;
  continue?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal: AbortSignal;
}

/** One page of a list; `metadata.continue` set when there is more. */
export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string | undefined; continue?: string | undefined } | undefined;
}

export type ListPageFn<T> = (opts: ListPageOptions) => Promise<ListPage<T>>;

export interface BackoffOptions {
  /** First delay. client-go's reflector uses 800 ms. */
  initialMs: number;
  /** Cap. client-go: 30 s. */
  maxMs: number;
  factor: number;
  /** Fraction taken off at random: the delay lies in [base·(1−jitter), base]. */
  jitter: number;
  /** Failures are forgotten after this long healthy (client-go: 2 min). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.25,
  resetAfterMs: 120_000,
});

export interface ReflectorOptions<T> {
  /** This cluster's own KubeConfig; its current context must never change. */
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/multicluster.x-k8s.io/v1alpha1/serviceimports` or `/api/v1/namespaces/x/configmaps`. */
  path: string;
  /** `cluster` label in logs and metrics. */
  cluster: string;
  /** `resource` label; derived from the path (`serviceimports.multicluster.x-k8s.io`) when absent. */
  resource?: string;
  /**
   * Fetches one page. Default: a plain GET of `path` with the KubeConfig's
   * credentials, returning raw JSON — the same shape watch events have. (A
   * generated client, e.g. CoreV1Api, deserializes list items into model
   * objects with Date fields while watch events stay raw JSON strings.)
   */
  listPage?: ListPageFn<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** `limit` per page; 0 lists in one request. Default 500 (client-go's pager). */
  pageSize?: number;
  /** Server-side watch timeout before jitter. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Each watch gets timeoutSeconds·(1 + jitter·random). Default 0.2. */
  watchTimeoutJitter?: number;
  /** The watchdog fires after timeout·(1+jitter) + this much silence. Default 60 s. */
  watchdogGraceSeconds?: number;
  /** Overrides the computed watchdog limit (tests). */
  watchdogMs?: number;
  /** A watch that ends cleanly this fast with no event counts as a failure (no hot reconnect loop). Default 1000. */
  minWatchMs?: number;
  /** Per-request timeout of the default list (socket idle). Default 60 s. */
  listTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Deep-freeze objects entering the cache. Default true. */
  freeze?: boolean;
  /**
   * Drops, in place, what nobody reads before an object enters the cache
   * (client-go's SetTransform; e.g. stripManagedFields). Runs before freezing.
   */
  prune?: (obj: object) => void;
  logger?: ReflectorLogger;
  metrics?: ReflectorMetrics;
  hooks?: ReflectorHooks;
  /** Monotonic time and timers (FakeClock in tests). */
  clock?: Clock;
  /** Wall clock for timestamps. */
  now?: () => number;
  random?: () => number;
}

// ---------------------------------------------------------------------------
// Pure helpers

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = opts.initialMs * Math.pow(opts.factor, Math.max(0, attempt));
  const base = Math.min(opts.maxMs, Number.isFinite(exp) ? exp : opts.maxMs);
  const j = Math.min(Math.max(opts.jitter, 0), 1);
  return Math.round(base * (1 - j * random()));
}

/** Server-side timeout for one watch: spread so that many watches do not reconnect in step. */
export function jitteredWatchTimeout(baseSeconds: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(baseSeconds * (1 + Math.max(0, jitter) * random())));
}

export interface ResourceRef {
  /** `configmaps`, `serviceimports.multicluster.x-k8s.io` */
  resource: string;
  namespace?: string;
  /** true for /apis/<group>/... (CRDs and aggregated APIs), false for the core /api/v1 group. */
  grouped: boolean;
}

/** Reads the resource out of a collection path. */
export function parseResourcePath(path: string): ResourceRef {
  const parts = path.split('?')[0]!.split('/').filter((p) => p !== '');
  // Karmada's cluster proxy (/apis/cluster.karmada.io/v1alpha1/clusters/<m>/proxy/...) puts one API
  // path inside another: the resource belongs to the innermost API root.
  let root = -1;
  for (let i = 0; i < parts.length; i++) if (parts[i] === 'api' || parts[i] === 'apis') root = i;
  const rest = root >= 0 ? parts.slice(root) : parts;
  const grouped = rest[0] === 'apis';
  const group = grouped ? rest[1] : undefined;
  let i = grouped ? 3 : 2;
  let namespace: string | undefined;
  if (rest[i] === 'namespaces' && rest.length > i + 2) {
    namespace = rest[i + 1];
    i += 2;
  }
  const plural = rest[i] ?? rest[rest.length - 1] ?? path;
  const ref: ResourceRef = { resource: group ? `${plural}.${group}` : plural, grouped };
  if (namespace !== undefined) ref.namespace = namespace;
  return ref;
}

interface StatusLike {
  message?: string;
  reason?: string;
  code?: number;
}

function parseStatus(body: unknown): StatusLike | undefined {
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
  const s: StatusLike = {};
  if (typeof o['message'] === 'string') s.message = o['message'];
  if (typeof o['reason'] === 'string') s.reason = o['reason'];
  if (typeof o['code'] === 'number') s.code = o['code'];
  return s;
}

/** HTTP status of an error from a generated client (ApiException), Watch (statusCode) or an ERROR event. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ECONNCLOSED', 'ERR_SOCKET_CLOSED',
]);

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

/** A watch the server ended at once or with an ERROR event. */
export class WatchClosed extends Error {
  override readonly name = 'WatchClosed';
  constructor(message: string, readonly status?: StatusLike) {
    super(message);
  }
}

/** A list request that exceeded listTimeoutMs. */
export class ListTimeout extends Error {
  override readonly name = 'ListTimeout';
}

/**
 * Turns whatever client-node, node-fetch or node:http threw into a reason and
 * one clear line naming the verb, the resource and the cluster. Uses the
 * server's Status message when there is one (list errors carry it; a failed
 * watch request only has the HTTP status, because Watch does not read the body).
 */
export function classifyError(err: unknown, ctx: ClassifyContext): ClassifiedError {
  const ref = parseResourcePath(ctx.path);
  const resource = ctx.resource ?? ref.resource;
  const scope = ref.namespace !== undefined ? `in the namespace "${ref.namespace}"` : 'at the cluster scope';
  const where = `on cluster "${ctx.cluster}"`;
  const code = httpStatusOf(err);
  const status = err instanceof WatchClosed ? err.status : parseStatus((err as { body?: unknown } | null)?.body);
  const serverSays = status?.message ? `: ${status.message}` : '';
  const withCode = (c: ClassifiedError): ClassifiedError => (code !== undefined ? { ...c, code } : c);

  if (err instanceof WatchdogTimeout) {
    return { reason: 'watchdog', message: `watchdog: ${ctx.verb} of ${resource} ${scope} ${where} went quiet (${err.message}); reconnecting` };
  }
  if (err instanceof ListTimeout) {
    return { reason: 'timeout', message: `timeout: list of ${resource} ${scope} ${where} took too long (${err.message})` };
  }
  if (err instanceof WatchClosed && code === undefined) {
    return { reason: 'watch-closed', message: `watch of ${resource} ${scope} ${where} ended: ${err.message}` };
  }
  if (code !== undefined) {
    if (code === 403) {
      const user = /User "([^"]*)"/.exec(status?.message ?? '')?.[1];
      return withCode({
        reason: 'forbidden',
        message: `forbidden: cannot ${ctx.verb} ${resource} ${scope}${user !== undefined ? ` as user "${user}"` : ''} ${where}${serverSays || ' (HTTP 403)'}`,
      });
    }
    if (code === 401) {
      return withCode({ reason: 'unauthorized', message: `unauthorized: the credentials for cluster "${ctx.cluster}" were rejected when trying to ${ctx.verb} ${resource} (token expired or invalid?)${serverSays}` });
    }
    if (code === 404) {
      if (ref.grouped) {
        return withCode({
          reason: 'crd-missing',
          message: `CRD not installed: cluster "${ctx.cluster}" does not serve ${resource} (${ctx.verb} ${ctx.path} answered 404); install the CustomResourceDefinition ${resource}${serverSays}`,
        });
      }
      return withCode({ reason: 'not-found', message: `not found: cluster "${ctx.cluster}" does not serve ${resource} (${ctx.verb} ${ctx.path} answered 404)${serverSays}` });
    }
    if (code === 410) return withCode({ reason: 'expired', message: `expired: resourceVersion of ${resource} ${where} is too old; relisting${serverSays}` });
    if (code === 429) return withCode({ reason: 'throttled', message: `throttled: ${ctx.verb} of ${resource} ${where} answered 429${serverSays}` });
    if (code >= 500) return withCode({ reason: 'server-error', message: `server error: ${ctx.verb} of ${resource} ${where} answered ${code}${serverSays}` });
    if (code >= 400) return withCode({ reason: 'client-error', message: `${ctx.verb} of ${resource} ${scope} ${where} answered ${code}${serverSays}` });
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; name?: unknown; message?: unknown };
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  // client-node's exec credential plugin throws an Error with an empty message when the command fails.
  const msg = (typeof e.message === 'string' && e.message !== '' ? e.message : '') || (typeof e.name === 'string' && e.name !== 'Error' ? e.name : '') || (typeof err === 'object' ? 'unknown error' : String(err));
  if (sysCode !== undefined && (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(sysCode))) {
    return { reason: 'tls', message: `TLS: cannot ${ctx.verb} ${resource} ${where}: ${msg} (${sysCode}); check the cluster's CA and server name` };
  }
  if ((sysCode !== undefined && NETWORK_CODES.has(sysCode)) || /socket hang up|Premature close|network|ECONN/i.test(msg)) {
    return { reason: 'network', message: `network: ${ctx.verb} of ${resource} ${where} failed: ${msg}` };
  }
  if (e.name === 'AbortError') return { reason: 'network', message: `network: ${ctx.verb} of ${resource} ${where} was aborted: ${msg}` };
  return { reason: 'internal', message: `${ctx.verb} of ${resource} ${where} failed: ${msg}` };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * controller-runtime's TransformStripManagedFields, plus kubectl's
 * last-applied annotation: the two largest parts of most objects, read by no
 * controller. In place, on an object not yet frozen.
 */
export function stripManagedFields(obj: object): void {
  const md = (obj as { metadata?: { managedFields?: unknown; annotations?: Record<string, string> } }).metadata;
  if (!md) return;
  delete md.managedFields;
  if (md.annotations && LAST_APPLIED in md.annotations) delete md.annotations[LAST_APPLIED];
}

/** Freezes an object graph (JSON-shaped: plain objects and arrays). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}

// ---------------------------------------------------------------------------
// Default list: one GET per page with the KubeConfig's credentials

/**
 * GETs `path` as JSON. Credentials, CA and client certificates come from
 * KubeConfig.applyToHTTPSOptions (which also builds a fresh agent per call;
 * it is destroyed when the request ends so no socket outlives it). Non-2xx
 * answers throw ApiException with the raw Status body, as generated clients do.
 */
export async function getCollection(kc: KubeConfig, path: string, query: Record<string, string | number | undefined>, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('KubeConfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const agent = opts.agent as HttpAgent | undefined;
  const headers = { ...(opts.headers as Record<string, string> | undefined), Accept: 'application/json' };
  return await new Promise<unknown>((resolveGet, reject) => {
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = request(url, { ...opts, method: 'GET', headers, signal, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      // A connection that dies mid-body may end the response without 'end' or 'error'.
      res.on('close', () => {
        if (!res.complete) reject(new Error(`GET ${path}: connection closed before the response was complete`));
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          reject(new ApiException<string>(status, `GET ${path}: HTTP ${status}`, text, flatHeaders(res.headers)));
          return;
        }
        try {
          resolveGet(JSON.parse(text));
        } catch (e) {
          reject(new Error(`GET ${path}: invalid JSON: ${(e as Error).message}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new ListTimeout(`no answer within ${Math.round(timeoutMs / 1000)}s`)));
    req.on('error', reject);
    req.on('close', () => agent?.destroy());
    req.end();
  });
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function isExpired(err: unknown): boolean {
  return httpStatusOf(err) === 410;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Thrown into ListWatch by a list that belongs to an abandoned attempt; ignored. */
class StaleAttempt extends Error {
  override readonly name = 'StaleAttempt';
}

// ---------------------------------------------------------------------------
// TunedWatch

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

/** What TunedWatch needs from its reflector. */
interface WatchOwner {
  readonly epoch: number;
  readonly stopped: boolean;
  readonly freeze: boolean;
  readonly minWatchMs: number;
  prune(obj: unknown): void;
  now(): number;
  nextWatchTimeout(): number;
  /** ListWatch calls watch() right after loading a list into its cache. */
  onWatchStarting(epoch: number): void;
  onWatchEstablished(epoch: number): void;
  onWatchEvent(epoch: number, type: string): void;
  onExpired(epoch: number, message: string | undefined): void;
  onWatchClosed(epoch: number): void;
  fail(err: unknown, verb: 'list' | 'watch', epoch: number): void;
  internalError(err: unknown, where: string): void;
}

interface OpenWatch {
  epoch: number;
  controller?: AbortController;
  agent?: { destroy(): void };
  aborted: boolean;
}

/**
 * Adds allowWatchBookmarks and a jittered timeoutSeconds to every watch
 * ListWatch opens, and intercepts its callbacks:
 *
 *   - events of a stale watch are dropped; the rest are frozen and recorded
 *     as activity;
 *   - `done` with a non-410 error goes to Reflector.fail() instead of
 *     ListWatch (which would only fire `error` and stop); 410 and clean ends
 *     go to ListWatch, which relists or resumes;
 *   - a clean end right after an ERROR event, or with no event at all within
 *     minWatchMs, is a failure: without this, ListWatch would reconnect in a
 *     tight loop;
 *   - the agent behind each watch is remembered, so abortAll() can tear down
 *     a connection whose response has not even arrived (Watch only returns
 *     its AbortController after the headers are in).
 */
class TunedWatch extends Watch {
  private readonly open = new Set<OpenWatch>();
  private capturing: OpenWatch | undefined;

  private readonly owner: WatchOwner;

  constructor(kc: KubeConfig, owner: WatchOwner) {
    // Watch uses exactly two things of its config: getCurrentCluster() and
    // applyToFetchOptions() (watch.js in 1.4.0). Wrapping the latter is the
    // only way to see the agent a pending watch connects through. The box
    // lets the wrapper reach this instance, which does not exist before super().
    const box: { self?: TunedWatch } = {};
    const cfg = {
      getCurrentCluster: () => kc.getCurrentCluster(),
      applyToFetchOptions: async (opts: object) => {
        const w = box.self?.capturing; // read synchronously, while Watch.watch() has not awaited yet
        const r = await kc.applyToFetchOptions(opts as Parameters<KubeConfig['applyToFetchOptions']>[0]);
        const agent = (r as { agent?: unknown }).agent;
        if (w !== undefined && typeof agent === 'object' && agent !== null && typeof (agent as { destroy?: unknown }).destroy === 'function') {
          w.agent = agent as { destroy(): void };
          if (w.aborted) w.agent.destroy();
        }
        return r;
      },
    };
    super(cfg as unknown as KubeConfig);
    box.self = this;
    this.owner = owner;
  }

  override async watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: WatchCallback, done: DoneCallback): Promise<AbortController> {
    const owner = this.owner;
    const w: OpenWatch = { epoch: owner.epoch, aborted: false };
    const stale = () => w.epoch !== owner.epoch || owner.stopped;
    const startedAt = owner.now();
    let events = 0;
    let streamError: StatusLike | undefined;
    let finished = false;
    this.open.add(w);
    owner.onWatchStarting(w.epoch);

    const onEvent: WatchCallback = (phase, obj, raw) => {
      if (stale() || finished) return;
      events++;
      if (phase === 'ERROR') streamError = (obj ?? {}) as StatusLike;
      else if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
        owner.prune(obj);
        if (owner.freeze) deepFreeze(obj);
      }
      owner.onWatchEvent(w.epoch, phase);
      try {
        // ListWatch's handler is async: catch its rejection here, or it becomes an unhandledRejection.
        const r: unknown = (callback as (...a: unknown[]) => unknown)(phase, obj, raw);
        if (isPromiseLike(r)) r.then(undefined, (e: unknown) => owner.internalError(e, 'ListWatch watch handler'));
      } catch (e) {
        owner.internalError(e, 'ListWatch watch handler');
      }
    };

    const onDone: DoneCallback = (err) => {
      if (finished) return;
      finished = true;
      this.open.delete(w);
      w.agent?.destroy(); // Watch makes an agent per watch; do not leave its socket behind
      if (stale()) return; // superseded by a restart or stop(): nobody is waiting for this one
      const passOn = (e: unknown) => {
        try {
          const r: unknown = (done as (e: unknown) => unknown)(e);
          if (isPromiseLike(r)) r.then(undefined, (x: unknown) => owner.fail(x, 'watch', w.epoch));
        } catch (x) {
          owner.fail(x, 'watch', w.epoch);
        }
      };
      if (err !== null && err !== undefined) {
        if (isExpired(err)) {
          owner.onExpired(w.epoch, (err as { message?: string }).message);
          passOn(err); // ListWatch resets its resourceVersion and relists
        } else {
          owner.fail(err, 'watch', w.epoch);
        }
        return;
      }
      if (streamError !== undefined) {
        if (streamError.code === 410) {
          owner.onExpired(w.epoch, streamError.message);
          passOn(null); // ListWatch has reset its resourceVersion on the ERROR event: it relists
        } else {
          const e = new WatchClosed(`ERROR event in the watch stream${streamError.message ? `: ${streamError.message}` : ''}`, streamError);
          if (typeof streamError.code === 'number') (e as unknown as { code: number }).code = streamError.code;
          owner.fail(e, 'watch', w.epoch);
        }
        return;
      }
      if (events === 0 && owner.now() - startedAt < owner.minWatchMs) {
        owner.fail(new WatchClosed(`closed by the server after ${Math.round(owner.now() - startedAt)}ms without any event`), 'watch', w.epoch);
        return;
      }
      owner.onWatchClosed(w.epoch);
      passOn(null); // a normal end (timeoutSeconds): ListWatch resumes from its resourceVersion
    };

    const qp = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: owner.nextWatchTimeout() };
    try {
      this.capturing = w;
      const pending = super.watch(path, qp, onEvent, onDone);
      this.capturing = undefined;
      const controller = await pending;
      w.controller = controller;
      if (w.aborted || stale()) {
        controller.abort();
        onDone(null);
      } else if (!finished) {
        owner.onWatchEstablished(w.epoch);
      }
      return controller;
    } catch (e) {
      // Watch throws before its own try (no current cluster, credentials
      // plugin failing): without this catch it would reject inside
      // ListWatch's unawaited doneHandler.
      this.capturing = undefined;
      finished = true;
      this.open.delete(w);
      w.agent?.destroy();
      if (!stale()) owner.fail(e, 'watch', w.epoch);
      const c = new AbortController();
      c.abort();
      return c;
    }
  }

  /** Closes every watch opened so far, connected or still connecting. */
  abortAll(): void {
    for (const w of this.open) {
      w.aborted = true;
      w.controller?.abort();
      w.agent?.destroy();
    }
  }

  openWatches(): number {
    return this.open.size;
  }
}

// ---------------------------------------------------------------------------
// Reflector

const noopLogger: ReflectorLogger = { info() {}, warn() {}, error() {}, debug() {} };

const CONFIG_REASONS: ReadonlySet<FailureReason> = new Set(['forbidden', 'unauthorized', 'crd-missing', 'not-found', 'tls', 'client-error', 'internal']);

export class Reflector<T extends ObjectLike> {
  readonly cluster: string;
  readonly resource: string;
  readonly path: string;

  private readonly kc: KubeConfig;
  // ListWatch only reads metadata.{name,namespace,resourceVersion}: ObjectLike is enough at runtime.
  private readonly lw: ListWatch<T & KubernetesObject>;
  private readonly tuned: TunedWatch;
  private readonly log: ReflectorLogger;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly random: () => number;
  private readonly backoffOpts: BackoffOptions;
  private readonly listPageFn: ListPageFn<T>;
  private readonly pageSize: number;
  private readonly labelSelector: string | undefined;
  private readonly fieldSelector: string | undefined;
  private readonly watchTimeoutSeconds: number;
  private readonly watchTimeoutJitter: number;
  private readonly watchdogLimitMs: number;
  private readonly listTimeoutMs: number;
  private readonly metrics: ReflectorMetrics;
  private readonly hooks: ReflectorHooks;
  private readonly handlers: Record<ReflectorEvent, Set<ReflectorHandler<T>>> = { add: new Set(), update: new Set(), delete: new Set() };

  readonly freeze: boolean;
  readonly minWatchMs: number;
  private readonly pruneFn: ((obj: object) => void) | undefined;

  private _epoch = 0;
  private _stopped = true;
  private _state: ReflectorState = 'stopped';
  private synced = false;
  private started = false;
  private lastEventAt: number | undefined;
  private lastActivity = 0;
  private restarts = 0;
  private readonly restartsByReason: Partial<Record<FailureReason, number>> = {};
  private relists = 0;
  private lists = 0;
  private handlerErrors = 0;
  private watches = 0;
  private lastError: ReflectorError | undefined;
  private failures = 0;
  private healthySince: number | undefined;
  private downSince: number | undefined;
  private restartTimer: Timer | undefined;
  private watchdogTimer: Timer | undefined;
  private listAbort: AbortController | undefined;
  private pendingSyncEpoch = -1;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(opts: ReflectorOptions<T>) {
    this.kc = opts.kubeConfig;
    this.path = opts.path;
    this.cluster = opts.cluster;
    this.resource = opts.resource ?? parseResourcePath(opts.path).resource;
    this.log = opts.logger ?? noopLogger;
    this.clock = opts.clock ?? realClock;
    this.wallNow = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.backoffOpts = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.pageSize = opts.pageSize ?? 500;
    this.labelSelector = opts.labelSelector;
    this.fieldSelector = opts.fieldSelector;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds ?? 300;
    this.watchTimeoutJitter = opts.watchTimeoutJitter ?? 0.2;
    this.watchdogLimitMs = opts.watchdogMs ?? (this.watchTimeoutSeconds * (1 + this.watchTimeoutJitter) + (opts.watchdogGraceSeconds ?? 60)) * 1000;
    this.minWatchMs = opts.minWatchMs ?? 1000;
    this.listTimeoutMs = opts.listTimeoutMs ?? 60_000;
    this.freeze = opts.freeze ?? true;
    this.pruneFn = opts.prune;
    this.metrics = opts.metrics ?? {};
    this.hooks = opts.hooks ?? {};
    this.listPageFn = opts.listPage ?? ((o) => this.defaultListPage(o));

    this.tuned = new TunedWatch(this.kc, this.owner());
    this.lw = new ListWatch<T & KubernetesObject>(this.path, this.tuned, () => this.listAll(), false, this.labelSelector, this.fieldSelector);
    this.lw.on('add', (o) => this.dispatch('add', o));
    this.lw.on('update', (o) => this.dispatch('update', o));
    this.lw.on('delete', (o) => this.dispatch('delete', o));
    // After the interception in TunedWatch, ListWatch only reports list
    // failures here (and StaleAttempt from abandoned lists).
    this.lw.on('error', (err?: unknown) => {
      if (err instanceof StaleAttempt) return;
      this.fail(err, 'list', this._epoch);
    });
  }

  // ----- public API

  /** Subscribes to cache changes; returns an unsubscribe function. Handlers must not mutate objects. */
  on(event: ReflectorEvent, handler: ReflectorHandler<T>): () => void {
    this.handlers[event].add(handler);
    return () => void this.handlers[event].delete(handler);
  }

  /** Starts listing and watching; failures are retried forever with backoff. Idempotent. */
  start(): void {
    if (!this._stopped) return;
    this._stopped = false;
    this.log.info(this.labels({ path: this.path }), this.started ? 'reflector restarting' : 'reflector starting');
    this.started = true;
    void this.attempt();
  }

  /**
   * Stops for good (until start() again): cancels timers, aborts the list or
   * watch in flight and closes their sockets. The AbortError client-node
   * emits on stop is recognised as stale and never restarts anything.
   */
  async stop(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._epoch++;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.cancelWatchdog();
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.tuned.abortAll();
    try {
      await this.lw.stop();
    } catch (e) {
      this.internalError(e, 'ListWatch.stop');
    }
    this.setState('stopped');
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    if (!this.synced) for (const w of waiters) w.reject(new Error(`reflector ${this.cluster}/${this.resource} stopped before it synced`));
    this.log.info(this.labels({}), 'reflector stopped');
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects if stop() comes first. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this._stopped && this.started) return Promise.reject(new Error(`reflector ${this.cluster}/${this.resource} is stopped and never synced`));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  get(namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
    return this.lw.get(name, namespace ?? '') as DeepReadonly<T> | undefined;
  }

  list(namespace?: string): ReadonlyArray<DeepReadonly<T>> {
    return this.lw.list(namespace) as ReadonlyArray<DeepReadonly<T>>;
  }

  health(): ReflectorHealth {
    return {
      cluster: this.cluster,
      resource: this.resource,
      state: this._state,
      synced: this.synced,
      lastEventAt: this.lastEventAt,
      restarts: this.restarts,
      restartsByReason: { ...this.restartsByReason },
      relists: this.relists,
      handlerErrors: this.handlerErrors,
      watches: this.watches,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      resourceVersion: this.lw.latestResourceVersion(),
      objects: this.lw.list().length,
    };
  }

  get state(): ReflectorState {
    return this._state;
  }

  /** Watches currently open or connecting (introspection for tests and debugging). */
  openWatches(): number {
    return this.tuned.openWatches();
  }

  // ----- attempts and failures

  private async attempt(): Promise<void> {
    if (this._stopped) return;
    const epoch = ++this._epoch;
    this.setState('running');
    this.lastActivity = this.clock.now();
    this.armWatchdog();
    try {
      // Resolves once the watch is open or the failure was reported; with a
      // resourceVersion from before, it resumes the watch without relisting.
      await this.lw.start();
    } catch (e) {
      // Handlers are wrapped, so this is a bug in client-node or here.
      if (epoch === this._epoch) this.fail(e, 'list', epoch);
    }
  }

  private fail(err: unknown, verb: 'list' | 'watch', epoch: number): void {
    if (this._stopped || epoch !== this._epoch || err instanceof StaleAttempt) return;
    // Invalidate the attempt: anything it still has in flight becomes stale.
    this._epoch++;
    this.tuned.abortAll();
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.cancelWatchdog();

    const now = this.clock.now();
    if (this.healthySince !== undefined && now - this.healthySince >= this.backoffOpts.resetAfterMs) this.failures = 0;
    this.healthySince = undefined;
    this.downSince ??= now;
    const c = classifyError(err, { verb, path: this.path, cluster: this.cluster, resource: this.resource });
    const error: ReflectorError = { ...c, verb, at: this.wallNow() };
    this.lastError = error;
    const delayMs = backoffDelay(this.failures, this.backoffOpts, this.random);
    this.failures++;
    this.countRestart(c.reason);
    const fields = this.labels({ reason: c.reason, verb, code: c.code, attempt: this.failures, retryInMs: delayMs, err });
    if (CONFIG_REASONS.has(c.reason)) this.log.error(fields, c.message);
    else this.log.warn(fields, c.message);
    this.safeHook(() => this.hooks.onRestart?.({ reason: c.reason, error, delayMs, attempt: this.failures }));
    this.setState('backoff');
    this.restartTimer?.cancel();
    this.restartTimer = this.clock.setTimer(() => {
      this.restartTimer = undefined;
      void this.attempt();
    }, delayMs);
  }

  private countRestart(reason: FailureReason): void {
    this.restarts++;
    this.restartsByReason[reason] = (this.restartsByReason[reason] ?? 0) + 1;
    this.safeHook(() => this.metrics.restartsTotal?.inc({ cluster: this.cluster, resource: this.resource, reason }));
  }

  // ----- watchdog

  private armWatchdog(): void {
    if (this.watchdogTimer !== undefined) return;
    this.watchdogTimer = this.clock.setTimer(() => this.checkWatchdog(), this.watchdogLimitMs, { unref: true });
  }

  private cancelWatchdog(): void {
    this.watchdogTimer?.cancel();
    this.watchdogTimer = undefined;
  }

  private checkWatchdog(): void {
    this.watchdogTimer = undefined;
    if (this._state !== 'running') return;
    const quiet = this.clock.now() - this.lastActivity;
    if (quiet >= this.watchdogLimitMs) {
      this.fail(new WatchdogTimeout(quiet), 'watch', this._epoch);
      return;
    }
    // Re-armed lazily for the remainder rather than reset on every event.
    this.watchdogTimer = this.clock.setTimer(() => this.checkWatchdog(), this.watchdogLimitMs - quiet, { unref: true });
  }

  // ----- list

  private async listAll(): Promise<KubernetesListObject<T & KubernetesObject>> {
    const epoch = this._epoch;
    if (this._stopped) throw new StaleAttempt('stopped');
    const abort = new AbortController();
    this.listAbort = abort;
    const started = this.clock.now();
    try {
      const base = { signal: abort.signal, ...(this.labelSelector !== undefined ? { labelSelector: this.labelSelector } : {}), ...(this.fieldSelector !== undefined ? { fieldSelector: this.fieldSelector } : {}) };
      const items: T[] = [];
      let resourceVersion = '';
      let cont: string | undefined;
      let pages = 0;
      for (;;) {
        let page: ListPage<T>;
        try {
          page = await this.listPageFn({ ...base, ...(this.pageSize > 0 ? { limit: this.pageSize } : {}), ...(cont !== undefined ? { continue: cont } : {}) });
        } catch (e) {
          if (cont === undefined || !isExpired(e) || epoch !== this._epoch) throw e;
          // The continue token expired mid-way (410): like client-go's pager, fall back to one full list.
          this.log.info(this.labels({ pages }), 'continue token expired during a paginated list; listing everything at once');
          items.length = 0;
          page = await this.listPageFn(base);
          cont = undefined;
        }
        if (epoch !== this._epoch) throw new StaleAttempt('superseded');
        pages++;
        items.push(...(page.items ?? []));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        cont = page.metadata?.continue || undefined;
        if (cont === undefined) break;
      }
      if (this.pruneFn) for (const o of items) this.pruneFn(o);
      if (this.freeze) for (const o of items) deepFreeze(o);
      this.lists++;
      if (this.lists > 1) this.relists++;
      this.pendingSyncEpoch = epoch; // ListWatch calls watch() right after loading this into its cache: that marks the sync
      this.touch(true);
      this.log.debug(this.labels({ items: items.length, pages, resourceVersion, ms: Math.round(this.clock.now() - started) }), 'listed');
      return { metadata: { resourceVersion }, items: items as Array<T & KubernetesObject> };
    } catch (e) {
      if (epoch !== this._epoch || this._stopped) throw new StaleAttempt('superseded');
      throw e;
    } finally {
      if (this.listAbort === abort) this.listAbort = undefined;
    }
  }

  private async defaultListPage(o: ListPageOptions): Promise<ListPage<T>> {
    const body = await getCollection(this.kc, this.path, { limit: o.limit, continue: o.continue, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector }, o.signal, this.listTimeoutMs);
    return body as ListPage<T>;
  }

  // ----- TunedWatch callbacks

  private owner(): WatchOwner {
    // Closures over `this`: TunedWatch is built in the constructor, before fields it reads are final.
    const self = this;
    return {
      get epoch() {
        return self._epoch;
      },
      get stopped() {
        return self._stopped;
      },
      get freeze() {
        return self.freeze;
      },
      prune(obj: unknown) {
        if (self.pruneFn && typeof obj === 'object' && obj !== null) self.pruneFn(obj);
      },
      get minWatchMs() {
        return self.minWatchMs;
      },
      now: () => self.clock.now(),
      nextWatchTimeout: () => jitteredWatchTimeout(self.watchTimeoutSeconds, self.watchTimeoutJitter, self.random),
      onWatchStarting: (epoch) => self.onWatchStarting(epoch),
      onWatchEstablished: (epoch) => self.onWatchEstablished(epoch),
      onWatchEvent: (epoch, type) => {
        if (epoch === self._epoch) self.touch(true, type);
      },
      onExpired: (epoch, message) => {
        if (epoch !== self._epoch) return;
        self.countRestart('expired');
        self.log.info(self.labels({ reason: 'expired', server: message }), `resourceVersion of ${self.resource} expired (410 Gone); relisting`);
      },
      onWatchClosed: (epoch) => {
        if (epoch === self._epoch) self.log.debug(self.labels({}), 'watch ended by the server; resuming');
      },
      fail: (err, verb, epoch) => self.fail(err, verb, epoch),
      internalError: (err, where) => self.internalError(err, where),
    };
  }

  private onWatchStarting(epoch: number): void {
    if (epoch === this._epoch) this.watches++;
    if (epoch !== this._epoch || this._stopped || this.pendingSyncEpoch !== epoch) return;
    this.pendingSyncEpoch = -1;
    if (this.synced) return;
    this.synced = true;
    this.log.info(this.labels({ objects: this.lw.list().length }), 'synced');
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.resolve();
    this.safeHook(() => this.hooks.onSynced?.());
  }

  private onWatchEstablished(epoch: number): void {
    if (epoch !== this._epoch || this._stopped) return;
    this.touch(true);
    const now = this.clock.now();
    this.healthySince ??= now;
    if (this.downSince !== undefined) {
      this.log.info(this.labels({ downMs: Math.round(now - this.downSince), failures: this.failures }), 'watch re-established');
      this.downSince = undefined;
    }
  }

  /** Records a sign of life: `fromServer` also moves lastEventAt (and the metric). */
  private touch(fromServer: boolean, type?: string): void {
    this.lastActivity = this.clock.now();
    if (!fromServer) return;
    this.lastEventAt = this.wallNow();
    if (type === 'BOOKMARK') this.log.debug(this.labels({ resourceVersion: this.lw.latestResourceVersion() }), 'bookmark');
    const seconds = this.lastEventAt / 1000;
    this.safeHook(() => this.metrics.lastEventTimestampSeconds?.set({ cluster: this.cluster, resource: this.resource }, seconds));
  }

  // ----- handlers

  private dispatch(event: ReflectorEvent, obj: T): void {
    for (const h of this.handlers[event]) {
      try {
        const r = h(obj as DeepReadonly<T>);
        if (isPromiseLike(r)) r.then(undefined, (e: unknown) => this.handlerFailed(event, obj, e));
      } catch (e) {
        this.handlerFailed(event, obj, e);
      }
    }
  }

  private handlerFailed(event: ReflectorEvent, obj: T, err: unknown): void {
    this.handlerErrors++;
    this.safeHook(() => this.metrics.handlerErrorsTotal?.inc({ cluster: this.cluster, resource: this.resource }));
    this.log.error(this.labels({ event, namespace: obj.metadata?.namespace, name: obj.metadata?.name, err }), `${event} handler failed`);
  }

  private internalError(err: unknown, where: string): void {
    this.log.error(this.labels({ err, where }), 'unexpected error inside the list-watch machinery');
  }

  // ----- misc

  private setState(state: ReflectorState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.safeHook(() => this.hooks.onStateChange?.(state, previous));
  }

  private safeHook(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log.warn(this.labels({ err: e }), 'reflector hook or metric threw');
    }
  }

  private labels(extra: Record<string, unknown>): Record<string, unknown> {
    return { cluster: this.cluster, resource: this.resource, ...extra };
  }
}

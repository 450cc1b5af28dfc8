/**
 * Probe and metrics endpoints over node:http, after controller-runtime's
 * manager (pkg/manager/internal.go) and healthz handler (pkg/healthz/healthz.go):
 *
 *   GET /healthz, /readyz          all checks; 200 "ok" or 500 with one line per check
 *   GET /healthz/<n>, /readyz/<n>  one check; 200 "ok" or 500 "internal server error: <reason>"
 *       ?verbose                   list every check even when all pass
 *       ?exclude=<n> (repeatable)  skip a check in the aggregate
 *   GET /metrics                   the Registry, with its content type
 *
 * Lines are `[+]name ok`, `[+]name excluded: ok`, `[-]name failed: <reason>`.
 * Unlike controller-runtime we print the reason (it withholds it): the reason
 * is what an operator needs, and the probe port is reachable only from the
 * machine unless told otherwise (below). Checks must not put secrets in their
 * errors.
 *
 * A check registered with `affectsAggregate: false` shows up in the
 * aggregate (and fails on its own path) without failing it: for one of many
 * things the process serves, whose loss must not take the whole process out
 * of its Service. Readiness is about the process, not the lease: a replica
 * on standby is ready too (manager.ts).
 *
 * Liveness should only fail when the process is wedged; an event loop that
 * is blocked cannot answer at all, which kubelet already counts as failure.
 *
 * Ports: as kubebuilder's scaffold, probes on 8081 and metrics on 8080, as
 * two servers, but on the loopback interface unless an address says
 * otherwise: neither answers with authentication, so nothing is reachable
 * from other machines until someone asks for it. In a pod, kubelet probes
 * and Prometheus scrapes the pod IP, so a Deployment passes ":8081" and
 * ":8080" (config/host does). Give both the same address to serve
 * everything from one server; an address of "0" turns that server off
 * (controller-runtime's convention for --metrics-bind-address).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Resolves when healthy; throws (or rejects) with the reason when not. */
export type Check = () => Promise<void> | void;

export interface HealthCheckOptions {
  /**
   * When false the check is reported in the aggregate (and on its own path)
   * but its failure does not fail the aggregate. Default true.
   */
  readonly affectsAggregate?: boolean | undefined;
}

interface Registered {
  readonly check: Check;
  readonly affectsAggregate: boolean;
}

export interface HealthCheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly excluded: boolean;
  readonly affectsAggregate: boolean;
  readonly reason?: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1_000;

/**
 * A named set of checks: one for /healthz, one for /readyz. Checks can be
 * added and removed at any time (member clusters come and go).
 */
export class CheckSet {
  private readonly checks = new Map<string, Registered>();

  constructor(
    readonly kind: 'healthz' | 'readyz',
    private readonly timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
  ) {}

  /** Adds or replaces a check. Names must be usable as one URL path segment. */
  add(name: string, check: Check, options: HealthCheckOptions = {}): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new RangeError(`${this.kind} check name ${JSON.stringify(name)}: use letters, digits, '.', '_', '-'`);
    this.checks.set(name, { check, affectsAggregate: options.affectsAggregate ?? true });
  }

  remove(name: string): boolean {
    return this.checks.delete(name);
  }

  has(name: string): boolean {
    return this.checks.has(name);
  }

  names(): string[] {
    return [...this.checks.keys()].sort();
  }

  /** Runs one check; undefined if there is no such check. */
  async runOne(name: string): Promise<HealthCheckResult | undefined> {
    const c = this.checks.get(name);
    if (c === undefined) return undefined;
    return this.execute(name, c);
  }

  /**
   * Runs every check not excluded, concurrently (a probe has a timeout of
   * its own; kubelet's default is 1 s). With no checks, reports `ping`, as
   * controller-runtime does.
   */
  async runAll(exclude: ReadonlySet<string> = new Set()): Promise<{ results: HealthCheckResult[]; ok: boolean; unknownExcludes: string[] }> {
    const entries = [...this.checks.entries()];
    const results: HealthCheckResult[] =
      entries.length === 0
        ? [{ name: 'ping', ok: true, excluded: false, affectsAggregate: true }]
        : await Promise.all(
            entries.map(([name, c]) =>
              exclude.has(name) ? Promise.resolve({ name, ok: true, excluded: true, affectsAggregate: c.affectsAggregate }) : this.execute(name, c),
            ),
          );
    results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const ok = results.every((r) => r.ok || !r.affectsAggregate);
    const unknownExcludes = [...exclude].filter((n) => !this.checks.has(n)).sort();
    return { results, ok, unknownExcludes };
  }

  private async execute(name: string, c: Registered): Promise<HealthCheckResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`check timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        timer.unref();
      });
      // Promise.resolve().then: a check that throws synchronously is a failure, not a crash.
      await Promise.race([Promise.resolve().then(c.check), timeout]);
      return { name, ok: true, excluded: false, affectsAggregate: c.affectsAggregate };
    } catch (err) {
      return { name, ok: false, excluded: false, affectsAggregate: c.affectsAggregate, reason: reasonOf(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // One line per check in the output.
  return text.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}

/** A check that fails with `reason` while `ok()` is false, e.g. `condition(() => informers.synced(), 'informers not synced')`. */
export function condition(ok: () => boolean, reason: string): Check {
  return () => {
    if (!ok()) throw new Error(reason);
  };
}

/** Renders an aggregate as controller-runtime's writeStatusesAsText does (plus reasons). */
export function renderAggregate(
  kind: string,
  agg: { results: readonly HealthCheckResult[]; ok: boolean; unknownExcludes: readonly string[] },
  verbose: boolean,
): string {
  if (agg.ok && !verbose) return 'ok';
  let out = '';
  for (const r of agg.results) {
    if (r.excluded) out += `[+]${r.name} excluded: ok\n`;
    else if (r.ok) out += `[+]${r.name} ok\n`;
    else out += `[-]${r.name} failed: ${r.reason ?? 'unknown error'}${r.affectsAggregate ? '' : ' (does not affect ' + kind + ')'}\n`;
  }
  if (agg.unknownExcludes.length > 0) {
    out += `warn: some health checks cannot be excluded: no matches for ${agg.unknownExcludes.map((n) => `"${n}"`).join(',')}\n`;
  }
  out += agg.ok ? `${kind} check passed\n` : `${kind} check failed\n`;
  return out;
}

export interface HealthHandlerOptions {
  readonly healthz?: CheckSet | undefined;
  readonly readyz?: CheckSet | undefined;
  /** Serve /metrics from this registry. */
  readonly registry?: Registry | undefined;
  /** Called when a probe fails or /metrics errors (e.g. a pino logger's warn). */
  readonly onError?: ((info: { path: string; detail: string }) => void) | undefined;
}

/** The request handler, for one server or for tests. Unknown paths 404; methods other than GET/HEAD 405. */
export function healthHandler(options: HealthHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      options.onError?.({ path: req.url ?? '', detail: reasonOf(err) });
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal server error: ${reasonOf(err)}\n`, req.method === 'HEAD');
      else res.destroy();
    });
  };
}

async function handle(o: HealthHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const head = req.method === 'HEAD';
  const text = 'text/plain; charset=utf-8';
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const [root, sub, ...rest] = segments;

  if (root === 'metrics' && sub === undefined && o.registry !== undefined) {
    if (!allowed(req, res)) return;
    const body = await o.registry.metrics();
    send(res, 200, o.registry.contentType, body, head);
    return;
  }
  const set = root === 'healthz' ? o.healthz : root === 'readyz' ? o.readyz : undefined;
  if (set === undefined || rest.length > 0) {
    send(res, 404, text, '404 page not found\n', head);
    return;
  }
  if (!allowed(req, res)) return;

  if (sub !== undefined) {
    const r = await set.runOne(decodeURIComponent(sub));
    if (r === undefined) send(res, 404, text, '404 page not found\n', head);
    else if (r.ok) send(res, 200, text, 'ok', head);
    else {
      o.onError?.({ path: url.pathname, detail: r.reason ?? '' });
      send(res, 500, text, `internal server error: ${r.reason ?? 'unknown error'}\n`, head);
    }
    return;
  }

  const exclude = new Set(url.searchParams.getAll('exclude').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''));
  const agg = await set.runAll(exclude);
  const body = renderAggregate(set.kind, agg, url.searchParams.has('verbose'));
  if (!agg.ok) o.onError?.({ path: url.pathname, detail: body.trim().split('\n').filter((l) => l.startsWith('[-]')).join('; ') });
  send(res, agg.ok ? 200 : 500, text, body, head);
}

function allowed(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.setHeader('Allow', 'GET, HEAD');
  send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
  return false;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(head ? undefined : body);
}

// ---------------------------------------------------------------------------
// Servers

/** Loopback only: a pod's probes and scrapes need an address given (":8081", ":8080"). */
export const DEFAULT_PROBE_ADDRESS = '127.0.0.1:8081';
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:8080';

/** Parses `host:port`, `:port`, `[v6]:port`; "0" = disabled (undefined). An empty host listens on all interfaces. */
export function parseBindAddress(address: string): { host: string | undefined; port: number } | undefined {
  const a = address.trim();
  if (a === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(a);
  if (!m) throw new RangeError(`bind address ${JSON.stringify(address)}: want host:port, :port or "0"`);
  const port = Number(m[3]);
  if (port > 65535) throw new RangeError(`bind address ${JSON.stringify(address)}: port out of range`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

export interface HealthServerOptions {
  readonly healthz: CheckSet;
  readonly readyz: CheckSet;
  readonly registry: Registry;
  /** Default DEFAULT_PROBE_ADDRESS. */
  readonly probeAddress?: string | undefined;
  /** Default DEFAULT_METRICS_ADDRESS. Same string as probeAddress = one server for everything. */
  readonly metricsAddress?: string | undefined;
  readonly onError?: HealthHandlerOptions['onError'];
}

export interface RunningHealthServer {
  /** Where probes are served, if enabled. */
  readonly probe: AddressInfo | undefined;
  /** Where /metrics is served, if enabled (equal to probe when shared). */
  readonly metrics: AddressInfo | undefined;
  close(): Promise<void>;
}

/**
 * Starts the probe and metrics servers. Resolves once they listen (with the
 * real ports when 0 was asked for); rejects if a port is taken.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<RunningHealthServer> {
  const probeAddress = options.probeAddress ?? DEFAULT_PROBE_ADDRESS;
  const metricsAddress = options.metricsAddress ?? DEFAULT_METRICS_ADDRESS;
  const probeBind = parseBindAddress(probeAddress);
  const metricsBind = parseBindAddress(metricsAddress);
  const shared = probeBind !== undefined && metricsBind !== undefined && probeAddress.trim() === metricsAddress.trim();
  const servers: Server[] = [];
  const close = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  };
  try {
    let probe: AddressInfo | undefined;
    let metrics: AddressInfo | undefined;
    if (probeBind !== undefined) {
      const handler = healthHandler({
        healthz: options.healthz,
        readyz: options.readyz,
        ...(shared ? { registry: options.registry } : {}),
        onError: options.onError,
      });
      probe = await listen(servers, handler, probeBind);
      if (shared) metrics = probe;
    }
    if (metricsBind !== undefined && !shared) {
      metrics = await listen(servers, healthHandler({ registry: options.registry, onError: options.onError }), metricsBind);
    }
    return { probe, metrics, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function listen(
  servers: Server[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  bind: { host: string | undefined; port: number },
): Promise<AddressInfo> {
  const server = createServer(handler);
  // Scrapers and kubelet reconnect per probe; idle sockets should not pile up.
  server.keepAliveTimeout = 5_000;
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

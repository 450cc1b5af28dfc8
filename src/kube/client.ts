/**
 * The one way the controller builds API clients: every client made from the
 * same KubeConfig sends its requests over one keep-alive connection pool.
 *
 * client-node 1.4.0's KubeConfig.makeApiClient authenticates each request
 * with applySecurityAuthentication, which builds a new https.Agent for every
 * call (dist/config.js, createAgent): every write pays a TCP and TLS
 * handshake, and the connection is dropped afterwards. Here the KubeConfig
 * still authenticates every request itself — a token file, an exec plugin or
 * an auth provider is asked each time, so refreshed credentials apply at
 * once — and only the agent it built is swapped for the cluster's shared
 * keep-alive one, made from the same TLS options (CA, client certificate and
 * key, skipTLSVerify, tlsServerName). When those change (a rotated
 * certificate file, an exec plugin that hands out a new client
 * certificate), the next request builds a new shared agent; the old one is
 * destroyed with the rest by closeConnections.
 *
 * A cluster reached through a proxy (`proxyUrl`) keeps client-node's own
 * agent per request: its proxy agents are built from options this module
 * cannot see.
 *
 * Every request has a timeout (API_CALL_TIMEOUT_MS, src/kube/deadlines.ts)
 * unless the caller sets its own AbortSignal: a reused connection can be
 * silently dead, and a request on it would otherwise wait for TCP to give
 * up, minutes later. So every API client in src/ is made here, never with
 * KubeConfig.makeApiClient (client.test.ts checks it).
 */
import { createConfiguration, ServerConfiguration, type Configuration, type KubeConfig, type RequestContext, type SecurityAuthentication } from '@kubernetes/client-node';
import * as http from 'node:http';
import * as https from 'node:https';
import { API_CALL_TIMEOUT_MS } from './deadlines.js';

/**
 * An idle pooled connection is closed after this long: before the API
 * server's own idle timeout (Go's net/http, 90 s in k8s.io/apiserver), so a
 * request is not sent on a connection the server is closing.
 */
const IDLE_SOCKET_MS = 30_000;

/** What client-node puts into an agent's options that decides the TLS session (dist/config.js, applySecurityAuthentication). */
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsOptions = Partial<Record<(typeof TLS_OPTIONS)[number], unknown>>;

function sameTls(a: TlsOptions, b: TlsOptions): boolean {
  return TLS_OPTIONS.every((k) => {
    const x = a[k];
    const y = b[k];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
    return x === y;
  });
}

function tlsOf(agent: http.Agent): TlsOptions {
  const options = (agent as http.Agent & { options?: TlsOptions }).options ?? {};
  const tls: TlsOptions = {};
  for (const k of TLS_OPTIONS) if (options[k] !== undefined) tls[k] = options[k];
  return tls;
}

/** One cluster's keep-alive agent, and the ones it replaced. */
class ConnectionPool {
  private current: { agent: http.Agent; tls: TlsOptions } | undefined;
  private readonly retired: http.Agent[] = [];

  /**
   * The shared agent for requests client-node would have sent with `fresh`,
   * or `fresh` itself when it is not a plain http(s) agent (a proxy).
   */
  agentFor(fresh: http.Agent): http.Agent {
    const kind = fresh.constructor === https.Agent ? https.Agent : fresh.constructor === http.Agent ? http.Agent : undefined;
    if (!kind) return fresh;
    const tls = tlsOf(fresh);
    if (this.current && this.current.agent instanceof kind && sameTls(this.current.tls, tls)) return this.current.agent;
    if (this.current) this.retired.push(this.current.agent);
    this.current = { agent: new kind({ ...tls, keepAlive: true, timeout: IDLE_SOCKET_MS }), tls };
    return this.current.agent;
  }

  /** Closes every connection, idle or busy; a later request opens a new pool. */
  close(): void {
    for (const a of this.retired.splice(0)) a.destroy();
    this.current?.agent.destroy();
    this.current = undefined;
  }
}

const pools = new WeakMap<KubeConfig, ConnectionPool>();

function poolOf(kc: KubeConfig): ConnectionPool {
  let p = pools.get(kc);
  if (!p) pools.set(kc, (p = new ConnectionPool()));
  return p;
}

/** The KubeConfig's own authentication, with the pooled agent and a default timeout. */
class PooledAuthentication implements SecurityAuthentication {
  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs: number,
  ) {}

  getName(): string {
    return 'kubeconfig authentication, pooled connections';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    if (fresh instanceof http.Agent) context.setAgent(poolOf(this.kc).agentFor(fresh));
    // A caller's own signal (set by a middleware, after this) replaces the default.
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.timeoutMs));
  }
}

export interface ClientOptions {
  /** Per-request timeout when the caller passes no signal; default API_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * An API client (CoreV1Api, CustomObjectsApi, ...) for the KubeConfig's
 * current cluster, as kc.makeApiClient(api) but sharing the cluster's
 * keep-alive connections. Close them with closeConnections(kc) when the
 * cluster is dropped or the process stops.
 */
export function makeClient<T>(kc: KubeConfig, api: new (config: Configuration) => T, opts: ClientOptions = {}): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('KubeConfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: new PooledAuthentication(kc, opts.timeoutMs ?? API_CALL_TIMEOUT_MS) },
  });
  return new api(config);
}

/**
 * Destroys the KubeConfig's pooled connections, idle and busy (a request in
 * flight fails). Clients made from it stay usable: their next request opens
 * a new connection.
 */
export function closeConnections(kc: KubeConfig): void {
  pools.get(kc)?.close();
}

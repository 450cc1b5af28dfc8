/**
 * A GET of an API path with a KubeConfig's credentials over node:http(s),
 * for the places that read the raw JSON themselves (a page of a collection,
 * a watch stream) rather than through a generated client.
 *
 * TLS and authentication come from KubeConfig.applyToHTTPSOptions
 * (client-node 1.4.0 dist/config.js): CA, client certificate and key,
 * skipTLSVerify, tlsServerName, proxy, bearer token or exec/auth-provider
 * credentials, basic auth (as `auth`). It is what client-node's own Watch
 * uses too (through applyToFetchOptions, which wraps it). It builds a fresh
 * agent on every call; the agent is destroyed when the request closes, so no
 * socket outlives it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest, type Agent as HttpAgent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * Creates a GET of `path` below the current cluster's server, with `query`
 * (undefined and empty values left out), asking for JSON. The caller adds
 * its listeners and calls end(). Rejects, before anything is sent, when the
 * KubeConfig has no current cluster or its credentials cannot be obtained
 * (an exec plugin that fails, say).
 */
export async function startGet(
  kc: KubeConfig,
  path: string,
  query: Query,
  options: Pick<RequestOptions, 'signal' | 'timeout'>,
  onResponse: (res: IncomingMessage) => void,
): Promise<ClientRequest> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('KubeConfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const agent = opts.agent as HttpAgent | undefined;
  const headers = { ...(opts.headers as Record<string, string> | undefined), Accept: 'application/json' };
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const req = request(url, { ...opts, ...options, method: 'GET', headers }, onResponse);
  req.on('close', () => agent?.destroy());
  return req;
}

/** Response headers as client-node's ApiException keeps them: lower-case names, one string each. */
export function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

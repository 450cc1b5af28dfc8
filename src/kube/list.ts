/**
 * Listing a collection the way client-go's pager does: one GET per page
 * (`limit` and `continue`), concatenated, with one unpaginated list as the
 * fallback when a continue token expires mid-way.
 *
 * The default page source GETs the collection with a KubeConfig's
 * credentials and returns the raw JSON: the same shape watch events have. A
 * generated client (CoreV1Api, say) would turn list items into model objects
 * with Date fields while watch events stay JSON strings.
 */
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import { httpStatusOf } from './errors.js';
import { flatHeaders, startGet, type Query } from './request.js';

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

/** A list request that got no answer (socket idle) within its timeout. */
export class ListTimeout extends Error {
  override readonly name = 'ListTimeout';
}

/**
 * GETs `path` as JSON. Non-2xx answers throw ApiException with the raw Status
 * body and the response headers (a 429's `Retry-After`: ./retry-after.ts), as
 * generated clients do; no answer within `timeoutMs` of socket
 * silence throws ListTimeout.
 */
export async function getCollection(kc: KubeConfig, path: string, query: Query, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  return await new Promise<unknown>((resolve, reject) => {
    startGet(kc, path, query, { signal, timeout: timeoutMs }, (res) => readJson(res, path, resolve, reject)).then((req) => {
      req.on('timeout', () => req.destroy(new ListTimeout(`no answer within ${Math.round(timeoutMs / 1000)}s`)));
      req.on('error', reject);
      req.end();
    }, reject);
  });
}

function readJson(res: IncomingMessage, path: string, resolve: (body: unknown) => void, reject: (err: unknown) => void): void {
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
      resolve(JSON.parse(text));
    } catch (e) {
      reject(new Error(`GET ${path}: invalid JSON: ${(e as Error).message}`));
    }
  });
}

/** The page source that GETs `path` with `kc`'s credentials (getCollection). */
export function collectionPages<T>(kc: KubeConfig, path: string, timeoutMs: number): ListPageFn<T> {
  return async (o) => {
    const query = { limit: o.limit, continue: o.continue, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector };
    return (await getCollection(kc, path, query, o.signal, timeoutMs)) as ListPage<T>;
  };
}

export interface ListAllOptions<T = unknown> {
  /** `limit` per page; 0 lists in one request. */
  pageSize: number;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  signal: AbortSignal;
  /** Called before each answer is used; throws to abandon the list (its caller no longer wants it). */
  checkpoint?: () => void;
  /** Called when the continue token expired after `pages` pages, before listing everything at once. */
  onContinueExpired?: (pages: number) => void;
  /**
   * What to keep of each item, applied as its page arrives: a long list then
   * holds what is kept of the pages before, not every whole object until the
   * last page (60,000 EndpointSlices parsed whole are ~150 MB).
   */
  keep?: (item: T) => T;
}

export interface ListAll<T> {
  items: T[];
  resourceVersion: string;
  pages: number;
}

/** Lists every page of a collection, in order. */
export async function listAllPages<T>(listPage: ListPageFn<T>, o: ListAllOptions<T>): Promise<ListAll<T>> {
  const base: ListPageOptions = {
    signal: o.signal,
    ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}),
    ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}),
  };
  const items: T[] = [];
  let resourceVersion = '';
  let cont: string | undefined;
  let pages = 0;
  for (;;) {
    let page: ListPage<T>;
    try {
      page = await listPage({ ...base, ...(o.pageSize > 0 ? { limit: o.pageSize } : {}), ...(cont !== undefined ? { continue: cont } : {}) });
    } catch (e) {
      if (cont === undefined || httpStatusOf(e) !== 410) throw e;
      o.checkpoint?.();
      // The continue token expired (410): like client-go's pager, fall back to one full list.
      o.onContinueExpired?.(pages);
      items.length = 0;
      page = await listPage(base);
      cont = undefined;
    }
    o.checkpoint?.();
    pages++;
    for (const item of page.items ?? []) items.push(o.keep ? o.keep(item) : item);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    cont = page.metadata?.continue || undefined;
    if (cont === undefined) break;
  }
  return { items, resourceVersion, pages };
}

/**
 * A deliberately small Kubernetes client for the benchmark: JSON requests
 * and list+watch over node:https with a keep-alive agent, timestamping every
 * watch event the moment its line is parsed. Independent of the controller's
 * own client stack (client-node), so the benchmark observes the API servers
 * the way any other watcher would.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { ClusterAccess } from '../../test/env/kube.js';

/** Wall-clock milliseconds with sub-millisecond resolution (monotonic within the process). */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface KubeObj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; uid?: string; deletionTimestamp?: string; [k: string]: unknown };
  spec?: Record<string, unknown> & { ips?: string[]; clusterIP?: string };
  data?: Record<string, string>;
  [k: string]: unknown;
}

export class Api {
  readonly name: string;
  private readonly ca: Buffer;
  private readonly agent: Agent;
  private readonly watchAgent: Agent;

  constructor(readonly access: ClusterAccess) {
    this.name = access.name;
    this.ca = readFileSync(access.caFile);
    this.agent = new Agent({ keepAlive: true, maxSockets: 32, ca: this.ca });
    this.watchAgent = new Agent({ keepAlive: false, ca: this.ca });
  }

  request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(this.access.server + path, {
        method,
        agent: this.agent,
        headers: {
          Authorization: `Bearer ${this.access.token}`,
          Accept: 'application/json',
          ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
        timeout: timeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 300) return reject(new ApiError(code, `${method} ${path}: HTTP ${code}: ${text.slice(0, 400)}`));
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** GET of a non-JSON resource (e.g. /metrics). */
  text(path: string, timeoutMs = 30_000): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const req = request(this.access.server + path, { method: 'GET', agent: this.agent, headers: { Authorization: `Bearer ${this.access.token}` }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => ((res.statusCode ?? 0) >= 300 ? reject(new ApiError(res.statusCode ?? 0, `GET ${path}: HTTP ${res.statusCode}`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
      req.on('error', reject);
      req.end();
    });
  }

  get<T = KubeObj>(path: string) {
    return this.request<T>('GET', path);
  }

  /** Whether `path` exists (GET answers); false on 404, other errors thrown. */
  async exists(path: string): Promise<boolean> {
    try {
      await this.get(path);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  }
  post<T = KubeObj>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }
  mergePatch<T = KubeObj>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body, 'application/merge-patch+json');
  }
  delete<T = unknown>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Creates, treating 409 AlreadyExists as success (re-runs, retries). */
  async create(path: string, body: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.post(path, body);
        return;
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) return;
        // The API servers share two cores with Karmada: retry transient failures a few times.
        if (attempt >= 4 || (e instanceof ApiError && e.code < 500 && e.code !== 429)) throw e;
        await sleep(250 * 2 ** attempt);
      }
    }
  }

  /** Every item of a collection (paged). */
  async list(path: string, params: Record<string, string> = {}): Promise<{ items: KubeObj[]; resourceVersion: string }> {
    const items: KubeObj[] = [];
    let cont = '';
    for (let page = 0; page < 10_000; page++) {
      const q = new URLSearchParams({ ...params, limit: '500', ...(cont ? { continue: cont } : {}) });
      const r = await this.get<{ items: KubeObj[]; metadata: { resourceVersion: string; continue?: string } }>(`${path}?${q}`);
      items.push(...r.items);
      if (!r.metadata.continue) return { items, resourceVersion: r.metadata.resourceVersion };
      cont = r.metadata.continue;
    }
    throw new Error(`list ${path}: too many pages`);
  }

  watchStream(path: string, params: Record<string, string>, onLine: (line: string, t: number) => void): { done: Promise<void>; abort: () => void } {
    let abort = () => {};
    const done = new Promise<void>((resolve, reject) => {
      const q = new URLSearchParams({ ...params, watch: '1' });
      const req = request(`${this.access.server}${path}?${q}`, {
        method: 'GET',
        agent: this.watchAgent,
        headers: { Authorization: `Bearer ${this.access.token}`, Accept: 'application/json' },
      }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString('utf8')));
          res.on('end', () => reject(new ApiError(res.statusCode ?? 0, `watch ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`)));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const t = now();
          buf += d;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) onLine(line, t);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('aborted', () => resolve());
      });
      req.on('error', (e) => reject(e));
      req.end();
      abort = () => {
        req.destroy();
        resolve();
      };
    });
    return { done, abort };
  }
}

export type EventType = 'LIST' | 'ADDED' | 'MODIFIED' | 'DELETED';
export type Handler = (type: EventType, obj: KubeObj, t: number) => void;

/**
 * list, then watch from the list's resourceVersion; resumes after a normal
 * end, relists after 410 Gone, backs off after errors. Bounded: stop() ends
 * it, and it gives up after `maxRestarts` consecutive failures.
 */
export class Watcher {
  private stopped = false;
  private abortCurrent: (() => void) | undefined;
  private rv = '';
  private loop: Promise<void> | undefined;
  restarts = 0;
  relists = 0;
  events = 0;

  constructor(
    private readonly api: Api,
    private readonly path: string,
    private readonly params: Record<string, string>,
    private readonly handler: Handler,
    private readonly log: (line: string) => void = () => {},
    private readonly maxRestarts = 200,
  ) {}

  get label() {
    return `${this.api.name}${this.path}`;
  }

  async start(): Promise<void> {
    await this.relist();
    this.loop = this.run();
  }

  private async relist() {
    const { items, resourceVersion } = await this.api.list(this.path, this.params);
    const t = now();
    for (const o of items) this.handler('LIST', o, t);
    this.rv = resourceVersion;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let gone = false;
      try {
        const s = this.api.watchStream(this.path, { ...this.params, resourceVersion: this.rv, allowWatchBookmarks: 'true', timeoutSeconds: '600' }, (line, t) => {
          const ev = JSON.parse(line) as { type: string; object: KubeObj & { code?: number } };
          if (ev.type === 'ERROR') {
            if (ev.object.code === 410) gone = true;
            return;
          }
          if (ev.object.metadata?.resourceVersion) this.rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') return;
          this.events++;
          this.handler(ev.type as EventType, ev.object, t);
        });
        this.abortCurrent = s.abort;
        await s.done;
        failures = 0;
      } catch (e) {
        if (this.stopped) return;
        failures++;
        this.log(`watch ${this.label} failed (${failures}): ${e instanceof Error ? e.message : String(e)}`);
        if (failures > this.maxRestarts) throw new Error(`watch ${this.label}: giving up after ${failures} failures`);
        await sleep(Math.min(5000, 200 * 2 ** Math.min(failures, 5)));
      }
      if (this.stopped) return;
      this.restarts++;
      if (gone) {
        this.relists++;
        this.log(`watch ${this.label}: 410 Gone, relisting`);
        try {
          await this.relist();
        } catch (e) {
          this.log(`relist ${this.label} failed: ${e instanceof Error ? e.message : String(e)}`);
          await sleep(1000);
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abortCurrent?.();
    await this.loop?.catch(() => undefined);
  }
}

/** Runs `f` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, f: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await f(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** Polls `cond` every `intervalMs` until true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(cond: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(intervalMs);
  }
  return cond();
}

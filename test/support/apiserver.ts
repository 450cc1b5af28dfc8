/**
 * A standalone test fixture: one etcd and one real kube-apiserver on
 * 127.0.0.1, on ports the OS hands out, in a temporary directory that
 * teardown() removes. Lighter than the full local environment
 * (test/env/environment.ts) and, unlike it, private to one test file, so
 * tests may break it on purpose: stop and restart the API server on the same
 * port while etcd keeps the data, freeze it (SIGSTOP) to simulate a network
 * that drops packets silently, write to etcd behind its back, and compact
 * etcd to provoke 410 Gone.
 *
 * The flags are the local environment's (test/env/components.ts
 * apiserverArgs), with one addition: objects are stored in etcd as JSON
 * (--storage-media-type), so a test can change objects while the API server
 * is down by writing the key directly — the only way to produce "changes the
 * watcher missed" with a single API server.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, type Binaries } from '../env/binaries.js';
import { getJson, kubeConfigFor, type ClusterAccess } from '../env/kube.js';
import { apiserverArgs, etcdArgs, httpOk } from '../env/components.js';
import { ensurePki, type Pki } from '../env/pki.js';
import { freePorts, isAlive, portInUse, startProcess, stopProcess, tailLog, waitUntil, type ProcessInfo } from '../env/process.js';

export interface ApiServerFixture {
  /** https://127.0.0.1:<port>; stays the same across stop/start. */
  readonly server: string;
  readonly port: number;
  readonly etcdUrl: string;
  readonly caFile: string;
  /** Where the API server keeps objects in etcd (`--etcd-prefix`). */
  readonly etcdPrefix: string;
  /** Bearer token of `admin` (group system:masters). */
  readonly adminToken: string;
  /** Bearer token of a user with no RBAC at all (only system:authenticated). */
  readonly userToken: string;
  readonly userName: string;
  readonly dir: string;
  /** A fresh KubeConfig (one per caller, as the controller does per cluster). */
  kubeConfig(who?: 'admin' | 'user'): KubeConfig;
  /**
   * Stops kube-apiserver only; etcd and its data stay. SIGTERM, then SIGKILL
   * after `graceMs` (default 10 s). kube-apiserver does not end open watches
   * on SIGTERM, so with a watch open it is the SIGKILL that ends it.
   */
  stopApiServer(opts?: { graceMs?: number }): Promise<void>;
  /** Starts kube-apiserver again on the same port and waits for /readyz. */
  startApiServer(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers, like a silently dead network. */
  freezeApiServer(): void;
  thawApiServer(): void;
  apiServerRunning(): boolean;
  /** etcd's current revision (what resourceVersions are made of). */
  etcdRevision(): Promise<number>;
  /** Compacts etcd at `revision` (default: the current one); returns the revision used. */
  compactEtcd(revision?: number): Promise<number>;
  /** Writes a raw value under the API server's prefix, e.g. `configmaps/ns/name`. */
  etcdPut(key: string, value: string): Promise<void>;
  /** Deletes a key under the API server's prefix; returns how many keys went. */
  etcdDelete(key: string): Promise<number>;
  /** The last lines of the API server's log (for failure messages). */
  apiServerLog(): string;
  /** Stops both processes and removes the directory; safe to call twice. */
  teardown(): Promise<void>;
}

export interface ApiServerOptions {
  /** Extra kube-apiserver flags (`--name=value`). */
  extraArgs?: string[];
  log?: (line: string) => void;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** POST to etcd's gRPC gateway (JSON over HTTP, keys and values base64). */
function etcdPost(etcdUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest(`${etcdUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`etcd ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        try {
          resolvePost(JSON.parse(text) as Record<string, unknown>);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`etcd ${path}: timeout`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// Processes run detached (their own process group, so stopProcess can kill
// the group). If the test process dies without teardown — an uncaught error,
// mocha --exit mid-hook — they would outlive it; this exit hook kills them
// synchronously, which is all an 'exit' listener may do.
const live = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  live.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) {
      for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(-p, sig);
        } catch {
          /* gone */
        }
      }
    }
  });
}

/** The token file: an admin in system:masters, and a user with no RBAC at all. */
function writeTokensFile(dir: string) {
  const adminToken = randomBytes(16).toString('hex');
  const userToken = randomBytes(16).toString('hex');
  const userName = 'no-rbac-user';
  const tokensFile = join(dir, 'tokens.csv');
  writeFileSync(tokensFile, `${adminToken},admin,admin,"system:masters"\n${userToken},${userName},${randomUUID()}\n`, { mode: 0o600 });
  return { adminToken, userToken, userName, tokensFile };
}

/** Reads and writes etcd under an API server's prefix, behind its back (also the local environment's members: test/e2e/faults-etcd.test.ts). */
export function etcdKeyspace(etcdUrl: string, etcdPrefix: string): Pick<ApiServerFixture, 'etcdRevision' | 'compactEtcd' | 'etcdPut' | 'etcdDelete'> & { etcdGet(key: string): Promise<string | undefined> } {
  const key = (k: string) => `${etcdPrefix}/${k.replace(/^\/+/, '')}`;
  return {
    etcdRevision: async () => {
      // A range over one (absent) key still answers with the store's header.
      const r = await etcdPost(etcdUrl, '/v3/kv/range', { key: b64(key('revision-probe')) });
      return Number((r['header'] as { revision?: string } | undefined)?.revision ?? NaN);
    },
    compactEtcd: async (revision) => {
      const rev = revision ?? Number(((await etcdPost(etcdUrl, '/v3/kv/range', { key: b64(key('revision-probe')) }))['header'] as { revision?: string }).revision);
      await etcdPost(etcdUrl, '/v3/kv/compaction', { revision: String(rev), physical: true });
      return rev;
    },
    etcdPut: async (k, value) => {
      await etcdPost(etcdUrl, '/v3/kv/put', { key: b64(key(k)), value: b64(value) });
    },
    etcdDelete: async (k) => {
      const r = await etcdPost(etcdUrl, '/v3/kv/deleterange', { key: b64(key(k)) });
      return Number(r['deleted'] ?? 0);
    },
    etcdGet: async (k) => {
      const r = await etcdPost(etcdUrl, '/v3/kv/range', { key: b64(key(k)) });
      const value = (r['kvs'] as Array<{ value?: string }> | undefined)?.[0]?.value;
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
    },
  };
}

interface ApiServerSpec {
  bin: string;
  args: string[];
  log: string;
  port: number;
  /** Admin access, for the /readyz probe. */
  admin: ClusterAccess;
}

/** The fixture's processes: etcd, and a kube-apiserver that tests may stop, restart and freeze. */
class FixtureProcesses {
  private etcd: ProcessInfo | undefined;
  private apiserver: ProcessInfo | undefined;
  private frozen = false;
  private tornDown = false;
  /** Set once the API server's flags are known, before the first start. */
  spec: ApiServerSpec | undefined;

  constructor(private readonly dir: string) {}

  async startEtcd(bins: Binaries, args: string[], etcdUrl: string, logs: string): Promise<void> {
    this.etcd = startProcess({
      name: 'etcd',
      bin: bins.etcd,
      args,
    }, join(logs, 'etcd.log'));
    track(this.etcd.pid);
    await waitUntil('etcd /health', () => httpOk(`${etcdUrl}/health`), { timeoutMs: 30_000, proc: this.etcd });
  }

  readonly startApiServer = async () => {
    const { bin, args, log, admin } = this.spec as ApiServerSpec;
    if (this.apiserver && isAlive(this.apiserver.pid)) throw new Error('kube-apiserver is already running');
    // Same port as before: clients keep their URL, as with a restarted control plane.
    this.apiserver = startProcess({ name: 'kube-apiserver', bin, args }, log);
    track(this.apiserver.pid);
    await waitUntil('kube-apiserver /readyz', async () => (await getJson(admin, '/readyz')) === 'ok', { timeoutMs: 120_000, intervalMs: 250, proc: this.apiserver });
  };

  readonly stopApiServer = async (o: { graceMs?: number } = {}) => {
    if (!this.apiserver) return;
    const { port } = this.spec as ApiServerSpec;
    if (this.frozen) this.thaw(this.apiserver.pid);
    await stopProcess(this.apiserver.pid, o.graceMs ?? 10_000);
    live.delete(this.apiserver.pid);
    // Go's listener closes with the process, but make "stopped" mean "refuses connections".
    await waitUntil(`port ${port} to close`, async () => !(await portInUse(port)), { timeoutMs: 10_000, intervalMs: 50 });
  };

  readonly freezeApiServer = () => {
    if (!this.apiserver) throw new Error('kube-apiserver is not running');
    process.kill(-this.apiserver.pid, 'SIGSTOP');
    this.frozen = true;
  };

  readonly thawApiServer = () => {
    if (this.apiserver) this.thaw(this.apiserver.pid);
  };

  readonly apiServerRunning = () => this.apiserver !== undefined && isAlive(this.apiserver.pid);

  readonly apiServerLog = () => (this.apiserver ? tailLog(this.apiserver.log, 40) : '');

  readonly teardown = async () => {
    if (this.tornDown) return;
    this.tornDown = true;
    // A stopped (SIGSTOP) process would sit on SIGTERM until the grace period ends.
    if (this.apiserver && this.frozen) this.thaw(this.apiserver.pid);
    // The API server first: with etcd gone it would wait for it until the grace period ends.
    for (const p of [this.apiserver, this.etcd]) {
      if (!p) continue;
      await stopProcess(p.pid, 10_000);
      live.delete(p.pid);
    }
    rmSync(this.dir, { recursive: true, force: true });
  };

  private thaw(pid: number) {
    try {
      process.kill(-pid, 'SIGCONT');
    } catch {
      /* gone */
    }
    this.frozen = false;
  }
}

export async function startApiServerFixture(opts: ApiServerOptions = {}): Promise<ApiServerFixture> {
  const log = opts.log ?? (() => {});
  const bins = await ensureBinaries(log);
  const dir = mkdtempSync(join(tmpdir(), 'clusterset-dns-apiserver-'));
  const procs = new FixtureProcesses(dir);

  try {
    // The PKI is per fixture: openssl takes about a second, and a shared one
    // would outlive the temporary directory this fixture promises to remove.
    const pki: Pki = ensurePki(join(dir, 'pki'));
    const [etcdClient, etcdPeer, port] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcdPrefix = '/registry-test';
    const logs = join(dir, 'logs');
    mkdirSync(logs, { recursive: true });

    await procs.startEtcd(bins, etcdArgs(join(dir, 'etcd'), etcdClient, etcdPeer), etcdUrl, logs);

    const { adminToken, userToken, userName, tokensFile } = writeTokensFile(dir);
    const server = `https://127.0.0.1:${port}`;
    const args = [
      ...apiserverArgs(pki, { etcd: etcdUrl, etcdPrefix, port, serviceCidr: '10.96.0.0/16', tokensFile }),
      // JSON in etcd, so etcdPut can write objects a test wants the API server to find.
      '--storage-media-type=application/json',
      ...(opts.extraArgs ?? []),
    ];
    const admin = { name: 'admin', server, token: adminToken, caFile: pki.caCert };
    procs.spec = { bin: bins['kube-apiserver'], args, log: join(logs, 'kube-apiserver.log'), port, admin };

    await procs.startApiServer();
    log(`kube-apiserver ready on ${server} (etcd ${etcdUrl}, dir ${dir})`);

    return {
      server,
      port,
      etcdUrl,
      caFile: pki.caCert,
      etcdPrefix,
      adminToken,
      userToken,
      userName,
      dir,
      kubeConfig: (who = 'admin') => kubeConfigFor(who === 'admin' ? admin : { ...admin, name: userName, token: userToken }),
      stopApiServer: procs.stopApiServer,
      startApiServer: procs.startApiServer,
      freezeApiServer: procs.freezeApiServer,
      thawApiServer: procs.thawApiServer,
      apiServerRunning: procs.apiServerRunning,
      ...etcdKeyspace(etcdUrl, etcdPrefix),
      apiServerLog: procs.apiServerLog,
      teardown: procs.teardown,
    };
  } catch (e) {
    await procs.teardown();
    throw e;
  }
}

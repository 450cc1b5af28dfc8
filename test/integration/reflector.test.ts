/**
 * The reflector against a real etcd + kube-apiserver (test/support/apiserver.ts):
 * events, an API server restart, 410 Gone after an etcd compaction, RBAC and
 * CRD problems that fix themselves, a frozen API server caught by the
 * watchdog, and a stop() that lets the process exit.
 *
 * Conditions are awaited by polling with a deadline, never by sleeping; a
 * timeout message carries the reflector's health so a failure says what it
 * was doing.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Reflector } from '../../src/runtime/cache/reflector.js';
import type { ReflectorLogger, ReflectorOptions, ReflectorState } from '../../src/runtime/cache/reflector-types.js';
import { startApiServerFixture, type ApiServerFixture } from '../support/apiserver.js';

type ConfigMap = k8s.V1ConfigMap;

interface LogEntry {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
  obj: Record<string, unknown>;
}

function recordingLogger(): ReflectorLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const rec = (level: LogEntry['level']) => (obj: object, msg: string) => void entries.push({ level, msg, obj: obj as Record<string, unknown> });
  return { entries, info: rec('info'), warn: rec('warn'), error: rec('error'), debug: rec('debug') };
}

/** Polls `probe` until it returns something other than undefined/false. */
async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, context?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > deadline) {
      const ctx = context ? `\ncontext: ${JSON.stringify(context(), null, 1)}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last !== undefined ? ` (last error: ${String(last)})` : ''}${ctx}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const uniq = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

describe('Reflector against a real kube-apiserver', function () {
  this.timeout(120_000);
  let f: ApiServerFixture;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const running: Array<Reflector<k8s.KubernetesObject>> = [];

  // Fast retries so recovery shows within seconds; the production defaults are 800 ms → 30 s.
  const fast = { backoff: { initialMs: 200, maxMs: 2_000 } } as const;

  function reflector<T extends k8s.KubernetesObject = ConfigMap>(o: Partial<ReflectorOptions<T>> & { path: string }) {
    const logger = recordingLogger();
    const states: ReflectorState[] = [];
    const events: string[] = [];
    const r = new Reflector<T>({
      kubeConfig: f.kubeConfig(),
      cluster: 'test',
      logger,
      ...fast,
      ...o,
      hooks: { onStateChange: (s) => void states.push(s) },
    });
    for (const ev of ['add', 'update', 'delete'] as const) r.on(ev, (obj) => void events.push(`${ev} ${obj.metadata?.name}`));
    running.push(r as unknown as Reflector<k8s.KubernetesObject>);
    return { r, logger, states, events, health: () => r.health() };
  }

  async function namespace(): Promise<string> {
    const ns = uniq('refl');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    return ns;
  }

  /** A ConfigMap as the API server stores it (JSON, see the fixture), for writing to etcd behind its back. */
  function storedConfigMap(ns: string, name: string, data: Record<string, string>, from?: ConfigMap): string {
    return JSON.stringify({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name,
        namespace: ns,
        uid: from?.metadata?.uid ?? randomUUID(),
        creationTimestamp: (from?.metadata?.creationTimestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      data,
    });
  }

  before(async function () {
    this.timeout(180_000);
    f = await startApiServerFixture();
    kc = f.kubeConfig();
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterEach(async function () {
    await Promise.all(running.splice(0).map((r) => r.stop()));
    // A failed test must not leave the next one with a frozen or stopped API server.
    f?.thawApiServer();
    if (f && !f.apiServerRunning()) await f.startApiServer();
  });

  after(async function () {
    this.timeout(60_000);
    await f?.teardown();
  });

  it('delivers add, update and delete, lists in pages, and hands out frozen objects', async () => {
    const ns = await namespace();
    for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `pre-${i}` }, data: { i: String(i) } } });
    // pageSize 2 → three pages against the real server's limit/continue.
    const { r, events, health } = reflector({ path: `/api/v1/namespaces/${ns}/configmaps`, pageSize: 2 });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      r.on('add', (o) => {
        if (o.metadata?.name === 'x') throw new Error('handler bug');
      });
      r.on('update', async () => {
        throw new Error('async handler bug');
      });
      r.start();
      await r.whenSynced();
      expect(r.list(ns).map((o) => o.metadata?.name).sort()).to.deep.equal(['pre-0', 'pre-1', 'pre-2', 'pre-3', 'pre-4']);

      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' }, data: { v: '1' } } });
      await until('add x', () => events.includes('add x'), 10_000, health);
      await core.replaceNamespacedConfigMap({ namespace: ns, name: 'x', body: { metadata: { name: 'x' }, data: { v: '2' } } });
      await until('update x', () => r.get(ns, 'x')?.data?.['v'] === '2' && events.includes('update x'), 10_000, health);

      const cached = r.get(ns, 'x')!;
      expect(Object.isFrozen(cached)).to.equal(true);
      expect(Object.isFrozen(cached.metadata)).to.equal(true);
      expect(() => {
        (cached.data as Record<string, string>)['v'] = 'mutated';
      }).to.throw(TypeError);

      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'x' });
      await until('delete x', () => events.includes('delete x') && r.get(ns, 'x') === undefined, 10_000, health);
      expect(events.filter((e) => e.endsWith(' x'))).to.deep.equal(['add x', 'update x', 'delete x']);
      await until('the async handler rejection to be counted', () => health().handlerErrors === 2, 5_000, health);
      expect(unhandled).to.deep.equal([]);
      expect(health()).to.include({ state: 'running', synced: true, restarts: 0, relists: 0 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('resumes after the server ends watches (timeoutSeconds) without relisting or restarting', async () => {
    const ns = await namespace();
    const { r, events, health } = reflector({ path: `/api/v1/namespaces/${ns}/configmaps`, watchTimeoutSeconds: 2, watchTimeoutJitter: 0 });
    r.start();
    await r.whenSynced();
    await until('three watches (two server-side timeouts)', () => health().watches >= 3, 20_000, health);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } });
    await until('add late', () => events.includes('add late'), 10_000, health);
    expect(health()).to.include({ restarts: 0, relists: 0, state: 'running' });
  });

  it('recovers from an API server restart and catches up on what changed meanwhile', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' }, data: { v: '1' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'kept' }, data: { v: '1' } } });
    const kept = await core.readNamespacedConfigMap({ namespace: ns, name: 'kept' });
    const { r, events, states, health } = reflector({ path: `/api/v1/namespaces/${ns}/configmaps` });
    r.start();
    await r.whenSynced();
    expect(r.list(ns)).to.have.length(2);

    await f.stopApiServer({ graceMs: 2_000 });
    await until('backoff after the API server went away', () => health().state === 'backoff', 15_000, health);
    // At least one retry has hit the stopped server too (connection refused), and the
    // cache still holds the last known state: unreachable is not empty (docs/design.md#unreachable-is-not-empty).
    await until('a retry against the stopped server', () => health().restarts >= 2, 15_000, health);
    expect(r.hasSynced()).to.equal(true);
    expect(r.list(ns)).to.have.length(2);
    // Changes made while the API server (and so the watch) is down, straight in etcd.
    expect(await f.etcdDelete(`configmaps/${ns}/before`)).to.equal(1);
    await f.etcdPut(`configmaps/${ns}/offline`, storedConfigMap(ns, 'offline', { v: 'written-while-down' }));
    await f.etcdPut(`configmaps/${ns}/kept`, storedConfigMap(ns, 'kept', { v: 'changed-while-down' }, kept));

    const t0 = Date.now();
    const startedUp = f.startApiServer().then(() => Date.now());
    await until('the cache to reflect the offline changes', () =>
      r.get(ns, 'before') === undefined && r.get(ns, 'offline') !== undefined && r.get(ns, 'kept')?.data?.['v'] === 'changed-while-down' && health().state === 'running',
    60_000, health);
    const caughtUp = Date.now();
    const ready = await startedUp;

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    await until('add after', () => events.includes('add after'), 10_000, health);

    const h = health();
    console.log(`      restart: apiserver launch→/readyz ${ready - t0} ms; launch→cache caught up ${caughtUp - t0} ms; restarts ${JSON.stringify(h.restartsByReason)}, relists ${h.relists}`);
    expect(events).to.include.members(['delete before', 'add offline', 'update kept', 'add after']);
    expect(h.restarts).to.be.greaterThan(0);
    expect(h.restartsByReason.network ?? 0).to.be.greaterThan(0);
    expect(h.lastError?.reason).to.equal('network');
    // connecting → running → backoff → (connecting → backoff)* → connecting → running
    const firstBackoff = states.indexOf('backoff');
    expect(firstBackoff).to.be.greaterThan(0);
    expect(states.slice(firstBackoff).at(-1)).to.equal('running');
  });

  it('relists after 410 Gone when etcd was compacted past its resourceVersion', async () => {
    const ns = await namespace();
    for (const n of ['k1', 'k2', 'k3']) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n }, data: { v: '1' } } });
    const k2 = await core.readNamespacedConfigMap({ namespace: ns, name: 'k2' });
    const { r, events, health } = reflector({ path: `/api/v1/namespaces/${ns}/configmaps` });
    r.start();
    await r.whenSynced();
    const rvBefore = Number(health().resourceVersion);

    await f.stopApiServer({ graceMs: 2_000 });
    await f.etcdDelete(`configmaps/${ns}/k1`);
    await f.etcdPut(`configmaps/${ns}/k2`, storedConfigMap(ns, 'k2', { v: '2' }, k2));
    const compactedAt = await f.compactEtcd();
    expect(compactedAt).to.be.greaterThan(rvBefore);
    const relistsBefore = health().relists;
    await f.startApiServer();

    await until('the relisted cache', () => r.get(ns, 'k1') === undefined && r.get(ns, 'k2')?.data?.['v'] === '2' && health().state === 'running', 30_000, health);
    const h = health();
    expect(r.list(ns).map((o) => o.metadata?.name).sort()).to.deep.equal(['k2', 'k3']);
    expect(events).to.include.members(['delete k1', 'update k2']);
    expect(h.relists).to.be.greaterThan(relistsBefore);
    expect(h.restartsByReason.expired ?? 0).to.be.greaterThan(0);
    expect(Number(h.resourceVersion)).to.be.at.least(compactedAt);

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'k4' } } });
    await until('add k4 after the relist', () => events.includes('add k4'), 10_000, health);
  });

  it('reports forbidden list and watch clearly, keeps retrying, and syncs once RBAC allows it', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'seen' } } });
    const { r, logger, events, health } = reflector({ path: '/api/v1/configmaps', kubeConfig: f.kubeConfig('user') });
    r.start();
    await until('a forbidden list', () => health().lastError?.reason === 'forbidden', 15_000, health);
    const listErr = health().lastError!;
    expect(listErr.verb).to.equal('list');
    expect(listErr.code).to.equal(403);
    expect(listErr.message).to.match(new RegExp(`^forbidden: cannot list configmaps at the cluster scope as user "${f.userName}" on cluster "test": `));
    expect(logger.entries.some((e) => e.level === 'error' && e.msg === listErr.message)).to.equal(true);
    expect(r.hasSynced()).to.equal(false);
    await until('a second attempt (it keeps retrying)', () => health().restarts >= 2, 15_000, health);

    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const role = uniq('cm-reader');
    const grant = async (verbs: string[]) => {
      await rbac.replaceClusterRole({ name: role, body: { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] } }).catch(async () =>
        rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] } }));
    };
    try {
      // list only: the cache loads, then the watch is refused.
      await grant(['list']);
      await rbac.createClusterRoleBinding({ body: { metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: f.userName, apiGroup: 'rbac.authorization.k8s.io' }] } });
      await until('sync with list permission', () => r.hasSynced(), 20_000, health);
      expect(r.get(ns, 'seen')).to.not.equal(undefined);
      await until('a forbidden watch', () => health().lastError?.verb === 'watch' && health().lastError?.reason === 'forbidden', 15_000, health);
      expect(health().lastError!.message).to.match(/^forbidden: cannot watch configmaps at the cluster scope on cluster "test"/);

      await grant(['list', 'watch']);
      // The watch resumes from the list's resourceVersion, so this arrives only through a working watch.
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-grant' } } });
      await until('add after-grant', () => events.includes('add after-grant') && health().state === 'running', 20_000, health);
    } finally {
      await rbac.deleteClusterRoleBinding({ name: role }).catch(() => {});
      await rbac.deleteClusterRole({ name: role }).catch(() => {});
    }
  });

  it('says "CRD not installed" for a missing CRD and syncs once it is created', async () => {
    const group = `${uniq('test').replace(/-/g, '')}.example.com`;
    const { r, logger, events, health } = reflector<k8s.KubernetesObject>({ path: `/apis/${group}/v1/widgets` });
    r.start();
    await until('crd-missing', () => health().lastError?.reason === 'crd-missing', 15_000, health);
    const msg = health().lastError!.message;
    expect(msg).to.match(new RegExp(`^CRD not installed, or v1 not served: cluster "test" does not serve widgets\\.${group.replace(/\./g, '\\.')} \\(list /apis/${group}/v1/widgets answered 404\\)`));
    expect(logger.entries.some((e) => e.level === 'error' && e.msg === msg)).to.equal(true);

    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const crdName = `widgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
        },
      },
    });
    try {
      await until('sync after the CRD appeared', () => r.hasSynced() && health().state === 'running', 30_000, health);
      const ns = await namespace();
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      await until('the widget to be created', async () => {
        await custom.createNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'widgets', body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } } });
        return true;
      }, 20_000);
      await until('add w1', () => events.includes('add w1') && r.get(ns, 'w1') !== undefined, 15_000, health);
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => {});
    }
  });

  it('restarts a watch that went silent (frozen API server) via the watchdog', async () => {
    const ns = await namespace();
    const { r, events, health } = reflector({ path: `/api/v1/namespaces/${ns}/configmaps`, watchdogMs: 3_000, listTimeoutMs: 2_000 });
    r.start();
    await r.whenSynced();
    const frozenAt = Date.now();
    f.freezeApiServer();
    let detectedMs: number;
    try {
      await until('the watchdog to fire', () => (health().restartsByReason.watchdog ?? 0) > 0, 20_000, health);
      detectedMs = Date.now() - frozenAt;
      expect(r.openWatches()).to.equal(0); // the silent connection was torn down, not left behind
    } finally {
      f.thawApiServer();
    }
    const thawedAt = Date.now();
    await until('running again', () => health().state === 'running' && r.openWatches() > 0, 30_000, health);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-thaw' } } });
    await until('add after-thaw', () => events.includes('add after-thaw'), 15_000, health);
    console.log(`      watchdog: silence detected after ${detectedMs} ms (limit 3000); running again ${Date.now() - thawedAt} ms after thaw; restarts ${JSON.stringify(health().restartsByReason)}`);
  });

  it('stop() leaves no timers or sockets: a process running reflectors exits by itself', async function () {
    // A child process starts three reflectors — one synced, one stuck in
    // backoff (forbidden), one mid-watch on a busy resource — stops them and
    // then does nothing. If any timer, socket or stray restart survived
    // stop(), the child would not exit on its own (or would print RESTART).
    const reflectorUrl = pathToFileURL(fileURLToPath(new URL('../../src/runtime/cache/reflector.ts', import.meta.url))).href;
    const kubeUrl = pathToFileURL(fileURLToPath(new URL('../env/kube.ts', import.meta.url))).href;
    const script = `
      const { Reflector } = await import(${JSON.stringify(reflectorUrl)});
      const { kubeConfigFor } = await import(${JSON.stringify(kubeUrl)});
      const env = process.env;
      const kc = (token) => kubeConfigFor({ name: 'c', server: env.SERVER, token, caFile: env.CA });
      let restartsAfterStop = 0, stopped = false;
      const mk = (path, token) => new Reflector({ kubeConfig: kc(token), path, cluster: 'child',
        backoff: { initialMs: 100, maxMs: 500 },
        hooks: { onRestart: () => { if (stopped) restartsAfterStop++; } } });
      const a = mk('/api/v1/configmaps', env.ADMIN);
      const b = mk('/api/v1/configmaps', env.USER);
      const c = mk('/api/v1/namespaces', env.ADMIN);
      for (const x of [a, b, c]) x.start();
      await a.whenSynced(); await c.whenSynced();
      while (b.health().restarts < 2) await new Promise((r) => setTimeout(r, 50));
      stopped = true;
      await Promise.all([a.stop(), b.stop(), c.stop()]);
      process.on('exit', () => console.log(JSON.stringify({ restartsAfterStop, states: [a.state, b.state, c.state], open: [a.openWatches(), b.openWatches(), c.openWatches()] })));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, SERVER: f.server, CA: f.caFile, ADMIN: f.adminToken, USER: f.userToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolveExit) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      // 'close' (all output read), not 'exit': the report is the last line of stdout.
      child.on('close', (c) => {
        clearTimeout(killer);
        resolveExit(c);
      });
    });
    expect(code, `child did not exit by itself (stderr: ${err})`).to.equal(0);
    const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { restartsAfterStop: number; states: string[]; open: number[] };
    expect(report).to.deep.equal({ restartsAfterStop: 0, states: ['stopped', 'stopped', 'stopped'], open: [0, 0, 0] });
    console.log(`      child with 3 reflectors exited by itself ${Date.now() - started} ms after spawn`);
  });
});

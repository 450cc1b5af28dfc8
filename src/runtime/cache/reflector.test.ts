/**
 * The Reflector against a tiny in-process HTTP server: the failure modes a
 * real API server will not produce on demand: ERROR events in the stream,
 * watches that end at once or stall, an expired continue token, throwing
 * handlers, failing credentials. The real-apiserver behaviour is in
 * test/integration/reflector.test.ts; the pure parts have their own tests
 * beside their modules.
 */
import { expect } from 'chai';
import { ListWatch, type KubernetesObject } from '@kubernetes/client-node';
import { cm, fakeApi, json, kubeConfig, line, until, type Fake, type Obj } from '../../../test/support/fake-watch-api.js';
import { FakeClock } from '../clock.js';
import { Reflector } from './reflector.js';
import type { ReflectorOptions } from './reflector-types.js';

describe('reflector: failure modes against an in-process server', () => {
  let fake: Fake;
  const reflectors: Array<Reflector<Obj>> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);

  const make = (o: Partial<ReflectorOptions<Obj>> = {}) => {
    const r = new Reflector<Obj>({
      kubeConfig: kubeConfig(fake.url),
      path: '/api/v1/namespaces/ns/configmaps',
      cluster: 'fake',
      backoff: { initialMs: 20, maxMs: 20 },
      ...o,
    });
    reflectors.push(r);
    return r;
  };

  beforeEach(async () => {
    fake = await fakeApi();
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    await Promise.all(reflectors.splice(0).map((r) => r.stop()));
    await fake.close();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled, 'unhandled rejections').to.deep.equal([]);
  });

  it('asks for bookmarks and a jittered server-side timeout; selectors go to list and watch', async () => {
    const r = make({ watchTimeoutSeconds: 100, watchTimeoutJitter: 0.5, random: () => 0.5, labelSelector: 'app=x', fieldSelector: 'metadata.name!=y' });
    r.start();
    await until('a watch', () => fake.watches.length === 1);
    const w = fake.watches[0]!;
    expect(w.get('allowWatchBookmarks')).to.equal('true');
    expect(w.get('timeoutSeconds')).to.equal('125');
    expect(w.get('resourceVersion')).to.equal('1');
    expect([w.get('labelSelector'), w.get('fieldSelector')]).to.deep.equal(['app=x', 'metadata.name!=y']);
    expect([fake.lists[0]!.get('labelSelector'), fake.lists[0]!.get('fieldSelector'), fake.lists[0]!.get('limit')]).to.deep.equal(['app=x', 'metadata.name!=y', '500']);
  });

  it('HTTP 410 on the watch request: relists too', async () => {
    let listCalls = 0;
    fake.list = (_q, res) => {
      listCalls++;
      json(res, 200, { metadata: { resourceVersion: String(listCalls * 10) }, items: listCalls === 1 ? [cm('a', '1')] : [] });
    };
    fake.watch = (q, res) => {
      if (q.get('resourceVersion') === '10') return json(res, 410, { kind: 'Status', code: 410, reason: 'Expired' });
      res.writeHead(200).flushHeaders();
    };
    const r = make();
    r.start();
    // The server sees the watch before the client has its answer: running comes once the answer does.
    await until('relist and a watch from the new list answered', () => fake.watches.length === 2 && r.list().length === 0 && r.health().state === 'running');
    expect(fake.watches[1]!.get('resourceVersion')).to.equal('20');
    expect(r.health()).to.deep.include({ relists: 1, restartsByReason: { expired: 1 } });
  });

  it('an ERROR event followed by a clean end backs off instead of reconnecting at once', async () => {
    fake.watch = (_q, res) => {
      res.writeHead(200);
      res.end(line('ERROR', { kind: 'Status', code: 500, message: 'internal error' }));
    };
    const clock = new FakeClock();
    const r = make({ clock, backoff: { initialMs: 20, maxMs: 20, jitter: 0 } });
    r.start();
    for (let n = 1; n <= 3; n++) {
      await until(`failure ${n}`, () => r.health().restarts === n);
      expect(r.state).to.equal('backoff');
      expect(fake.watches, 'no reconnect before the backoff is over').to.have.length(n);
      clock.advance(19);
      expect(fake.watches, 'nor a moment before').to.have.length(n);
      clock.advance(1);
    }
    const h = r.health();
    expect(h.restartsByReason['server-error']).to.be.at.least(3);
    expect(h.lastError).to.deep.include({ verb: 'watch', code: 500 });
    // Each reconnect was preceded by a failure (and its backoff): no hot loop.
    expect(fake.watches.length).to.be.at.most(h.restarts + 1);
    expect(fake.lists.length).to.equal(1); // resumes from its resourceVersion; no relist
  });

  it('a watch the server ends at once with no event counts as a failure', async () => {
    fake.watch = (_q, res) => {
      res.writeHead(200);
      res.end();
    };
    const clock = new FakeClock();
    const r = make({ clock, backoff: { initialMs: 20, maxMs: 20, jitter: 0 } });
    r.start();
    await until('one failure', () => (r.health().restartsByReason['watch-closed'] ?? 0) === 1);
    expect(r.state).to.equal('backoff');
    clock.advance(20);
    await until('two failures', () => (r.health().restartsByReason['watch-closed'] ?? 0) === 2);
  });

  it('410 in the stream: relists, and objects gone meanwhile are deleted', async () => {
    let listCalls = 0;
    fake.list = (_q, res) => {
      listCalls++;
      json(res, 200, { metadata: { resourceVersion: listCalls === 1 ? '10' : '20' }, items: listCalls === 1 ? [cm('a', '5'), cm('b', '6')] : [cm('a', '5')] });
    };
    fake.watch = (q, res) => {
      res.writeHead(200).flushHeaders();
      if (q.get('resourceVersion') === '10') res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (15)' }));
    };
    const r = make();
    const deleted: string[] = [];
    r.on('delete', (o) => void deleted.push(o.metadata.name));
    r.start();
    await until('relist, and the new watch answered', () => r.health().relists === 1 && fake.watches.length === 2 && r.health().state === 'running');
    expect(deleted).to.deep.equal(['b']);
    expect(r.list().map((o) => o.metadata.name)).to.deep.equal(['a']);
    expect(r.health()).to.deep.include({ state: 'running', resourceVersion: '20', restarts: 1, restartsByReason: { expired: 1 } });
    expect(fake.watches[1]!.get('resourceVersion')).to.equal('20');
  });

  it('health() counts the cached objects through adds and deletes, without copying the cache', async () => {
    fake.list = (_q, res) => json(res, 200, { metadata: { resourceVersion: '10' }, items: [cm('a', '5'), cm('b', '6'), cm('c', '7')] });
    fake.watch = (_q, res) => {
      res.writeHead(200).flushHeaders();
      res.write(line('DELETED', cm('b', '11')));
      res.write(line('ADDED', cm('d', '12')));
      res.write(line('MODIFIED', cm('a', '13')));
    };
    const r = make();
    r.start();
    await until('the watch events applied', () => r.health().resourceVersion === '13');
    // health() is read per member on every reconcile: with a member's 20,000 Services a copy each time is quadratic.
    const copy = ListWatch.prototype.list;
    let copies = 0;
    ListWatch.prototype.list = function (this: ListWatch<KubernetesObject>, ns?: string) {
      copies++;
      return copy.call(this, ns);
    };
    try {
      expect(r.health().objects).to.equal(3);
    } finally {
      ListWatch.prototype.list = copy;
    }
    expect(copies).to.equal(0);
  });

  it('caches what prune returns, for listed objects and watch events alike, frozen', async () => {
    fake.list = (_q, res) => json(res, 200, { metadata: { resourceVersion: '10' }, items: [{ ...cm('a', '5'), data: { big: 'x' } }] });
    fake.watch = (_q, res) => {
      res.writeHead(200).flushHeaders();
      res.write(line('ADDED', { ...cm('b', '11'), data: { big: 'y' } }));
    };
    const r = make({ prune: (o) => ({ metadata: (o as Obj).metadata, pruned: true }) });
    const added: unknown[] = [];
    r.on('add', (o) => void added.push(o));
    r.start();
    await until('the watch event applied', () => r.health().resourceVersion === '11');
    expect(r.list().map((o) => [o.metadata.name, 'data' in o, (o as { pruned?: boolean }).pruned, Object.isFrozen(o)])).to.deep.equal([
      ['a', false, true, true],
      ['b', false, true, true],
    ]);
    expect(added, 'handlers get the cached object').to.deep.equal(r.list());
  });

  it('paginates with limit/continue and falls back to a full list when the continue token expires', async () => {
    fake.list = (q, res) => {
      const limit = q.get('limit');
      if (q.get('continue') === 'c1') return json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' });
      if (limit === '2') return json(res, 200, { metadata: { resourceVersion: '7', continue: 'c1' }, items: [cm('a', '1'), cm('b', '2')] });
      return json(res, 200, { metadata: { resourceVersion: '9' }, items: [cm('a', '1'), cm('b', '2'), cm('c', '3')] });
    };
    const r = make({ pageSize: 2 });
    r.start();
    await r.whenSynced();
    expect(fake.lists.map((q) => q.toString())).to.deep.equal(['limit=2', 'limit=2&continue=c1', '']);
    expect(r.list().map((o) => o.metadata.name).sort()).to.deep.equal(['a', 'b', 'c']);
    expect(r.health().resourceVersion).to.equal('9');
  });

  it('handlers that throw or reject are counted and logged; delivery and the watch go on', async () => {
    fake.list = (_q, res) => json(res, 200, { metadata: { resourceVersion: '1' }, items: [cm('a', '1')] });
    fake.watch = (_q, res) => {
      res.writeHead(200).flushHeaders();
      res.write(line('ADDED', cm('b', '2')));
    };
    const errors: string[] = [];
    const r = make({ logger: { info() {}, warn() {}, debug() {}, error: (_o, msg) => void errors.push(msg) } });
    const seen: string[] = [];
    r.on('add', () => {
      throw new Error('sync bug');
    });
    r.on('add', async () => {
      throw new Error('async bug');
    });
    r.on('add', (o) => void seen.push(o.metadata.name));
    r.start();
    await until('both adds, and the watch answered', () => seen.length === 2 && r.health().handlerErrors === 4 && r.health().state === 'running');
    expect(seen).to.deep.equal(['a', 'b']);
    expect(errors.filter((m) => m === 'add handler failed')).to.have.length(4);
    expect(r.health()).to.deep.include({ state: 'running', restarts: 0, synced: true });
  });

  it('the watchdog tears down a stalled watch and reconnects', async () => {
    const clock = new FakeClock();
    const r = make({ watchdogMs: 150, clock, backoff: { initialMs: 20, maxMs: 20, jitter: 0 } });
    r.start();
    await until('a watch', () => fake.openWatches() === 1 && r.state === 'running');
    clock.advance(149);
    expect(r.health().restartsByReason.watchdog, 'quiet for less than the limit').to.equal(undefined);
    clock.advance(1);
    expect(r.health().restartsByReason.watchdog, 'quiet for the limit').to.equal(1);
    clock.advance(20);
    await until('a second watch', () => fake.watches.length === 2);
    // The stalled connection was closed on our side, not left open.
    await until('at most one open connection', () => fake.openWatches() <= 1);
  });

  it('each page of a long list is a sign of life: the watchdog leaves a list longer than its limit alone', async () => {
    const clock = new FakeClock();
    let pages = 0;
    const r = make({
      watchdogMs: 1_000,
      clock,
      listPage: async () => {
        pages++;
        clock.advance(600); // each page takes 0.6 s; five take 3 s
        return { metadata: { resourceVersion: '5', ...(pages < 5 ? { continue: `c${pages}` } : {}) }, items: [cm(`o${pages}`, String(pages))] };
      },
    });
    r.start();
    await r.whenSynced();
    expect(r.list()).to.have.length(5);
    expect(r.health()).to.deep.include({ restarts: 0, relists: 0 });
  });

  it('stop() while watching closes the connection and does not restart on its AbortError', async () => {
    const r = make();
    const states: string[] = [];
    const r2 = make({ hooks: { onStateChange: (s) => void states.push(s) } });
    r.start();
    r2.start();
    // The server counts a watch when its request arrives, before the reflector has its answer and says
    // 'running': wait for both, or stop() can come first and the sequence below never holds.
    await until('two open watches, and r2 running', () => fake.openWatches() === 2 && states.includes('running'));
    await r2.stop();
    await until('the server to see the close', () => fake.openWatches() === 1);
    // Let the aborted watch's AbortError callback run: it must be ignored.
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setTimeout(res, 20));
    expect(states).to.deep.equal(['connecting', 'running', 'stopped']);
    expect(r2.health()).to.deep.include({ state: 'stopped', restarts: 0 });
    expect(r2.openWatches()).to.equal(0);
    expect(fake.watches).to.have.length(2);
  });

  it('start() after stop() resumes from the last resourceVersion without relisting', async () => {
    fake.list = (_q, res) => json(res, 200, { metadata: { resourceVersion: '42' }, items: [cm('a', '1')] });
    const r = make();
    r.start();
    await until('watching', () => fake.openWatches() === 1);
    await r.stop();
    await until('closed', () => fake.openWatches() === 0);
    r.start();
    await until('watching again, answered', () => fake.openWatches() === 1 && r.health().state === 'running');
    expect(fake.lists).to.have.length(1);
    expect(fake.watches.map((q) => q.get('resourceVersion'))).to.deep.equal(['42', '42']);
    expect(r.list()).to.have.length(1);
    expect(r.health()).to.deep.include({ state: 'running', restarts: 0, synced: true });
  });

  it('stop() during backoff cancels the restart timer (FakeClock)', async () => {
    fake.list = (_q, res) => json(res, 403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" in the namespace "ns"' });
    const clock = new FakeClock();
    const r = make({ clock, backoff: { initialMs: 1_000, maxMs: 1_000, jitter: 0 } });
    r.start();
    await until('backoff', () => r.state === 'backoff');
    expect(r.health().lastError?.message).to.equal('forbidden: cannot list configmaps in the namespace "ns" as user "u" on cluster "fake": configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" in the namespace "ns"');
    expect(clock.pendingTimers()).to.equal(1); // the restart; the watchdog is off while backing off
    clock.advance(1_000);
    await until('second failure', () => r.health().restarts === 2);
    await r.stop();
    expect(clock.pendingTimers()).to.equal(0);
    const lists = fake.lists.length;
    clock.advance(60_000);
    expect(fake.lists.length).to.equal(lists);
    await expectRejects(r.whenSynced());
  });

  it('credentials that fail when a watch starts are a failure, retried — not an unhandledRejection', async () => {
    // The list goes through listPage (working); the watch asks the KubeConfig's exec plugin, which fails.
    const clock = new FakeClock();
    const r = make({
      kubeConfig: kubeConfig(fake.url, { exec: { command: '/bin/false', apiVersion: 'client.authentication.k8s.io/v1' } }),
      listPage: async () => ({ metadata: { resourceVersion: '3' }, items: [cm('a', '1')] }),
      clock,
      backoff: { initialMs: 20, maxMs: 20, jitter: 0 },
    });
    r.start();
    await until('a watch failure', () => r.health().restarts === 1);
    expect(r.state).to.equal('backoff');
    clock.advance(20);
    await until('two watch failures', () => r.health().restarts === 2);
    expect(r.hasSynced()).to.equal(true);
    expect(r.health().lastError).to.deep.include({ verb: 'watch', reason: 'internal' });
    expect(fake.watches).to.have.length(0);
  });
});

async function expectRejects(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    return;
  }
  expect.fail('expected a rejection');
}

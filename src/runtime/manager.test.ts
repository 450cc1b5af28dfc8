import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { flush } from '../../test/support/workqueue.js';
import { FakeClock } from './clock.js';
import type { LeaderElectorOptions } from './leaderelection/elector.js';
import { createLogger } from './logging.js';
import { parse } from 'yaml';
import { DEFAULT_GRACEFUL_SHUTDOWN_MS, Manager, startStop, untilAborted, type ManagerOptions, type Runnable } from './manager.js';

type Lock = NonNullable<LeaderElectorOptions['lock']>;
type Snapshot = Awaited<ReturnType<Lock['get']>>;
type LeaseRecord = Parameters<Lock['create']>[0];

/** A Lease in memory, with resourceVersion checks as the API server does them. */
class MemoryLease implements Lock {
  readonly description = 'test/lease';
  snap: Snapshot;
  private rv = 0;
  get(): Promise<Snapshot> {
    return Promise.resolve(this.snap);
  }
  create(record: LeaseRecord): Promise<NonNullable<Snapshot>> {
    if (this.snap !== undefined) return Promise.reject(new Error('409: exists'));
    return Promise.resolve((this.snap = { record, resourceVersion: String(++this.rv) }));
  }
  update(record: LeaseRecord, resourceVersion: string): Promise<NonNullable<Snapshot>> {
    if (this.snap?.resourceVersion !== resourceVersion) return Promise.reject(new Error('409: changed'));
    return Promise.resolve((this.snap = { record, resourceVersion: String(++this.rv) }));
  }
  holder(): string | undefined {
    return this.snap?.record.holderIdentity;
  }
}

/**
 * Waits for what real I/O brings about (the probe server listening) by
 * yielding to the event loop, not for a fixed time; mocha's timeout ends a
 * wait that never comes.
 */
async function waitFor(what: string, cond: () => boolean): Promise<void> {
  while (!cond()) await flush();
  expect(cond(), what).to.equal(true);
}

/**
 * Moves the fake clock in steps, letting promises settle after each, until
 * cond holds; fails if it does not within limitMs of clock time. Returns the
 * clock time it took.
 */
async function advanceUntil(clock: FakeClock, what: string, cond: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
  let waited = 0;
  await flush();
  while (!cond()) {
    if (waited >= limitMs) throw new Error(`${what}: not within ${limitMs} ms of clock time`);
    clock.advance(stepMs);
    waited += stepMs;
    await flush();
  }
  return waited;
}

/** Moves the fake clock by ms in steps, letting promises settle after each. */
async function advance(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await flush();
  }
}

/** Resolves after ms on the fake clock. */
const after = (clock: FakeClock, ms: number) => new Promise<void>((r) => clock.setTimer(r, ms));

/** Fast timings: a renew every 50 ms, lost after 200 ms without one. */
const FAST = { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 50, random: () => 0 };

interface Harness {
  mgr: Manager;
  clock: FakeClock;
  signals: EventEmitter;
  events: string[];
  logs: Array<Record<string, unknown>>;
  exits: number[];
  leading: Array<[string, boolean]>;
  msgs(): string[];
  get(path: string): Promise<{ status: number; body: string }>;
}

function harness(o: { lease?: MemoryLease; identity?: string; gracefulShutdownMs?: number; leaseDurationMs?: number; clock?: FakeClock } = {}): Harness {
  const clock = o.clock ?? new FakeClock();
  const signals = new EventEmitter();
  const logs: Array<Record<string, unknown>> = [];
  const exits: number[] = [];
  const leading: Array<[string, boolean]> = [];
  const log = createLogger({ level: 'info', base: null, destination: { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) } });
  const options: ManagerOptions = {
    log,
    health: { registry: new Registry(), probeAddress: '127.0.0.1:0', metricsAddress: '0' },
    leaderElection: {
      enabled: o.lease !== undefined,
      name: 'test-lease',
      ...(o.lease ? { lock: o.lease, identity: o.identity ?? 'me', ...FAST, ...(o.leaseDurationMs ? { leaseDurationMs: o.leaseDurationMs } : {}) } : {}),
      metrics: { setLeading: (name, on) => void leading.push([name, on]) },
    },
    syncPollMs: 10,
    signals,
    exit: (code) => void exits.push(code),
    clock,
    ...(o.gracefulShutdownMs !== undefined ? { gracefulShutdownMs: o.gracefulShutdownMs } : {}),
  };
  const mgr = new Manager(options);
  return {
    mgr,
    clock,
    signals,
    events: [],
    logs,
    exits,
    leading,
    msgs: () => logs.map((l) => String(l['msg'])),
    get: async (path) => {
      const port = mgr.addresses()?.probe?.port;
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: r.status, body: await r.text() };
    },
  };
}

/** A runnable that records its start and stop in `events`. */
function recorder(events: string[], name: string, o: { synced?: () => boolean; onStop?: () => void } = {}): Runnable {
  return {
    start: async (signal) => {
      events.push(`${name} started`);
      await untilAborted(signal);
      o.onStop?.();
      events.push(`${name} stopped`);
    },
    ...(o.synced ? { synced: o.synced } : {}),
  };
}

describe('runtime/manager', () => {
  it('without leader election: caches at once, leader runnables once every cache synced; it reports itself leading', async () => {
    const h = harness();
    let synced = false;
    h.mgr.add(recorder(h.events, 'cache', { synced: () => synced }), { needLeaderElection: false });
    h.mgr.add(recorder(h.events, 'writer'), { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('the cache to start', () => h.events.includes('cache started'));
    await advance(h.clock, 500);
    expect(h.events, 'the writer waits for the cache').to.deep.equal(['cache started']);
    expect(h.leading).to.deep.equal([['test-lease', true]]);
    synced = true;
    // The next sync poll (every 10 ms) starts it.
    await advanceUntil(h.clock, 'the writer to start', () => h.events.includes('writer started'), 10, 1);
    h.signals.emit('SIGTERM');
    expect(await done).to.equal(0);
    expect(h.events).to.deep.equal(['cache started', 'writer started', 'writer stopped', 'cache stopped']);
    expect(h.msgs()).to.include.members(['shutting down', 'stopped']);
    expect(h.logs.find((l) => l['msg'] === 'shutting down')?.['signal']).to.equal('SIGTERM');
  });

  it('stops in order: leader runnables, then the lease, then the others last-added first, then the server', async () => {
    const lease = new MemoryLease();
    const h = harness({ lease });
    const order: string[] = [];
    const note = (what: string) => () => void order.push(`${what} (lease held by ${JSON.stringify(lease.holder())})`);
    h.mgr.add(recorder(h.events, 'caches', { onStop: note('caches stop') }), { needLeaderElection: false });
    h.mgr.add(recorder(h.events, 'recorder', { onStop: note('recorder stops') }), { needLeaderElection: false });
    h.mgr.add(recorder(h.events, 'setup', { onStop: note('setup stops') }), { needLeaderElection: true });
    h.mgr.add(recorder(h.events, 'controller', { onStop: note('controller stops') }), { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('leading', () => h.events.includes('controller started'));
    expect(h.events).to.deep.equal(['caches started', 'recorder started', 'setup started', 'controller started']);
    expect(lease.holder()).to.equal('me');
    expect((await h.get('/healthz')).status).to.equal(200);
    h.signals.emit('SIGTERM');
    expect(await done).to.equal(0);
    expect(order).to.deep.equal([
      'setup stops (lease held by "me")',
      'controller stops (lease held by "me")',
      'recorder stops (lease held by "")',
      'caches stop (lease held by "")',
    ]);
    expect(h.msgs()).to.include('new leader');
    expect(h.exits).to.deep.equal([]);
    await h.get('/healthz').then(
      () => expect.fail('the server should be closed'),
      () => undefined,
    );
  });

  it('a standby takes over as soon as the leader released the lease on SIGTERM', async () => {
    const lease = new MemoryLease();
    const clock = new FakeClock();
    // A long lease, so that taking over before it runs out can only be the release.
    const a = harness({ lease, identity: 'a', leaseDurationMs: 5_000, clock });
    const b = harness({ lease, identity: 'b', leaseDurationMs: 5_000, clock });
    a.mgr.add(recorder(a.events, 'a-writer'), { needLeaderElection: true });
    b.mgr.add(recorder(b.events, 'b-writer'), { needLeaderElection: true });
    const aDone = a.mgr.start();
    await waitFor('a to lead', () => a.events.includes('a-writer started'));
    const bDone = b.mgr.start();
    await waitFor('b to serve', () => b.mgr.addresses() !== undefined);
    await advance(clock, 150);
    expect(b.events, 'b stands by while a leads').to.deep.equal([]);
    expect((await b.get('/readyz')).status, 'a standby is ready: readiness is about the process, not the lease').to.equal(200);
    a.signals.emit('SIGTERM');
    expect(await aDone).to.equal(0);
    // Without the release b would wait out the 5 s lease; it retries every 50 ms.
    const took = await advanceUntil(clock, 'b to lead', () => b.events.includes('b-writer started'), 2_500);
    expect(took).to.be.at.most(50);
    b.signals.emit('SIGTERM');
    expect(await bDone).to.equal(0);
  });

  it('writeFence: the leader may write, the standby may not; without election always', async () => {
    const lease = new MemoryLease();
    const clock = new FakeClock();
    const a = harness({ lease, identity: 'a', clock });
    const b = harness({ lease, identity: 'b', clock });
    const solo = harness();
    a.mgr.add(recorder(a.events, 'a-writer'), { needLeaderElection: true });
    b.mgr.add(recorder(b.events, 'b-writer'), { needLeaderElection: true });
    expect(a.mgr.writeFence(), 'before start').to.equal('not leading');
    const aDone = a.mgr.start();
    await waitFor('a to lead', () => a.events.includes('a-writer started'));
    const bDone = b.mgr.start();
    await waitFor('b to serve', () => b.mgr.addresses() !== undefined);
    await advance(clock, 100);
    expect(a.mgr.writeFence(), 'the leader').to.equal(undefined);
    expect(b.mgr.writeFence(), 'the standby').to.equal('not leading');
    expect(solo.mgr.writeFence(), 'no election').to.equal(undefined);
    a.signals.emit('SIGTERM');
    expect(await aDone).to.equal(0);
    b.signals.emit('SIGTERM');
    await advance(clock, 100);
    expect(await bDone).to.equal(0);
  });

  it('a second signal while stopping is logged and does not stop twice', async () => {
    const h = harness();
    let release: (() => void) | undefined;
    h.mgr.add({
      start: async (signal) => {
        await untilAborted(signal);
        await new Promise<void>((r) => (release = r));
        h.events.push('drained');
      },
    }, { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('the server', () => h.mgr.addresses() !== undefined);
    h.signals.emit('SIGINT');
    await waitFor('the work to drain', () => release !== undefined);
    h.signals.emit('SIGINT');
    h.signals.emit('SIGTERM');
    release?.();
    expect(await done).to.equal(0);
    expect(h.msgs().filter((m) => m === 'shutting down')).to.have.length(1);
    expect(h.logs.filter((l) => l['msg'] === 'already shutting down').map((l) => l['signal'])).to.deep.equal(['SIGINT', 'SIGTERM']);
    expect(h.events).to.deep.equal(['drained']);
  });

  it('losing the lease exits at once with 1', async () => {
    const lease = new MemoryLease();
    const h = harness({ lease });
    h.mgr.add(recorder(h.events, 'writer'), { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('leading', () => h.events.includes('writer started'));
    // Someone else takes the Lease over (as after a long pause of this process).
    const snap = lease.snap!;
    lease.snap = { record: { ...snap.record, holderIdentity: 'other' }, resourceVersion: `${snap.resourceVersion}x` };
    // Seen at the next renew (every 50 ms), well before the 200 ms renew deadline.
    await advanceUntil(h.clock, 'the exit', () => h.exits.length > 0, 50);
    expect(h.exits).to.deep.equal([1]);
    expect(h.logs.find((l) => l['msg'] === 'leader election lost; exiting')?.['level']).to.equal(60);
    expect(h.events, 'the work was told to stop').to.include('writer stopped');
    await done;
  });

  it('a failing leader runnable stops its siblings before the lease is released, then the manager, with exit code 1', async () => {
    const lease = new MemoryLease();
    const h = harness({ lease });
    let holderWhenSiblingStopped: string | undefined;
    h.mgr.add(recorder(h.events, 'sibling', { onStop: () => (holderWhenSiblingStopped = lease.holder()) }), { needLeaderElection: true });
    h.mgr.add({ start: async () => { await after(h.clock, 20); throw new Error('boom'); } }, { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('leading', () => h.events.includes('sibling started'));
    h.clock.advance(20);
    expect(await done).to.equal(1);
    expect(holderWhenSiblingStopped).to.equal('me');
    expect(lease.holder(), 'released').to.equal('');
    expect(h.msgs()).to.include.members(['leader work failed; releasing the lease', 'controller stopped unexpectedly', 'shutting down', 'stopped']);
    expect(h.logs.find((l) => l['msg'] === 'shutting down')?.['signal']).to.equal('internal');
  });

  it('a leader runnable that returns on its own (no election) stops the manager with exit code 1', async () => {
    const h = harness();
    h.mgr.add(recorder(h.events, 'cache'), { needLeaderElection: false });
    let started = false;
    h.mgr.add({ start: () => { started = true; return after(h.clock, 20); } }, { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('the leader runnable to start', () => started);
    h.clock.advance(20);
    expect(await done).to.equal(1);
    expect(h.msgs()).to.include('controller stopped unexpectedly');
    expect(h.events).to.deep.equal(['cache started', 'cache stopped']);
  });

  it('a cache that stops on its own stops the manager with exit code 1', async () => {
    const h = harness();
    h.mgr.add({ start: () => Promise.reject(new Error('informer died')) }, { needLeaderElection: false });
    h.mgr.add(recorder(h.events, 'writer'), { needLeaderElection: true });
    expect(await h.mgr.start()).to.equal(1);
    const line = h.logs.find((l) => l['msg'] === 'runnable stopped unexpectedly');
    expect((line?.['err'] as { message?: string } | undefined)?.message).to.equal('informer died');
  });

  it('a stop that outlasts the grace period exits with 1', async () => {
    const h = harness({ gracefulShutdownMs: 100 });
    let release: (() => void) | undefined;
    // Ignores its signal until the test lets it go.
    h.mgr.add({ start: () => new Promise<void>((r) => (release = r)) }, { needLeaderElection: true });
    const done = h.mgr.start();
    await waitFor('the server', () => h.mgr.addresses() !== undefined);
    h.signals.emit('SIGTERM');
    await advance(h.clock, 99, 1);
    expect(h.exits, 'not before the grace period is over').to.deep.equal([]);
    h.clock.advance(1);
    expect(await done).to.equal(1);
    expect(h.exits).to.deep.equal([1]);
    expect(h.msgs()).to.include('shutdown did not finish within the grace period; exiting');
    // A real exit ends the process here; this one lets the stop finish, closing the server.
    release?.();
    let closed = false;
    while (!closed) closed = await h.get('/healthz').then(() => false, () => true);
  });

  it('serves checks added while it runs at once; a check that does not affect the aggregate shows but does not fail /readyz', async () => {
    const h = harness();
    let synced = false;
    h.mgr.addHealthzCheck('ping', () => {});
    h.mgr.addReadyzCheck('informers', () => {
      if (!synced) throw new Error('caches not synced yet');
    });
    const done = h.mgr.start();
    await waitFor('the server', () => h.mgr.addresses() !== undefined);
    expect(await h.get('/readyz')).to.deep.include({ status: 500 });
    expect((await h.get('/readyz/informers')).body).to.equal('internal server error: caches not synced yet\n');
    synced = true;
    expect(await h.get('/readyz')).to.deep.equal({ status: 200, body: 'ok' });
    expect((await h.get('/readyz/cluster-edge')).status, 'not added yet').to.equal(404);
    h.mgr.addReadyzCheck('cluster-edge', () => {
      throw new Error('edge is unreachable');
    }, { affectsAggregate: false });
    expect(await h.get('/readyz/cluster-edge')).to.deep.equal({ status: 500, body: 'internal server error: edge is unreachable\n' });
    expect(await h.get('/readyz')).to.deep.equal({ status: 200, body: 'ok' });
    expect((await h.get('/readyz?verbose')).body).to.include('[-]cluster-edge failed: edge is unreachable (does not affect readyz)');
    expect(await h.get('/healthz')).to.deep.equal({ status: 200, body: 'ok' });
    h.mgr.stop('test');
    expect(await done).to.equal(0);
  });

  it('startStop: start() at once, stop() when asked, synced() passed through', async () => {
    const calls: string[] = [];
    const part = { start: () => void calls.push('start'), stop: () => { calls.push('stop'); return Promise.resolve(); }, synced: () => true };
    const r = startStop(part);
    expect(r.synced?.()).to.equal(true);
    const ctl = new AbortController();
    const done = r.start(ctl.signal);
    expect(calls).to.deep.equal(['start']);
    ctl.abort();
    await done;
    expect(calls).to.deep.equal(['start', 'stop']);
    expect(startStop({ stop: () => {} }).synced, 'no synced() of its own: not a cache').to.equal(undefined);
  });

  it('add() after start() is a programming error', async () => {
    const h = harness();
    const done = h.mgr.start();
    expect(() => h.mgr.add(recorder([], 'late'), { needLeaderElection: false })).to.throw(/after start/);
    await waitFor('the server', () => h.mgr.addresses() !== undefined);
    h.mgr.stop('test');
    await done;
  });
});

describe('Manager: shutdown bound and the shipped Deployment', () => {
  it("stops within a bound below the Deployment's terminationGracePeriodSeconds, so it is never killed mid-release", () => {
    const deployment = parse(readFileSync(join(import.meta.dirname, '..', '..', 'config', 'host', 'deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { terminationGracePeriodSeconds?: number } } };
    };
    // Kubernetes' default when the field is absent.
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    // Time for the process to exit after the bound, and for kubelet's own signalling.
    const margin = 5;
    expect(DEFAULT_GRACEFUL_SHUTDOWN_MS / 1000 + margin).to.be.at.most(grace);
  });
});

/**
 * When the Reflector tries again, against the in-process API server double
 * with a FakeClock: never sooner than a 429's `Retry-After` (priority and
 * fairness refusing a list or a watch), and at once when told the cause of
 * its failures is gone (retryNow(): the CRD it needs is back).
 */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { json, until } from '../../../test/support/fake-watch-api.js';
import { reflectorBench } from '../../../test/support/reflector-bench.js';

/** What kube-apiserver's priority and fairness answers a request it rejects (apiserver filters/priority-and-fairness.go). */
const tooManyRequests = (res: ServerResponse, retryAfter: string) => {
  res.writeHead(429, { 'Retry-After': retryAfter, 'Content-Type': 'text/plain' });
  res.end('Too many requests, please try again later.\n');
};

describe('reflector: when it tries again', () => {
  // random() → 0: no jitter anywhere, so each delay is exact.
  const bench = reflectorBench({ random: () => 0, backoff: { initialMs: 800, maxMs: 30_000 } });
  const make = bench.make;

  it('a watch refused with 429 and Retry-After: 5 is not opened again for 5 s, though the backoff says 800 ms', async () => {
    bench.fake.watch = (_q, res) => (bench.fake.watches.length === 1 ? tooManyRequests(res, '5') : res.writeHead(200).flushHeaders());
    const r = make();
    r.start();
    await until('the refusal', () => r.health().restarts === 1 && r.state === 'backoff');
    expect(r.health().lastError).to.deep.include({ reason: 'throttled', code: 429, verb: 'watch', retryAfterMs: 5_000 });
    bench.clock.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bench.fake.watches, 'not a moment before the server said').to.have.length(1);
    bench.clock.advance(1);
    await until('the watch again, answered', () => bench.fake.watches.length === 2 && r.state === 'running');
    expect(bench.fake.lists, 'resumed, not relisted').to.have.length(1);
  });

  it('a list refused with 429 and Retry-After: 3 is not tried again for 3 s', async () => {
    bench.fake.list = (_q, res) => (bench.fake.lists.length === 1 ? tooManyRequests(res, '3') : json(res, 200, { metadata: { resourceVersion: '1' }, items: [] }));
    const r = make();
    r.start();
    await until('the refusal', () => r.health().restarts === 1 && r.state === 'backoff');
    expect(r.health().lastError).to.deep.include({ reason: 'throttled', verb: 'list', retryAfterMs: 3_000 });
    bench.clock.advance(2_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bench.fake.lists).to.have.length(1);
    bench.clock.advance(1);
    await until('listed and watching', () => r.hasSynced() && r.state === 'running');
  });

  it('a Retry-After beyond the backoff\'s cap waits the cap', async () => {
    bench.fake.watch = (_q, res) => (bench.fake.watches.length === 1 ? tooManyRequests(res, '3600') : res.writeHead(200).flushHeaders());
    const r = make({ backoff: { initialMs: 800, maxMs: 2_000 } });
    r.start();
    await until('the refusal', () => r.state === 'backoff');
    expect(r.health().lastError?.retryAfterMs).to.equal(2_000);
    bench.clock.advance(2_000);
    await until('the watch again', () => bench.fake.watches.length === 2);
  });

  it('retryNow() ends a backoff at once (a CRD back), resets it, and does nothing while watching', async () => {
    let crdInstalled = false;
    bench.fake.list = (_q, res) => (crdInstalled ? json(res, 200, { metadata: { resourceVersion: '1' }, items: [] }) : json(res, 404, { kind: 'Status', code: 404, reason: 'NotFound' }));
    const r = make({ path: '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports' });
    r.start();
    for (let n = 1; n <= 4; n++) {
      await until(`failure ${n}`, () => r.health().restarts === n && r.state === 'backoff');
      bench.clock.advance(bench.clock.nextTimerAt()! - bench.clock.now());
    }
    await until('failure 5', () => r.health().restarts === 5 && r.state === 'backoff');
    expect(r.health()).to.deep.include({ consecutiveFailures: 5 });
    expect(bench.clock.nextTimerAt()! - bench.clock.now(), 'the fifth retry is 12.8 s away').to.equal(12_800);

    crdInstalled = true;
    expect(r.retryNow()).to.equal(true);
    await until('listed and watching, with no time passed', () => r.hasSynced() && r.state === 'running');
    expect(bench.fake.lists).to.have.length(6);
    expect(r.health().consecutiveFailures, 'backoff reset').to.equal(0);
    expect(r.retryNow(), 'running: nothing to end').to.equal(false);
    expect(bench.fake.lists).to.have.length(6);
  });
});

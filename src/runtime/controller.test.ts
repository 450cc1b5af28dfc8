import { expect } from 'chai';
import type { Logger } from 'pino';
import { FakeClock } from './clock.js';
import { createLogger } from './logging.js';
import { RateLimitingQueue } from './workqueue/ratelimiting.js';
import { drainKeys, flush, track } from '../../test/support/workqueue.js';
import { Controller } from './controller.js';
import type { Reconciler } from './controller.js';

const FAILED = 'reconcile failed; retrying with backoff';
const DEBUG = 20;
const WARN = 40;

/** A promise the test settles by hand: a reconcile that is still in flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** What one reconcile of a key does; a key with nothing scripted succeeds. */
type Step = { requeueAfterMs?: number; throws?: unknown; waitFor?: Promise<void> };

/** A Reconciler that plays a script per key and records how it was called. */
class ScriptedReconciler implements Reconciler {
  /** "<clock ms> <key>" per call, in call order. */
  readonly calls: string[] = [];
  /** The bindings of the logger each call was given. */
  readonly loggers: Record<string, unknown>[] = [];
  maxInFlight = 0;
  maxInFlightPerKey = 0;
  private readonly steps = new Map<string, Step[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly clock: FakeClock) {}

  script(key: string, ...steps: Step[]): void {
    this.steps.set(key, steps);
  }

  keysCalled(): string[] {
    return this.calls.map((c) => c.split(' ')[1]!);
  }

  async reconcile(namespace: string, name: string, log: Logger): Promise<{ requeueAfterMs?: number }> {
    const key = `${namespace}/${name}`;
    this.calls.push(`${this.clock.now()} ${key}`);
    this.loggers.push(log.bindings());
    const n = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, n);
    this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, n);
    this.maxInFlight = Math.max(this.maxInFlight, [...this.inFlight.values()].reduce((a, b) => a + b, 0));
    try {
      const step = this.steps.get(key)?.shift() ?? {};
      if (step.waitFor) await step.waitFor;
      if (step.throws !== undefined) throw step.throws;
      return step.requeueAfterMs === undefined ? {} : { requeueAfterMs: step.requeueAfterMs };
    } finally {
      this.inFlight.set(key, this.inFlight.get(key)! - 1);
    }
  }
}

/** The real queue on a fake clock with the default limiter, a scripted reconciler, and every hook and log line recorded. */
function harness(allKeys: () => string[] = () => []) {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue({ clock });
  const reconciler = new ScriptedReconciler(clock);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', base: null, destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  const reconciled: string[] = [];
  const seconds: number[] = [];
  let busyWorkers = 0;
  const controller = new Controller(queue, reconciler, allKeys, log, {
    reconciled: (result, s) => {
      reconciled.push(result);
      seconds.push(s);
    },
    activeWorkers: (delta) => void (busyWorkers += delta),
  });
  return { clock, queue, reconciler, lines, reconciled, seconds, controller, busyWorkers: () => busyWorkers };
}

/** An ApiException as client-node throws it: numeric code, Status body. */
const apiError = (code: number, reason: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', reason, message: `${reason.toLowerCase()} for the test`, code }) });

const KEY = 'ns/web';
/** Failures the key has behind it when the reconcile under test runs, so forget() is visible. */
const PRIOR_FAILURES = 2;
/** The default limiter's per-key delay after PRIOR_FAILURES + 1 failures: 5 ms * 2^2. */
const NEXT_BACKOFF_MS = 20;

interface Outcome {
  name: string;
  step: Step;
  hook: string;
  numRequeues: number;
  /** When the key comes back; undefined = not at all. */
  againAtMs: number | undefined;
  /** The failure line, if one is logged. */
  logged?: { level: number; err: string };
}

/** A reconcile that throws: every error is retried alike, with backoff; only the log level differs. */
const retried = (name: string, throws: unknown, level: number, err: string): Outcome => ({
  name,
  step: { throws },
  hook: 'error',
  numRequeues: PRIOR_FAILURES + 1,
  againAtMs: NEXT_BACKOFF_MS,
  logged: { level, err },
});

const OUTCOMES: Outcome[] = [
  { name: 'success forgets the key', step: {}, hook: 'success', numRequeues: 0, againAtMs: undefined },
  {
    name: 'requeueAfter forgets the key and adds it back after exactly that delay',
    step: { requeueAfterMs: 30_000 },
    hook: 'requeue_after',
    numRequeues: 0,
    againAtMs: 30_000,
  },
  retried('a thrown error re-adds the key rate-limited and warns', new Error('boom'), WARN, 'boom'),
  retried('an API error other than 409 warns too', apiError(500, 'InternalError'), WARN, 'HTTP 500 InternalError: internalerror for the test'),
  retried('a 409 conflict is retried the same way, logged at debug only', apiError(409, 'Conflict'), DEBUG, 'HTTP 409 Conflict: conflict for the test'),
  {
    ...retried('a 429 with Retry-After comes back no sooner than the server asked', Object.assign(apiError(429, 'TooManyRequests'), { headers: { 'retry-after': '7' } }), WARN, 'HTTP 429 TooManyRequests: toomanyrequests for the test'),
    againAtMs: 7_000,
  },
  retried('a 429 without Retry-After: the backoff alone', apiError(429, 'TooManyRequests'), WARN, 'HTTP 429 TooManyRequests: toomanyrequests for the test'),
  retried(
    'a 409 reported as statusCode (as a Watch does) is a conflict as well',
    Object.assign(new Error('conflict'), { statusCode: 409 }),
    DEBUG,
    'conflict',
  ),
];

describe('serviceimport Controller', () => {
  for (const c of OUTCOMES) {
    it(`after a reconcile: ${c.name}`, async () => {
      const h = harness();
      for (let i = 0; i < PRIOR_FAILURES; i++) h.queue.rateLimiter.when(KEY);
      h.reconciler.script(KEY, c.step);
      const running = h.controller.run(1);
      h.controller.enqueue([KEY]);
      await flush();

      expect(h.reconciler.calls).to.deep.equal([`0 ${KEY}`]);
      expect(h.reconciled, 'reconciled hook').to.deep.equal([c.hook]);
      expect(h.seconds[0], 'reconcile duration').to.be.a('number').and.to.be.at.least(0);
      expect(h.busyWorkers(), 'activeWorkers +1 and -1').to.equal(0);
      expect(h.queue.numRequeues(KEY), 'numRequeues').to.equal(c.numRequeues);
      expect(h.queue.len(), 'not queued again at once').to.equal(0);
      expect(h.clock.nextTimerAt(), 'when the key comes back').to.equal(c.againAtMs);

      const bindings = h.reconciler.loggers[0]!;
      expect(bindings).to.include({ namespace: 'ns', name: 'web' });
      expect(bindings['reconcileID']).to.be.a('string');
      const failures = h.lines.filter((l) => l['msg'] === FAILED);
      expect(failures.map((l) => ({ level: l['level'], err: l['err'] })), 'failure line').to.deep.equal(c.logged ? [c.logged] : []);
      if (c.logged) expect(failures[0]).to.include({ key: KEY, retries: PRIOR_FAILURES, reconcileID: bindings['reconcileID'] });
      expect(h.lines.filter((l) => (l['level'] as number) >= WARN).length, 'lines at warn or above').to.equal(c.logged?.level === WARN ? 1 : 0);

      if (c.againAtMs !== undefined) {
        h.clock.advance(c.againAtMs - 1);
        await flush();
        expect(h.reconciler.calls, 'not before its time').to.have.length(1);
        h.clock.advance(1);
        await flush();
        expect(h.reconciler.calls).to.deep.equal([`0 ${KEY}`, `${c.againAtMs} ${KEY}`]);
      }
      h.queue.shutDown();
      await running;
    });
  }

  it('backs a failing key off per the default limiter (5 ms, then 10 ms) and forgets it on success', async () => {
    const h = harness();
    h.reconciler.script(KEY, { throws: new Error('transient') }, { throws: new Error('transient') }, {});
    const running = h.controller.run(1);
    h.controller.enqueue([KEY]);
    for (let t = 0; t < 50; t++) {
      await flush();
      h.clock.advance(1);
    }
    expect(h.reconciler.calls).to.deep.equal([`0 ${KEY}`, `5 ${KEY}`, `15 ${KEY}`]);
    expect(h.reconciled).to.deep.equal(['error', 'error', 'success']);
    expect(h.lines.filter((l) => l['msg'] === FAILED).map((l) => l['retries'])).to.deep.equal([0, 1]);
    expect(h.queue.numRequeues(KEY)).to.equal(0);
    expect(h.clock.pendingTimers()).to.equal(0);
    h.queue.shutDown();
    await running;
  });

  it('never reconciles one key in two workers at once, however often it is enqueued meanwhile', async () => {
    const keys = ['ns/a', 'ns/b', 'ns/c'];
    const h = harness(() => keys);
    const gates = new Map(keys.map((k) => [k, gate()]));
    for (const k of keys) h.reconciler.script(k, { waitFor: gates.get(k)!.promise });
    // One worker more than keys: a key released too early would find an idle worker.
    const running = h.controller.run(keys.length + 1);
    h.controller.enqueue('all');
    await flush();
    expect(h.reconciler.maxInFlight, 'the keys run in parallel').to.equal(keys.length);

    for (let i = 0; i < 3; i++) {
      h.controller.enqueue(['ns/a']);
      h.controller.enqueue('all');
      await flush();
    }
    expect(h.reconciler.keysCalled(), 'nothing starts while every key is in flight').to.deep.equal(keys);

    gates.get('ns/a')!.open();
    await flush();
    expect(h.reconciler.keysCalled(), 'a again, once').to.deep.equal([...keys, 'ns/a']);
    for (const k of ['ns/b', 'ns/c']) gates.get(k)!.open();
    await flush();
    expect(h.reconciler.keysCalled().sort()).to.deep.equal(['ns/a', 'ns/a', 'ns/b', 'ns/b', 'ns/c', 'ns/c']);
    expect(h.reconciler.maxInFlightPerKey).to.equal(1);
    expect(h.reconciled).to.deep.equal(Array(6).fill('success'));
    h.queue.shutDown();
    await running;
  });

  const enqueues: { name: string; keys: string[][]; calls: (string[] | 'all')[]; want: string[] }[] = [
    { name: 'a list enqueues those keys only', keys: [['ns/a', 'ns/b']], calls: [['ns/b']], want: ['ns/b'] },
    { name: "'all' enqueues every key the keys function returns", keys: [['ns/a', 'ns/b', 'ns/c']], calls: ['all'], want: ['ns/a', 'ns/b', 'ns/c'] },
    { name: "'all' twice and a listed key: each key once", keys: [['ns/a', 'ns/b']], calls: ['all', ['ns/a'], 'all'], want: ['ns/a', 'ns/b'] },
    { name: "'all' asks the keys function on every call", keys: [['ns/a'], ['ns/b', 'ns/c']], calls: ['all', 'all'], want: ['ns/a', 'ns/b', 'ns/c'] },
  ];
  for (const c of enqueues) {
    it(`enqueue: ${c.name}`, async () => {
      let n = 0;
      const h = harness(() => c.keys[Math.min(n++, c.keys.length - 1)]!);
      for (const call of c.calls) h.controller.enqueue(call);
      expect(await drainKeys(h.queue)).to.deep.equal(c.want);
    });
  }

  it('run() returns once the queue shuts down and the reconciles in flight have finished', async () => {
    const h = harness();
    const a = gate();
    const b = gate();
    h.reconciler.script('ns/a', { waitFor: a.promise });
    h.reconciler.script('ns/b', { waitFor: b.promise });
    const running = track(h.controller.run(3));
    h.controller.enqueue(['ns/a', 'ns/b']);
    await flush();

    h.queue.shutDown();
    h.controller.enqueue(['ns/c']);
    await flush();
    expect(running.settled(), 'both reconciles still in flight').to.equal(false);
    a.open();
    await flush();
    expect(running.settled(), 'b still in flight').to.equal(false);
    b.open();
    await running.promise;
    expect(h.reconciled).to.deep.equal(['success', 'success']);
    expect(h.reconciler.keysCalled(), 'nothing enqueued after shutdown').to.deep.equal(['ns/a', 'ns/b']);
    expect(h.busyWorkers()).to.equal(0);
    expect(h.lines.map((l) => l['msg'])).to.include('workers stopped');
  });

  it('yields to the event loop between keys, so a queue of reconciles that write nothing does not starve I/O and timers', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `ns/k${i}`);
    const h = harness(() => keys);
    h.controller.enqueue('all');
    const running = h.controller.run(2);
    // A macrotask queued now stands for a watch event or a probe.
    let reconciledBeforeIt: number | undefined;
    setImmediate(() => (reconciledBeforeIt = h.reconciler.calls.length));
    await h.queue.shutDownWithDrain();
    await running;
    expect(h.reconciler.calls).to.have.length(keys.length);
    // Not run by then: every key went before it.
    expect(reconciledBeforeIt ?? keys.length, 'keys reconciled before the event loop turned (at most one per worker)').to.be.within(0, 2);
  });
});

/**
 * The controller loop, as sample-controller's: events → keys → a
 * de-duplicating, rate-limited queue → N workers → reconcile. A failed key is
 * retried with per-key exponential backoff, and never sooner than a refused
 * write's `Retry-After` (src/kube/retry-after.ts, capped at 30 s); a
 * successful one is forgotten.
 *
 * A worker yields to the event loop between keys. A reconcile that writes
 * nothing never waits on I/O, and get() hands out a queued key at once, so
 * without the yield a worker would run a whole queue of no-op reconciles
 * (every key at start-up) in one go, with watch events, probes and timers
 * waiting behind it.
 */
import type { Logger } from 'pino';
import { splitKey } from '../api/meta.js';
import { apiErrorMessage, isConflict } from '../kube/errors.js';
import { retryAfterMsOf } from '../kube/retry-after.js';
import { CallCancelled } from '../kube/timeout.js';
import { reconcileLogger } from './logging.js';
import type { RateLimitingQueue } from './workqueue/ratelimiting.js';

/** What the loop needs of a feature's reconciler (controller-runtime's Reconciler). */
export interface Reconciler {
  /** One pass for one key; a thrown error retries the key with backoff. */
  reconcile(namespace: string, name: string, log: Logger): Promise<{ requeueAfterMs?: number | undefined }>;
}

export interface ControllerHooks {
  /** As controller-runtime counts them: a result with RequeueAfter is "requeue_after", not "success". */
  reconciled?: (result: 'success' | 'error' | 'requeue_after', seconds: number) => void;
  activeWorkers?: (delta: 1 | -1) => void;
}

/**
 * A reconcile running longer than this is wedged, and /healthz says so
 * (src/runtime/workqueue/wedged.ts), so kubelet restarts the process. A pass
 * makes its writes one after another and stops at the first that fails, and
 * every write gives up after API_CALL_TIMEOUT_MS (30 s): a pass that meets a
 * silent member ends within one deadline of its last successful write. Ten
 * minutes is twenty deadlines: reached only by a pass waiting on something
 * with no deadline at all (a bug), never by a slow or black-holed API
 * server. Retries do not add up here: a failed pass ends, and its retry is a
 * new pass with a fresh start time.
 */
export const WEDGED_RECONCILE_MS = 10 * 60_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Controller {
  constructor(
    private readonly queue: RateLimitingQueue,
    /** Only reconcile() is called, so tests can pass a scripted fake. */
    private readonly reconciler: Reconciler,
    private readonly allKeys: () => string[],
    private readonly log: Logger,
    private readonly hooks: ControllerHooks = {},
  ) {}

  enqueue(keys: string[] | 'all'): void {
    for (const k of keys === 'all' ? this.allKeys() : keys) this.queue.add(k);
  }

  /** Runs `workers` workers until the queue shuts down. */
  async run(workers: number): Promise<void> {
    this.log.info({ workers }, 'starting workers');
    await Promise.all(Array.from({ length: workers }, () => this.worker()));
    this.log.info('workers stopped');
  }

  private async worker(): Promise<void> {
    for (;;) {
      const item = await this.queue.get();
      if (item.shutdown) return;
      const k = item.key;
      const t0 = process.hrtime.bigint();
      this.hooks.activeWorkers?.(1);
      const { namespace, name } = splitKey(k);
      // As controller-runtime: every line of this reconcile, its failure included, carries the key and one reconcileID.
      const log = reconcileLogger(this.log, { namespace, name });
      try {
        const { requeueAfterMs } = await this.reconciler.reconcile(namespace, name, log);
        this.queue.forget(k);
        // A local-first debounce or hold-down, or a problem's grace period, ends then: look again.
        if (requeueAfterMs !== undefined) this.queue.addAfter(k, requeueAfterMs);
        this.hooks.reconciled?.(requeueAfterMs === undefined ? 'success' : 'requeue_after', Number(process.hrtime.bigint() - t0) / 1e9);
      } catch (e) {
        this.hooks.reconciled?.('error', Number(process.hrtime.bigint() - t0) / 1e9);
        const retries = this.queue.numRequeues(k);
        // Conflicts are routine (someone wrote first), and a write cancelled because we stop is expected; the rest deserve a warning.
        const level = isConflict(e) || e instanceof CallCancelled ? 'debug' : 'warn';
        // A write refused with 429 (priority and fairness) says when to come back: not before then. No jitter: at most
        // --workers writes are in flight, so keys refused together cannot come back as a stampede.
        const retryAfterMs = retryAfterMsOf(e, Date.now());
        log[level]({ key: k, retries, err: apiErrorMessage(e), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, 'reconcile failed; retrying with backoff');
        this.queue.addRateLimited(k, retryAfterMs);
      } finally {
        this.hooks.activeWorkers?.(-1);
        this.queue.done(k);
      }
      await yieldToEventLoop();
    }
  }
}

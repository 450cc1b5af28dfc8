/**
 * The watch a Reflector hands to client-node's ListWatch (1.4.0,
 * dist/cache.js), which calls watch(path, query, callback, done) each time
 * it (re)connects: a subclass of client-node's Watch.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { httpStatusOf, type ApiStatus } from '../../kube/errors.js';
import { WatchClosed } from './classify.js';
import { deepFreeze } from './transform.js';

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

/** What a ReflectorWatch needs from its Reflector. */
export interface WatchOwner {
  readonly epoch: number;
  readonly stopped: boolean;
  readonly freeze: boolean;
  readonly minWatchMs: number;
  prune(obj: unknown): void;
  now(): number;
  nextWatchTimeout(): number;
  /** ListWatch calls watch() right after loading a list into its cache. */
  onWatchStarting(epoch: number): void;
  onWatchEstablished(epoch: number): void;
  onWatchEvent(epoch: number, type: string): void;
  onExpired(epoch: number, message: string | undefined): void;
  onWatchClosed(epoch: number): void;
  fail(err: unknown, verb: 'list' | 'watch', epoch: number): void;
  internalError(err: unknown, where: string): void;
}

interface OpenWatch {
  epoch: number;
  controller?: AbortController;
  agent?: { destroy(): void };
  aborted: boolean;
}

/**
 * Adds allowWatchBookmarks and a jittered timeoutSeconds to every watch
 * ListWatch opens, and intercepts its callbacks:
 *
 *   - events of a stale watch are dropped; the rest are frozen and recorded
 *     as activity;
 *   - `done` with a non-410 error goes to Reflector.fail() instead of
 *     ListWatch (which would only fire `error` and stop); 410 and clean ends
 *     go to ListWatch, which relists or resumes;
 *   - a clean end right after an ERROR event, or with no event at all within
 *     minWatchMs, is a failure: without this, ListWatch would reconnect in a
 *     tight loop;
 *   - the agent behind each watch is remembered, so abortAll() can tear down
 *     a connection whose response has not even arrived (Watch only returns
 *     its AbortController after the headers are in).
 */
export class ReflectorWatch extends Watch {
  private readonly open = new Set<OpenWatch>();
  private capturing: OpenWatch | undefined;

  private readonly owner: WatchOwner;

  constructor(kc: KubeConfig, owner: WatchOwner) {
    // Watch uses exactly two things of its config: getCurrentCluster() and
    // applyToFetchOptions() (watch.js in 1.4.0). Wrapping the latter is the
    // only way to see the agent a pending watch connects through. The box
    // lets the wrapper reach this instance, which does not exist before super().
    const box: { self?: ReflectorWatch } = {};
    const cfg = {
      getCurrentCluster: () => kc.getCurrentCluster(),
      applyToFetchOptions: async (opts: object) => {
        const w = box.self?.capturing; // read synchronously, while Watch.watch() has not awaited yet
        const r = await kc.applyToFetchOptions(opts as Parameters<KubeConfig['applyToFetchOptions']>[0]);
        const agent = (r as { agent?: unknown }).agent;
        if (w !== undefined && typeof agent === 'object' && agent !== null && typeof (agent as { destroy?: unknown }).destroy === 'function') {
          w.agent = agent as { destroy(): void };
          if (w.aborted) w.agent.destroy();
        }
        return r;
      },
    };
    super(cfg as unknown as KubeConfig);
    box.self = this;
    this.owner = owner;
  }

  override async watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: WatchCallback, done: DoneCallback): Promise<AbortController> {
    const owner = this.owner;
    const w: OpenWatch = { epoch: owner.epoch, aborted: false };
    const stale = () => w.epoch !== owner.epoch || owner.stopped;
    const startedAt = owner.now();
    let events = 0;
    let streamError: ApiStatus | undefined;
    let finished = false;
    this.open.add(w);
    owner.onWatchStarting(w.epoch);

    const onEvent: WatchCallback = (phase, obj, raw) => {
      if (stale() || finished) return;
      events++;
      if (phase === 'ERROR') streamError = (obj ?? {}) as ApiStatus;
      else if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
        owner.prune(obj);
        if (owner.freeze) deepFreeze(obj);
      }
      owner.onWatchEvent(w.epoch, phase);
      try {
        // ListWatch's handler is async: catch its rejection here, or it becomes an unhandledRejection.
        const r: unknown = (callback as (...a: unknown[]) => unknown)(phase, obj, raw);
        if (isPromiseLike(r)) r.then(undefined, (e: unknown) => owner.internalError(e, 'ListWatch watch handler'));
      } catch (e) {
        owner.internalError(e, 'ListWatch watch handler');
      }
    };

    const onDone: DoneCallback = (err) => {
      if (finished) return;
      finished = true;
      this.open.delete(w);
      w.agent?.destroy(); // Watch makes an agent per watch; do not leave its socket behind
      if (stale()) return; // superseded by a restart or stop(): nobody is waiting for this one
      const passOn = (e: unknown) => {
        try {
          const r: unknown = (done as (e: unknown) => unknown)(e);
          if (isPromiseLike(r)) r.then(undefined, (x: unknown) => owner.fail(x, 'watch', w.epoch));
        } catch (x) {
          owner.fail(x, 'watch', w.epoch);
        }
      };
      if (err !== null && err !== undefined) {
        if (httpStatusOf(err) === 410) {
          owner.onExpired(w.epoch, (err as { message?: string }).message);
          passOn(err); // ListWatch resets its resourceVersion and relists
        } else {
          owner.fail(err, 'watch', w.epoch);
        }
        return;
      }
      if (streamError !== undefined) {
        if (streamError.code === 410) {
          owner.onExpired(w.epoch, streamError.message);
          passOn(null); // ListWatch has reset its resourceVersion on the ERROR event: it relists
        } else {
          const e = new WatchClosed(`ERROR event in the watch stream${streamError.message ? `: ${streamError.message}` : ''}`, streamError);
          if (typeof streamError.code === 'number') (e as unknown as { code: number }).code = streamError.code;
          owner.fail(e, 'watch', w.epoch);
        }
        return;
      }
      if (events === 0 && owner.now() - startedAt < owner.minWatchMs) {
        owner.fail(new WatchClosed(`closed by the server after ${Math.round(owner.now() - startedAt)}ms without any event`), 'watch', w.epoch);
        return;
      }
      owner.onWatchClosed(w.epoch);
      passOn(null); // a normal end (timeoutSeconds): ListWatch resumes from its resourceVersion
    };

    const qp = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: owner.nextWatchTimeout() };
    try {
      this.capturing = w;
      const pending = super.watch(path, qp, onEvent, onDone);
      this.capturing = undefined;
      const controller = await pending;
      w.controller = controller;
      if (w.aborted || stale()) {
        controller.abort();
        onDone(null);
      } else if (!finished) {
        owner.onWatchEstablished(w.epoch);
      }
      return controller;
    } catch (e) {
      // Watch throws before its own try (no current cluster, credentials
      // plugin failing): without this catch it would reject inside
      // ListWatch's unawaited doneHandler.
      this.capturing = undefined;
      finished = true;
      this.open.delete(w);
      w.agent?.destroy();
      if (!stale()) owner.fail(e, 'watch', w.epoch);
      const c = new AbortController();
      c.abort();
      return c;
    }
  }

  /** Closes every watch opened so far, connected or still connecting. */
  abortAll(): void {
    for (const w of this.open) {
      w.aborted = true;
      w.controller?.abort();
      w.agent?.destroy();
    }
  }

  openWatches(): number {
    return this.open.size;
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

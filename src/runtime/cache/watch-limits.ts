/**
 * How long a Reflector's watch may live, and how soon a dead one is noticed:
 * pure arithmetic over the watch timing, kept apart so the bounds can be
 * checked in a table (./watch-limits.test.ts).
 *
 * The design: ask the server for a short, jittered `timeoutSeconds` and
 * treat a watch it has not ended by then, plus a grace, as dead. Not an idle
 * limit on bookmarks, because silence proves nothing: kube-apiserver's watch
 * cache sends a BOOKMARK about once a minute and 2 s before the watch's own
 * deadline, and only once the resource's resourceVersion has moved past the
 * one the watch started from (k8s.io/apiserver pkg/storage/cacher:
 * `defaultBookmarkFrequency` in cacher.go, `nextBookmarkTime` and `process`
 * in cache_watcher.go). A quiet resource (one CRD by field selector, say)
 * can stay silent through a whole healthy watch, and a limit that tolerated
 * the minute between bookmarks could not notice a dead connection within
 * 60 s either. What the server always does is end the watch after
 * `timeoutSeconds` (pkg/endpoints/handlers/get.go `ListResource`, and the
 * `timeoutCh` of watch.go's `ServeHTTP`, started before it sends the
 * headers), so a healthy watch always ends by itself within `timeoutSeconds`
 * of its answer.
 *
 * The cost is the re-watch rate: each reflector opens one watch per
 * `meanWatchSeconds` (33 s by default, against 300–600 s for client-go's
 * reflector), a new TCP and TLS connection each (src/kube/request.ts). The
 * watch cache serves a resumed watch from memory; the numbers per member are
 * in docs/design.md#runtime.
 */
export interface WatchTiming {
  /** Server-side `timeoutSeconds` before jitter. */
  timeoutSeconds: number;
  /** Each watch asks for timeoutSeconds·(1 + jitter·random). */
  jitter: number;
  /** How long past the server's timeout the client waits for the watch to end before it presumes the connection dead. */
  graceSeconds: number;
  /** From opening a watch (credentials included) to the server's answer. */
  connectTimeoutSeconds: number;
  /** The backstop watchdog fires after the longest timeout plus this much of no sign of life at all. */
  watchdogGraceSeconds: number;
}

/**
 * 30 s (up to 36 s with jitter): short enough that timeout + grace stays
 * well under the 60 s in which a dead member connection must be noticed.
 * 10 s of grace covers the last bytes of a watch the server ended on time.
 * 10 s to connect is client-go's TLS handshake timeout
 * (k8s.io/client-go transport/cache.go) and three times the 3 s a watch
 * cache may wait to catch up with the requested resourceVersion before it
 * answers (`blockTimeout`, pkg/storage/cacher/watch_cache.go).
 */
export const DEFAULT_WATCH_TIMING: Readonly<WatchTiming> = Object.freeze({
  timeoutSeconds: 30,
  jitter: 0.2,
  graceSeconds: 10,
  connectTimeoutSeconds: 10,
  watchdogGraceSeconds: 60,
});

/**
 * Signs of life this much older than the grace still count as recent at the
 * deadline: the watch cache's bookmark comes 2 s before the server's
 * deadline, which may start up to ~3 s before the server answers.
 */
const BOOKMARK_LEAD_SECONDS = 5;

export interface WatchLimits {
  /** The longest `timeoutSeconds` a watch asks for. */
  maxTimeoutSeconds: number;
  /** A healthy watch's average life: each reflector opens one watch this often. */
  meanWatchSeconds: number;
  /** No answer within this long from opening a watch: it fails. */
  connectTimeoutMs: number;
  /**
   * At its deadline, a watch that showed a sign of life (an event or a
   * bookmark) within this long is ended and resumed quietly: the server is
   * there, it just did not end the watch. Otherwise it is dead: a failure.
   */
  aliveWindowMs: number;
  /**
   * The longest a dead connection goes unnoticed: from the last byte the
   * server got through to the watch's failure (and so the member's
   * unreachable mark).
   */
  detectWithinMs: number;
  /** The backstop for anything else that hangs (a list, a gap between watches): no sign of life at all for this long. */
  watchdogMs: number;
}

export function watchLimits(t: WatchTiming): WatchLimits {
  const maxTimeoutSeconds = Math.max(1, Math.round(t.timeoutSeconds * (1 + Math.max(0, t.jitter))));
  const connectTimeoutMs = t.connectTimeoutSeconds * 1000;
  const aliveWindowMs = (t.graceSeconds + BOOKMARK_LEAD_SECONDS) * 1000;
  // Silent from the answer on: failed at its deadline. Silent just after a
  // sign of life near the end: resumed at its deadline, and the new watch
  // cannot connect either.
  const silentThroughout = watchDeadlineMs(maxTimeoutSeconds, t.graceSeconds);
  const silentNearTheEnd = aliveWindowMs + connectTimeoutMs;
  return {
    maxTimeoutSeconds,
    meanWatchSeconds: t.timeoutSeconds * (1 + Math.max(0, t.jitter) / 2),
    connectTimeoutMs,
    aliveWindowMs,
    detectWithinMs: Math.max(silentThroughout, silentNearTheEnd, connectTimeoutMs),
    watchdogMs: (maxTimeoutSeconds + t.watchdogGraceSeconds) * 1000,
  };
}

/** When a watch that asked for `timeoutSeconds` is overdue, counted from the server's answer. */
export function watchDeadlineMs(timeoutSeconds: number, graceSeconds: number): number {
  return (timeoutSeconds + graceSeconds) * 1000;
}

/** At a watch's deadline: `alive` when it showed a sign of life within aliveWindowMs, else `dead`. */
export function overdueVerdict(lastLifeAt: number | undefined, now: number, aliveWindowMs: number): 'alive' | 'dead' {
  return lastLifeAt !== undefined && now - lastLifeAt <= aliveWindowMs ? 'alive' : 'dead';
}

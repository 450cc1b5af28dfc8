/**
 * One watch request and its stream of events: a GET with `watch=true` that
 * the server answers with one JSON event per line until it ends the response
 * (after `timeoutSeconds`), the connection breaks, or the caller aborts.
 *
 * On the wire it behaves like client-node 1.4.0's Watch (dist/watch.js):
 * the same URL and credentials (src/kube/request.ts); TCP keep-alive probes
 * every 30 s once connected; events split on line ends, lines that are not
 * JSON skipped; a
 * refusal reported by its HTTP status alone (the body is not read); a
 * connection lost mid-stream reported as "Premature close"; `onDone` called
 * exactly once. Owning the request means an abort closes the connection at
 * any stage, even while the credentials are being obtained or before the
 * headers have arrived.
 *
 * Unlike that Watch, connecting has a timeout: it builds a 30 s
 * AbortSignal.timeout and then overwrites the signal with its own
 * controller's, so a connect that hangs there hangs for good. Here, no
 * answer within `connectTimeoutMs` of opening (credentials included) ends
 * the watch with WatchConnectTimeout. Once answered, the stream has no
 * client-side timeout of its own: how long it may stay open is the
 * Reflector's call (./watch-limits.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { flatHeaders, startGet, type Query } from '../../kube/request.js';
import { realClock, type Clock } from '../clock.js';

export interface WatchRequest {
  /** Collection path, e.g. /api/v1/namespaces/x/configmaps. */
  path: string;
  /** resourceVersion, labelSelector, fieldSelector: whatever else goes into the query. */
  query: Query;
  /** The server ends the watch cleanly after this long. */
  timeoutSeconds: number;
  /** Ask for BOOKMARK events: a newer resourceVersion to resume from, sent without an object change. */
  bookmarks: boolean;
  /** No answer (response headers) within this long of opening: `onDone` gets a WatchConnectTimeout. */
  connectTimeoutMs: number;
  /** Aborting closes the connection; `onDone` then gets an AbortError. */
  signal: AbortSignal;
}

export interface WatchHandlers {
  /** One decoded line: `type` is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; `raw` the whole line. */
  onEvent(type: string, object: unknown, raw: unknown): void;
  /** Called exactly once: null when the server ended the stream, else why it ended or never started. */
  onDone(err: unknown): void;
}

/**
 * A watch request the server refused: `statusCode` is its HTTP status;
 * `headers` its response headers, named as ApiException names them, so a
 * 429's `Retry-After` reads the same on a watch as on a list
 * (src/kube/retry-after.ts). client-node's own Watch keeps only the status.
 */
export class WatchRefused extends Error {
  override readonly name = 'WatchRefused';
  constructor(readonly statusCode: number, statusMessage: string | undefined, readonly headers: Readonly<Record<string, string>> = {}) {
    super(statusMessage || STATUS_CODES[statusCode] || 'Internal Server Error');
  }
}

/** A watch the server did not answer in time: the connection or the server hangs. */
export class WatchConnectTimeout extends Error {
  override readonly name = 'WatchConnectTimeout';
  constructor(readonly timeoutMs: number) {
    super(`no answer to the watch request within ${Math.round(timeoutMs / 1000)}s`);
  }
}

/**
 * Opens a watch. Resolves once the server has answered (events follow
 * through `onEvent`) or the request failed (already reported to `onDone`).
 * Rejects, with nothing sent and `onDone` not called, when the KubeConfig has
 * no current cluster or its credentials cannot be obtained (unless the
 * connect timeout came first: that is reported to `onDone`). Timers come
 * from `clock` (a FakeClock in tests).
 */
export async function openWatch(kc: KubeConfig, w: WatchRequest, handlers: WatchHandlers, clock: Clock = realClock): Promise<void> {
  const query: Query = { watch: 'true', ...w.query, ...(w.bookmarks ? { allowWatchBookmarks: true } : {}), timeoutSeconds: w.timeoutSeconds };
  let answered: () => void = () => {};
  const answer = new Promise<void>((resolve) => (answered = resolve));
  let req: ClientRequest | undefined;
  let done = false;
  const finish = (err: unknown) => {
    if (done) return;
    done = true;
    connectTimer.cancel();
    w.signal.removeEventListener('abort', onAbort);
    req?.destroy();
    handlers.onDone(err);
    answered();
  };
  const onAbort = () => finish(abortError());
  const connectTimer = clock.setTimer(() => finish(new WatchConnectTimeout(w.connectTimeoutMs)), w.connectTimeoutMs, { unref: true });
  const onAnswer = (res: IncomingMessage) => {
    connectTimer.cancel();
    res.on('error', (err) => finish(res.complete ? err : closedEarly(err)));
    req?.socket?.setKeepAlive(true, 30_000);
    if (res.statusCode !== 200) {
      finish(new WatchRefused(res.statusCode ?? 0, res.statusMessage, flatHeaders(res.headers)));
      return;
    }
    streamEvents(res, handlers.onEvent, finish);
    answered();
  };

  try {
    req = await startGet(kc, w.path, query, {}, onAnswer);
  } catch (e) {
    if (done) return; // the connect timeout fired while the credentials were obtained: already reported
    connectTimer.cancel();
    throw e;
  }
  if (done) {
    req.destroy();
    return;
  }
  req.on('error', finish);
  if (w.signal.aborted) {
    finish(abortError());
    return;
  }
  w.signal.addEventListener('abort', onAbort, { once: true });
  req.end();
  await answer;
}

/** Feeds each line of the response to `onEvent` and reports its end to `finish`. */
function streamEvents(res: IncomingMessage, onEvent: WatchHandlers['onEvent'], finish: (err: unknown) => void): void {
  res.on('close', () => {
    if (!res.complete) finish(closedEarly(undefined));
  });
  const lines = createInterface({ input: res, crlfDelay: Infinity });
  lines.on('error', finish);
  lines.on('close', () => finish(null));
  lines.on('line', (line) => {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      return; // not JSON: skipped
    }
    if (typeof data !== 'object' || data === null) return; // not an event
    const event = data as { type?: unknown; object?: unknown };
    try {
      onEvent(event.type as string, event.object, event);
    } catch {
      // The event is lost, as with client-node's Watch (it catches around its callback too). The
      // Reflector's handler guards ListWatch's callback itself; only a prune function could throw here.
    }
  });
}

/**
 * Node reports a connection lost mid-response as ECONNRESET "aborted", which
 * reads as if we had aborted; say what happened instead, as Node's
 * stream.finished() does for a stream that closed before its end.
 */
function closedEarly(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e !== undefined && !(e.code === 'ECONNRESET' && e.message === 'aborted')) return err;
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

function abortError(): Error {
  return Object.assign(new Error('The watch was aborted.'), { name: 'AbortError' });
}

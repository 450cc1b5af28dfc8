/**
 * A deadline on one call through a generated client (client-node 1.4.0).
 * Its fetch takes an AbortSignal from the request context, and nothing else
 * bounds how long a call may hang: an API server that accepts the connection
 * and never answers would hold a one-shot command forever.
 */
import { Observable, type ConfigurationOptions, type ObservableMiddleware, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** Per-call options that let `signal` cancel the call's fetch; pass them as a generated method's last argument. */
export function signalOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
      },
    ],
    // Keep the client's own middleware (and a caller's header options chained onto these).
    middlewareMergeStrategy: 'append',
  };
}

/** A call that got no answer before its deadline. */
export class CallTimeout extends Error {
  override readonly name = 'CallTimeout';
}

/** A call given up because its caller is stopping (`cancel` aborted), answered or not. */
export class CallCancelled extends Error {
  override readonly name = 'CallCancelled';
}

/**
 * Runs `call` with options that abort it after `timeoutMs`, or as soon as
 * `cancel` aborts (a process that stops must not wait on a silent server). A
 * call aborted by its deadline rejects with CallTimeout naming `what`, one
 * aborted by `cancel` with CallCancelled; any other failure as it was.
 */
export async function withDeadline<T>(
  what: string,
  timeoutMs: number,
  call: (options: ConfigurationOptions<ObservableMiddleware>, signal: AbortSignal) => Promise<T>,
  cancel?: AbortSignal,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = cancel ? AbortSignal.any([deadline, cancel]) : deadline;
  try {
    return await call(signalOptions(signal), signal);
  } catch (e) {
    if (deadline.aborted) throw new CallTimeout(`${what}: no answer within ${formatSeconds(timeoutMs)}`, { cause: e });
    if (cancel?.aborted) throw new CallCancelled(`${what}: cancelled, stopping`, { cause: e });
    throw e;
  }
}

const formatSeconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

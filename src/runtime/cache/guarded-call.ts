/**
 * Calls into code the Reflector does not control (its subscribers'
 * handlers, ListWatch's callbacks) so that neither a throw nor a rejected
 * promise escapes: a rejection left alone would become an unhandledRejection.
 */
export function guardedCall(call: () => unknown, onError: (err: unknown) => void): void {
  try {
    const r = call();
    if (isPromiseLike(r)) r.then(undefined, onError);
  } catch (e) {
    onError(e);
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

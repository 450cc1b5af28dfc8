import { expect } from 'chai';
import { RequestContext } from '@kubernetes/client-node';
import { CallCancelled, CallTimeout, signalOptions, withDeadline } from './timeout.js';

describe('withDeadline', () => {
  it('aborts a call that does not answer and says which call and how long it waited', async () => {
    const hangs = (_o: unknown, signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const err = await withDeadline('list resourceinterpretercustomizations', 20, hangs).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CallTimeout);
    expect((err as Error).message).to.equal('list resourceinterpretercustomizations: no answer within 20 ms');
  });

  it('aborts a call at once when its caller cancels, long before the deadline', async () => {
    const hangs = (_o: unknown, signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const stop = new AbortController();
    const pending = withDeadline('patch ServiceImport ns/a', 60_000, hangs, stop.signal).then(() => undefined, (e: unknown) => e);
    stop.abort();
    const err = await pending;
    expect(err).to.be.instanceOf(CallCancelled);
    expect((err as Error).message).to.equal('patch ServiceImport ns/a: cancelled, stopping');
  });

  it('passes answers and other failures through', async () => {
    expect(await withDeadline('x', 1000, async () => 7)).to.equal(7);
    const boom = new Error('HTTP 403');
    const err = await withDeadline('x', 1000, () => Promise.reject(boom)).then(() => undefined, (e: unknown) => e);
    expect(err).to.equal(boom);
  });

  it('hands the call options whose middleware puts the signal on the request', async () => {
    const ac = new AbortController();
    const ctx = new RequestContext('https://example.invalid/api', 'GET' as never);
    const [mw] = signalOptions(ac.signal).middleware ?? [];
    await mw?.pre(ctx).toPromise();
    expect(ctx.getSignal()).to.equal(ac.signal);
  });
});

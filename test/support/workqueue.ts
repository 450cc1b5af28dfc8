/**
 * Helpers shared by the work queue tests (src/runtime/workqueue/*.test.ts).
 */
import { expect } from 'chai';
import type { WorkQueue } from '../../src/runtime/workqueue/queue.js';

/** Lets every pending promise continuation run (one macrotask turn, no clock time). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise plus a synchronous view of whether it has settled. */
export function track<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined; promise: Promise<T> } {
  let done = false;
  let v: T | undefined;
  void p.then((x) => {
    done = true;
    v = x;
  });
  return { settled: () => done, value: () => v, promise: p };
}

/** get() that must not block: the test knows a key is queued. */
export async function mustGet<K extends string>(q: WorkQueue<K>): Promise<K> {
  expect(q.len(), 'mustGet on an empty queue').to.be.greaterThan(0);
  const r = await q.get();
  if (r.shutdown) return expect.fail('unexpected shutdown');
  return r.key;
}

/** Takes every queued key in order, marking each done. */
export async function drainKeys<K extends string>(q: WorkQueue<K>): Promise<K[]> {
  const keys: K[] = [];
  while (q.len() > 0) {
    const key = await mustGet(q);
    keys.push(key);
    q.done(key);
  }
  return keys;
}

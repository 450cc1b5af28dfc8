/**
 * The setup the Reflector's fake-clock tests share
 * (src/runtime/cache/reflector-deadline.test.ts, reflector-retry.test.ts):
 * for each test a fresh API server double (./fake-watch-api.ts) and
 * FakeClock, and `make`, which builds a Reflector of ConfigMaps against them
 * and stops it after the test. Call it inside a `describe`: it registers the
 * hooks there.
 */
import { FakeClock } from '../../src/runtime/clock.js';
import { Reflector } from '../../src/runtime/cache/reflector.js';
import type { ReflectorOptions } from '../../src/runtime/cache/reflector-types.js';
import { fakeApi, kubeConfig, type Fake, type Obj } from './fake-watch-api.js';

export interface ReflectorBench {
  /** This test's API server double. */
  readonly fake: Fake;
  /** This test's clock, driving every reflector timer. */
  readonly clock: FakeClock;
  /** A Reflector on `fake` and `clock`; `o` over the bench's defaults. */
  make(o?: Partial<ReflectorOptions<Obj>>): Reflector<Obj>;
}

export function reflectorBench(defaults: Partial<ReflectorOptions<Obj>>): ReflectorBench {
  let fake: Fake | undefined;
  let clock: FakeClock | undefined;
  const reflectors: Array<Reflector<Obj>> = [];
  beforeEach(async () => {
    fake = await fakeApi();
    clock = new FakeClock();
  });
  afterEach(async () => {
    await Promise.all(reflectors.splice(0).map((r) => r.stop()));
    await fake?.close();
  });
  const bench: ReflectorBench = {
    get fake() {
      if (!fake) throw new Error('reflectorBench: used outside a test');
      return fake;
    },
    get clock() {
      if (!clock) throw new Error('reflectorBench: used outside a test');
      return clock;
    },
    make(o = {}) {
      const r = new Reflector<Obj>({
        kubeConfig: kubeConfig(bench.fake.url),
        path: '/api/v1/namespaces/ns/configmaps',
        cluster: 'fake',
        clock: bench.clock,
        // The backstop watchdog is not what these tests are about: out of the way.
        watchdogMs: 3_600_000,
        ...defaults,
        ...o,
      });
      reflectors.push(r);
      return r;
    },
  };
  return bench;
}

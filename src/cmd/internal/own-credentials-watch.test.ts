import { expect } from 'chai';
import type { InformerHealth } from '../../runtime/cache/informer.js';
import { FakeClock } from '../../runtime/clock.js';
import type { Check } from '../../runtime/health.js';
import { CREDENTIALS_CHECK, credentialsSource, ownCredentialsWatch } from './own-credentials-watch.js';

const flush = () => new Promise<void>((r) => setImmediate(r));
const REJECTED: InformerHealth = { synced: true, running: false, lastError: 'unauthorized: rejected', lastErrorReason: 'unauthorized' };
const WATCHING: InformerHealth = { synced: true, running: true };

describe('run: the watch over its own credentials', () => {
  it('names what to renew, from where the kubeconfig was read', () => {
    expect(credentialsSource('/etc/karmada/kubeconfig', {})).to.match(/^the credentials in the kubeconfig --kubeconfig \/etc\/karmada\/kubeconfig /);
    expect(credentialsSource('', { KUBECONFIG: '/a:/b' })).to.equal('the credentials in the kubeconfig $KUBECONFIG (/a:/b)');
    expect(credentialsSource('', {})).to.match(/service-account token/);
  });

  function harness(exitAfterMs: number) {
    const clock = new FakeClock();
    let caches: InformerHealth[] = [WATCHING];
    const checks = new Map<string, Check>();
    const lines: Array<[string, string]> = [];
    const log = {
      fatal: (msg: string) => void lines.push(['fatal', msg]),
      warn: (msg: string) => void lines.push(['warn', msg]),
      info: (msg: string) => void lines.push(['info', msg]),
    } as never;
    const stop = new AbortController();
    const done = ownCredentialsWatch({ caches: () => caches, renew: 'the token', log, addReadyzCheck: (n, c) => void checks.set(n, c), intervalMs: 1_000, exitAfterMs, clock }).start(stop.signal);
    let outcome: 'running' | 'resolved' | Error = 'running';
    done.then(() => (outcome = 'resolved'), (e: Error) => (outcome = e));
    const readyz = () => {
      try {
        void checks.get(CREDENTIALS_CHECK)!();
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    return { clock, set: (c: InformerHealth[]) => (caches = c), readyz, lines, stop, outcome: () => outcome };
  }

  it('fails readiness while rejected, recovers when accepted again, and exits only after the whole bound', async () => {
    const h = harness(10_000);
    expect(h.readyz()).to.equal('ok');
    h.set([WATCHING, REJECTED]);
    h.clock.advance(1_000);
    expect(h.readyz()).to.match(/rejected this controller's credentials \(HTTP 401\).*renew the token/);
    // Accepted again before the bound: ready, and the clock starts over.
    h.clock.advance(8_000);
    h.set([WATCHING]);
    h.clock.advance(1_000);
    expect(h.readyz()).to.equal('ok');
    h.set([REJECTED]);
    h.clock.advance(10_000);
    await flush();
    expect(h.outcome(), 'not yet: 9 s of this rejection').to.equal('running');
    h.clock.advance(1_000);
    await flush();
    const outcome = h.outcome();
    expect(outcome).to.be.instanceOf(Error);
    expect((outcome as Error).message).to.match(/for 10s; renew the token; exiting/);
    expect(h.lines.filter(([level]) => level === 'fatal').map(([, m]) => m)).to.deep.equal([(outcome as Error).message]);
    expect(h.lines.map(([level]) => level)).to.deep.equal(['warn', 'info', 'warn', 'fatal']);
  });

  it('returns when stopped', async () => {
    const h = harness(10_000);
    h.stop.abort();
    await flush();
    expect(h.outcome()).to.equal('resolved');
  });
});

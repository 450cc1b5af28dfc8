import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { pino } from 'pino';
import { FakeClock } from '../runtime/clock.js';
import { flush } from '../../test/support/workqueue.js';
import type { InstallResult } from './install.js';
import { CoreDnsManager, servesZone, setupResult, type SetupResult } from './manage.js';

const kc = (name: string) => ({ name }) as unknown as KubeConfig;

/** Never answers by itself; with `untilAborted`, it returns (throws) once its signal aborts, as a rollout wait does. */
type Hang = { hang: 'forever' | 'untilAborted' };

/** An installer that answers from a script per cluster and records each call and its signal. */
function scripted(script: Record<string, Array<InstallResult | Error | Hang>>) {
  const calls: Array<{ cluster: string; kc: string; signal: AbortSignal }> = [];
  const install = async (k: KubeConfig, _o: unknown, signal: AbortSignal): Promise<InstallResult> => {
    const name = (k as unknown as { name: string }).name;
    const cluster = name.split('@')[0]!;
    calls.push({ cluster, kc: name, signal });
    const next = script[cluster]?.shift() ?? { kind: 'unchanged', message: 'already set up' };
    if (next instanceof Error) throw next;
    if ('hang' in next) {
      return new Promise((_resolve, reject) => {
        if (next.hang === 'untilAborted') signal.addEventListener('abort', () => reject(new Error('stopped waiting')), { once: true });
      });
    }
    return next;
  };
  return { install, calls };
}

describe('CoreDnsManager (run --manage-coredns)', () => {
  const log = pino({ level: 'silent' });

  it('does nothing until started (the leader acts), then sets up every member engaged so far', async () => {
    const s = scripted({});
    const counted: string[] = [];
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (c, r) => counted.push(`${c}=${r}`), clock });
    m.engaged('member1', kc('member1'));
    m.engaged('member2', kc('member2'));
    await flush();
    expect(clock.pendingTimers(), 'nothing scheduled before start').to.equal(0);
    expect(s.calls).to.deep.equal([]);
    m.start();
    await flush();
    expect(counted.sort()).to.deep.equal(['member1=unchanged', 'member2=unchanged']);
    // A member that joins later is set up at once.
    m.engaged('member3', kc('member3'));
    await flush();
    expect(counted).to.have.length(3);
    expect(clock.pendingTimers(), 'no retries after success').to.equal(0);
    m.stop();
  });

  it('retries errors and refusals with backoff until it succeeds, and stops retrying then', async () => {
    const s = scripted({ member1: [new Error('connect ECONNREFUSED'), { kind: 'refused', message: 'cannot read Deployment' }, { kind: 'installed', message: 'added' }] });
    const counted: string[] = [];
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (_c, r) => counted.push(r), initialRetryMs: 5, maxRetryMs: 20, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(counted).to.deep.equal(['error']);
    expect(clock.nextTimerAt(), 'first retry after initialRetryMs').to.equal(5);
    clock.advance(4);
    await flush();
    expect(s.calls, 'not before its time').to.have.length(1);
    clock.advance(1);
    await flush();
    expect(counted).to.deep.equal(['error', 'refused']);
    expect(clock.nextTimerAt(), 'the delay doubles').to.equal(5 + 10);
    clock.advance(10);
    await flush();
    expect(counted).to.deep.equal(['error', 'refused', 'installed']);
    clock.advance(60_000);
    await flush();
    expect(s.calls).to.have.length(3);
    expect(m.outcomes()['member1']).to.equal('installed: added');
    m.stop();
  });

  it('a rollout that was rolled back is not retried (it would break CoreDNS again); a re-engage tries once more', async () => {
    const s = scripted({ member1: [{ kind: 'rolled-back', message: 'previous Corefile restored', reason: 'pods not ready within 2m' }, { kind: 'installed', message: 'ok' }] });
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 5, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(m.outcomes()['member1']).to.match(/^rolled-back/);
    clock.advance(60_000);
    await flush();
    expect(s.calls).to.have.length(1);
    m.engaged('member1', kc('member1'));
    await flush();
    expect(m.outcomes()['member1']).to.equal('installed: ok');
    m.stop();
  });

  it('a failed rollback (the broken Corefile still in place) is retried with backoff, so the next attempt can restore it', async () => {
    const s = scripted({ member1: [{ kind: 'failed', message: 'could not restore', previousCorefile: '.:53 {}' }, { kind: 'rolled-back', message: 'restored', reason: 'not healthy' }] });
    const counted: string[] = [];
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (_c, r) => counted.push(r), initialRetryMs: 5, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(counted).to.deep.equal(['failed']);
    expect(clock.nextTimerAt(), 'a retry is scheduled').to.equal(5);
    clock.advance(5);
    await flush();
    expect(counted).to.deep.equal(['failed', 'rolled-back']);
    await m.stop();
  });

  it('an attempt that never answers counts as an error at its deadline, is aborted, and is retried with backoff', async () => {
    const s = scripted({ member1: [{ hang: 'forever' }, { kind: 'installed', message: 'ok' }] });
    const counted: string[] = [];
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (_c, r) => counted.push(r), initialRetryMs: 5, attemptTimeoutMs: 1_000, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(counted, 'still running').to.deep.equal([]);
    clock.advance(1_000);
    await flush();
    expect(counted).to.deep.equal(['error']);
    expect(m.outcomes()['member1']).to.match(/no result within 1s/);
    expect(s.calls[0]!.signal.aborted, 'the hung attempt was told to stop').to.equal(true);
    clock.advance(5);
    await flush();
    expect(counted).to.deep.equal(['error', 'installed']);
    await m.stop();
  });

  it('stop() aborts an attempt mid-rollout and waits for it to return; its outcome is not counted and nothing is retried', async () => {
    const s = scripted({ member1: [{ hang: 'untilAborted' }] });
    const counted: string[] = [];
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (_c, r) => counted.push(r), initialRetryMs: 5, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    let stopped = false;
    const stopping = m.stop().then(() => (stopped = true));
    expect(s.calls[0]!.signal.aborted).to.equal(true);
    await stopping;
    expect(stopped).to.equal(true);
    expect(counted, 'a leader that stops says nothing about the member').to.deep.equal([]);
    expect(clock.pendingTimers(), 'no retry, no deadline left behind').to.equal(0);
  });

  it('stop() gives up waiting for an attempt that ignores its signal after stopWaitMs', async () => {
    const s = scripted({ member1: [{ hang: 'forever' }] });
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, stopWaitMs: 50, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    let stopped = false;
    void m.stop().then(() => (stopped = true));
    await flush();
    expect(stopped, 'still waiting').to.equal(false);
    clock.advance(50);
    await flush();
    expect(stopped).to.equal(true);
  });

  it('a Corefile set up by someone else is left alone, not retried', async () => {
    const s = scripted({ member1: [{ kind: 'foreign', message: 'mcs-api script' }] });
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 5, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(m.outcomes()['member1']).to.equal('foreign: mcs-api script');
    clock.advance(60_000);
    await flush();
    expect(s.calls).to.have.length(1);
    m.stop();
  });

  it('a ConfigMap someone else owns is not written: counted and logged as owned, not serving, looked at again with backoff', async () => {
    const owner = { owner: 'Helm release kube-system/coredns', evidence: 'annotation meta.helm.sh/release-name', fix: 'upgrade the release' };
    const s = scripted({ member1: [{ kind: 'refused', message: 'managed by Helm release kube-system/coredns', owner }, { kind: 'installed', message: 'ok' }] });
    const counted: string[] = [];
    const warnings: string[] = [];
    const clock = new FakeClock();
    const capture = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg as string) });
    const m = new CoreDnsManager({ install: s.install, options: {}, log: capture, counted: (_c, r) => counted.push(r), initialRetryMs: 5, clock });
    m.engaged('member1', kc('member1'));
    m.start();
    await flush();
    expect(counted).to.deep.equal(['owned']);
    expect(m.configured()).to.deep.equal([['member1', false]]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/managed by someone else.*not editing it/);
    expect(clock.nextTimerAt(), 'looked at again, in case the owner lets go').to.equal(5);
    clock.advance(5);
    await flush();
    expect(counted).to.deep.equal(['owned', 'installed']);
    m.stop();
  });

  it('new credentials replace a pending retry; a member that is gone is not retried', async () => {
    const s = scripted({ member1: [new Error('old token rejected'), { kind: 'installed', message: 'ok' }], member2: [new Error('down'), new Error('down')] });
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 30, maxRetryMs: 30, clock });
    m.engaged('member1', kc('member1@v1'));
    m.engaged('member2', kc('member2'));
    m.start();
    await flush();
    expect(m.outcomes()).to.deep.equal({ member1: 'error: old token rejected', member2: 'error: down' });
    expect(clock.pendingTimers(), 'a retry pending for each').to.equal(2);
    m.engaged('member1', kc('member1@v2'));
    m.gone('member2');
    await flush();
    expect(m.outcomes()['member1']).to.equal('installed: ok');
    expect(clock.pendingTimers(), 'both pending retries cancelled').to.equal(0);
    clock.advance(60_000);
    await flush();
    expect(s.calls.map((c) => c.kc)).to.deep.equal(['member1@v1', 'member2', 'member1@v2']);
    m.stop();
  });

  it('configured(): nothing before start (a standby), then per member whether the last attempt left the zone served', async () => {
    const s = scripted({ member1: [{ kind: 'installed', message: 'added' }], member2: [{ kind: 'refused', message: 'Corefile not understood' }] });
    const clock = new FakeClock();
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 30, maxRetryMs: 30, clock });
    m.engaged('member1', kc('member1'));
    m.engaged('member2', kc('member2'));
    expect(m.configured(), 'a standby reports nothing').to.deep.equal([]);
    m.start();
    expect(m.configured(), 'attempts still running: not serving yet').to.deep.equal([['member1', false], ['member2', false]]);
    await flush();
    expect(m.configured()).to.deep.equal([['member1', true], ['member2', false]]);
    // New credentials: the last result stands until the new attempt answers.
    m.engaged('member1', kc('member1@v2'));
    expect(m.configured()[0]).to.deep.equal(['member1', true]);
    m.gone('member2');
    await flush();
    expect(m.configured()).to.deep.equal([['member1', true]]);
    m.stop();
    expect(m.configured(), 'stopped leading: nothing').to.deep.equal([]);
  });
});

describe('setupResult: a refusal for an owner counts as owned', () => {
  it('owned only when the refusal names an owner', () => {
    expect(setupResult({ kind: 'refused', message: 'x', owner: { owner: 'Helm', evidence: 'e', fix: 'f' } })).to.equal('owned');
    expect(setupResult({ kind: 'refused', message: 'x' })).to.equal('refused');
    expect(setupResult({ kind: 'installed', message: 'x' })).to.equal('installed');
  });
});

describe('servesZone (clusterset_dns_coredns_configured)', () => {
  const cases: Array<[SetupResult | undefined, boolean]> = [
    ['installed', true],
    ['unchanged', true],
    ['foreign', true],
    ['refused', false],
    ['owned', false],
    ['rolled-back', false],
    ['failed', false],
    ['error', false],
    ['uninstalled', false],
    [undefined, false],
  ];
  for (const [result, want] of cases) it(`${result ?? 'no attempt yet'} → ${want}`, () => expect(servesZone(result)).to.equal(want));
});

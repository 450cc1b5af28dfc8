import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { pino } from 'pino';
import type { InstallResult } from './install.js';
import { CoreDnsManager } from './manage.js';

const kc = (name: string) => ({ name }) as unknown as KubeConfig;
const until = async (what: string, f: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** An installer that answers from a script per cluster and records each call. */
function scripted(script: Record<string, Array<InstallResult | Error>>) {
  const calls: Array<{ cluster: string; kc: string }> = [];
  const install = async (k: KubeConfig) => {
    const name = (k as unknown as { name: string }).name;
    const cluster = name.split('@')[0]!;
    calls.push({ cluster, kc: name });
    const next = script[cluster]?.shift() ?? { kind: 'unchanged', message: 'already set up' };
    if (next instanceof Error) throw next;
    return next;
  };
  return { install, calls };
}

describe('CoreDnsManager (run --manage-coredns)', () => {
  const log = pino({ level: 'silent' });

  it('does nothing until started (the leader acts), then sets up every member engaged so far', async () => {
    const s = scripted({});
    const counted: string[] = [];
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (c, r) => counted.push(`${c}=${r}`) });
    m.engaged('member1', kc('member1'));
    m.engaged('member2', kc('member2'));
    await new Promise((r) => setTimeout(r, 20));
    expect(s.calls).to.deep.equal([]);
    m.start();
    await until('two installs', () => counted.length === 2);
    expect(counted.sort()).to.deep.equal(['member1=unchanged', 'member2=unchanged']);
    // A member that joins later is set up at once.
    m.engaged('member3', kc('member3'));
    await until('member3', () => counted.length === 3);
    m.stop();
  });

  it('retries errors and refusals with backoff until it succeeds, and stops retrying then', async () => {
    const s = scripted({ member1: [new Error('connect ECONNREFUSED'), { kind: 'refused', message: 'cannot read Deployment' }, { kind: 'installed', message: 'added' }] });
    const counted: string[] = [];
    const m = new CoreDnsManager({ install: s.install, options: {}, log, counted: (_c, r) => counted.push(r), initialRetryMs: 5, maxRetryMs: 20 });
    m.engaged('member1', kc('member1'));
    m.start();
    await until('installed', () => counted.includes('installed'));
    expect(counted).to.deep.equal(['error', 'refused', 'installed']);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.calls).to.have.length(3);
    expect(m.outcomes()['member1']).to.equal('installed: added');
    m.stop();
  });

  it('a rollout that was rolled back is not retried (it would break CoreDNS again); a re-engage tries once more', async () => {
    const s = scripted({ member1: [{ kind: 'rolled-back', message: 'previous Corefile restored', reason: 'pods not ready within 2m' }, { kind: 'installed', message: 'ok' }] });
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 5 });
    m.engaged('member1', kc('member1'));
    m.start();
    await until('rolled back', () => m.outcomes()['member1']?.startsWith('rolled-back') === true);
    await new Promise((r) => setTimeout(r, 40));
    expect(s.calls).to.have.length(1);
    m.engaged('member1', kc('member1'));
    await until('installed', () => m.outcomes()['member1'] === 'installed: ok');
    m.stop();
  });

  it('a Corefile set up by someone else is left alone, not retried', async () => {
    const s = scripted({ member1: [{ kind: 'foreign', message: 'mcs-api script' }] });
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 5 });
    m.engaged('member1', kc('member1'));
    m.start();
    await until('one call', () => m.outcomes()['member1'] !== undefined);
    await new Promise((r) => setTimeout(r, 40));
    expect(s.calls).to.have.length(1);
    m.stop();
  });

  it('new credentials replace a pending retry; a member that is gone is not retried', async () => {
    const s = scripted({ member1: [new Error('old token rejected'), { kind: 'installed', message: 'ok' }], member2: [new Error('down'), new Error('down')] });
    const m = new CoreDnsManager({ install: s.install, options: {}, log, initialRetryMs: 30, maxRetryMs: 30 });
    m.engaged('member1', kc('member1@v1'));
    m.engaged('member2', kc('member2'));
    m.start();
    await until('both failed once', () => s.calls.length === 2 && m.outcomes()['member1'] !== undefined && m.outcomes()['member2'] !== undefined);
    m.engaged('member1', kc('member1@v2'));
    m.gone('member2');
    await until('member1 installed', () => m.outcomes()['member1'] === 'installed: ok');
    await new Promise((r) => setTimeout(r, 80));
    expect(s.calls.map((c) => c.kc)).to.deep.equal(['member1@v1', 'member2', 'member1@v2']);
    m.stop();
  });
});

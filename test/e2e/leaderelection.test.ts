/**
 * Leader election end to end: two real controller processes with the
 * default --leader-elect=true on the local environment's Karmada API server.
 * Exactly one writes; the standby takes over when the leader is stopped
 * (SIGTERM: at once, the lease is released), killed (SIGKILL) or frozen
 * (SIGSTOP: after the lease expires; the frozen one, thawed, finds it lost
 * the lease and exits without writing); --manage-coredns acts on the leader
 * only (docs/design.md#runtime).
 */
import { expect } from 'chai';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { startController, type RunningController } from '../env/controller.js';
import { isAlive } from '../env/process.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { LEASE_MS, TAKEOVER_MS, WRITE_LOG_LINES, controllerHooks, leading, logMessagesSince, theLeader, writes } from '../support/controllers.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, uniqueName, type Clients } from '../support/kube.js';
import { exportFrom, getServiceImport, serviceImport } from '../support/mcs.js';

/**
 * No --leader-election-id: run's default Lease, the one config/karmada grants
 * by name, so leader election runs under exactly the shipped RBAC (another
 * name would be forbidden). Every other controller the tests start runs with
 * --leader-elect=false.
 */
const ARGS = ['--leader-elect=true', '--manage-coredns'];

describe('leader election with two controller processes (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  let m2: Clients;
  let ns = '';
  const running: RunningController[] = [];

  const corednsSetups = async (c: RunningController) =>
    (await c.metricsText()).split('\n').filter((l) => l.startsWith('clusterset_dns_coredns_setup_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  const start = async () => {
    const c = await startController(env, ARGS, `clusterset-dns-le-${running.length}`);
    running.push(c);
    return c;
  };
  /** A new import into member2, filled: whoever leads now is writing. */
  const filled = async (svc: string) => {
    await exportFrom(karmada, clients(env, 'member1'), 'member1', ns, svc, '10.244.1.40');
    await applyAll(karmada, serviceImport(ns, svc, ['member2']));
    const derived = await eventually(`derived-${svc}`, () => getOrUndefined(() => m2.core.readNamespacedService({ name: `derived-${svc}`, namespace: ns })), 60_000);
    await eventually(`${svc} filled in member2`, async () =>
      (JSON.stringify((await getOrUndefined(() => getServiceImport(m2, ns, svc)))?.spec.ips) === JSON.stringify([derived.spec?.clusterIP]) ? true : undefined), 60_000);
  };

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    m2 = clients(env, 'member2');
    for (const m of ['member1', 'member2']) expect(['installed', 'unchanged']).to.include((await installCoreDns(clients(env, m).kc)).kind);
    ns = uniqueName('e2e-le');
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    await eventually(`namespace ${ns} in member2`, () => getOrUndefined(() => m2.core.readNamespace({ name: ns })), 60_000);
  });

  controllerHooks(running, () => ({ karmada, namespace: ns }));

  let a: RunningController;
  let b: RunningController;
  it('one leader writes and sets CoreDNS up; the standby does neither', async () => {
    a = await start();
    b = await start();
    const leader = await theLeader([a, b]);
    const standby = leader === a ? b : a;
    await filled('one');
    await eventually('the leader to set CoreDNS up in both members', async () => ((await corednsSetups(leader)) >= 2 ? true : undefined), 60_000);
    expect(await writes(leader), 'the leader writes').to.be.greaterThan(0);
    expect(await writes(standby), 'the standby writes nothing').to.equal(0);
    expect(await corednsSetups(standby), 'the standby sets nothing up').to.equal(0);
    expect(await leading(standby)).to.equal(0);
  });

  it('SIGTERM: the leader releases the lease and the standby takes over at once', async () => {
    const leader = await theLeader([a, b]);
    const standby = leader === a ? b : a;
    const t0 = Date.now();
    await leader.stop();
    await eventually('the standby to lead', async () => ((await leading(standby)) === 1 ? true : undefined), LEASE_MS, 100);
    // Well inside the lease duration: it did not wait for the lease to expire.
    expect(Date.now() - t0, 'taken over before the lease could have expired').to.be.below(LEASE_MS);
    await filled('after-term');
    b = standby;
    a = await start();
    expect(await theLeader([a, b]), 'the restarted one stands by').to.equal(b);
  });

  it('SIGKILL: the standby takes over once the lease expires, and writes', async () => {
    const leader = await theLeader([a, b]);
    const standby = leader === a ? b : a;
    process.kill(leader.proc.pid, 'SIGKILL');
    await eventually('the standby to lead', async () => ((await leading(standby)) === 1 ? true : undefined), TAKEOVER_MS, 250);
    await filled('after-kill');
    a = standby;
    b = await start();
    expect(await theLeader([a, b])).to.equal(a);
  });

  it('SIGSTOP: the standby takes over; the frozen leader, thawed, exits without writing', async () => {
    const leader = await theLeader([a, b]);
    const standby = leader === a ? b : a;
    process.kill(leader.proc.pid, 'SIGSTOP');
    await eventually('the standby to lead', async () => ((await leading(standby)) === 1 ? true : undefined), TAKEOVER_MS, 250);
    await filled('after-stop');
    const thawed = new Date().toISOString();
    process.kill(leader.proc.pid, 'SIGCONT');
    // Its renew deadline passed while frozen: it must give up and exit (lease lost → exit 1), not write.
    await eventually('the thawed leader to exit', async () => (isAlive(leader.proc.pid) ? undefined : true), 30_000, 250);
    const after = logMessagesSince(leader, thawed);
    expect(after.some((m) => /^leader election lost/.test(m)), `it says it lost the lease: ${JSON.stringify(after)}`).to.equal(true);
    expect(after.filter((m) => WRITE_LOG_LINES.includes(m)), 'no write after the thaw').to.deep.equal([]);
    expect(await leading(standby)).to.equal(1);
  });
});

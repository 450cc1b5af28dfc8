/**
 * A member's storage moves on while the controller cannot watch it
 * (docs/reliability.md "Fault scenarios"): member2's kube-apiserver is
 * stopped, one of member2's ServiceImports loses its spec.ips in etcd
 * meanwhile (a change no watch will ever deliver), and etcd is compacted
 * past every resourceVersion the controller holds. When the API server is
 * back, the controller's watches resume from resourceVersions that no
 * longer exist: 410 Gone, a relist, and the change is seen and repaired.
 *
 * What must hold: the controller stays up; the 410 is counted
 * (`clusterset_dns_informer_restarts_total{cluster="member2",reason="expired"}`);
 * member1's spec.ips never change, nor do those of member2's other imports;
 * the changed import is filled again within 60 s of the API server's return.
 */
import { expect } from 'chai';
import { MCS_GROUP } from '../../src/kube/gvr.js';
import { controllerHooks, sample } from '../support/controllers.js';
import { startController, type RunningController } from '../env/controller.js';
import { access, startComponent, stopComponent, type EnvState } from '../env/environment.js';
import { getJson } from '../env/kube.js';
import { isAlive } from '../env/process.js';
import { etcdKeyspace } from '../support/apiserver.js';
import { restartKarmadaControllerManager, useEnvironment } from '../support/environment.js';
import { applyAll, federatedNamespace, federationClients, holds, uniqueName, type Clients } from '../support/kube.js';
import { assertIpsKept, exportFrom, ipsByImport, ipsIn, recreateDerived, serviceImport, waitDerivedIps } from '../support/mcs.js';

/** From the API server's return to the wiped import filled again: a reflector's reconnect backoff (at most 30 s), the relist, a pass. */
const REFILLED_MS = 60_000;

describe('faults: etcd compacted while a member\'s API server is away (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients | undefined;
  let m1: Clients;
  let m2: Clients;
  const running: RunningController[] = [];
  const ns = uniqueName('e2e-fe');
  const imports = ['wiped', 'kept1', 'kept2'];

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    ({ karmada, m1, m2 } = federationClients(env));
    running.push(await startController(env, ['--leader-elect=false', '--write-route=retain'], 'clusterset-dns-faults-etcd'));
    await federatedNamespace(karmada, [m1, m2], ns);
    for (const svc of imports) {
      await exportFrom(karmada, m1, 'member1', ns, svc, '10.244.1.95');
      await applyAll(karmada, serviceImport(ns, svc, ['member1', 'member2']));
    }
    await waitDerivedIps(m1, 'member1', ns, imports, 120_000);
    await waitDerivedIps(m2, 'member2', ns, imports, 120_000);
  });
  // Registered before controllerHooks' hook, which deletes the namespace: mocha runs after hooks in order.
  after(async function () {
    this.timeout(240_000);
    if (!env) return;
    // Whatever happened above, member2's API server runs again for the files after this one.
    await startComponent(env, 'member2-kube-apiserver', async () => (await getJson(access(env, 'member2'), '/readyz')) === 'ok');
    // Test isolation. Once in three CI runs, Karmada's view of member2 went stale after this file (a
    // derived Service deleted there was not re-created; docs/upstream-behaviour.md). Check that Karmada
    // re-creates one now, and restart karmada-controller-manager if it does not, saying so.
    if (await recreateDerived(m2, ns, 'kept1', 60_000).then(() => true, () => false)) return;
    console.error('      [faults] Karmada did not re-create derived-kept1 in member2 within 60 s of its deletion; restarting karmada-controller-manager for the files after this one');
    await restartKarmadaControllerManager(env);
  });
  controllerHooks(running, () => ({ karmada, namespace: ns }));

  it('spec.ips wiped in etcd and etcd compacted while member2\'s API server is stopped: 410, relist, refilled within 60 s of its return; nothing else changes', async () => {
    const controller = running[0]!;
    const before1 = await ipsByImport(m1, ns);
    const before2 = await ipsByImport(m2, ns);
    const { wiped, ...others2 } = before2;
    expect(wiped, 'wiped is filled in member2 to begin with').to.have.length(1);
    const expiredBefore = await sample(controller, 'clusterset_dns_informer_restarts_total', { cluster: 'member2', resource: 'serviceimports', reason: 'expired' });

    const etcd = etcdKeyspace(env.etcd.url, '/member2');
    const key = `${MCS_GROUP}/serviceimports/${ns}/wiped`;
    await stopComponent(env, 'member2-kube-apiserver');
    const stored = await etcd.etcdGet(key);
    expect(stored, `member2's ServiceImport ${ns}/wiped is stored as JSON at /member2/${key}`).to.be.a('string');
    const object = JSON.parse(stored!) as { spec: { ips?: string[] } };
    delete object.spec.ips;
    await etcd.etcdPut(key, JSON.stringify(object));
    const compactedAt = await etcd.compactEtcd();
    console.error(`      [faults] member2's ${ns}/wiped lost spec.ips in etcd; compacted at revision ${compactedAt}`);

    await startComponent(env, 'member2-kube-apiserver', async () => (await getJson(access(env, 'member2'), '/readyz')) === 'ok');
    const backAt = Date.now();
    // No check here that the API server serves the wiped object: the controller may refill it before any read of ours.
    await holds('member1\'s and member2\'s other spec.ips unchanged until wiped is filled again', (async () => {
      await waitDerivedIps(m2, 'member2', ns, ['wiped'], REFILLED_MS);
    })(), async () => {
      await assertIpsKept(m1, ns, before1);
      await assertIpsKept(m2, ns, others2);
    }, 250);
    console.error(`      [faults] wiped filled again ${((Date.now() - backAt) / 1000).toFixed(1)} s after member2's API server returned`);
    expect(await ipsIn(m2, ns, 'wiped')).to.deep.equal(wiped);
    expect(isAlive(controller.proc.pid), 'the controller is still running').to.equal(true);
    const expiredAfter = await sample(controller, 'clusterset_dns_informer_restarts_total', { cluster: 'member2', resource: 'serviceimports', reason: 'expired' });
    expect((Number.isNaN(expiredAfter) ? 0 : expiredAfter) - (Number.isNaN(expiredBefore) ? 0 : expiredBefore), 'member2\'s ServiceImport watch met 410 Gone and relisted').to.be.greaterThan(0);
  });
});

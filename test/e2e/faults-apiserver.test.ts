/**
 * Faults of a member's API server (docs/reliability.md "Fault scenarios"):
 * member2 answers the controller differently from one moment to the next,
 * while member1 goes on as before.
 *
 *  - The ServiceImport CRD deleted in member2 (the API server deletes every
 *    ServiceImport there first), held away for 20 s, then re-created by
 *    Karmada from its source (test/support/mcs-crd.ts): the controller stays
 *    up and says what is wrong (the problem CRDMissing; its ServiceImport
 *    watch of member2 restarts with reason crd-missing), while member2
 *    stays reachable, since a missing CRD is its own problem
 *    (src/karmada/member-informers.ts) and the other watches are fine;
 *    member1's spec.ips do not change. Once the CRD is back and Karmada has
 *    re-created the ServiceImports, each is filled again.
 *  - 429 from API Priority and Fairness on every write of the controller in
 *    member2 (test/support/apf-jail.ts) while it fills a burst: each refused
 *    write is counted (clusterset_dns_writes_total{result="error"}) and
 *    retried with backoff; member2 stays reachable, since only writes are
 *    refused; nothing already filled there changes; once the jail is lifted
 *    every import converges.
 *
 * The controller runs with --write-route=retain: every spec.ips it writes is
 * a patch in the member through the cluster proxy, the one path member2's
 * API server (and its APF) sees.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { MCS_GROUP, SERVICEIMPORT_CRD } from '../../src/kube/gvr.js';
import { access, type EnvState } from '../env/environment.js';
import { controllerLogTail, startController, type RunningController } from '../env/controller.js';
import { delay, isAlive } from '../env/process.js';
import { installApfJail, JAIL_HOLDS_MS, type ApfJail } from '../support/apf-jail.js';
import { logLinesSince, memberReachable, sample, writes } from '../support/controllers.js';
import { requireKarmadaResync, requireMemberCrds, useEnvironment } from '../support/environment.js';
import { applyAll, eventually, holds, uniqueName, type Clients, federationClients, federatedNamespace } from '../support/kube.js';
import { assertIpsKept, exportFrom, ipsByImport, serviceImport, waitDelivered, waitDerivedIps } from '../support/mcs.js';
import { established, holdCrdAway, readCrd, type CrdHold } from '../support/mcs-crd.js';

const ARGS = ['--leader-elect=false', '--write-route=retain'];

/**
 * Taking the CRD away: Karmada carries a policy's suspension to the binding
 * and its Work in a few seconds, and the API server deletes the CRD's
 * ServiceImports (three here) before the CRD; 60 s is generous for each.
 */
const SUSPENDED_MS = 60_000;
/** The CRD watch sees the deletion at once; every control-plane key is decided again and its Warning Event sent. */
const REPORTED_MS = 30_000;
/** How long the CRD stays away: the ServiceImport watch of member2 meets 404 several times (800 ms backoff, doubling). */
const ABSENT_MS = 20_000;
/** The CRD back: Karmada applies its Work again once the suspension is lifted (its 30 s resync at the latest), or the test applies mcs-api's. */
const RECREATED_MS = 60_000;
/**
 * From the CRD Established again to every import in member2 filled:
 * Karmada re-creating member2's ServiceImports (its 30 s resync re-applies
 * each Work, about one object per second), our ServiceImport watch relisting
 * (at once: below), then a reconcile each.
 */
const REFILLED_MS = 120_000;
/**
 * From the CRD Established again (as this test sees it, polling every 0.5 s)
 * to member2's ServiceImport watch re-established: the CRD watch wakes it at
 * once (src/karmada/member-informers.ts), rather than at its next retry, up
 * to 25.6 s away after 20 s of 404s.
 */
const WATCH_BACK_MS = 5_000;

/** Karmada delivering a burst of six imports to a member (as test/e2e/faults-network.test.ts). */
const DELIVERED_MS = 120_000;
/** Lifted at the latest this long after the jail shut, well before it opens by itself. */
const LIFT_BY_MS = JAIL_HOLDS_MS - 10_000;
/** At least this long of refusals once every burst import has met one, so that each key is retried several times. */
const REFUSING_MS = 10_000;
/**
 * From the lift to every burst import filled. A key refused for T seconds
 * is next retried after at most about T (per-key backoff from 5 ms,
 * doubling: the next delay is the sum of all before it), and the jail holds
 * under 50 s.
 */
const CONVERGE_AFTER_LIFT_MS = 90_000;
/**
 * Tries of one key's write in the jail, at most: per-key backoff allows about
 * 14 in 50 s, and an event on the key may add one at once. A retry loop
 * without backoff would be held only by the queue's 10 per second overall.
 */
const MAX_TRIES_PER_KEY = 25;

describe('faults: a member API server that loses a CRD or refuses writes (e2e)', function () {
  this.timeout(600_000);
  let env: EnvState;
  let karmada: Clients;
  let m1: Clients;
  let m2: Clients;
  let ns = '';
  let controller: RunningController | undefined;
  let jail: ApfJail | undefined;
  let hold: CrdHold | undefined;
  /** Imported into both members and filled there before each scenario. */
  const steady = ['s1', 's2', 's3'];

  /** A new import into `importers`, exported from member1; not waited for. */
  const newImport = async (svc: string, importers: string[]) => {
    await exportFrom(karmada, m1, 'member1', ns, svc, '10.244.1.80');
    await applyAll(karmada, serviceImport(ns, svc, importers));
  };
  const reachable = (within: number) =>
    eventually('member2 reachable on /metrics', async () => ((await memberReachable(controller!, 'member2')) === 1 ? true : undefined), within, 500);
  const kept = (member: Clients, before: Record<string, string[] | undefined>) => assertIpsKept(member, ns, before);
  /** The process runs and says it is healthy and ready (one member's trouble does not take it out of its Service). */
  const up = async (c: RunningController) => {
    expect(isAlive(c.proc.pid), 'the controller process runs').to.equal(true);
    expect((await fetch(`${c.health}/healthz`)).status, '/healthz').to.equal(200);
    expect((await fetch(`${c.health}/readyz`)).status, '/readyz').to.equal(200);
  };
  /** What must hold throughout a fault of member2: the controller up, member2 reachable, `before` still in `member`. */
  const steadyThrough = (c: RunningController, member: Clients, before: Record<string, string[] | undefined>) => async () => {
    await up(c);
    expect(await memberReachable(c, 'member2'), 'member2 reachable').to.equal(1);
    await kept(member, before);
  };

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    // The refill bound counts on Karmada's resync re-applying member2's ServiceImports.
    requireKarmadaResync(env);
    ({ karmada, m1, m2 } = federationClients(env));
    controller = await startController(env, ARGS, 'clusterset-dns-faults-apiserver');
    ns = uniqueName('e2e-fa');
    await federatedNamespace(karmada, [m1, m2], ns);
    for (const svc of steady) await newImport(svc, ['member1', 'member2']);
    await waitDerivedIps(m1, 'member1', ns, steady, 120_000);
    await waitDerivedIps(m2, 'member2', ns, steady, 120_000);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    // Whatever happened above: member2 gets its CRD back and answers every request again; later files need both.
    await jail?.lift();
    await hold?.release();
    await controller?.stop();
    await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('ServiceImport CRD deleted in member2 for 20 s: reported, member2 reachable, member1 unchanged; its watch back within 5 s and filled again within 120 s of its return', async () => {
    const c = controller!;
    await reachable(60_000);
    const before1 = await ipsByImport(m1, ns);
    const uidBefore = (await readCrd(m2))?.metadata?.uid;
    expect(uidBefore, 'member2 has the CRD').to.be.a('string');
    const watchRestarts = () => sample(c, 'clusterset_dns_informer_restarts_total', { cluster: 'member2', resource: 'serviceimports', reason: 'crd-missing' });
    const restartsBefore = (await watchRestarts()) || 0;
    const outageFrom = new Date().toISOString();

    hold = await holdCrdAway(env, karmada, m2, 'member2', SUSPENDED_MS);
    const deletedAt = Date.now();
    const outage = (async () => {
      const missing = await eventually('CRDMissing reported for member2', async () => {
        const n = await sample(c, 'clusterset_dns_problems', { reason: 'CRDMissing', member_cluster: 'member2' });
        return n >= 1 ? n : undefined;
      }, REPORTED_MS, 500);
      await eventually('the ServiceImport watch of member2 restarted with reason crd-missing', async () => ((await watchRestarts()) > restartsBefore ? true : undefined), REPORTED_MS, 500);
      console.error(`      [faults] CRDMissing reported for ${missing} keys in member2`);
      await delay(Math.max(0, deletedAt + ABSENT_MS - Date.now()));
      expect(await readCrd(m2), 'the CRD stays away while held').to.equal(undefined);
    })();
    await holds('the controller up, member2 reachable, member1\'s spec.ips unchanged', outage, steadyThrough(c, m1, before1), 500);
    await hold.giveBack();

    await eventually('the CRD back in member2, Established', async () => {
      const crd = await readCrd(m2);
      return established(crd) && crd?.metadata?.uid !== uidBefore ? true : undefined;
    }, RECREATED_MS, 500);
    const backAt = Date.now();
    const watchBack = () => logLinesSince(c, outageFrom).some((l) => l.msg === 'watch re-established' && l['cluster'] === 'member2' && l['resource'] === 'serviceimports');
    await eventually('member2\'s ServiceImport watch back within a few seconds of the CRD', async () => (watchBack() ? true : undefined), WATCH_BACK_MS, 250);
    console.error(`      [faults] member2's ServiceImport watch back ${((Date.now() - backAt) / 1000).toFixed(1)} s after the CRD was seen Established`);
    await waitDerivedIps(m2, 'member2', ns, steady, REFILLED_MS);
    console.error(`      [faults] member2's imports filled again ${((Date.now() - backAt) / 1000).toFixed(1)} s after the CRD was back`);
    await eventually('CRDMissing no longer reported for member2', async () =>
      (!((await sample(c, 'clusterset_dns_problems', { reason: 'CRDMissing', member_cluster: 'member2' })) >= 1) ? true : undefined), REPORTED_MS, 500);
    await up(c);
    await kept(m1, before1);
  });

  it('429 from priority and fairness on every write to member2 during a burst: counted, retried with backoff, member2 reachable; converged within 90 s of the lift', async () => {
    await waitDerivedIps(m2, 'member2', ns, steady, REFILLED_MS);
    const before2 = await ipsByImport(m2, ns);
    // Karmada delivers the burst while the controller is stopped, so that the controller's first pass meets the
    // jail with every write to make (Karmada's own delivery, about one object per second, would outlast it).
    await controller!.stop();
    const burst = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    for (const svc of burst) await newImport(svc, ['member2']);
    await waitDelivered(m2, 'member2', ns, burst, DELIVERED_MS);

    jail = await installApfJail(m2, access(env, 'member2'), ns);
    const since = new Date().toISOString();
    /** Refused writes of burst imports in member2, by import, from the restarted controller's log. */
    const refusedByKey = (c: RunningController) => {
      const n = new Map<string, number>();
      for (const l of logLinesSince(c, since)) {
        const name = String(l['name']);
        if (l.msg === 'write failed' && l['cluster'] === 'member2' && /HTTP 429/.test(String(l['err'])) && burst.includes(name)) n.set(name, (n.get(name) ?? 0) + 1);
      }
      return n;
    };
    try {
      const shutAt = await jail.shut();
      const c = await startController(env, ARGS, 'clusterset-dns-faults-apiserver-2');
      controller = c;
      await reachable(Math.max(1, shutAt + LIFT_BY_MS - Date.now()));
      const jailed = (async () => {
        await eventually('every burst import\'s write refused with 429 in member2', async () => (refusedByKey(c).size === burst.length ? true : undefined),
          Math.max(1, shutAt + LIFT_BY_MS - REFUSING_MS - Date.now()), 500);
        await delay(Math.min(REFUSING_MS, Math.max(0, shutAt + LIFT_BY_MS - Date.now())));
        const now = await ipsByImport(m2, ns);
        expect(burst.filter((svc) => (now[svc]?.length ?? 0) > 0), 'no burst import filled while every write is refused').to.deep.equal([]);
      })();
      await holds('the controller up, member2 reachable, its filled imports unchanged', jailed, steadyThrough(c, m2, before2), 500);
    } finally {
      await jail.lift();
    }
    const liftedAt = Date.now();
    const c = controller!;
    const refused = refusedByKey(c);
    const refusals = [...refused.values()].reduce((a, b) => a + b, 0);
    console.error(`      [faults] writes refused with 429 by key: ${JSON.stringify(Object.fromEntries(refused))}; clusterset_dns_writes_total{result="error"} ${await writes(c, 'error')}`);
    expect(await writes(c, 'error'), 'every refused write counted as an error').to.be.at.least(refusals);
    for (const svc of burst) expect(refused.get(svc) ?? 0, `tries of ${svc} refused: retried, with backoff`).to.be.within(2, MAX_TRIES_PER_KEY);

    await waitDerivedIps(m2, 'member2', ns, burst, CONVERGE_AFTER_LIFT_MS);
    console.error(`      [faults] the burst converged ${((Date.now() - liftedAt) / 1000).toFixed(1)} s after the lift`);
    await kept(m2, before2);
    expect(await memberReachable(c, 'member2'), 'member2 still reachable').to.equal(1);
  });

  it('member2\'s CRD stops serving v1alpha1 for 20 s (mcs-api\'s v1beta1 still served): reported as such, not as "not installed"; member2 reachable, nothing changes; it clears once v1alpha1 is served again', async () => {
    requireMemberCrds(env, 'mcs-api', 'this test stops serving v1alpha1 while mcs-api\'s v1beta1, the storage version, stays served');
    const c = controller!;
    await reachable(60_000);
    const before1 = await ipsByImport(m1, ns);
    const before2 = await ipsByImport(m2, ns);
    const writesBefore = await writes(c);
    const crd = await readCrd(m2);
    const alpha = (crd as { spec?: { versions?: Array<{ name: string }> } } | undefined)?.spec?.versions?.findIndex((v) => v.name === 'v1alpha1') ?? -1;
    expect(alpha, 'member2\'s CRD has v1alpha1').to.be.at.least(0);
    const crds = m2.kc.makeApiClient(k8s.ApiextensionsV1Api);
    const served = (value: boolean) => crds.patchCustomResourceDefinition({ name: SERVICEIMPORT_CRD, body: [{ op: 'replace', path: `/spec/versions/${alpha}/served`, value }] }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
    const servesAlpha = async () => (((await readCrd(m2)) as { spec?: { versions?: Array<{ name: string; served: boolean }> } } | undefined)?.spec?.versions?.[alpha]?.served === true);
    await served(false);
    try {
      const outage = (async () => {
        const warning = await eventually('a CRDMissing Warning that names the version', async () => {
          const events = (await karmada.core.listNamespacedEvent({ namespace: ns })).items;
          return events.find((e) => e.reason === 'CRDMissing' && e.message?.includes('member2') && e.message.includes('does not serve v1alpha1'))?.message;
        }, REPORTED_MS, 500);
        expect(warning, 'what member2 serves instead').to.include('serves: v1beta1');
        expect(warning).to.not.include('not installed');
        await delay(ABSENT_MS);
      })();
      // member2's spec.ips are stored as v1beta1 and stay (read there as v1beta1: v1alpha1 answers 404 now).
      const ips2Beta = async () => {
        const list = await m2.custom.listNamespacedCustomObject({ group: MCS_GROUP, version: 'v1beta1', namespace: ns, plural: 'serviceimports' }) as { items: Array<{ metadata: { name: string }; spec?: { ips?: string[] } }> };
        return JSON.stringify(Object.fromEntries(list.items.map((si) => [si.metadata.name, si.spec?.ips])));
      };
      const beta = JSON.stringify(before2);
      // While it rebuilds a changed CRD's storage the API server answers 429 ("storage is (re)initializing") for a moment.
      await eventually('member2 answering v1beta1 after the change', ips2Beta, 10_000, 250);
      await holds('the controller up, member2 reachable, spec.ips unchanged in both members', outage, async () => {
        await steadyThrough(c, m1, before1)();
        const now = await ips2Beta();
        if (now !== beta) throw new Error(`member2's spec.ips ${beta} -> ${now}`);
      }, 500);
    } finally {
      await served(true);
    }
    await eventually('v1alpha1 served again', async () => ((await servesAlpha()) ? true : undefined), 30_000, 250);
    await eventually('CRDMissing no longer reported for member2', async () =>
      (!((await sample(c, 'clusterset_dns_problems', { reason: 'CRDMissing', member_cluster: 'member2' })) >= 1) ? true : undefined), REPORTED_MS, 500);
    // The CRD changed back: member2 answers 429 "storage is (re)initializing" for a moment (docs/upstream-behaviour.md).
    await eventually('member2 answering v1alpha1 again', () => ipsByImport(m2, ns), 10_000, 250);
    await kept(m1, before1);
    await kept(m2, before2);
    expect(await writes(c), 'nothing written').to.equal(writesBefore);
  });
});

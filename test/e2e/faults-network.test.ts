/**
 * Faults of the network to a member (docs/reliability.md "Fault scenarios"):
 * member2 reached through a relay on loopback (test/support/stall-proxy.ts)
 * that can black-hole every connection: no bytes either way, no FIN, no
 * RST, as a dropped route or a firewall that discards packets looks.
 *
 * How member2 is put behind the relay: its Cluster's `spec.apiEndpoint`
 * points at the relay for this file, and is put back to the environment's
 * own address in `after` (a run killed before that leaves member2 pointing
 * at a closed port: run this file again, or restart the environment). The
 * controller reaches Push members exactly that way
 * (src/karmada/access.ts), so nothing in src/ changes for the test and no
 * test-only flag is shipped. The cost: karmada-controller-manager also
 * reaches member2 through the relay, as it would in a real partition between
 * the Karmada host and the member; a stall then also holds Karmada's
 * propagation to member2 until it ends.
 *
 *  - A silently dropped connection: member2 counts as unreachable within
 *    60 s (src/runtime/cache/watch-limits.ts gives 46 s), and meanwhile no
 *    spec.ips changes in either member; after the network heals it is
 *    reachable again and converges.
 *  - Black-holed during a burst of imports: member1's converge regardless;
 *    member2's after the network heals.
 *  - Black-holed within 100 ms of a derived ClusterIP change in member2 (the
 *    derived Service deleted and re-created by Karmada): during the outage
 *    member2's spec.ips is the old IP, the new one, or empty (what the
 *    controller writes while the derived Service is gone), never another;
 *    after the heal it is the new one within 90 s, and stays.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import type { EnvState } from '../env/environment.js';
import { controllerLogTail, startController, type RunningController } from '../env/controller.js';
import { memberReachable } from '../support/controllers.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, eventually, getOrUndefined, holds, uniqueName, type Clients, federationClients, federatedNamespace } from '../support/kube.js';
import { assertIpsKept, derivedIp, exportFrom, ipsByImport, ipsIn, serviceImport, waitDelivered, waitDerivedIps } from '../support/mcs.js';
import { startStallProxy, type StallProxy } from '../support/stall-proxy.js';

/** The goal for a silently dead member connection (issue: "marked within 60 s"); the design's bound is 46 s. */
const UNREACHABLE_WITHIN_MS = 60_000;
/** After the network heals: a reflector's reconnect backoff and a relist. */
const REACHABLE_AGAIN_MS = 60_000;
/**
 * From the stall to member1's imports of a burst converging: a pass already
 * writing to member2 may wait out the 30 s API call deadline (its member1
 * writes wait behind it), and after at most 46 s member2 counts as
 * unreachable and is no longer written; plus Karmada's propagation.
 */
const OTHERS_CONVERGE_MS = 90_000;
/** From the heal to member2's imports converging: reachable again, then Karmada delivers what it held and the controller fills it. */
const HEALED_CONVERGE_MS = 90_000;

const CLUSTERS = { group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('faults: a member behind a network that black-holes (e2e)', function () {
  this.timeout(420_000);
  let env: EnvState;
  let karmada: Clients;
  let m1: Clients;
  let m2: Clients;
  let ns = '';
  let proxy: StallProxy | undefined;
  let controller: RunningController | undefined;

  const member2Endpoint = (endpoint: string) =>
    karmada.custom.patchClusterCustomObject({ ...CLUSTERS, name: 'member2', body: { spec: { apiEndpoint: endpoint } } }, merge);
  /** A new import into `importers`, exported from member1; not waited for. */
  const newImport = async (svc: string, importers: string[]) => {
    await exportFrom(karmada, m1, 'member1', ns, svc, '10.244.1.70');
    await applyAll(karmada, serviceImport(ns, svc, importers));
  };
  const reachable = (want: 0 | 1, within: number) =>
    eventually(`member2 reachable=${want} on /metrics`, async () => ((await memberReachable(controller!, 'member2')) === want ? true : undefined), within, 500);
  const kept = (member: Clients, before: Record<string, string[] | undefined>) => assertIpsKept(member, ns, before);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    ({ karmada, m1, m2 } = federationClients(env));
    const direct = env.members['member2']!.server;
    proxy = await startStallProxy({ host: '127.0.0.1', port: Number(new URL(direct).port) });
    // Before the controller starts, so it engages member2 through the relay from its first list.
    await member2Endpoint(proxy.url);
    controller = await startController(env, ['--leader-elect=false'], 'clusterset-dns-faults-network');
    ns = uniqueName('e2e-fn');
    await federatedNamespace(karmada, [m1, m2], ns);
    // A filled import in both members: what a stall must not take away.
    await newImport('steady', ['member1', 'member2']);
    await waitDerivedIps(m1, 'member1', ns, ['steady'], 60_000);
    await waitDerivedIps(m2, 'member2', ns, ['steady'], 60_000);
    expect(proxy.accepted(), 'the controller and Karmada reach member2 through the relay').to.be.greaterThan(0);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    proxy?.resume();
    await controller?.stop();
    // Back to the environment's own address whatever happened above: later files use member2 directly.
    if (karmada) await member2Endpoint(env.members['member2']!.server);
    await proxy?.close();
    await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('established watches silently dropped: unreachable within 60 s, no spec.ips removed meanwhile; reachable and converged after the heal', async () => {
    await reachable(1, REACHABLE_AGAIN_MS);
    const before1 = await ipsByImport(m1, ns);
    const before2 = await ipsByImport(m2, ns);
    expect(before2['steady'], 'steady is filled in member2').to.have.length(1);
    proxy!.stall();
    const stalledAt = Date.now();
    try {
      const outage = (async () => {
        await reachable(0, UNREACHABLE_WITHIN_MS);
        console.error(`      [faults] member2 marked unreachable ${((Date.now() - stalledAt) / 1000).toFixed(1)} s after the stall`);
        // A change during the outage: an import into both members. member1's is filled meanwhile.
        await newImport('late', ['member1', 'member2']);
        await waitDerivedIps(m1, 'member1', ns, ['late'], OTHERS_CONVERGE_MS);
      })();
      // Read from the members directly (not through the relay): what DNS would serve.
      await holds('no spec.ips removed or changed during the outage', outage, async () => {
        await kept(m1, before1);
        await kept(m2, before2);
      }, 500);
    } finally {
      proxy!.resume();
    }
    await reachable(1, REACHABLE_AGAIN_MS);
    await waitDerivedIps(m2, 'member2', ns, ['late'], HEALED_CONVERGE_MS);
    await kept(m2, before2);
  });

  it('black-holed at the start of a fill: member1\'s imports converge within 90 s; member2\'s within 90 s of the heal', async () => {
    await reachable(1, REACHABLE_AGAIN_MS);
    // The controller is stopped while Karmada delivers a burst to both members, then started with member2
    // black-holed: its first pass has 2 × 6 pairs to fill and every member2 write hangs. (Imports Karmada has
    // not delivered when a black hole begins are Karmada's to redeliver: here, imports created 45 s into one
    // had still not reached member2 5 minutes after the heal, which no bound of ours can cover; docs/reliability.md.)
    await controller!.stop();
    const burst = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    for (const svc of burst) await newImport(svc, ['member1', 'member2']);
    await waitDelivered(m1, 'member1', ns, burst, 120_000);
    await waitDelivered(m2, 'member2', ns, burst, 120_000);
    proxy!.stall();
    const stalledAt = Date.now();
    try {
      // Direct member access: through the cluster proxy, starting would wait for member2 to answer (test/env/controller.ts).
      controller = await startController(env, ['--leader-elect=false', '--member-access=direct'], 'clusterset-dns-faults-network-2');
      await waitDerivedIps(m1, 'member1', ns, burst, Math.max(1, stalledAt + OTHERS_CONVERGE_MS - Date.now()));
      console.error(`      [faults] member1's burst converged ${((Date.now() - stalledAt) / 1000).toFixed(1)} s after the stall`);
    } finally {
      proxy!.resume();
    }
    const healedAt = Date.now();
    await waitDerivedIps(m2, 'member2', ns, burst, HEALED_CONVERGE_MS);
    console.error(`      [faults] member2's burst converged ${((Date.now() - healedAt) / 1000).toFixed(1)} s after the heal`);
  });

  it('black-holed within 100 ms of a derived ClusterIP change: old or new IP during the outage, the new one within 90 s of the heal', async () => {
    await reachable(1, REACHABLE_AGAIN_MS);
    await newImport('flip', ['member2']);
    await waitDerivedIps(m2, 'member2', ns, ['flip'], 90_000);
    const oldIp = await derivedIp(m2, ns, 'flip');
    // Karmada re-creates a derived Service deleted in a member, with a new ClusterIP.
    await m2.core.deleteNamespacedService({ name: 'derived-flip', namespace: ns });
    const newIp = await eventually('derived-flip re-created with another ClusterIP', async () => {
      const ip = (await getOrUndefined(() => m2.core.readNamespacedService({ name: 'derived-flip', namespace: ns })))?.spec?.clusterIP;
      return ip && ip !== oldIp ? ip : undefined;
    }, 60_000, 20);
    proxy!.stall();
    try {
      // What the controller had seen of the change when the stall began is a race, on purpose. While the
      // derived Service was gone it had no IP to give (src/serviceimport/decide.ts, DerivedServiceMissing).
      const stallSawIps = await ipsIn(m2, ns, 'flip');
      await holds('member2\'s spec.ips is the old IP, the new one or none throughout a 20 s outage', 20_000, async () => {
        const ips = (await ipsIn(m2, ns, 'flip')) ?? [];
        expect([[oldIp], [newIp], []], `spec.ips ${JSON.stringify(ips)}`).to.deep.include(ips);
      }, 250);
      console.error(`      [faults] member2's spec.ips when the stall began: ${JSON.stringify(stallSawIps ?? [])} (old ${oldIp}, new ${newIp})`);
    } finally {
      proxy!.resume();
    }
    await waitDerivedIps(m2, 'member2', ns, ['flip'], HEALED_CONVERGE_MS);
    expect(await ipsIn(m2, ns, 'flip')).to.deep.equal([newIp]);
    await holds('the new IP stays (nothing writes the old one back)', 10_000, async () => {
      expect(await ipsIn(m2, ns, 'flip')).to.deep.equal([newIp]);
    }, 250);
  });
});

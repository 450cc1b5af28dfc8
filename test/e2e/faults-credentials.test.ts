/**
 * Faults of a Push member's credentials, with `--member-access=direct`
 * (docs/reliability.md "Fault scenarios"): the controller reads each
 * member's token from the Secret its Cluster names, again at every change of
 * the Cluster and every minute (ClusterManager.CREDENTIALS_RESYNC_MS).
 *
 *  - The controller's right to read those Secrets taken away for 10 s (its
 *    RoleBinding from config/karmada/direct-access deleted, then put back),
 *    while member1's Cluster changes every 2 s (an annotation of the test's,
 *    standing in for Karmada's status updates), so the Secret is re-read:
 *    a failed read says nothing about the credentials, so the engaged member
 *    keeps its watches: it stays reachable, nothing is relisted, no spec.ips
 *    or status.clusters changes.
 *  - The member's token rotated (a new token of the same ServiceAccount
 *    written into the Secret): the controller re-engages with the new one,
 *    and meanwhile changes nothing — no write at all. The old token is not
 *    revoked: the environment's later tests use member1 with it.
 *  - A revoked token of member1's written into the Secret: member1 answers
 *    401, so it counts as unreachable, its reason naming the Secret to
 *    renew, while the controller, member2 and every spec.ips go on as before;
 *    the token put back is picked up at the next resync.
 *  - Last, as it ends the controller: the controller's own token rejected by
 *    the Karmada API server (its ServiceAccount deleted, which the API server
 *    checks on every request). /readyz says so, then one fatal line names the
 *    kubeconfig to renew and the process exits; nothing is written meanwhile.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { ClusterManager } from '../../src/karmada/cluster-manager.js';
import { OWN_CREDENTIALS_EXIT_AFTER_MS } from '../../src/runtime/own-credentials.js';
import { repoRoot } from '../env/binaries.js';
import { controllerLogTail, kustomizeResources, startController, type RunningController } from '../env/controller.js';
import type { EnvState } from '../env/environment.js';
import { isAlive } from '../env/process.js';
import { logLinesSince, memberReachable, writes } from '../support/controllers.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, eventually, holds, uniqueName, type Clients, federationClients, federatedNamespace } from '../support/kube.js';
import { MCS, assertIpsKept, exportFrom, ipsByImport, serviceImport, waitDerivedIps } from '../support/mcs.js';

/** How long the Secret read is refused: five of Karmada's 2 s Cluster status updates at least. */
const REFUSED_MS = 10_000;
/** From a rotation to the member reachable again under the new token: the next credentials resync, then a re-engage lists every watch once. */
const REENGAGED_WITHIN_MS = ClusterManager.CREDENTIALS_RESYNC_MS + 30_000;
/** From the controller's ServiceAccount deleted to /readyz failing: each control-plane watch is reopened within 46 s, then the 5 s check. */
const OWN_REJECTION_SEEN_WITHIN_MS = 60_000;
/** From /readyz failing to the process gone: the bound, one more check, and the stop's 30 s grace. */
const OWN_EXIT_WITHIN_MS = OWN_CREDENTIALS_EXIT_AFTER_MS + 45_000;
const CLUSTERS = { group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' };
const TOUCH = 'test.clusterset-dns.io/touched';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('faults: a Push member\'s credentials, reached directly (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  let m1: Clients;
  let m2: Clients;
  let controller: RunningController | undefined;
  const ns = uniqueName('e2e-fc');
  /** member1's Secret in karmada-cluster as the environment made it, put back afterwards. */
  let originalToken = '';
  const rotatedSecret = 'karmada-member1-rotated';
  const revokedSecret = 'karmada-member1-revoked';

  const binding = () => kustomizeResources(join(repoRoot, 'config', 'karmada', 'direct-access')).find((o) => o.kind === 'RoleBinding')!;
  const serviceAccount = () => kustomizeResources(join(repoRoot, 'config', 'karmada')).find((o) => o.kind === 'ServiceAccount')!;
  const statusClusters = async () => JSON.stringify(((await karmada.custom.getNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceimports', name: 'web' })) as { status?: { clusters?: unknown } }).status?.clusters);
  const reachable = async (m: string) => (await memberReachable(controller!, m)) === 1;
  /** What must not change through a fault: spec.ips in both members, status.clusters, the write count. */
  const observed = async () => ({ ips1: await ipsByImport(m1, ns), ips2: await ipsByImport(m2, ns), clusters: await statusClusters(), writes: await writes(controller!) });
  /** Throws when spec.ips or status.clusters differ from `before`. */
  const unchanged = async (before: Awaited<ReturnType<typeof observed>>) => {
    await assertIpsKept(m1, ns, before.ips1);
    await assertIpsKept(m2, ns, before.ips2);
    const now = await statusClusters();
    if (now !== before.clusters) throw new Error(`status.clusters ${before.clusters} -> ${now}`);
  };
  /** A change of member1's Cluster: the controller re-reads its Secret at each (null removes the annotation). */
  const touchCluster = (value: string | null) =>
    karmada.custom.patchClusterCustomObject({ ...CLUSTERS, name: 'member1', body: { metadata: { annotations: { [TOUCH]: value } } } }, merge);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    ({ karmada, m1, m2 } = federationClients(env));
    const secret = await karmada.core.readNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1' });
    originalToken = secret.data?.['token'] ?? '';
    controller = await startController(env, ['--leader-elect=false', '--member-access=direct'], 'clusterset-dns-faults-credentials');
    await federatedNamespace(karmada, [m1, m2], ns);
    await exportFrom(karmada, m1, 'member1', ns, 'web', '10.244.1.80');
    await applyAll(karmada, serviceImport(ns, 'web', ['member1', 'member2']));
    await waitDerivedIps(m1, 'member1', ns, ['web'], 90_000);
    await waitDerivedIps(m2, 'member2', ns, ['web'], 90_000);
    await eventually('status.clusters to name member1', async () => ((await statusClusters())?.includes('member1') ? true : undefined), 60_000);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    if (!karmada) return;
    // Whatever happened above: the controller's ServiceAccount and read right back, member1's own token back, the extra tokens gone.
    await applyAll(karmada, [serviceAccount(), binding()]);
    await touchCluster(null).catch(() => undefined);
    await karmada.core.patchNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1', body: { data: { token: originalToken } } }, merge);
    await m1.core.deleteNamespacedSecret({ namespace: 'karmada-cluster', name: rotatedSecret }).catch(() => undefined);
    await m1.core.deleteNamespacedSecret({ namespace: 'karmada-cluster', name: revokedSecret }).catch(() => undefined);
    await karmada.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('the Secret read refused for 10 s: member1 stays engaged and reachable; no spec.ips, status.clusters or watch changes', async () => {
    const since = new Date().toISOString();
    const before = await observed();
    const rb = binding();
    await karmada.objects.delete(rb);
    let touches = 0;
    const touching = setInterval(() => void touchCluster(String(++touches)).catch(() => undefined), 2_000);
    const refused = (async () => {
      try {
        // Proof the fault was met: the controller tried to re-read member1's Secret and was refused.
        await eventually('a refused Secret read in the log', async () => (logLinesSince(controller!, since).some((l) => l.cluster === 'member1' && l.msg === 'cannot re-read the cluster\'s Secret; keeping the engaged member and its credentials') ? true : undefined), REFUSED_MS, 500);
        await new Promise((r) => setTimeout(r, REFUSED_MS));
        await applyAll(karmada, [rb]);
        // A few more changes under the restored right.
        await new Promise((r) => setTimeout(r, 5_000));
      } finally {
        clearInterval(touching);
      }
    })();
    await holds('member1 reachable, spec.ips and status.clusters unchanged', refused, async () => {
      if (!(await reachable('member1'))) throw new Error('member1 counts as unreachable');
      await unchanged(before);
    }, 500);
    const engagedAgain = logLinesSince(controller!, since).filter((l) => l.cluster === 'member1' && /re-engaged|unreachable|engaged cluster/.test(String(l.msg)));
    expect(engagedAgain.map((l) => l.msg), 'member1 was neither torn down nor re-engaged').to.deep.equal([]);
    expect(await writes(controller!), 'no write').to.equal(before.writes);
  });

  it('member1\'s token rotated: re-engaged with the new token at the next credentials resync, and nothing written meanwhile', async () => {
    const since = new Date().toISOString();
    const before = await observed();
    // A second token of the same ServiceAccount, as a rotation by `karmadactl` or a person makes it.
    await m1.core.createNamespacedSecret({ namespace: 'karmada-cluster', body: { metadata: { name: rotatedSecret, annotations: { 'kubernetes.io/service-account.name': 'karmada-member1' } }, type: 'kubernetes.io/service-account-token' } });
    const token = await eventually('the new token', async () => (await m1.core.readNamespacedSecret({ namespace: 'karmada-cluster', name: rotatedSecret })).data?.['token'], 30_000);
    expect(token).to.not.equal(originalToken);
    const rotatedAt = Date.now();
    await karmada.core.patchNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1', body: { data: { token } } }, merge);
    const settled = (async () => {
      await eventually('member1 re-engaged with the new token', async () => (logLinesSince(controller!, since).some((l) => l.cluster === 'member1' && l.msg === 'cluster credentials changed; re-engaged') ? true : undefined), REENGAGED_WITHIN_MS, 500);
      await eventually('member1 reachable under the new token', async () => ((await reachable('member1')) ? true : undefined), REENGAGED_WITHIN_MS, 500);
      console.error(`      [faults] member1 re-engaged and reachable ${((Date.now() - rotatedAt) / 1000).toFixed(1)} s after the rotation`);
      await new Promise((r) => setTimeout(r, 5_000));
    })();
    await holds('spec.ips and status.clusters unchanged through the rotation', settled, () => unchanged(before), 500);
    expect(Date.now() - rotatedAt, 'within the bound').to.be.below(REENGAGED_WITHIN_MS + 10_000);
    expect(await writes(controller!), 'no write').to.equal(before.writes);
  });

  it('member1\'s token revoked: member1 unreachable, its reason naming the Secret to renew; the controller, member2 and every spec.ips unaffected; the token put back is picked up', async function () {
    this.timeout(2 * REENGAGED_WITHIN_MS + 60_000);
    const before = await observed();
    const current = (await karmada.core.readNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1' })).data?.['token'] ?? '';
    // A token of member1's ServiceAccount, revoked by deleting the Secret that holds it (as a leaked token is revoked).
    await m1.core.createNamespacedSecret({ namespace: 'karmada-cluster', body: { metadata: { name: revokedSecret, annotations: { 'kubernetes.io/service-account.name': 'karmada-member1' } }, type: 'kubernetes.io/service-account-token' } });
    const revoked = await eventually('the token to revoke', async () => (await m1.core.readNamespacedSecret({ namespace: 'karmada-cluster', name: revokedSecret })).data?.['token'], 30_000);
    await m1.core.deleteNamespacedSecret({ namespace: 'karmada-cluster', name: revokedSecret });
    await karmada.core.patchNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1', body: { data: { token: revoked } } }, merge);
    const revokedAt = Date.now();
    const member1Check = async () => {
      const r = await fetch(`${controller!.health}/readyz/cluster-member1`);
      return r.ok ? undefined : r.text();
    };
    const outage = (async () => {
      const reason = await eventually('member1 unreachable, its reason naming the Secret to renew', async () => {
        if (await reachable('member1')) return undefined;
        const body = await member1Check();
        return body !== undefined && /unauthorized: .*; renew the token in Secret karmada-cluster\/member1 /.test(body) ? body : undefined;
      }, REENGAGED_WITHIN_MS, 500);
      console.error(`      [faults] member1 unreachable ${((Date.now() - revokedAt) / 1000).toFixed(1)} s after the revoked token was written: ${reason.trim()}`);
      // Renewed: the token it had before.
      await karmada.core.patchNamespacedSecret({ namespace: 'karmada-cluster', name: 'member1', body: { data: { token: current } } }, merge);
      const renewedAt = Date.now();
      await eventually('member1 reachable under the renewed token', async () => ((await reachable('member1')) ? true : undefined), REENGAGED_WITHIN_MS, 500);
      console.error(`      [faults] member1 reachable again ${((Date.now() - renewedAt) / 1000).toFixed(1)} s after the token was put back`);
    })();
    await holds('the controller ready, member2 reachable, spec.ips and status.clusters unchanged', outage, async () => {
      if (!(await fetch(`${controller!.health}/readyz`)).ok) throw new Error('/readyz fails: a member\'s 401 must not');
      if (!(await reachable('member2'))) throw new Error('member2 counts as unreachable');
      await unchanged(before);
    }, 500);
    expect(await writes(controller!), 'no write').to.equal(before.writes);
  });

  it('the controller\'s own token rejected (its ServiceAccount deleted): /readyz names what to renew, then one fatal line and the process exits; nothing written meanwhile', async function () {
    this.timeout(OWN_REJECTION_SEEN_WITHIN_MS + OWN_EXIT_WITHIN_MS + 30_000);
    const since = new Date().toISOString();
    const before = await observed();
    await karmada.core.deleteNamespacedServiceAccount({ namespace: 'karmada-system', name: 'clusterset-dns' });
    const deletedAt = Date.now();
    const credentialsCheck = async () => {
      const r = await fetch(`${controller!.health}/readyz/credentials`);
      return r.ok ? undefined : r.text();
    };
    const exited = (async () => {
      const reason = await eventually('/readyz failing on the rejected credentials', async () => {
        const body = await credentialsCheck();
        return body?.includes('the Karmada API server has rejected this controller\'s credentials (HTTP 401)') ? body : undefined;
      }, OWN_REJECTION_SEEN_WITHIN_MS, 1_000);
      const rejectedAt = Date.now();
      expect(reason, 'names the kubeconfig').to.include(`--kubeconfig ${controller!.kubeconfig}`);
      expect((await fetch(`${controller!.health}/readyz`)).ok, 'the aggregate /readyz fails too').to.equal(false);
      await eventually('the process to exit', async () => (isAlive(controller!.proc.pid) ? undefined : true), OWN_EXIT_WITHIN_MS, 500);
      console.error(`      [faults] /readyz failed ${((rejectedAt - deletedAt) / 1000).toFixed(1)} s after the ServiceAccount was deleted; the process exited ${((Date.now() - rejectedAt) / 1000).toFixed(1)} s after that`);
    })();
    await holds('spec.ips and status.clusters unchanged', exited, () => unchanged(before), 1_000);
    const fatal = logLinesSince(controller!, since).filter((l) => l.level === 60).map((l) => String(l.msg));
    expect(fatal, 'one fatal line').to.have.length(1);
    expect(fatal[0]).to.match(/rejected this controller's credentials \(HTTP 401\) for 2m[ 0-9s]*; renew the credentials in the kubeconfig --kubeconfig .*; exiting so the restarted process reads them/);
  });
});

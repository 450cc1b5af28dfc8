/**
 * ClusterManager and members' credentials: how each member is reached
 * (--member-access), its Secret read again, and a member that answers 401 —
 * unreachable with a reason that says what to renew, never torn down, and
 * engaged again once its credentials change. Over in-memory informers
 * (test/support/cluster-manager.ts).
 */
import { expect } from 'chai';
import type { Secret } from '../api/core.js';
import { b64, setup } from '../../test/support/cluster-manager.js';

describe('ClusterManager: --member-access', () => {
  it('proxy: Push members are engaged through the Karmada cluster proxy, and no Secret is ever read', async () => {
    const t = setup({ memberAccess: 'proxy' });
    const engaged: Array<[string, string]> = [];
    t.m.onMemberEngaged((cluster, kc) => engaged.push([cluster, kc.getCurrentCluster()?.server ?? '']));
    t.startWithClusters('member1', 'member2');
    await t.settle();
    expect(engaged).to.deep.equal([
      ['member1', 'https://127.0.0.1:1/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy'],
      ['member2', 'https://127.0.0.1:1/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy'],
    ]);
    // A Cluster update engages again (a no-op: nothing changed), still without a Secret.
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member1'));
    await t.settle();
    expect(t.secretReads).to.deep.equal([]);
    await t.m.stop();
  });

  it('direct: the same Push members are reached at their apiEndpoint with the token of their Secret', async () => {
    const t = setup({ memberAccess: 'direct' });
    const engaged: Array<[string, string]> = [];
    t.m.onMemberEngaged((cluster, kc) => engaged.push([cluster, kc.getCurrentCluster()?.server ?? '']));
    t.startWithClusters('member1');
    await t.settle();
    expect(engaged).to.deep.equal([['member1', 'https://127.0.0.1:1001']]);
    expect(t.secretReads).to.deep.equal(['member1']);
    await t.m.stop();
  });
});

/**
 * member1 and member2 engaged directly and listed; `gone` collects the
 * members --manage-coredns would be told are gone; `clusterEvent` is a
 * status-only update of member1's Cluster, which reads its Secret again as
 * the credentials resync does.
 */
async function twoListedMembers(opts: Parameters<typeof setup>[0]) {
  const t = setup(opts);
  const gone: string[] = [];
  t.m.onMemberGone((c) => gone.push(c));
  t.startWithClusters('member1', 'member2');
  await t.settle();
  t.syncAll('member1');
  t.syncAll('member2');
  const clusterEvent = async () => {
    t.of('karmada', 'clusters')[0]!.add(t.cluster('member1'));
    await t.settle();
    await t.settle();
  };
  return { t, gone, watches: t.of('member1'), clusterEvent };
}

describe('ClusterManager: reading a member\'s Secret again', () => {
  it('a failed re-read (403, 429, 5xx, timeout) keeps an engaged member and its watches; new credentials re-engage it', async () => {
    let failing: string | undefined;
    const secrets: Record<string, Secret> = {};
    const { t, gone, watches, clusterEvent: reEngage } = await twoListedMembers({ secretError: (name) => (name === 'member1' ? failing : undefined), secrets });
    for (const err of ['secrets "member1" is forbidden (403)', 'Too Many Requests (429)', 'the server is currently unable to handle the request (503)', 'no answer within 30s']) {
      failing = err;
      await reEngage();
      expect(watches.every((i) => i.health().running), `${err}: member1's watches keep running`).to.equal(true);
      expect(t.of('member1'), `${err}: no new watches`).to.have.length(watches.length);
      expect(t.m.memberStatus()).to.deep.include({ cluster: 'member1', reachable: true });
      expect(gone, err).to.deep.equal([]);
    }
    failing = undefined;
    secrets['member1'] = { metadata: { name: 'member1', namespace: 'karmada-cluster' }, data: { token: b64('rotated') } };
    await reEngage();
    expect(watches.every((i) => !i.health().running), 'new credentials: the old watches stop').to.equal(true);
    expect(t.of('member1').length, 'and new ones start').to.be.greaterThan(watches.length);
  });

  it('a failed first read leaves the member unreachable with the reason', async () => {
    const t = setup({ secretError: (name) => (name === 'member2' ? 'Too Many Requests (429)' : undefined) });
    t.startWithClusters('member1', 'member2');
    await t.settle();
    await t.settle();
    expect(t.m.memberStatus()).to.deep.include({ cluster: 'member2', reachable: false, reason: 'cannot read Secret karmada-cluster/member2: Too Many Requests (429)' });
    expect(t.of('member2')).to.have.length(0);
  });

  it('a failed first read is tried again about a second later, with no Cluster event, and then engages the member', async function () {
    this.timeout(5_000);
    let failing = true;
    const t = setup({ secretError: (name) => (name === 'member2' && failing ? 'context deadline exceeded' : undefined) });
    t.startWithClusters('member1', 'member2');
    await t.settle();
    await t.settle();
    expect(t.of('member2'), 'not engaged while the read fails').to.have.length(0);
    failing = false;
    const reads = t.secretReads.filter((n) => n === 'member2').length;
    await new Promise((r) => setTimeout(r, 1_200));
    expect(t.secretReads.filter((n) => n === 'member2').length, 'read again by the retry').to.equal(reads + 1);
    expect(t.of('member2').length, 'engaged: its watches exist').to.be.greaterThan(0);
    await t.m.stop();
  });
});

describe('ClusterManager: a member that rejects its credentials (401)', () => {
  const UNAUTHORIZED = 'unauthorized: the credentials for cluster "member1" were rejected when trying to list services (token expired or invalid?): Unauthorized';
  const reject = (i: { set: (h: object) => void }) => i.set({ running: false, lastError: UNAUTHORIZED, lastErrorReason: 'unauthorized' });

  it('direct: unreachable, saying which Secret to renew; kept engaged, other members unaffected; a renewed token engages it again', async () => {
    const secrets: Record<string, Secret> = {};
    const { t, gone, watches, clusterEvent } = await twoListedMembers({ secrets });
    reject(t.of('member1', 'services')[0]!);
    const rejected = {
      cluster: 'member1',
      reachable: false,
      reason: `${UNAUTHORIZED}; renew the token in Secret karmada-cluster/member1 (Cluster member1's spec.secretRef); it is re-read within a minute`,
    };
    expect(t.m.memberStatus()).to.deep.equal([rejected, { cluster: 'member2', reachable: true }]);
    // The credentials resync (or a Cluster update) reads the same token: nothing to do, still the reason.
    await clusterEvent();
    expect(t.of('member1'), 'same token: no new watches').to.have.length(watches.length);
    expect(t.m.memberStatus()).to.deep.include(rejected);
    expect(gone, 'not torn down: its last known state stays for the decisions').to.deep.equal([]);
    // The token renewed in the Secret: engaged again with it, and reachable once listed.
    secrets['member1'] = { metadata: { name: 'member1', namespace: 'karmada-cluster' }, data: { token: b64('renewed') } };
    await clusterEvent();
    expect(watches.every((i) => !i.health().running), 'the old watches stop').to.equal(true);
    expect(t.of('member1').length, 'new ones start').to.equal(2 * watches.length);
    t.syncAll('member1');
    expect(t.m.memberStatus()).to.deep.include({ cluster: 'member1', reachable: true });
  });

  it('through the proxy: the reason names Karmada\'s impersonator Secret (and our own credentials, if the control plane rejects them too)', async () => {
    const t = setup({ memberAccess: 'proxy' });
    t.startWithClusters('member1');
    await t.settle();
    t.syncAll('member1');
    reject(t.of('member1', 'crds')[0]!);
    expect(t.m.memberStatus()).to.deep.equal([{
      cluster: 'member1',
      reachable: false,
      reason: `${UNAUTHORIZED}; the Karmada cluster proxy forwards with the impersonator token in Secret karmada-cluster/member1-impersonator (Cluster member1's spec.impersonatorSecretRef): renew it in Karmada (or this controller's own credentials, when /readyz's credentials check fails too)`,
    }]);
  });

  it('a failure other than 401 gives no renewal advice', async () => {
    const t = setup();
    t.startWithClusters('member1');
    await t.settle();
    t.syncAll('member1');
    t.of('member1', 'services')[0]!.set({ running: false, lastError: 'network: connect ECONNREFUSED', lastErrorReason: 'network' });
    expect(t.m.memberStatus()).to.deep.equal([{ cluster: 'member1', reachable: false, reason: 'network: connect ECONNREFUSED' }]);
  });
});

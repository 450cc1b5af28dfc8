/**
 * ClusterManager and members' credentials: how each member is reached
 * (--member-access), and its Secret read again. Over in-memory informers
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

describe('ClusterManager: reading a member\'s Secret again', () => {
  it('a failed re-read (403, 429, 5xx, timeout) keeps an engaged member and its watches; new credentials re-engage it', async () => {
    let failing: string | undefined;
    const secrets: Record<string, Secret> = {};
    const t = setup({ secretError: (name) => (name === 'member1' ? failing : undefined), secrets });
    const gone: string[] = [];
    t.m.onMemberGone((c) => gone.push(c));
    t.startWithClusters('member1', 'member2');
    await t.settle();
    t.syncAll('member1');
    t.syncAll('member2');
    const watches = t.of('member1');
    const reEngage = async () => {
      t.of('karmada', 'clusters')[0]!.add(t.cluster('member1')); // a status-only Cluster update
      await t.settle();
      await t.settle();
    };
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
});

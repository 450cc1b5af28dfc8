import { expect } from 'chai';
import { chooseMembers, summarizeCluster, type ClusterSummary } from './members.js';

describe('hack/e2e.sh: which members, in which role', () => {
  const c = (name: string, ready = true): ClusterSummary => ({ name, ready, syncMode: 'Push' });
  const clusters = [c('member2'), c('member1'), c('member3')];
  const contexts = ['member1', 'member2', 'member3'];
  const choose = (named: string[], cs = clusters, ctx = contexts) => chooseMembers(named, cs, ctx, '/k/members.config');

  it('none named: every Cluster, sorted; the first exports, the others import', () => {
    expect(choose([])).to.deep.equal({ roles: { exporter: 'member1', importers: ['member2', 'member3'] } });
  });

  it('named: those, in the order given', () => {
    expect(choose(['member3', 'member1'])).to.deep.equal({ roles: { exporter: 'member3', importers: ['member1'] } });
  });

  const problemCases: Array<[string, string[], ClusterSummary[], string[], RegExp[]]> = [
    ['a named member that is no Cluster', ['member1', 'memberX'], clusters, contexts, [/member memberX is not a Cluster .*it has: member1, member2, member3/, /no context memberX in \/k\/members.config/]],
    ['a Cluster that is not Ready', ['member1', 'member2'], [c('member1'), c('member2', false)], contexts, [/Cluster member2 is not Ready/]],
    ['a member without a context in members.config', [], [c('member1'), c('member2')], ['member1'], [/no context member2 in \/k\/members.config \(it has: member1\)/]],
    ['only one member', [], [c('member1')], contexts, [/two members; found member1/]],
    ['no Cluster at all', [], [], [], [/two members; found none/]],
  ];
  for (const [name, named, cs, ctx, want] of problemCases) {
    it(`refused, saying why: ${name}`, () => {
      const r = choose(named, cs, ctx);
      expect(r).to.have.property('problems');
      const problems = 'problems' in r ? r.problems : [];
      expect(problems).to.have.length(want.length);
      want.forEach((re, i) => expect(problems[i]).to.match(re));
    });
  }

  it('reads name, sync mode and the Ready condition from a Cluster object', () => {
    expect(summarizeCluster({ metadata: { name: 'member3' }, spec: { syncMode: 'Pull' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })).to.deep.equal({ name: 'member3', syncMode: 'Pull', ready: true });
    expect(summarizeCluster({ metadata: { name: 'm' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }).ready).to.equal(false);
    expect(summarizeCluster({ metadata: { name: 'm' } }).ready).to.equal(false);
  });
});

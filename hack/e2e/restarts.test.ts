import { expect } from 'chai';
import { compareRestarts, describeRestarts, podRestarts, type PodRestarts } from './restarts.js';

describe('hack/e2e.sh: did a karmada-system pod restart during the run?', () => {
  const pod = (name: string, containers: Record<string, number>, uid = `${name}-uid`): PodRestarts => ({ name, uid, containers });

  const cases: Array<[string, PodRestarts[], PodRestarts[], ReturnType<typeof compareRestarts>]> = [
    ['no pods before or after: nothing to compare', [], [], { kind: 'no-pods' }],
    ['the same counts: ok', [pod('a', { c: 1 }), pod('b', { c: 0 })], [pod('a', { c: 1 }), pod('b', { c: 0 })], { kind: 'ok', pods: 2 }],
    ['a count that rose: restarted', [pod('a', { c: 1, d: 0 })], [pod('a', { c: 1, d: 2 })], { kind: 'restarted', lines: ['pod a container d restarted: restartCount 0 → 2'] }],
    ['a container first seen after, with restarts', [pod('a', {})], [pod('a', { c: 1 })], { kind: 'restarted', lines: ['pod a container c restarted: restartCount 0 → 1'] }],
    ['a pod replaced under the same name (new uid)', [pod('a', { c: 0 }, 'u1')], [pod('a', { c: 0 }, 'u2')], { kind: 'restarted', lines: ['pod a appeared during the run (restarts: {"c":0})', 'pod a went away during the run'] }],
    ['pods only after', [], [pod('a', { c: 0 })], { kind: 'restarted', lines: ['pod a appeared during the run (restarts: {"c":0})'] }],
  ];
  for (const [name, before, after, want] of cases) {
    it(name, () => {
      expect(compareRestarts(before, after)).to.deep.equal(want);
    });
  }

  it('reads restartCount per container, init containers apart', () => {
    expect(podRestarts([{ metadata: { name: 'p', uid: 'u' }, status: { initContainerStatuses: [{ name: 'setup', restartCount: 1 }], containerStatuses: [{ name: 'main', restartCount: 3 }, { name: 'side' }] } }]))
      .to.deep.equal([{ name: 'p', uid: 'u', containers: { 'init:setup': 1, main: 3, side: 0 } }]);
  });

  it('says explicitly that the check was skipped when there are no pods', () => {
    expect(describeRestarts({ kind: 'no-pods' }, 'karmada-system on karmada-host')).to.match(/^no pods in karmada-system on karmada-host.*restart check skipped$/);
  });
});

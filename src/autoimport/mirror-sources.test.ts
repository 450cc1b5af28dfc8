import { expect } from 'chai';
import type { EndpointSlice } from '../api/core.js';
import { collectedSources } from './mirror-sources.js';

const collected = (name: string, from: string | undefined, service = 'derived-web', namespace = 'demo'): EndpointSlice => ({
  metadata: {
    name,
    namespace,
    labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.karmada.io' },
    ...(from !== undefined ? { annotations: { 'work.karmada.io/namespace': from } } : {}),
  },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.10.1.5'], hostname: 'web-0' }],
});

describe('collectedSources', () => {
  const cases: Array<[string, EndpointSlice[], Array<[string, string[]]>]> = [
    ['one cluster, its slices', [collected('imported-member1-web-a', 'karmada-es-member1'), collected('imported-member1-web-b', 'karmada-es-member1')], [['member1', ['imported-member1-web-a', 'imported-member1-web-b']]]],
    ['two clusters, sorted', [collected('imported-member2-web-a', 'karmada-es-member2'), collected('imported-member1-web-a', 'karmada-es-member1')], [['member1', ['imported-member1-web-a']], ['member2', ['imported-member2-web-a']]]],
    ['another Service\'s slices are not ours to mirror', [collected('imported-member1-api-a', 'karmada-es-member1', 'derived-api')], []],
    ['another namespace\'s neither', [collected('imported-member1-web-a', 'karmada-es-member1', 'derived-web', 'other')], []],
    ['a slice whose cluster cannot be told is left out', [collected('x', undefined), collected('y', 'kube-system'), collected('z', 'karmada-es-')], []],
    ['a cluster name with dots and dashes is taken whole', [collected('imported-a.b-c-web-a', 'karmada-es-a.b-c')], [['a.b-c', ['imported-a.b-c-web-a']]]],
  ];
  for (const [name, slices, want] of cases) {
    it(name, () => {
      const got = collectedSources(slices, 'demo', 'web').map((s) => [s.cluster, s.reachable ? s.slices.map((x) => x.metadata.name) : []]);
      expect(got).to.deep.equal(want);
    });
  }

  it('relabels each slice with the exported Service\'s name, leaving the cached object as it was', () => {
    const original = collected('imported-member1-web-a', 'karmada-es-member1');
    const [source] = collectedSources([original], 'demo', 'web');
    expect(source?.reachable && source.slices[0]?.metadata.labels?.['kubernetes.io/service-name']).to.equal('web');
    expect(original.metadata.labels?.['kubernetes.io/service-name']).to.equal('derived-web');
  });
});

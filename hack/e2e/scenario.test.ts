import { expect } from 'chai';
import { readExamples } from '../../test/env/examples.js';
import { scenarioObjects } from './scenario.js';

describe('hack/e2e.sh: the test objects, made from examples/', () => {
  const objects = scenarioObjects(readExamples(), { namespace: 'e2e-ns', exporter: 'east', importers: ['west', 'north'] });
  const kinds = objects.map((o) => `${o.kind} ${o.metadata?.name}`);

  it('are the namespace, Service, ServiceExport, ServiceImport and their policies; no Deployment, nothing cluster-scoped but the namespace', () => {
    expect(kinds).to.deep.equal(['Namespace e2e-ns', 'Service web', 'PropagationPolicy web', 'ServiceExport web', 'PropagationPolicy web-export', 'ServiceImport web', 'PropagationPolicy web-import']);
  });

  it('live in the test namespace only', () => {
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata?.namespace, `${o.kind} ${o.metadata?.name}`).to.equal('e2e-ns');
  });

  it('place the Service and its export on the exporter, the import on every importer; policies select no left-out kind', () => {
    const policy = (name: string) => objects.find((o) => o.kind === 'PropagationPolicy' && o.metadata?.name === name) as unknown as { spec: { resourceSelectors: Array<{ kind: string }>; placement: { clusterAffinity: { clusterNames: string[] } } } };
    expect(policy('web').spec.placement.clusterAffinity.clusterNames).to.deep.equal(['east']);
    expect(policy('web').spec.resourceSelectors.map((s) => s.kind)).to.deep.equal(['Service']);
    expect(policy('web-export').spec.placement.clusterAffinity.clusterNames).to.deep.equal(['east']);
    expect(policy('web-import').spec.placement.clusterAffinity.clusterNames).to.deep.equal(['west', 'north']);
  });

  it('leave examples/ as read (copies, not edits)', () => {
    const examples = readExamples();
    scenarioObjects(examples, { namespace: 'other', exporter: 'a', importers: ['b'] });
    expect(examples.flatMap((f) => f.objects).filter((o) => o.metadata?.namespace !== undefined).every((o) => o.metadata?.namespace === 'demo')).to.equal(true);
  });
});

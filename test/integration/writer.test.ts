/**
 * The writer against a real kube-apiserver with the ServiceImport CRD Karmada
 * ships (crds/): a write based on a stale resourceVersion is refused with 409
 * and the same write from fresh state succeeds; status goes through the
 * status subresource only.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../env/binaries.js';
import { apply, conditionTrue, getJson, parseYamlObjects } from '../env/kube.js';
import { Writer } from '../../src/serviceimport/writer.js';
import { startApiServerFixture, type ApiServerFixture } from '../support/apiserver.js';
import { eventually } from '../support/kube.js';

describe('writer on a real API server (integration)', function () {
  this.timeout(120_000);
  let fx: ApiServerFixture;
  let custom: k8s.CustomObjectsApi;
  let writer: Writer;
  const seen: string[] = [];
  const MCS = { group: 'multicluster.x-k8s.io', version: 'v1alpha1', namespace: 'default', plural: 'serviceimports' };

  before(async () => {
    fx = await startApiServerFixture();
    const kc = fx.kubeConfig('admin');
    await apply(kc, parseYamlObjects(readFileSync(join(repoRoot, 'crds', 'multicluster.x-k8s.io_serviceimports.yaml'), 'utf8')));
    await eventually('ServiceImport CRD established', async () =>
      conditionTrue(await getJson({ name: 'admin', server: fx.server, token: fx.adminToken, caFile: fx.caFile }, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/serviceimports.multicluster.x-k8s.io'), 'Established') || undefined);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    writer = new Writer(kc, () => custom, (kind, result) => seen.push(`${kind}:${result}`));
  });

  after(async () => fx?.teardown());

  it('refuses a stale write with 409 and accepts it from fresh state', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...MCS, body: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }] } } })) as { metadata: { resourceVersion: string } };
    // Someone else changes the object after our cache saw it.
    await custom.patchNamespacedCustomObject({ ...MCS, name: 'web', body: { metadata: { labels: { touched: 'yes' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    let err: unknown;
    try {
      await writer.patchMemberIps('member', 'default', 'web', ['10.98.0.7'], created.metadata.resourceVersion);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: number }).code).to.equal(409);
    const fresh = (await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { metadata: { resourceVersion: string }; spec: { ips?: string[] } };
    expect(fresh.spec.ips).to.equal(undefined);
    await writer.patchMemberIps('member', 'default', 'web', ['10.98.0.7'], fresh.metadata.resourceVersion);
    expect(((await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { spec: { ips?: string[] } }).spec.ips).to.deep.equal(['10.98.0.7']);
    // [] removes the field again.
    const again = (await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { metadata: { resourceVersion: string } };
    await writer.patchMemberIps('member', 'default', 'web', [], again.metadata.resourceVersion);
    expect(((await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { spec: { ips?: string[] } }).spec.ips).to.equal(undefined);
    expect(seen).to.deep.equal(['serviceimport:conflict', 'serviceimport:success', 'serviceimport:success']);
  });

  it('writes status.clusters through the status subresource without touching spec', async () => {
    const si = (await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { metadata: { resourceVersion: string; generation: number } };
    await writer.patchStatusClusters('default', 'web', ['member1', 'edge.eu-1'], si.metadata.resourceVersion);
    const after = (await custom.getNamespacedCustomObject({ ...MCS, name: 'web' })) as { metadata: { generation: number }; status?: { clusters?: Array<{ cluster: string }> } };
    expect(after.status?.clusters).to.deep.equal([{ cluster: 'member1' }, { cluster: 'edge.eu-1' }]);
    expect(after.metadata.generation, 'a status write does not bump generation').to.equal(si.metadata.generation);
  });
});

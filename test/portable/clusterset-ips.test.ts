/**
 * The portable end-to-end suite: what a running clusterset-dns must do on
 * any Karmada federation, checked against the clusters hack/e2e.sh names
 * (hack/e2e/suite.ts) with nothing but their kubeconfigs. `npm test` runs it
 * on the local environment through `hack/e2e.sh --env=local`
 * (test/e2e/hack-e2e.test.ts); on other clusters, hack/e2e.sh runs it after
 * its own check. What needs the local environment's processes (stopping API
 * servers, faults, CoreDNS on loopback) stays in test/e2e.
 *
 * The exporting member gets a selector-less Service and an EndpointSlice
 * written by the test, so nothing depends on pulling an image.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import { MCS_API_VERSION } from '../../src/kube/gvr.js';
import { applyAll, eventually, federatedNamespace, uniqueName } from '../support/kube.js';
import { MCS, exportFrom, getServiceImport, holdsDerivedIp, recreateDerived, serviceImport, waitDerivedIps } from '../support/mcs.js';
import { deleteTestNamespace, federationFromEnv, type Federation } from './clusters.js';

/** From an import's creation to spec.ips in every importer: Karmada's propagation and the derived Service, then one reconcile. */
const FILLED_MS = 120_000;

describe('clusterset-dns on the clusters it is given (portable e2e)', function () {
  this.timeout(5 * 60_000);
  let f: Federation;
  let ns = '';

  before(async function () {
    this.timeout(2 * 60_000);
    f = federationFromEnv();
    ns = uniqueName('clusterset-dns-e2e-suite');
    await federatedNamespace(f.karmada, [f.exporter, ...f.importers.map((i) => i.clients)], ns);
  });

  after(async function () {
    this.timeout(3 * 60_000);
    if (f && ns) await deleteTestNamespace(f, ns);
  });

  /** Exports `svc` from the exporter and imports it into every importer. */
  const exportAndImport = async (svc: string, endpointIp: string) => {
    await exportFrom(f.karmada, f.exporter, f.target.exporter, ns, svc, endpointIp);
    await applyAll(f.karmada, serviceImport(ns, svc, f.target.importers));
  };

  it('fills spec.ips in every importing member with that member\'s own derived ClusterIP', async () => {
    await exportAndImport('web', '10.244.1.50');
    for (const { name, clients } of f.importers) await waitDerivedIps(clients, name, ns, ['web'], FILLED_MS);
  });

  it('follows a derived Service that Karmada re-creates with another ClusterIP', async () => {
    const { name, clients } = f.importers[0]!;
    const now = await recreateDerived(clients, ns, 'web', FILLED_MS);
    await eventually(`${name}'s spec.ips to be [${now}]`, async () => ((await holdsDerivedIp(clients, ns, 'web')) ? true : undefined), FILLED_MS, 500);
  });

  it('leaves alone a member ServiceImport it does not own (no Karmada template, no opt-in)', async () => {
    const { clients } = f.importers[0]!;
    // Made in the member by someone else, with a derived-style Service whose
    // ClusterIP the controller could have written into it.
    await applyAll(clients, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived-foreign', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
      { apiVersion: MCS_API_VERSION, kind: 'ServiceImport', metadata: { name: 'foreign', namespace: ns }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
    ]);
    const made = await getServiceImport(clients, ns, 'foreign');
    // An import made after it and filled: the controller has had it in view.
    await exportAndImport('later', '10.244.1.51');
    for (const { name, clients: c } of f.importers) await waitDerivedIps(c, name, ns, ['later'], FILLED_MS);
    const now = await getServiceImport(clients, ns, 'foreign') as Awaited<ReturnType<typeof getServiceImport>> & { metadata: { managedFields?: Array<{ manager?: string }> } };
    expect(now.spec.ips, 'spec.ips of the foreign import').to.equal(undefined);
    expect(now.metadata.resourceVersion, 'unchanged since it was made').to.equal(made.metadata.resourceVersion);
    expect((now.metadata.managedFields ?? []).map((m) => m.manager), 'only the test has written it').to.deep.equal(['clusterset-dns-tests']);
  });

  it('counts the exporter in the control plane\'s status.clusters while it exports, and not once the export goes', async () => {
    const clusters = async () => ((await getServiceImport(f.karmada, ns, 'web')).status?.clusters ?? []).map((c) => c.cluster);
    await eventually(`status.clusters = [${f.target.exporter}]`, async () => (JSON.stringify(await clusters()) === JSON.stringify([f.target.exporter]) ? true : undefined), FILLED_MS, 500);
    await f.karmada.custom.deleteNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceexports', name: 'web' });
    await eventually('status.clusters to empty', async () => ((await clusters()).length === 0 ? true : undefined), FILLED_MS, 500);
  });
});

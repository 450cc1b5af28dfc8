/**
 * examples/ applied as written, on the local environment: every file to the
 * Karmada control plane in name order, as `kubectl apply -f examples/` does,
 * after the environment's override that runs the Deployment's pods as
 * processes (test/env/examples.ts). With CoreDNS set up and the controller
 * running as the demo runs it, member2's CoreDNS must answer the clusterset
 * name with member2's own derived-web ClusterIP, and a request from a pod in
 * member2 must be answered by one of the example's pods in member1.
 */
import { expect } from 'chai';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { EXAMPLE, EXAMPLE_NAME, applyExamples } from '../env/examples.js';
import { startController, controllerLogTail, type RunningController } from '../env/controller.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { useEnvironment } from '../support/environment.js';
import { clients, eventually, getOrUndefined, queryA } from '../support/kube.js';
import { getServiceImport } from '../support/mcs.js';
import { clientPod, httpGetFromPod, runningPod } from '../env/dataplane/pods.js';

describe('examples/ applied as written (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState | undefined;
  let controller: RunningController | undefined;
  const { namespace, service, exporter, importer } = EXAMPLE;

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    const r = await installCoreDns(clients(env, importer).kc);
    expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    controller = await startController(env, ['--leader-elect=false'], 'clusterset-dns-examples');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    // Everything the examples create lives in the namespace except the
    // ClusterPropagationPolicy of the CRDs, which the environment keeps (it applies the same one when its
    // members get Karmada's CRDs; with mcs-api's, the policy's default conflictResolution Abort leaves the members' own CRDs as they are).
    if (env) await clients(env, KARMADA_CONTEXT).core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it(`runs the workload in ${exporter} and answers ${EXAMPLE_NAME} from ${importer}'s CoreDNS`, async () => {
    const e = env!;
    await applyExamples(e, 'clusterset-dns-tests');
    const from = clients(e, exporter);
    const into = clients(e, importer);

    // The examples' PropagationPolicy sends the Deployment and the Service to the exporter only.
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: service, namespace } };
    await eventually(`Deployment ${namespace}/${service} in ${exporter}`, () => getOrUndefined(() => from.objects.read(deployment)), 60_000);
    await eventually(`Service ${namespace}/${service} in ${exporter}`, () => getOrUndefined(() => from.core.readNamespacedService({ name: service, namespace })), 60_000);
    expect(await getOrUndefined(() => into.objects.read(deployment)), `no Deployment in ${importer}`).to.equal(undefined);

    const derived = await eventually(`derived-${service} in ${importer}`, () => getOrUndefined(() => into.core.readNamespacedService({ name: `derived-${service}`, namespace })), 60_000);
    const ip = derived.spec?.clusterIP ?? '';
    expect(ip, `${importer} allocates from its own service CIDR 10.98.0.0/16`).to.match(/^10\.98\./);
    // Wait for spec.ips before asking DNS: an early NODATA would sit in kubeadm's `cache 30`.
    await eventually(`spec.ips of ${importer}'s ServiceImport to be [${ip}]`, async () => {
      const si = await getOrUndefined(() => getServiceImport(into, namespace, service));
      return JSON.stringify(si?.spec.ips) === JSON.stringify([ip]) ? true : undefined;
    }, 60_000);
    const answer = await eventually(`${importer}'s CoreDNS to answer ${EXAMPLE_NAME}`, async () => {
      const a = await queryA(e.members[importer]!.dns, EXAMPLE_NAME);
      return 'ips' in a && a.ips.includes(ip) ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [ip] });

    // The example's two pods run in the exporter, ready by the example's own httpGet probe.
    const pods = await eventually(`two ready ${service} pods in ${exporter}`, async () => {
      const list = (await from.core.listNamespacedPod({ namespace, labelSelector: `app=${service}` })).items
        .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return list.length === 2 ? list : undefined;
    }, 60_000, 250);
    await into.core.createNamespacedPod({ namespace, body: clientPod(namespace, 'client') });
    const client = await runningPod(into.core, namespace, 'client');
    const servedBy = await eventually(`a request from ${importer} to http://${EXAMPLE_NAME}`, () =>
      httpGetFromPod(e, importer, client, EXAMPLE_NAME).catch(() => undefined).then((a) => (a ? a : undefined)), 60_000, 500);
    expect(pods.map((p) => p.metadata?.name), `answered by one of ${exporter}'s pods`).to.include(servedBy);
  });
});

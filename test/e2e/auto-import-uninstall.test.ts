/**
 * `clusterset-dns karmada uninstall` after `run --auto-import` on the local
 * environment (docs/auto-import.md, docs/karmada-retention.md): from the
 * state test/e2e/auto-import.test.ts reaches first — a ServiceExport made
 * only in member1, imported through the control plane, the sentinel in
 * place — with the controller stopped, uninstall leaves no object with the
 * automatic imports' labels in the control plane.
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { controllerLogTail, startController, type RunningController } from '../env/controller.js';
import { MCS_API_VERSION } from '../../src/kube/gvr.js';
import { desiredRetention } from '../../src/karmada/retention.js';
import { SENTINEL_NAMESPACE } from '../../src/autoimport/sentinel.js';
import { removeSentinel, sentinelInPlace } from '../support/auto-import.js';
import { clusterDnsCli } from '../support/cli.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, uniqueName, type Clients } from '../support/kube.js';
import { MCS, getServiceImport, memberService } from '../support/mcs.js';

const OUR_LABELS = 'app.kubernetes.io/managed-by=clusterset-dns,clusterset-dns.io/auto-import=true';
const PP = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'propagationpolicies' } as const;

describe('karmada uninstall after automatic imports (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let controller: RunningController | undefined;
  let karmada: Clients;
  let m1: Clients;
  const ns = uniqueName('auto-uninstall');

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    m1 = clients(env, 'member1');
    await m1.core.createNamespace({ body: { metadata: { name: ns } } });
    controller = await startController(env, ['--leader-elect=false', '--auto-import'], 'clusterset-dns-auto-uninstall');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    await quiet(m1.core.deleteNamespace({ name: ns }));
    await quiet(karmada.core.deleteNamespace({ name: ns }));
    await quiet(removeSentinel(karmada));
    // uninstall removed the retention rule too; the other tests expect it as config/karmada installs it.
    await quiet(applyAll(karmada, [desiredRetention() as unknown as KubernetesObject]));
  });

  it('with the controller stopped, uninstall leaves no object with our labels in the control plane', async () => {
    await applyAll(m1, memberService(ns, 'web', '10.10.1.7'));
    await applyAll(m1, [{ apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata: { name: 'web', namespace: ns } } as KubernetesObject]);
    await eventually('the control-plane ServiceImport', () => getOrUndefined(() => getServiceImport(karmada, ns, 'web')), 60_000);
    // The same pass writes the policy right after the ServiceImport: stop only once both, and the sentinel, are there.
    await eventually('our PropagationPolicy', () => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...PP, namespace: ns, name: 'clusterset-dns-import-web' })), 60_000);
    await sentinelInPlace(karmada);
    await controller!.stop();
    controller = undefined;

    const run = await clusterDnsCli(['karmada', 'uninstall', '--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT]);
    expect(run.code, run.stderr + run.stdout).to.equal(0);
    expect(run.stdout).to.include(`PropagationPolicy ${ns}/clusterset-dns-import-web`).and.to.include(`Namespace ${SENTINEL_NAMESPACE}`);

    const labelled = async () => {
      const items = (r: unknown) => (r as { items: KubernetesObject[] }).items.map((o) => `${o.kind ?? ''} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
      return [
        ...(await karmada.core.listNamespace({ labelSelector: OUR_LABELS })).items.map((n) => `Namespace ${n.metadata?.name ?? ''}`),
        ...items(await karmada.custom.listClusterCustomObject({ ...PP, labelSelector: OUR_LABELS })),
        ...items(await karmada.custom.listClusterCustomObject({ ...MCS, plural: 'serviceimports', labelSelector: OUR_LABELS })),
        ...items(await karmada.custom.listClusterCustomObject({ ...MCS, plural: 'serviceexports', labelSelector: OUR_LABELS })),
      ];
    };
    // A namespace (and an object with a finalizer) takes a moment to go after its delete is accepted.
    let left: string[] = [];
    await eventually('no object with our labels in the control plane', async () => {
      left = await labelled();
      return left.length === 0 ? true : undefined;
    }, 120_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; still there: ${left.join(', ')}`);
    });
  });
});

/**
 * charts/karmada-clusterset-dns installed, upgraded and uninstalled with helm (hack/tools/helm)
 * on the local environment, as docs/deploy.md "Helm" does it, in two releases:
 *
 * - target=karmada into the karmada-apiserver context (release namespace karmada-system).
 *   Its objects have fixed names (the controller's identity and what grants it, config/'s own
 *   files), and the other tests apply those very files whenever they start a controller
 *   (test/env/controller.ts), so some may be there already. The release adopts them with
 *   --take-ownership, as an operator moving from `kubectl apply -k config/karmada` to the chart
 *   would; the uninstall then deletes them too, so `after` applies back, from config/, those
 *   that were there. karmada.members=false: the members' part goes out through
 *   ClusterPropagationPolicies, and Karmada would delete what it propagated from the members
 *   at a time of its choosing after the uninstall, racing the member RBAC later tests apply
 *   directly (config-applies.test.ts applies that part).
 * - the default target (the host objects) into member1, in a namespace of this test's: the
 *   local environment has no separate host cluster. Its karmada-host context is the Karmada
 *   API server (test/env/karmada-layout.ts), where the host release's ServiceAccount
 *   karmada-system/clusterset-dns would be the karmada release's own and no controller
 *   makes pods; a member is a plain kube-apiserver with a controller manager. No kubelet
 *   either: the pods stay Pending, so nothing waits for them (no --wait).
 *
 * Objects the releases did not make must outlive the uninstall: the environment's own RBAC
 * (cluster-proxy-admin, unchanged), a ConfigMap named like the release's ServiceAccount, and
 * the kubeconfig Secret the host Deployment mounts (made by the operator, not the chart).
 */
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { expect } from 'chai';
import { join } from 'node:path';
import { repoRoot } from '../env/binaries.js';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { parseYamlObjects } from '../env/kube.js';
import { objectKey } from '../integration/chart-shape.js';
import { configObjects } from '../integration/config-folders.js';
import { isNotFound } from '../../src/kube/errors.js';
import { useEnvironment } from '../support/environment.js';
import { helmBinary, runHelm } from '../support/helm.js';
import { applyAll, clients, eventually, getOrUndefined, uniqueName, type Clients } from '../support/kube.js';

const CHART = join(repoRoot, 'charts', 'karmada-clusterset-dns');
const KARMADA_RELEASE = 'clusterset-dns-karmada';
const HOST_RELEASE = 'clusterset-dns';
const HOST_STAND_IN = 'member1';
const RELEASE_ANNOTATION = 'meta.helm.sh/release-name';

const ENV_RBAC = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-proxy-admin' } };
const DECOY: KubernetesObject = {
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'clusterset-dns', namespace: 'karmada-system', labels: { 'app.kubernetes.io/name': 'clusterset-dns' } },
};

/** Resolves when the delete succeeded or there was nothing to delete. */
const gone = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => {
  if (!isNotFound(e)) throw e;
});

const read = (c: Clients, o: KubernetesObject) =>
  getOrUndefined(() => c.objects.read({ apiVersion: o.apiVersion!, kind: o.kind!, metadata: { name: o.metadata!.name!, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}) } }));

describe('Helm chart install, upgrade and uninstall (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let helm = '';
  let karmada: Clients;
  let host: Clients;
  const hostNs = uniqueName('helm-host');
  const kubeconfigSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'clusterset-dns-kubeconfig', namespace: hostNs } };
  /** config/karmada objects the other tests had applied, to apply back after the uninstall took them. */
  let preexisting: KubernetesObject[] = [];
  let envRbacBefore: KubernetesObject | undefined;
  /** Every object any revision of each release rendered, by objectKey. */
  const made = { karmada: new Map<string, KubernetesObject>(), host: new Map<string, KubernetesObject>() };

  const karmadaHelm = (...args: string[]) => runHelm(helm, [...args, '--kubeconfig', env.kubeconfig, '--kube-context', KARMADA_CONTEXT, '-n', 'karmada-system']);
  const hostHelm = (...args: string[]) => runHelm(helm, [...args, '--kubeconfig', env.kubeconfig, '--kube-context', env.members[HOST_STAND_IN]!.context, '-n', hostNs]);

  /** `helm get manifest`, parsed, each object remembered for the uninstall's checks. */
  async function manifest(release: 'karmada' | 'host'): Promise<KubernetesObject[]> {
    const objects = parseYamlObjects(release === 'karmada' ? await karmadaHelm('get', 'manifest', KARMADA_RELEASE) : await hostHelm('get', 'manifest', HOST_RELEASE));
    for (const o of objects) made[release].set(objectKey(o), o);
    return objects;
  }

  /** Each rendered object is live, and marked as the release's. */
  async function expectLive(c: Clients, rendered: readonly KubernetesObject[], release: string): Promise<void> {
    for (const o of rendered) {
      const live = await read(c, o);
      expect(live, `${objectKey(o)} is live`).to.not.equal(undefined);
      expect(live?.metadata?.annotations?.[RELEASE_ANNOTATION], objectKey(o)).to.equal(release);
    }
  }

  const liveDeployment = async () => (await host.objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'clusterset-dns', namespace: hostNs } })) as V1Deployment;

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    helm = await helmBinary();
    karmada = clients(env, KARMADA_CONTEXT);
    host = clients(env, HOST_STAND_IN);
    const candidates = configObjects('karmada', 'karmada/auto-import');
    preexisting = (await Promise.all(candidates.map(async (o) => ((await read(karmada, o)) ? o : undefined)))).filter((o) => o !== undefined);
    envRbacBefore = await read(karmada, ENV_RBAC);
    await applyAll(karmada, [DECOY]);
    await host.core.createNamespace({ body: { metadata: { name: hostNs } } });
    await applyAll(host, [{ ...kubeconfigSecret, data: { kubeconfig: Buffer.from('not read: no pod runs here').toString('base64') } } as KubernetesObject]);
  });

  after(async function () {
    this.timeout(180_000);
    const quiet = (p: Promise<unknown>) => p.catch((e: unknown) => console.error(`      cleanup: ${e instanceof Error ? e.message : String(e)}`));
    if (!helm) return;
    await quiet(karmadaHelm('uninstall', KARMADA_RELEASE, '--ignore-not-found'));
    await quiet(hostHelm('uninstall', HOST_RELEASE, '--ignore-not-found'));
    await quiet(applyAll(karmada, preexisting));
    await quiet(gone(karmada.objects.delete(DECOY)));
    await quiet(gone(host.core.deleteNamespace({ name: hostNs })));
  });

  it('install: every object helm rendered is live and the release\'s, adopted ones included', async () => {
    await karmadaHelm('install', KARMADA_RELEASE, CHART, '--set', 'target=karmada', '--set', 'karmada.members=false', '--take-ownership');
    await hostHelm('install', HOST_RELEASE, CHART);

    const k = await manifest('karmada');
    expect(k.map(objectKey).sort()).to.deep.equal(configObjects('karmada').map(objectKey).sort());
    await expectLive(karmada, k, KARMADA_RELEASE);

    const h = await manifest('host');
    expect(h.map(objectKey).sort()).to.deep.equal([`Deployment/${hostNs}/clusterset-dns`, `Service/${hostNs}/clusterset-dns-metrics`, `ServiceAccount/${hostNs}/clusterset-dns`]);
    await expectLive(host, h, HOST_RELEASE);
    const rendered = h.find((o) => o.kind === 'Deployment') as V1Deployment;
    expect((await liveDeployment()).spec?.template.spec?.containers[0]?.args).to.deep.equal(rendered.spec?.template.spec?.containers[0]?.args);
  });

  it('upgrade: changed values change the live objects; objects the new values drop are deleted', async () => {
    const installed = new Set((await manifest('karmada')).map(objectKey));
    await karmadaHelm('upgrade', KARMADA_RELEASE, CHART, '--reuse-values', '--set', 'autoImport=true', '--take-ownership');
    const withAutoImport = await manifest('karmada');
    const added = withAutoImport.filter((o) => !installed.has(objectKey(o)));
    expect(added.map(objectKey).sort()).to.deep.equal(configObjects('karmada/auto-import').map(objectKey).sort());
    await expectLive(karmada, withAutoImport, KARMADA_RELEASE);

    await karmadaHelm('upgrade', KARMADA_RELEASE, CHART, '--reuse-values', '--set', 'autoImport=false');
    for (const o of added) expect(await read(karmada, o), `${objectKey(o)} after autoImport=false`).to.equal(undefined);
    await expectLive(karmada, await manifest('karmada'), KARMADA_RELEASE);

    expect((await liveDeployment()).spec?.replicas).to.equal(2);
    await hostHelm('upgrade', HOST_RELEASE, CHART, '--reuse-values', '--set', 'replicas=1', '--set', 'manageCoredns=true');
    await manifest('host');
    const d = await liveDeployment();
    expect(d.spec?.replicas).to.equal(1);
    expect(d.spec?.template.spec?.containers[0]?.args).to.include('--manage-coredns');
  });

  it('uninstall: nothing the releases made is left, by name or by label; what they did not make is untouched', async () => {
    await karmadaHelm('uninstall', KARMADA_RELEASE);
    await hostHelm('uninstall', HOST_RELEASE);

    for (const o of made.karmada.values()) expect(await read(karmada, o), objectKey(o)).to.equal(undefined);
    // The Deployment's ReplicaSets and pods go by garbage collection, a moment after it.
    const hostKinds = [['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['v1', 'Pod'], ['v1', 'Service'], ['v1', 'ServiceAccount']] as const;
    await eventually(`no object labelled as ${HOST_RELEASE}'s in ${hostNs}`, async () => {
      const left = (await Promise.all(hostKinds.map(async ([apiVersion, kind]) =>
        (await host.objects.list(apiVersion, kind, hostNs, undefined, undefined, undefined, undefined, `app.kubernetes.io/instance=${HOST_RELEASE}`)).items.map((o) => `${kind} ${o.metadata?.name ?? ''}`)))).flat();
      if (left.length > 0) throw new Error(`still there: ${left.join(', ')}`);
      return true;
    }, 60_000);
    for (const o of made.host.values()) expect(await read(host, o), objectKey(o)).to.equal(undefined);
    // Helm labels what it applies with managed-by=Helm and annotates it with the release's name.
    const karmadaKinds = new Map([...made.karmada.values()].map((o) => [`${o.apiVersion} ${o.kind}`, o]));
    for (const o of karmadaKinds.values()) {
      const labelled = (await karmada.objects.list(o.apiVersion!, o.kind!, undefined, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=Helm')).items;
      const ours = labelled.filter((l) => l.metadata?.annotations?.[RELEASE_ANNOTATION] === KARMADA_RELEASE);
      expect(ours.map((l) => `${l.metadata?.namespace ?? ''}/${l.metadata?.name ?? ''}`), o.kind).to.deep.equal([]);
    }
    expect(await karmadaHelm('list', '-q', '--all'), 'karmada-system\'s releases').to.not.include(KARMADA_RELEASE);
    expect(await hostHelm('list', '-q', '--all'), `${hostNs}'s releases`).to.not.include(HOST_RELEASE);

    expect(await read(karmada, DECOY), 'the ConfigMap named like the ServiceAccount').to.not.equal(undefined);
    expect(await read(host, kubeconfigSecret), 'the kubeconfig Secret').to.not.equal(undefined);
    const envRbac = await read(karmada, ENV_RBAC);
    expect(envRbacBefore, 'cluster-proxy-admin before the install').to.not.equal(undefined);
    expect([envRbac?.metadata?.uid, envRbac?.metadata?.resourceVersion], 'cluster-proxy-admin').to.deep.equal([envRbacBefore?.metadata?.uid, envRbacBefore?.metadata?.resourceVersion]);
  });
});

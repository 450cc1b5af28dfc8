/**
 * Every kustomization folder under config/ applies: one real kube-apiserver
 * (test/support/apiserver.ts) with the CRDs those objects are made of — Karmada's
 * PropagationPolicy, ClusterPropagationPolicy, OverridePolicy and ResourceInterpreterCustomization
 * from the Karmada module the local environment installs too, and the MCS CRDs of crds/ — takes
 * each object as a server-side apply with dryRun=All. The API server's own schema and
 * validation judge it (the admission policies' CEL must compile) and nothing is stored. A
 * failure names the object and the server's message.
 *
 * Not checked: the Prometheus Operator's kinds (config/monitoring), whose CRDs no tool here
 * provides, and configMapGenerator output, which kustomizeResources does not build.
 */
import { KubernetesObjectApi, PatchStrategy, loadYaml, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeConnections, makeClient } from '../../src/kube/client.js';
import { karmadaModuleDir, repoRoot } from '../env/binaries.js';
import { apply, conditionTrue, getJson, parseYamlObjects } from '../env/kube.js';
import { karmadaCrds, karmadaNamespaces } from '../env/manifests.js';
import { startApiServerFixture, type ApiServerFixture } from '../support/apiserver.js';
import { eventually } from '../support/kube.js';
import { objectKey } from './chart-shape.js';
import { configFolders, configObjects } from './config-folders.js';

/** API groups whose CRDs this test cannot install (the Prometheus Operator's). */
const UNCHECKED_GROUPS = ['monitoring.coreos.com'];

/** crds/*.yaml: the MCS CRDs the Karmada API server holds (Karmada's copy). */
function mcsCrds(): KubernetesObject[] {
  const dir = join(repoRoot, 'crds');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseYamlObjects(readFileSync(join(dir, f), 'utf8')));
}

describe('every manifest in config/ applies to a real API server (server-side dry run)', function () {
  this.timeout(10 * 60_000); // builds kube-apiserver and etcd on a cold cache
  let fx: ApiServerFixture;
  let kc: KubeConfig;
  let client: KubernetesObjectApi;

  before(async () => {
    fx = await startApiServerFixture({ log: (l) => console.error(`      [apiserver] ${l}`) });
    kc = fx.kubeConfig('admin');
    // Through src/kube/client.ts, so every call has the controller's per-request timeout.
    client = makeClient(kc, KubernetesObjectApi);
    const mcs = mcsCrds();
    const mcsNames = new Set(mcs.map((o) => o.metadata?.name));
    const crds = [...karmadaCrds(karmadaModuleDir()).filter((o) => !mcsNames.has(o.metadata?.name)), ...mcs];
    // Namespaced objects need their namespace to exist even in a dry run.
    await apply(kc, [...karmadaNamespaces(), ...crds], 'clusterset-dns-tests', client);
    const admin = { name: 'admin', server: fx.server, token: fx.adminToken, caFile: fx.caFile };
    for (const crd of crds) {
      await eventually(`CRD ${crd.metadata?.name} Established`, async () =>
        conditionTrue(await getJson(admin, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata?.name}`), 'Established') || undefined);
    }
  });

  after(async () => {
    if (kc) closeConnections(kc);
    await fx?.teardown();
  });

  it('finds the folders it applies', () => {
    expect(configFolders()).to.include.members(['host', 'karmada', 'karmada/auto-import', 'members', 'members/auto-import']);
  });

  for (const folder of configFolders()) {
    it(`config/${folder}`, async () => {
      const objects = configObjects(folder).filter((o) => !UNCHECKED_GROUPS.includes(o.apiVersion?.split('/')[0] ?? ''));
      const refused: string[] = [];
      for (const o of objects) {
        try {
          // As apply (test/env/kube.ts) does: typed where client-node knows the kind.
          await client.patch(loadYaml<KubernetesObject>(JSON.stringify(o)), undefined, 'All', 'clusterset-dns-tests', true, PatchStrategy.ServerSideApply);
        } catch (e) {
          const body = (e as { body?: unknown }).body;
          refused.push(`${objectKey(o)} (${o.apiVersion}): ${typeof body === 'string' ? body : String(e)}`);
        }
      }
      expect(refused, refused.join('\n')).to.deep.equal([]);
    });
  }
});

/**
 * charts/karmada-clusterset-dns, linted and rendered by helm itself (built by
 * hack/tools/helm): with default values the host objects are config/host's — the same
 * arguments, ports, probes, hardening, resources, identity and scheduling — but for the
 * kubeconfig Secret, which is Karmada's own by default; with target=karmada the objects are
 * config/karmada's and config/members' (their option folders included), to the letter. A change
 * to config/ that the chart does not follow fails here, a new folder included. No API server is
 * needed.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseRunArgs } from '../../src/cmd/run.js';
import { repoRoot } from '../env/binaries.js';
import { kustomizeResources } from '../env/controller.js';
import { parseYamlObjects } from '../env/kube.js';
import { helmBinary } from '../support/helm.js';
import { hostShape, objectKey, ownLabels, withImages } from './chart-shape.js';
import { configFolders, configObjects } from './config-folders.js';

const run = promisify(execFile);
const chart = join(repoRoot, 'charts', 'karmada-clusterset-dns');
const NAMESPACE = 'karmada-system';

interface Container {
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface Pod {
  containers: Container[];
  volumes: Array<{ name: string; secret?: { secretName: string; items: Array<{ key: string; path: string }> } }>;
  nodeSelector?: unknown;
  tolerations?: unknown;
  affinity?: unknown;
}

function podOf(objects: readonly KubernetesObject[]): Pod {
  const d = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: Pod } } } | undefined;
  if (!d) throw new Error('no Deployment rendered');
  return d.spec.template.spec;
}

/** config/host as kustomize builds it, its image included. */
function configHost(): KubernetesObject[] {
  const dir = join(repoRoot, 'config', 'host');
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { images?: Array<{ name: string; newName?: string; newTag?: string }> };
  return withImages(kustomizeResources(dir), k.images ?? []);
}

/** config/host's shape with the Deployment's kubeconfig Secret renamed: what the chart's defaults must give. */
function configHostWithSecret(secretName: string): ReturnType<typeof hostShape> {
  const shape = structuredClone(hostShape(configHost()));
  const pod = (shape[`Deployment/${NAMESPACE}/clusterset-dns`]?.['pod'] ?? {}) as { volumes: Pod['volumes'] };
  for (const v of pod.volumes) if (v.name === 'karmada-kubeconfig' && v.secret) v.secret.secretName = secretName;
  return shape;
}

/**
 * Which release renders each config/ folder: host (compared with config/host above) or karmada,
 * every option on; a folder in neither is deliberately outside the chart, with the reason.
 */
const HOST_FOLDERS = ['host'];
const OUTSIDE_THE_CHART: Record<string, string> = {
  // Prometheus Operator objects for the host's Prometheus, which a release of its own
  // (kube-prometheus-stack, …) selects by its labels (docs/metrics.md).
  monitoring: 'applied with kubectl apply -k config/monitoring',
};
const EVERY_OPTION = ['memberAccess=direct', 'manageCoredns=true', 'autoImport=true'];

function byKey(objects: readonly KubernetesObject[]): Record<string, KubernetesObject> {
  return Object.fromEntries(objects.map((o) => [objectKey(o), o]));
}

describe('Helm chart (charts/karmada-clusterset-dns), rendered by helm', () => {
  let helm = '';

  /** Runs helm; resolves with its output and exit code, whatever the code. */
  async function helmRun(args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await run(helm, args, { cwd: repoRoot, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      if (typeof err.code !== 'number') throw e;
      return { code: err.code, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  /** `helm template` with these --set values, parsed. */
  async function render(...sets: string[]): Promise<KubernetesObject[]> {
    const args = ['template', 'clusterset-dns', chart, '--namespace', NAMESPACE, ...sets.flatMap((s) => ['--set', s])];
    const { stdout } = await run(helm, args, { cwd: repoRoot, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return parseYamlObjects(stdout);
  }

  before(async function () {
    this.timeout(30 * 60_000); // builds helm on a cold cache
    helm = await helmBinary();
  });

  it('helm lint --strict passes, for the host and for the Karmada API server', async () => {
    for (const target of ['host', 'karmada']) {
      const { code, out } = await helmRun(['lint', '--strict', chart, '--namespace', NAMESPACE, '--set', `target=${target}`]);
      expect(code, out).to.equal(0);
      expect(out).to.include('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('the chart and its default image are the package version config/host deploys', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    expect([meta.version, meta.appVersion]).to.deep.equal([pkg.version, pkg.version]);
    expect((configHost().find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec.containers[0])
      .to.have.property('image', `ghcr.io/example/karmada-clusterset-dns:${pkg.version}`);
  });

  it("default values: config/host's objects exactly, the controller's own narrow identity included", async () => {
    const rendered = await render();
    expect(hostShape(rendered)).to.deep.equal(hostShape(configHost()));
    expect(ownLabels(rendered, configHost())).to.deep.equal(ownLabels(configHost(), configHost()));
  });

  it("karmadaKubeconfig.secretName=karmada-kubeconfig: the same objects, reading Karmada's own Secret", async () => {
    expect(hostShape(await render('karmadaKubeconfig.secretName=karmada-kubeconfig'))).to.deep.equal(configHostWithSecret('karmada-kubeconfig'));
  });

  it('karmadaKubeconfig: mounts that Secret\'s key where --kubeconfig reads it', async () => {
    const pod = podOf(await render('karmadaKubeconfig.secretName=karmada-descheduler-config', 'karmadaKubeconfig.key=karmada.config'));
    const volume = pod.volumes.find((v) => v.secret?.secretName === 'karmada-descheduler-config');
    expect(volume?.secret?.items).to.deep.equal([{ key: 'karmada.config', path: 'kubeconfig' }]);
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.name === volume?.name);
    expect(pod.containers[0]!.args).to.include(`--kubeconfig=${mount?.mountPath}/kubeconfig`);
  });

  it('values become run flags that run accepts, and scheduling', async () => {
    const pod = podOf(await render(
      'memberAccess=direct', 'writeRoute=retain', 'manageCoredns=true', 'autoImport=true', 'extraArgs={--workers=4}',
      'nodeSelector.role=karmada', 'tolerations[0].key=dedicated', 'tolerations[0].operator=Exists',
    ));
    const args = pod.containers[0]!.args;
    expect(args.slice(-5)).to.deep.equal(['--member-access=direct', '--write-route=retain', '--manage-coredns', '--auto-import', '--workers=4']);
    const parsed = parseRunArgs(args.slice(1), {});
    if ('help' in parsed) throw new Error('the rendered Deployment asks run for help');
    expect([parsed.flags['member-access'], parsed.flags['write-route'], parsed.flags['auto-import'], parsed.flags['workers']]).to.deep.equal(['direct', 'retain', true, 4]);
    expect(pod.nodeSelector).to.deep.equal({ role: 'karmada' });
    expect(pod.tolerations).to.deep.equal([{ key: 'dedicated', operator: 'Exists' }]);
  });

  it('the values schema refuses a member access or write route run does not know', async () => {
    for (const set of ['memberAccess=secret', 'writeRoute=direct']) {
      const { code, out } = await helmRun(['template', 'clusterset-dns', chart, '--set', set]);
      expect(code, set).to.not.equal(0);
      expect(out).to.match(new RegExp(set.split('=')[0]!));
    }
  });

  it('target=karmada: exactly the objects config/karmada and config/members apply', async () => {
    const rendered = await render('target=karmada');
    expect(rendered.filter((o) => o.kind === 'Deployment')).to.deep.equal([]);
    expect(byKey(rendered)).to.deep.equal(byKey(configObjects('karmada', 'members')));
  });

  it('target=karmada follows the options: direct access, --manage-coredns, and each part left out', async () => {
    expect(byKey(await render('target=karmada', 'memberAccess=direct', 'manageCoredns=true')))
      .to.deep.equal(byKey(configObjects('karmada', 'karmada/direct-access', 'members', 'members/manage-coredns')));
    const without = await render('target=karmada', 'karmada.retention=false', 'karmada.admissionPolicy=false', 'karmada.members=false');
    expect(without.map((o) => o.kind).sort()).to.deep.equal(['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
  });

  it('target=karmada, autoImport=true: config/karmada/auto-import and config/members/auto-import in addition', async () => {
    expect(byKey(await render('target=karmada', 'autoImport=true')))
      .to.deep.equal(byKey(configObjects('karmada', 'karmada/auto-import', 'members', 'members/auto-import')));
    // Without the admission policies and the members' part, only the auto-import RBAC is added.
    const partsOff = ['target=karmada', 'karmada.retention=false', 'karmada.admissionPolicy=false', 'karmada.members=false'];
    const autoImportRbac = configObjects('karmada/auto-import').filter((o) => !o.kind?.startsWith('ValidatingAdmissionPolicy'));
    expect(byKey(await render(...partsOff, 'autoImport=true'))).to.deep.equal({ ...byKey(await render(...partsOff)), ...byKey(autoImportRbac) });
  });

  it('every object in config/ is rendered by one of the two targets, or its folder is named as outside the chart', async () => {
    const folders = configFolders();
    const karmadaFolders = folders.filter((f) => !HOST_FOLDERS.includes(f) && !(f in OUTSIDE_THE_CHART));
    expect(karmadaFolders.every((f) => f.startsWith('karmada') || f.startsWith('members')), `folders neither target renders: ${karmadaFolders.join(', ')}`).to.equal(true);
    expect(byKey(await render('target=karmada', ...EVERY_OPTION))).to.deep.equal(byKey(configObjects(...karmadaFolders)));
    expect(Object.keys(hostShape(await render(...EVERY_OPTION))).sort()).to.deep.equal(configObjects(...HOST_FOLDERS).map(objectKey).sort());
  });
});

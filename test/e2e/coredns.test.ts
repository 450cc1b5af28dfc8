/**
 * End to end, on the local environment: `clusterset-dns coredns` run as a
 * subprocess, as a user runs it, against member1 reached through Karmada's
 * cluster proxy (the default --member-access), as the environment's admin.
 * member1's real CoreDNS reads the ConfigMap
 * through the syncer and `reload`, and authenticates as
 * system:serviceaccount:kube-system:coredns, so an answer proves the RBAC.
 *
 * member1 is shared with other users of the environment: the test starts from
 * the installed state and leaves member1's Corefile as it found it.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KARMADA_CONTEXT, access, type EnvState } from '../env/environment.js';
import { kubeConfigFor, kubeConfigYaml } from '../env/kube.js';
import { KUBEADM_COREFILE } from '../env/manifests.js';
import { planInstall } from '../../src/coredns/corefile/index.js';
import { installCoreDns, type InstallPlanReport } from '../../src/coredns/install.js';
import { COREDNS_ROLE_NAME } from '../../src/coredns/rbac.js';
import { deploymentHealth } from '../../src/coredns/rollout.js';
import { applyHunks, formatUnifiedDiff } from '../../src/coredns/text-diff.js';
import { clusterDnsCli } from '../support/cli.js';
import { useEnvironment } from '../support/environment.js';
import { CoreDnsLookAlike } from '../support/coredns-lookalike.js';
import { applyAll, clients, eventually, getOrUndefined, queryA, uniqueName, type Clients } from '../support/kube.js';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = (args: string[]): Promise<Cli> => clusterDnsCli(['coredns', ...args], 60_000);

const INSTALLED_COREFILE = (planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' }) as { corefile: string }).corefile;

describe('clusterset-dns coredns on the local environment (e2e)', function () {
  this.timeout(180_000);
  let env: EnvState;
  let m1: Clients;
  let rbac: k8s.RbacAuthorizationV1Api;
  let original: string | undefined;
  let viaKarmada: string[];
  let dns: string;
  const ns = uniqueName('e2e-coredns');
  const tmp = mkdtempSync(join(tmpdir(), 'clusterset-dns-e2e-'));
  const kubeSystemObjects: k8s.KubernetesObject[] = [];
  let ip = '';

  const corefile = async () => (await m1.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' })).data?.['Corefile'];
  const rbacObjects = async () => ({
    role: (await getOrUndefined(() => rbac.readClusterRole({ name: COREDNS_ROLE_NAME }))) !== undefined,
    binding: (await getOrUndefined(() => rbac.readClusterRoleBinding({ name: COREDNS_ROLE_NAME }))) !== undefined,
  });
  // kubeadm's `cache 30` keeps every answer (SERVFAIL and NXDOMAIN too) for a while: a fresh name per query sees what CoreDNS does now.
  const freshAnswer = async () => queryA(dns, `${uniqueName('probe')}.${ns}.svc.clusterset.local`);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    m1 = clients(env, 'member1');
    rbac = m1.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    dns = env.members['member1']!.dns;
    viaKarmada = ['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '--cluster', 'member1'];
    original = await corefile();
    // A definite start: installed with the defaults (what the other e2e tests and the demo expect too).
    const r = await installCoreDns(m1.kc);
    expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    expect(await corefile()).to.equal(INSTALLED_COREFILE);

    // An unmanaged ServiceImport straight in member1, its ips = the ClusterIP of a derived-web
    // Service, so a controller running alongside would write the same value.
    await m1.core.createNamespace({ body: { metadata: { name: ns } } });
    await applyAll(m1, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived-web', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as k8s.KubernetesObject]);
    ip = (await m1.core.readNamespacedService({ namespace: ns, name: 'derived-web' })).spec?.clusterIP ?? '';
    expect(ip).to.match(/^\d+\.\d+\.\d+\.\d+$/);
    await applyAll(m1, [{
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'web', namespace: ns },
      spec: { type: 'ClusterSetIP', ips: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as k8s.KubernetesObject]);
  });

  after(async function () {
    this.timeout(60_000);
    if (m1) {
      // Back to what we found (installed, by the other tests' and the demo's expectation).
      await installCoreDns(m1.kc).catch(() => undefined);
      const now = await corefile().catch(() => undefined);
      if (original !== undefined && now !== original) {
        const cm = await m1.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });
        await m1.core.replaceNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns', body: { ...cm, data: { ...cm.data, Corefile: original } } });
      }
      for (const o of kubeSystemObjects) await m1.objects.delete(o).catch(() => undefined);
      await m1.core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('status (through Karmada) reports the version, the flavour, the RBAC and the installed stanza', async () => {
    const r = await cli(['status', ...viaKarmada, '--output', 'json']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; members: Array<{ cluster: string; version: string; flavor: string; ok: boolean; rbac: Record<string, unknown>; corefile: { status: string; answerTtl: number } }> };
    expect(out.ok).to.equal(true);
    expect(out.members).to.have.length(1);
    const m = out.members[0]!;
    expect(m).to.deep.include({ cluster: 'member1', version: `v${env.versions.coredns.replace(/^v/, '')}`, flavor: 'in-tree', ok: true });
    expect(m.rbac).to.deep.equal({ clusterRole: true, binding: true, serviceAccount: 'kube-system/coredns', bound: true });
    expect(m.corefile).to.deep.include({ status: 'installed', answerTtl: 30 });
  });

  it('uninstall restores kubeadm\'s Corefile byte for byte, removes the RBAC, and CoreDNS stops serving the zone', async () => {
    const r = await cli(['uninstall', ...viaKarmada]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/member1\s+uninstalled/);
    expect(await corefile()).to.equal(KUBEADM_COREFILE);
    expect(await rbacObjects()).to.deep.equal({ role: false, binding: false });
    // Not served: the query goes to `forward`, which answers SERVFAIL here (docs/upstream-behaviour.md).
    await eventually('member1 CoreDNS to stop serving clusterset.local', async () => {
      const a = await freshAnswer();
      return 'error' in a && a.error === 'ESERVFAIL' ? true : undefined;
    }, 60_000);
  });

  it('install as an identity that may read but not update the ConfigMap refuses, and changes nothing', async () => {
    const sa = 'limited';
    await m1.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
    const roleName = uniqueName('clusterset-dns-e2e-read');
    const objs = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: roleName, namespace: 'kube-system' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: roleName, namespace: 'kube-system' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }, subjects: [{ kind: 'ServiceAccount', namespace: ns, name: sa }] },
    ] as unknown as k8s.KubernetesObject[];
    kubeSystemObjects.push(...objs);
    await applyAll(m1, objs);
    const tr = await m1.core.createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const limited = { ...access(env, 'member1'), name: 'member1-limited', token: tr.status?.token ?? '' };
    const before = await m1.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });

    // In process, with a KubeConfig of that identity.
    const r = await installCoreDns(kubeConfigFor(limited));
    expect(r.kind).to.equal('refused');
    expect(r.message).to.match(/refused before changing anything: this identity may not update configmaps in namespace kube-system \(coredns\)/);
    expect(r.message).to.match(/patch clusterroles\.rbac\.authorization\.k8s\.io/);
    expect(r.message).to.match(/cluster admin/);

    // And through the CLI with --member-kubeconfig: exit 1, the same message.
    const file = join(tmp, 'limited.kubeconfig');
    writeFileSync(file, kubeConfigYaml([limited], limited.name), { mode: 0o600 });
    const c = await cli(['install', '--member-kubeconfig', file]);
    expect(c.code, c.stderr + c.stdout).to.equal(1);
    expect(c.stdout).to.match(/member1-limited\s+refused\s+refused before changing anything/);

    const after = await m1.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });
    expect(after.metadata?.resourceVersion).to.equal(before.metadata?.resourceVersion);
    expect(after.data?.['Corefile']).to.equal(KUBEADM_COREFILE);
    expect(await rbacObjects(), 'no RBAC created').to.deep.equal({ role: false, binding: false });
  });

  // A CoreDNS look-alike in our own namespace (replicas 0: no kubelet runs anything here anyway),
  // so member1's real CoreDNS is never touched.
  const lookAlikeLabels = { app: 'fake-coredns' };
  const deployment = (image: string) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: ns },
    spec: { replicas: 0, selector: { matchLabels: lookAlikeLabels }, template: { metadata: { labels: lookAlikeLabels }, spec: { serviceAccountName: 'coredns', containers: [{ name: 'coredns', image }] } } },
  } as k8s.KubernetesObject);
  const configMap = (Corefile: string, metadata: k8s.V1ObjectMeta = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: ns, ...metadata }, data: { Corefile } } as k8s.KubernetesObject);

  it('refuses, changing nothing, a renamed Deployment, an image without a version tag, a Corefile that does not parse, and one without the kubernetes plugin', async () => {
    const here = [...viaKarmada, '--coredns-namespace', ns];
    const refuses = async (args: string[], want: RegExp) => {
      const before = await m1.core.readNamespacedConfigMap({ namespace: ns, name: 'coredns' });
      const r = await cli(['install', ...here, ...args]);
      expect(r.code, r.stderr + r.stdout).to.equal(1);
      expect(r.stdout).to.match(/member1\s+refused/);
      expect(r.stdout).to.match(want);
      const after = await m1.core.readNamespacedConfigMap({ namespace: ns, name: 'coredns' });
      expect(after.metadata?.resourceVersion, 'ConfigMap untouched').to.equal(before.metadata?.resourceVersion);
    };

    await applyAll(m1, [deployment('registry.k8s.io/coredns/coredns:v1.14.7'), configMap(KUBEADM_COREFILE)]);
    await refuses(['--coredns-deployment', 'coredns-renamed'], new RegExp(`Deployment ${ns}/coredns-renamed not found; pass --coredns-deployment`));

    await applyAll(m1, [deployment('registry.k8s.io/coredns/coredns:latest')]);
    await refuses([], /cannot tell the CoreDNS version from image "registry\.k8s\.io\/coredns\/coredns:latest"; pass --coredns-version/);

    await applyAll(m1, [deployment('registry.k8s.io/coredns/coredns:v1.14.7'), configMap('.:53 {\n    kubernetes "cluster.local in-addr.arpa {\n    }\n}\n')]);
    await refuses([], /line \d+/);

    await applyAll(m1, [configMap('.:53 {\n    errors\n    forward . /etc/resolv.conf\n    cache 30\n}\n')]);
    await refuses([], /kubernetes/);

    expect(await rbacObjects(), 'no RBAC created by any refusal').to.deep.equal({ role: false, binding: false });
    expect(await corefile(), 'member1\'s own Corefile untouched').to.equal(KUBEADM_COREFILE);
  });

  it('install --dry-run writes nothing, and prints the diff and RBAC the real install then applies', async () => {
    const readCm = () => m1.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });
    const before = await readCm();
    const dry = await cli(['install', ...viaKarmada, '--dry-run', '-o', 'json']);
    expect(dry.code, dry.stderr + dry.stdout).to.equal(0);
    const planned = (JSON.parse(dry.stdout) as { dryRun: boolean; members: Array<{ kind: string; plan: InstallPlanReport }> });
    expect(planned.dryRun).to.equal(true);
    expect(planned.members[0]?.kind).to.equal('would-install');
    const plan = planned.members[0]!.plan;
    expect(plan.rbac.map((c) => `${c.kind} ${c.action}`)).to.deep.equal(['ClusterRole create', 'ClusterRoleBinding create']);
    const table = await cli(['install', ...viaKarmada, '--dry-run']);
    expect(table.code, table.stderr + table.stdout).to.equal(0);
    expect(table.stdout).to.include(formatUnifiedDiff(plan.corefileDiff, 'member1 kube-system/coredns Corefile (now)', 'member1 kube-system/coredns Corefile (after install)'));
    expect(table.stdout).to.match(/create\s+ClusterRoleBinding clusterset-dns:coredns-serviceimports: binds ServiceAccount kube-system\/coredns/);

    expect((await readCm()).metadata?.resourceVersion, 'the ConfigMap was not written').to.equal(before.metadata?.resourceVersion);
    expect(await rbacObjects(), 'no RBAC created').to.deep.equal({ role: false, binding: false });

    // The real install writes exactly the diff the dry run printed.
    const real = await cli(['install', ...viaKarmada, '-o', 'json']);
    expect(real.code, real.stderr + real.stdout).to.equal(0);
    expect(await corefile()).to.equal(applyHunks(before.data?.['Corefile'] ?? '', plan.corefileDiff));
    expect(await corefile()).to.equal(plan.corefile);
    const applied = JSON.parse(real.stdout) as { members: Array<{ kind: string; plan: InstallPlanReport }> };
    expect(applied.members[0]?.kind).to.equal('installed');
    expect(applied.members[0]?.plan.corefileDiff, 'the same plan').to.deep.equal(plan.corefileDiff);
    expect(await rbacObjects()).to.deep.equal({ role: true, binding: true });
    // Back to uninstalled, as the next test expects.
    const undo = await cli(['uninstall', ...viaKarmada]);
    expect(undo.code, undo.stderr + undo.stdout).to.equal(0);
  });

  it('a ConfigMap managed by Helm or by the addon manager is refused, naming the owner, and left unchanged', async () => {
    const here = [...viaKarmada, '--coredns-namespace', ns];
    const owners: Array<[k8s.V1ObjectMeta, RegExp]> = [
      [{ labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'dns', 'meta.helm.sh/release-namespace': ns } }, new RegExp(`managed by Helm release ${ns}/dns`)],
      [{ labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }, /managed by the Kubernetes addon manager \(mode Reconcile\)/],
    ];
    for (const [metadata, owner] of owners) {
      await m1.core.deleteNamespacedConfigMap({ namespace: ns, name: 'coredns' }).catch(() => undefined);
      await applyAll(m1, [deployment('registry.k8s.io/coredns/coredns:v1.14.7'), configMap(KUBEADM_COREFILE, metadata)]);
      const before = await m1.core.readNamespacedConfigMap({ namespace: ns, name: 'coredns' });
      const r = await cli(['install', ...here]);
      expect(r.code, r.stderr + r.stdout).to.equal(1);
      expect(r.stdout).to.match(/member1\s+refused\s+refused before changing anything: ConfigMap \S+ is /);
      expect(r.stdout).to.match(owner);
      expect(r.stdout).to.match(/which would revert this edit/);
      const after = await m1.core.readNamespacedConfigMap({ namespace: ns, name: 'coredns' });
      expect(after.metadata?.resourceVersion, 'ConfigMap untouched').to.equal(before.metadata?.resourceVersion);
      expect(after.data?.['Corefile']).to.equal(KUBEADM_COREFILE);
    }
    expect(await rbacObjects(), 'no RBAC created by a refusal').to.deep.equal({ role: false, binding: false });
  });

  it('install makes CoreDNS answer spec.ips again, listing serviceimports as the coredns service account', async () => {
    const r = await cli(['install', ...viaKarmada]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/member1\s+installed/);
    expect(await corefile()).to.equal(INSTALLED_COREFILE);
    expect(await rbacObjects()).to.deep.equal({ role: true, binding: true });
    // The API server agrees that CoreDNS's identity may now list serviceimports...
    const sar = await m1.kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
      body: { spec: { user: 'system:serviceaccount:kube-system:coredns', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], resourceAttributes: { verb: 'list', group: 'multicluster.x-k8s.io', resource: 'serviceimports' } } },
    });
    expect(sar.status?.allowed).to.equal(true);
    // ...and CoreDNS, which authenticates as that account, serves the zone (NXDOMAIN for an unknown name)
    // and answers exactly spec.ips for ours.
    await eventually('member1 CoreDNS to serve clusterset.local', async () => {
      const a = await freshAnswer();
      return 'error' in a && a.error === 'ENOTFOUND' ? true : undefined;
    }, 60_000);
    const answer = await eventually('member1 CoreDNS to answer web', async () => {
      const a = await queryA(dns, `web.${ns}.svc.clusterset.local`);
      return 'ips' in a ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [ip] });
    // Installing again changes nothing.
    const again = await cli(['install', ...viaKarmada]);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/member1\s+unchanged/);
  });
});

/**
 * Reload, rollout and rollback, for real on member1: its kube-controller-manager
 * runs the deployment and replicaset controllers, so `coredns install|uninstall
 * --rollout` restarts a real Deployment and waits on its real status. The
 * environment has no kubelet, so a stand-in (test/support/kubelet.ts) writes
 * pod readiness through the API server's pods/status subresource: it readies
 * the pods of ReplicaSets that existed before a step ("CoreDNS starts fine"),
 * and, in the failure steps, never the pods of a new one ("CoreDNS rejects the
 * new Corefile and never gets ready") — that choice is the test's, and says
 * nothing about the Corefile's real quality (test/integration/corefile-coredns.test.ts
 * runs the real binary on it). Everything after it — the rollout stalling, our
 * timeout, the rollback, the controllers scaling the previous ReplicaSet back —
 * is real.
 *
 * It works on a CoreDNS look-alike (Deployment + ConfigMap, test/support/coredns-lookalike.ts)
 * in its own namespace, so member1's own CoreDNS Corefile is never touched; install does rebind our
 * ClusterRoleBinding to this namespace's account, so `after` (removing the look-alike)
 * installs kube-system's again for the suites that follow.
 */
describe('clusterset-dns coredns: reload, rollout and rollback (e2e)', function () {
  this.timeout(300_000);
  let m1: Clients;
  let rbac: k8s.RbacAuthorizationV1Api;
  let lookAlike: CoreDnsLookAlike | undefined;
  let here: string[];
  const ns = uniqueName('e2e-rollout');
  const NO_RELOAD = KUBEADM_COREFILE.replace(/^\s*reload\n/m, '');
  const installedNoReload = (planInstall(NO_RELOAD, { flavor: 'in-tree' }) as { corefile: string }).corefile;

  // Short names for the look-alike's helpers, as the steps below use them.
  const la = () => lookAlike as CoreDnsLookAlike;
  const corefile = () => la().corefile();
  const setCorefile = (text: string) => la().setCorefile(text);
  const deployment = () => la().deployment();
  const restartedAt = () => la().restartedAt();
  const healthy = () => la().healthy();
  const replicaSets = () => la().replicaSets();
  const onlyExistingReplicaSetsGetReady = () => la().onlyExistingReplicaSetsGetReady();
  const everyPodGetsReady = () => la().everyPodGetsReady();
  const roleExists = async () => (await getOrUndefined(() => rbac.readClusterRole({ name: COREDNS_ROLE_NAME }))) !== undefined;

  before(async function () {
    this.timeout(30 * 60_000);
    const env = await useEnvironment();
    m1 = clients(env, 'member1');
    rbac = m1.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    here = ['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '--cluster', 'member1', '--coredns-namespace', ns];
    lookAlike = new CoreDnsLookAlike(env, m1, ns);
    await lookAlike.start();
  });

  after(async function () {
    this.timeout(120_000);
    // Also binds our ClusterRoleBinding back to kube-system/coredns (install here bound it to this namespace's account).
    await lookAlike?.remove();
  });

  it('with reload in the Corefile, auto restarts nothing: install and uninstall leave the Deployment alone', async () => {
    const generation = (await deployment()).metadata?.generation;
    const i = await cli(['install', ...here, '--output', 'json']);
    expect(i.code, i.stderr + i.stdout).to.equal(0);
    const im = (JSON.parse(i.stdout) as { members: Array<{ kind: string; rollout: { action: string; reason: string; deployment: string } }> }).members[0]!;
    expect(im.kind).to.equal('installed');
    expect(im.rollout).to.deep.include({ action: 'reload' });
    expect(im.rollout.reason).to.match(/CoreDNS reloads the Corefile itself: `reload` on line 21/);
    expect(im.rollout.deployment).to.match(/^healthy: /);
    const u = await cli(['uninstall', ...here]);
    expect(u.code, u.stderr + u.stdout).to.equal(0);
    expect(u.stdout).to.match(/member1\s+uninstalled\s+removed the clusterset stanza and RBAC; not rolled out: CoreDNS reloads the Corefile itself/);
    expect(await corefile()).to.equal(KUBEADM_COREFILE);
    expect((await deployment()).metadata?.generation, 'no rollout').to.equal(generation);
    expect(await restartedAt()).to.equal(undefined);
  });

  it('without reload, install rolls the Deployment out and waits until the new pods are ready', async () => {
    await setCorefile(NO_RELOAD);
    everyPodGetsReady();
    const before = new Set((await replicaSets()).map((r) => r.metadata?.name));
    const t0 = Date.now();
    const r = await cli(['install', ...here, '--rollout-timeout', '60s']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/member1\s+installed\s+.*; rolled out \(no server block has the reload plugin, so the pods must be restarted\): healthy: Deployment .*: 2 of 2 replicas updated and available/);
    expect(await corefile()).to.equal(installedNoReload);
    expect(await restartedAt(), 'restartedAt set on the pod template').to.match(/^\d{4}-\d\d-\d\dT/);
    // A new ReplicaSet carries all replicas; the old one is scaled down.
    const now = await replicaSets();
    const fresh = now.filter((rs) => !before.has(rs.metadata?.name));
    expect(fresh, 'one new ReplicaSet').to.have.length(1);
    expect(fresh[0]?.status?.readyReplicas).to.equal(2);
    expect(now.filter((rs) => before.has(rs.metadata?.name)).every((rs) => (rs.spec?.replicas ?? 0) === 0), 'old ReplicaSets scaled to 0').to.equal(true);
    console.error(`      (install with rollout took ${((Date.now() - t0) / 1000).toFixed(1)}s, CLI start included)`);
  });

  it('uninstall whose new pods never become ready is rolled back: the installed Corefile byte for byte, the previous pod template, the RBAC kept, exit 1', async () => {
    await healthy();
    const previousAnnotation = await restartedAt();
    const rsBefore = (await replicaSets()).map((rs) => rs.metadata?.name).sort();
    await onlyExistingReplicaSetsGetReady();
    const r = await cli(['uninstall', ...here, '--rollout-timeout', '15s', '--output', 'json']);
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    const m = (JSON.parse(r.stdout) as { ok: boolean; members: Array<{ kind: string; ok: boolean; reason: string; message: string }> }).members[0]!;
    expect(m).to.deep.include({ kind: 'rolled-back', ok: false });
    expect(m.reason).to.match(/^the CoreDNS rollout after uninstall did not become healthy: not healthy within 15s: Deployment .*(1 of 2 replicas updated|0 of 1 updated replicas available|old replicas pending termination)/);
    expect(m.message).to.match(/restored the previous Corefile byte for byte and rolled the Deployment back to its previous pod template; after the rollback the Deployment is healthy \(the RBAC objects .* stay, as the restored Corefile needs them\)$/);
    expect(await corefile()).to.equal(installedNoReload);
    expect(await restartedAt()).to.equal(previousAnnotation);
    expect(await roleExists(), 'RBAC kept').to.equal(true);
    // The previous ReplicaSet serves again; the failed one (created by our rollout) is scaled to 0.
    const after = await replicaSets();
    const failed = after.filter((rs) => !rsBefore.includes(rs.metadata?.name));
    expect(failed, 'the rollout made one ReplicaSet').to.have.length(1);
    expect(failed[0]?.spec?.replicas).to.equal(0);
    expect(deploymentHealth(await deployment()).state).to.equal('healthy');
  });

  it('uninstall that rolls out fine, then an install whose new pods never become ready is rolled back to the original Corefile byte for byte', async () => {
    everyPodGetsReady();
    const u = await cli(['uninstall', ...here, '--rollout-timeout', '60s']);
    expect(u.code, u.stderr + u.stdout).to.equal(0);
    expect(u.stdout).to.match(/member1\s+uninstalled\s+.*; rolled out/);
    expect(await corefile()).to.equal(NO_RELOAD);
    expect(await roleExists()).to.equal(false);

    await healthy();
    const previousAnnotation = await restartedAt();
    await onlyExistingReplicaSetsGetReady();
    const r = await cli(['install', ...here, '--rollout', 'always', '--rollout-timeout', '15s']);
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    expect(r.stdout).to.match(/member1\s+rolled-back\s+the CoreDNS rollout after install did not become healthy: not healthy within 15s/);
    expect(r.stdout).to.match(/the RBAC objects .* stay; coredns uninstall removes them/);
    expect(await corefile()).to.equal(NO_RELOAD);
    expect(await restartedAt()).to.equal(previousAnnotation);
    expect(deploymentHealth(await deployment()).state).to.equal('healthy');
  });

  it('refuses, changing nothing, to roll out a Deployment that is not healthy to begin with', async () => {
    // Scale up with no pod allowed to get ready: the Deployment is unavailable before we start.
    la().noPodGetsReady();
    await la().apps.patchNamespacedDeployment({ ...la().ref, body: { spec: { replicas: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually('the Deployment to see the scale-up', async () => (deploymentHealth(await deployment()).state === 'progressing' ? true : undefined));
    const cm = await la().configMap();
    const r = await cli(['install', ...here]);
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    expect(r.stdout).to.match(/member1\s+refused\s+refused before changing anything: a rollout cannot be verified on a CoreDNS Deployment that is not healthy before it \(Deployment .*: 2 of 3 updated replicas available\)/);
    expect((await la().configMap()).metadata?.resourceVersion, 'ConfigMap untouched').to.equal(cm.metadata?.resourceVersion);
  });
});

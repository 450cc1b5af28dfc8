/**
 * End to end, on the local environment with the real Karmada: the retain
 * write route (docs/design.md#where-writes-go, docs/karmada-retention.md).
 * The controller patches the member ServiceImport and Karmada keeps the
 * value because our ResourceInterpreterCustomization's Lua retains it; a
 * foreign retention rule is refused by Karmada's webhook and the controller
 * stays on OverridePolicies; moving a live import from its OverridePolicy to
 * the direct write leaves no gap in spec.ips or in CoreDNS's answers; and a
 * ServiceImport that is not ours is never touched
 * (docs/design.md#ownership). The rule is installed, checked and removed
 * with `clusterset-dns karmada install|status|uninstall`, as an operator
 * would, and doctor follows the route.
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { KARMADA_RESYNC_MS } from '../env/startup.js';
import { controllerLogTail, startController, type RunningController } from '../env/controller.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { desiredRetention, RETENTION_NAME } from '../../src/karmada/retention.js';
import { clusterDnsCli } from '../support/cli.js';
import { requireKarmadaResync, restartKarmadaControllerManager, useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, holds, queryA, uniqueName, type Clients } from '../support/kube.js';
import { exportFrom, getServiceImport, serviceImport } from '../support/mcs.js';

const RIC = { group: 'config.karmada.io', version: 'v1alpha1', plural: 'resourceinterpretercustomizations' };
const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'overridepolicies' };
const FILL = 'clusterset-dns.io/fill-ips';

describe('the retain write route on the local environment (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  let m2: Clients;
  let controller: RunningController | undefined;
  const namespaces: string[] = [];

  const derivedIp = async (ns: string, svc: string) =>
    (await eventually(`derived-${svc} in member2`, () => getOrUndefined(() => m2.core.readNamespacedService({ name: `derived-${svc}`, namespace: ns })), 60_000)).spec?.clusterIP ?? '';
  const memberImport = (ns: string, svc: string) => getOrUndefined(() => getServiceImport(m2, ns, svc));
  const waitIps = (ns: string, svc: string, want: string[]) =>
    eventually(`spec.ips in member2 to be ${JSON.stringify(want)}`, async () => (JSON.stringify((await memberImport(ns, svc))?.spec.ips) === JSON.stringify(want) ? true : undefined), 60_000);
  const policyOf = (ns: string, svc: string) => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...POLICY, namespace: ns, name: `clusterset-dns-${svc}` }));
  const route = async () => /^clusterset_dns_write_route\{route="(\S+)"\} 1$/m.exec((await controller?.metricsText()) ?? '')?.[1];
  const waitRoute = (want: string) => eventually(`write route ${want}`, async () => ((await route()) === want ? true : undefined), 30_000);
  const newNamespace = async (prefix: string) => {
    const ns = uniqueName(prefix);
    namespaces.push(ns);
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    await eventually(`namespace ${ns} in member2`, () => getOrUndefined(() => m2.core.readNamespace({ name: ns })));
    return ns;
  };
  const deleteRule = async (name: string) => {
    await karmada.custom.deleteClusterCustomObject({ ...RIC, name }).catch(() => undefined);
    await eventually(`customization ${name} gone`, async () => ((await getOrUndefined(() => karmada.custom.getClusterCustomObject({ ...RIC, name }))) === undefined ? true : undefined));
  };
  const installRule = () => applyAll(karmada, [desiredRetention() as unknown as KubernetesObject]);
  const karmadaCli = (...args: string[]) => clusterDnsCli(['karmada', ...args, '--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT]);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    m2 = clients(env, 'member2');
    const r = await installCoreDns(m2.kc);
    expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    controller = await startController(env, ['--leader-elect=false']);
    // Start without the rule, whatever config/karmada installed, as a federation that never had it.
    await deleteRule(RETENTION_NAME);
    await waitRoute('override-policy');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    await installRule().catch(() => undefined);
    for (const ns of namespaces) await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  let ns = '';
  let ip = '';
  it('a foreign ServiceImport retention rule: Karmada refuses ours, and the controller stays on OverridePolicies', async () => {
    const foreign = { ...desiredRetention(), metadata: { name: 'someone-elses-serviceimport-retention' } };
    foreign.spec.customizations.retention = { luaScript: 'function Retain(desiredObj, observedObj)\n  return desiredObj\nend\n' };
    await applyAll(karmada, [foreign as unknown as KubernetesObject]);
    try {
      let refused: unknown;
      await installRule().catch((e: unknown) => (refused = e));
      expect(String((refused as { body?: unknown })?.body ?? refused)).to.match(/conflicting with InterpreterOperation\(Retain\) of existing ResourceInterpreterCustomization\(someone-elses-serviceimport-retention\)/);
      // What an operator sees: install refuses, naming the holder and the fallback; status says conflict.
      const install = await karmadaCli('install');
      expect(install.code, install.stderr).to.equal(1);
      expect(install.stderr).to.match(/someone-elses-serviceimport-retention/).and.to.match(/OverridePolicies/);
      const status = await karmadaCli('status');
      expect(status.code).to.equal(1);
      expect(status.stdout + status.stderr).to.match(/^conflict: .*someone-elses-serviceimport-retention/m);
      ns = await newNamespace('e2e-ret');
      await exportFrom(karmada, clients(env, 'member1'), 'member1', ns, 'web', '10.244.1.30');
      await applyAll(karmada, serviceImport(ns, 'web', ['member2']));
      ip = await derivedIp(ns, 'web');
      await waitIps(ns, 'web', [ip]);
      expect(await route()).to.equal('override-policy');
      expect(await policyOf(ns, 'web'), 'filled through an OverridePolicy').to.not.equal(undefined);
      expect((await memberImport(ns, 'web'))?.metadata.annotations?.[FILL]).to.equal(undefined);
    } finally {
      await deleteRule(foreign.metadata.name);
    }
  });

  it('moves a live import off its OverridePolicy with no gap, and the direct write survives template changes, a karmada-controller-manager restart and resyncs', async function () {
    this.timeout(300_000);
    expect(ip, 'the import of the test before').to.not.equal('');
    const fqdn = `web.${ns}.svc.clusterset.local`;
    const dns = env.members['member2']!.dns;
    await eventually('member2 CoreDNS to answer', async () => { const a = await queryA(dns, fqdn); return 'ips' in a && a.ips[0] === ip ? true : undefined; }, 60_000);
    // Every 100 ms until the end: spec.ips in member2 and CoreDNS's answer must be the IP, always.
    const intact = async () => {
      expect((await memberImport(ns, 'web'))?.spec.ips, 'spec.ips in member2').to.deep.equal([ip]);
      expect(await queryA(dns, fqdn), `CoreDNS's answer for ${fqdn}`).to.deep.equal({ ips: [ip] });
    };
    const scenario = (async () => {
      const install = await karmadaCli('install');
      expect(install.code, install.stderr).to.equal(0);
      const status = await karmadaCli('status');
      expect(status.code, status.stdout + status.stderr).to.equal(0);
      expect(status.stdout).to.match(/^installed: /m);
      await waitRoute('retain');
      await eventually('member2\'s ServiceImport to carry our annotation', async () => ((await memberImport(ns, 'web'))?.metadata.annotations?.[FILL] === 'true' ? true : undefined), 30_000);
      await eventually('the OverridePolicy to be retired', async () => ((await policyOf(ns, 'web')) === undefined ? true : undefined), 30_000);
      // Karmada re-applies the Work on a template change: the retained spec.ips must survive a relabel and a ports change.
      const [si] = serviceImport(ns, 'web', ['member2'], [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'grpc', port: 9090, protocol: 'TCP' }]);
      si!.metadata!.labels = { relabelled: 'yes' };
      await applyAll(karmada, [si!]);
      await eventually('the new ports in member2', async () => ((await memberImport(ns, 'web'))?.spec.ports?.length === 2 ? true : undefined), 30_000);
      await restartKarmadaControllerManager(env);
      // Two of the new process's resyncs, and 5 s for the second one's writes to reach the member.
      requireKarmadaResync(env);
      await new Promise((r) => setTimeout(r, 2 * KARMADA_RESYNC_MS + 5_000));
    })();
    const samples = await holds('spec.ips and the DNS answer intact throughout', scenario, intact, 100);
    expect(samples, 'sampled all along').to.be.greaterThan(100);
    expect(await policyOf(ns, 'web'), 'no OverridePolicy came back').to.equal(undefined);
  });

  it('never touches a member ServiceImport that is not ours, and fills one that opted in', async () => {
    const own = await newNamespace('e2e-notours');
    const handMade = (name: string, annotations?: Record<string, string>) => ({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport',
      metadata: { name, namespace: own, ...(annotations ? { annotations } : {}) },
      spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ips: ['10.9.9.9'] },
    }) as KubernetesObject;
    // Someone else's, with its own IP and no derived Service: before ownership was enforced, its IPs were removed.
    await applyAll(m2, [handMade('theirs')]);
    const before = (await memberImport(own, 'theirs'))!;
    // The witness, made after it in the same namespace: once it is filled, the controller has seen both.
    await applyAll(m2, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived-mine', namespace: own }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
      handMade('mine', { [FILL]: 'true' }),
    ]);
    const mineIp = (await m2.core.readNamespacedService({ name: 'derived-mine', namespace: own })).spec?.clusterIP ?? '';
    await waitIps(own, 'mine', [mineIp]);
    await holds('someone else\'s ServiceImport untouched', 5_000, async () => {
      const now = await memberImport(own, 'theirs');
      expect(now?.metadata.resourceVersion).to.equal(before.metadata.resourceVersion);
      expect(now?.spec.ips).to.deep.equal(['10.9.9.9']);
    });
  });

  it('doctor follows the route: the rule checked, the IP as written in the member', async function () {
    this.timeout(120_000);
    const r = await clusterDnsCli(['doctor', '--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '--cluster', 'member2', '--service', `${ns}/web`, '--dns', env.members['member2']!.dns, '--output', 'json']);
    const results = (JSON.parse(r.stdout) as { results: Array<{ cluster: string | null; check: string; status: string; detail: string }> }).results;
    expect(results.filter((x) => x.status === 'fail').map((x) => `${x.check}: ${x.detail}`), 'nothing fails').to.deep.equal([]);
    const rule = results.find((x) => x.check === 'retention-rule');
    expect(rule?.status).to.equal('pass');
    const ips = results.find((x) => x.cluster === 'member2' && x.check === 'ips');
    expect(ips?.status).to.equal('pass');
    expect(ips?.detail).to.include(ip).and.to.match(/retention rule/);
  });

  it('a restarted controller writes nothing', async function () {
    this.timeout(120_000);
    const keys = ((await karmada.custom.listClusterCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1alpha1', plural: 'serviceimports' })) as { items: unknown[] }).items.length;
    await controller!.stop();
    controller = await startController(env, ['--leader-elect=false']);
    await waitRoute('retain');
    await eventually('the new controller to reconcile every key', async () => {
      const text = await controller!.metricsText();
      const metric = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      const done = metric(/^controller_runtime_reconcile_total\{controller="serviceimport",result="success"\} (\S+)$/m)
        + metric(/^controller_runtime_reconcile_total\{controller="serviceimport",result="requeue_after"\} (\S+)$/m);
      return done >= keys && metric(/^workqueue_depth\{name="serviceimport"[^}]*\} (\S+)$/m) === 0 ? true : undefined;
    }, 60_000, 500);
    const text = await controller!.metricsText();
    const writes = text.split('\n').filter((l) => l.startsWith('clusterset_dns_writes_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(writes).to.equal(0);
  });

  it('karmada uninstall, with the controller stopped: a dry run changes nothing; then it removes what is ours, says so, and leaves what a user opted in', async function () {
    this.timeout(180_000);
    await controller!.stop();
    controller = undefined;
    // Something of ours in the control plane too: an OverridePolicy of the fallback route.
    const [si] = serviceImport(ns, 'web', ['member2']);
    await applyAll(karmada, [{
      apiVersion: 'policy.karmada.io/v1alpha1', kind: 'OverridePolicy',
      metadata: { name: 'clusterset-dns-leftover', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'clusterset-dns' } },
      spec: { resourceSelectors: [{ apiVersion: si!.apiVersion!, kind: 'ServiceImport', name: 'leftover' }], overrideRules: [] },
    } as KubernetesObject]);
    const dry = await karmadaCli('uninstall', '--dry-run');
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(/Would remove/).and.to.include(RETENTION_NAME).and.to.include('clusterset-dns-leftover');
    expect(await getOrUndefined(() => karmada.custom.getClusterCustomObject({ ...RIC, name: RETENTION_NAME })), 'a dry run removes nothing').to.not.equal(undefined);

    const run = await karmadaCli('uninstall');
    expect(run.code, run.stderr + run.stdout).to.equal(0);
    expect(run.stdout).to.match(/Removed/).and.to.include(RETENTION_NAME).and.to.include('clusterset-dns-leftover');
    expect(run.stdout, 'the opted-in import is listed as left').to.match(/Left alone[\s\S]*mine[\s\S]*opted in by a user/);
    expect(await getOrUndefined(() => karmada.custom.getClusterCustomObject({ ...RIC, name: RETENTION_NAME }))).to.equal(undefined);
    const ours = await karmada.custom.listClusterCustomObject({ ...POLICY, labelSelector: 'app.kubernetes.io/managed-by=clusterset-dns' }) as { items: unknown[] };
    expect(ours.items, 'no OverridePolicy of ours').to.deep.equal([]);
    // member2's managed import: our annotation gone, and Karmada renders it from the template again, without spec.ips.
    await eventually('member2\'s ServiceImport back to what Karmada renders', async () => {
      const now = await memberImport(ns, 'web');
      return now && now.metadata.annotations?.[FILL] === undefined && now.spec.ips === undefined ? true : undefined;
    }, 60_000);
    const mine = namespaces.find((n) => n.startsWith('e2e-notours'))!;
    expect((await memberImport(mine, 'mine'))?.metadata.annotations?.[FILL], 'the opted-in import keeps its annotation').to.equal('true');
  });
});

/**
 * End to end, on the local environment, with the controller running as its
 * own process under the RBAC that config/karmada ships: spec.ips filled in
 * every importing member, written where Karmada keeps it, kept when a member
 * goes away and converged when it returns (docs/design.md: which-ip,
 * where-writes-go, unreachable-is-not-empty). This file runs the
 * OverridePolicy route (--write-route=override-policy), the fallback;
 * retention.test.ts runs the retain route.
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, startComponent, stopComponent, type EnvState } from '../env/environment.js';
import { getJson } from '../env/kube.js';
import { KARMADA_RESYNC_MS } from '../env/startup.js';
import { access } from '../env/environment.js';
import { installCoreDns, uninstallCoreDns } from '../../src/coredns/install.js';
import { statusCoreDns } from '../../src/coredns/status.js';
import { startController, controllerLogTail, type RunningController } from '../env/controller.js';
import { requireKarmadaResync, restartKarmadaControllerManager, useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, holds, queryA, uniqueName, type Clients } from '../support/kube.js';
import { exportFrom, getServiceImport, memberService, serviceExport, serviceImport } from '../support/mcs.js';


const ROUTE = ['--write-route=override-policy'];

describe('controller on the local environment (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  const members: Record<string, Clients> = {};
  let controller: RunningController | undefined;
  const namespaces: string[] = [];

  const derivedIp = async (m: string, ns: string, svc: string) =>
    (await eventually(`derived-${svc} in ${m}`, () => getOrUndefined(() => members[m]!.core.readNamespacedService({ name: `derived-${svc}`, namespace: ns })), 60_000)).spec?.clusterIP ?? '';
  const ipsIn = async (m: string, ns: string, svc: string) => (await getOrUndefined(() => getServiceImport(members[m]!, ns, svc)))?.spec.ips;
  const waitIps = (m: string, ns: string, svc: string, want: string[] | undefined) =>
    eventually(`spec.ips in ${m} to be ${JSON.stringify(want)}`, async () => (JSON.stringify(await ipsIn(m, ns, svc)) === JSON.stringify(want) ? true : undefined), 60_000);
  const newNamespace = async (prefix: string) => {
    const ns = uniqueName(prefix);
    namespaces.push(ns);
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    for (const m of Object.values(members)) await eventually(`namespace ${ns} in members`, () => getOrUndefined(() => m.core.readNamespace({ name: ns })));
    return ns;
  };

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    for (const m of ['member1', 'member2']) {
      members[m] = clients(env, m);
      const r = await installCoreDns(members[m]!.kc);
      expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    }
    // Hold-down shortened from 30 s so the local-first test can show it within a test's time.
    controller = await startController(env, [...ROUTE, '--leader-elect=false', '--fail-back-hold-down=10s']);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    for (const ns of namespaces) await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('fills spec.ips in the importing member with its own derived ClusterIP, and its CoreDNS answers it', async () => {
    const ns = await newNamespace('e2e-one');
    await exportFrom(karmada, members['member1']!, 'member1', ns, 'web', '10.244.1.10');
    await applyAll(karmada, serviceImport(ns, 'web', ['member2']));
    const ip = await derivedIp('member2', ns, 'web');
    expect(ip).to.match(/^10\.98\./);
    await waitIps('member2', ns, 'web', [ip]);
    // Written through the OverridePolicy, as Karmada manages this ServiceImport.
    const policy = await karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'overridepolicies', name: 'clusterset-dns-web' }) as { metadata: { ownerReferences?: Array<{ kind: string; name: string }> } };
    expect(policy.metadata.ownerReferences?.[0]).to.include({ kind: 'ServiceImport', name: 'web' });
    const answer = await eventually('member2 CoreDNS to answer', async () => {
      const a = await queryA(env.members['member2']!.dns, `web.${ns}.svc.clusterset.local`);
      return 'ips' in a ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [ip] });
    // status.clusters names the exporter.
    await eventually('status.clusters = [member1]', async () => {
      const si = await getServiceImport(karmada, ns, 'web');
      return JSON.stringify(si.status?.clusters) === JSON.stringify([{ cluster: 'member1' }]) ? true : undefined;
    });
    // A healthy import raises no Event, not even a warning while Karmada is
    // still propagating derived-web after the ServiceImport
    // (DerivedServiceMissing waits 30 s) or while a member is on its first
    // list, and a first fill (none → IP) is logged only. By now CoreDNS has
    // answered, seconds after the passes that would have sent them.
    const events = await karmada.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=web' });
    expect(events.items.filter((e) => e.source?.component === 'clusterset-dns').map((e) => `${e.reason}: ${e.message}`)).to.deep.equal([]);
  });

  let bothNs = '';
  const bothIps: Record<string, string> = {};
  it('fills each importing member with its own derived ClusterIP', async () => {
    bothNs = await newNamespace('e2e-both');
    await exportFrom(karmada, members['member1']!, 'member1', bothNs, 'api', '10.244.1.11');
    await applyAll(karmada, serviceImport(bothNs, 'api', ['member1', 'member2']));
    for (const m of ['member1', 'member2']) {
      bothIps[m] = await derivedIp(m, bothNs, 'api');
      await waitIps(m, bothNs, 'api', [bothIps[m]!]);
    }
    expect(bothIps['member1']).to.match(/^10\.97\./);
    expect(bothIps['member2']).to.match(/^10\.98\./);
  });

  it('keeps the IPs across two of Karmada\'s resync periods and a karmada-controller-manager restart, writing nothing', async function () {
    this.timeout(240_000);
    const writesBefore = await writes();
    const intact = async () => {
      for (const m of ['member1', 'member2']) expect(await ipsIn(m, bothNs, 'api'), `spec.ips in ${m}`).to.deep.equal([bothIps[m]]);
    };
    // Two resyncs, and 5 s for the second one's writes to reach the members.
    requireKarmadaResync(env);
    await holds('the IPs intact across two resync periods', 2 * KARMADA_RESYNC_MS + 5_000, intact);
    await restartKarmadaControllerManager(env);
    // Karmada re-applies every Work after a restart; ours must stay through
    // that and through the new process's first resync, one period after it started.
    await holds('the IPs intact after the restart', KARMADA_RESYNC_MS, intact);
    expect(await writes(), 'no writes while nothing changed').to.equal(writesBefore);
  });

  it('a restarted controller changes nothing: no write, no OverridePolicy deleted or rewritten', async function () {
    this.timeout(180_000);
    const ours = async () => {
      const list = await karmada.custom.listClusterCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', plural: 'overridepolicies', labelSelector: 'app.kubernetes.io/managed-by=clusterset-dns' }) as { items: Array<{ metadata: { namespace: string; name: string; resourceVersion: string } }> };
      return Object.fromEntries(list.items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.resourceVersion]));
    };
    const before = await ours();
    expect(Object.keys(before), 'earlier tests left policies to keep').to.include(`${bothNs}/clusterset-dns-api`);
    const keys = ((await karmada.custom.listClusterCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1alpha1', plural: 'serviceimports' })) as { items: unknown[] }).items.length;
    await controller!.stop();
    controller = await startController(env, [...ROUTE, '--leader-elect=false', '--fail-back-hold-down=10s']);
    // Every key reconciled at least once, and nothing left in the queue.
    await eventually('the new controller to reconcile every key', async () => {
      const text = await controller!.metricsText();
      const metric = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      const done = metric(/^controller_runtime_reconcile_total\{controller="serviceimport",result="success"\} (\S+)$/m)
        + metric(/^controller_runtime_reconcile_total\{controller="serviceimport",result="requeue_after"\} (\S+)$/m);
      const depth = metric(/^workqueue_depth\{name="serviceimport"[^}]*\} (\S+)$/m);
      return done >= keys && depth === 0 ? true : undefined;
    }, 60_000, 500);
    expect(await writes(), 'writes by the restarted controller').to.equal(0);
    expect(await ours(), 'our OverridePolicies, by resourceVersion').to.deep.equal(before);
  });

  it('keeps member2\'s IPs while its API server is down, and converges when it returns', async function () {
    this.timeout(240_000);
    const ns = await newNamespace('e2e-down');
    await exportFrom(karmada, members['member1']!, 'member1', ns, 'db', '10.244.1.12');
    await applyAll(karmada, serviceImport(ns, 'db', ['member1', 'member2']));
    const ip2 = await derivedIp('member2', ns, 'db');
    await waitIps('member2', ns, 'db', [ip2]);
    await stopComponent(env, 'member2-kube-apiserver');
    try {
      // The controller must have seen member2 go: otherwise a kept rule shows nothing.
      await unreachableSeen('member2');
      // Seeing it re-decides every key; then a new import lands in member1
      // only. member2's rule must stay throughout, until that import is done.
      const cacheInMember1 = (async () => {
        await applyAll(karmada, serviceImport(ns, 'cache', ['member1', 'member2']));
        await exportFrom(karmada, members['member1']!, 'member1', ns, 'cache', '10.244.1.13');
        await waitIps('member1', ns, 'cache', [await derivedIp('member1', ns, 'cache')]);
      })();
      await holds('member2 keeps its rule while unreachable', cacheInMember1, async () => expect((await overrideRules(ns, 'db'))['member2']).to.deep.equal([ip2]));
    } finally {
      await startComponent(env, 'member2-kube-apiserver', async () => (await getJson(access(env, 'member2'), '/readyz')) === 'ok');
    }
    await waitIps('member2', ns, 'db', [ip2]);
    const ipCache2 = await derivedIp('member2', ns, 'cache');
    await waitIps('member2', ns, 'cache', [ipCache2]);
  });

  it('removes what it wrote when the import is deleted, and clears status.clusters when the export goes', async () => {
    const ns = await newNamespace('e2e-del');
    await exportFrom(karmada, members['member1']!, 'member1', ns, 'gone', '10.244.1.14');
    await applyAll(karmada, serviceImport(ns, 'gone', ['member2']));
    await waitIps('member2', ns, 'gone', [await derivedIp('member2', ns, 'gone')]);
    await eventually('status.clusters = [member1]', async () => ((await getServiceImport(karmada, ns, 'gone')).status?.clusters?.length === 1 ? true : undefined));
    await karmada.custom.deleteNamespacedCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1alpha1', namespace: ns, plural: 'serviceexports', name: 'gone' });
    await eventually('status.clusters to empty', async () => ((await getServiceImport(karmada, ns, 'gone')).status?.clusters?.length === 0 ? true : undefined), 60_000);
    await karmada.custom.deleteNamespacedCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1alpha1', namespace: ns, plural: 'serviceimports', name: 'gone' });
    await eventually('the OverridePolicy to be garbage-collected', async () =>
      (await getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'overridepolicies', name: 'clusterset-dns-gone' }))) === undefined ? true : undefined, 60_000);
    await eventually('member2\'s ServiceImport to be removed by Karmada', async () => ((await getOrUndefined(() => getServiceImport(members['member2']!, ns, 'gone'))) === undefined ? true : undefined), 60_000);
  });

  it('patches an unmanaged member ServiceImport that opted in directly (no Karmada template)', async () => {
    const ns = await newNamespace('e2e-direct');
    const m2 = members['member2']!;
    // A ServiceImport and its derived Service made in member2 by someone other than Karmada, who opted in.
    await applyAll(m2, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived-local', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
      { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'local', namespace: ns, annotations: { 'clusterset-dns.io/fill-ips': 'true' } }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
    ]);
    const ip = (await m2.core.readNamespacedService({ name: 'derived-local', namespace: ns })).spec?.clusterIP ?? '';
    await waitIps('member2', ns, 'local', [ip]);
    expect(await getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'overridepolicies', name: 'clusterset-dns-local' }))).to.equal(undefined);
  });

  it('flags a ServiceImport without ports with a Warning event (CoreDNS would answer NXDOMAIN)', async () => {
    const ns = await newNamespace('e2e-noports');
    await applyAll(karmada, serviceImport(ns, 'bare', ['member2'], []));
    const ev = await eventually('a NoPorts event', async () => {
      const list = await karmada.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=bare' });
      return list.items.find((e) => e.reason === 'NoPorts');
    }, 60_000);
    expect(ev.type).to.equal('Warning');
    expect(ev.message).to.match(/no ports.*NXDOMAIN/);
  });

  it('reports a Cluster the cluster proxy cannot reach (no impersonator Secret) as unreachable, without affecting readiness or the others', async () => {
    // Karmada rejects dots in Cluster names ("must not contain dots"); dashes are fine.
    const name = 'edge-eu-west-1';
    await applyAll(karmada, [{
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name },
      spec: { syncMode: 'Push', apiEndpoint: 'https://127.0.0.1:1', secretRef: { namespace: 'karmada-cluster', name: 'no-such-secret' } },
    } as KubernetesObject]);
    try {
      const body = await eventually(`/readyz/cluster-${name} to fail`, async () => {
        const r = await fetch(`${controller!.health}/readyz/cluster-${name}`);
        return r.status >= 500 ? r.text() : undefined;
      }, 30_000);
      // Through the proxy (the default --member-access) no Secret is read; the missing impersonator is the reason.
      expect(body).to.match(/Push cluster edge-eu-west-1 has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it/);
      expect((await fetch(`${controller!.health}/readyz`)).status, 'one bad member does not make the controller unready').to.equal(200);
      expect(await controller!.metricsText()).to.match(new RegExp(`clusterset_dns_member_reachable\\{member_cluster="${name.replace(/\./g, '\\.')}"\\} 0`));
    } finally {
      await karmada.objects.delete({ apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', metadata: { name } } as KubernetesObject).catch(() => undefined);
    }
  });

  it('local-first (annotation): local while ready, derived when not, back to local only after the hold-down', async function () {
    this.timeout(240_000);
    const ns = await newNamespace('e2e-lf');
    const m2 = members['member2']!;
    // Exported from both members; imported into member2, which also runs it.
    await applyAll(members['member1']!, memberService(ns, 'shop', '10.244.1.20'));
    await applyAll(m2, memberService(ns, 'shop', '10.244.2.20'));
    await applyAll(karmada, serviceExport(ns, 'shop', ['member1', 'member2']));
    const [si, pp] = serviceImport(ns, 'shop', ['member2']);
    si!.metadata!.annotations = { 'clusterset-dns.io/local-first': 'true' };
    await applyAll(karmada, [si!, pp!]);
    const localIp = (await m2.core.readNamespacedService({ name: 'shop', namespace: ns })).spec?.clusterIP ?? '';
    const derived = await derivedIp('member2', ns, 'shop');
    await waitIps('member2', ns, 'shop', [localIp]);
    const dns = env.members['member2']!.dns;
    const fqdn = `shop.${ns}.svc.clusterset.local`;
    expect(await eventually('DNS: the local IP', async () => { const a = await queryA(dns, fqdn); return 'ips' in a ? a : undefined; })).to.deep.equal({ ips: [localIp] });

    const setReady = (ready: boolean) => applyAll(m2, [memberService(ns, 'shop', '10.244.2.20', ready)[1]!]);
    await setReady(false);
    await waitIps('member2', ns, 'shop', [derived]);
    // kubeadm's ttl 30 / cache 30: the answer changes within 30 s of spec.ips.
    expect(await eventually('DNS: the derived IP', async () => { const a = await queryA(dns, fqdn); return 'ips' in a && a.ips[0] === derived ? a : undefined; }, 45_000, 500)).to.deep.equal({ ips: [derived] });

    await setReady(true);
    const t0 = Date.now();
    await waitIps('member2', ns, 'shop', [localIp]);
    const waited = Date.now() - t0;
    expect(waited, 'fail-back waits for the 10 s hold-down').to.be.at.least(9_500);
    // Events are sent in the background, right after the switch.
    await eventually('FailedOver and FailedBack events', async () => {
      const events = await karmada.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=shop' });
      const reasons = events.items.map((e) => e.reason);
      return reasons.includes('FailedOver') && reasons.includes('FailedBack') ? true : undefined;
    }, 10_000);
    const policy = await karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'overridepolicies', name: 'clusterset-dns-shop' }) as { metadata: { annotations?: Record<string, string> } };
    expect(policy.metadata.annotations?.['clusterset-dns.io/local-first-modes']).to.equal('member2=local');
  });

  it('run --manage-coredns sets CoreDNS up in every member it engages', async function () {
    this.timeout(180_000);
    const m2 = members['member2']!;
    const fqdn = `api.${bothNs}.svc.clusterset.local`;
    await controller!.stop();
    // member2 as a fresh cluster would be: no clusterset stanza, no RBAC for CoreDNS.
    expect((await uninstallCoreDns(m2.kc)).kind).to.equal('uninstalled');
    expect((await statusCoreDns(m2.kc)).corefile.status).to.equal('absent');
    controller = await startController(env, [...ROUTE, '--leader-elect=false', '--fail-back-hold-down=10s', '--manage-coredns']);
    await eventually('member2\'s Corefile to carry the stanza again', async () => ((await statusCoreDns(m2.kc)).corefile.status === 'installed' ? true : undefined), 60_000);
    const st = await statusCoreDns(m2.kc);
    expect(st.rbac, 'the additive RBAC for CoreDNS').to.include({ clusterRole: true, binding: true, bound: true });
    await eventually('the setup metrics', async () => {
      const text = await controller!.metricsText();
      return /clusterset_dns_coredns_setup_total\{member_cluster="member2",result="installed"\} 1/.test(text)
        && /clusterset_dns_coredns_setup_total\{member_cluster="member1",result="unchanged"\} 1/.test(text)
        && /clusterset_dns_coredns_configured\{member_cluster="member2"\} 1/.test(text) ? true : undefined;
    }, 30_000);
    // And CoreDNS, reloading the new Corefile, answers again.
    const answer = await eventually('member2 CoreDNS to answer again', async () => {
      const a = await queryA(env.members['member2']!.dns, fqdn);
      return 'ips' in a ? a : undefined;
    }, 90_000, 1_000);
    expect(answer).to.deep.equal({ ips: [bothIps['member2']] });
  });

  async function writes(): Promise<number> {
    const text = (await controller?.metricsText()) ?? '';
    return text.split('\n').filter((l) => l.startsWith('clusterset_dns_writes_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  }

  /**
   * The controller reports the member unreachable: its readyz check fails
   * with a reason and its clusterset_dns_member_reachable gauge is 0.
   */
  async function unreachableSeen(member: string): Promise<void> {
    const gauge = new RegExp(`^clusterset_dns_member_reachable\\{member_cluster="${member}"\\} (\\S+)$`, 'm');
    const seen = await eventually(`the controller to report ${member} unreachable`, async () => {
      const r = await fetch(`${controller!.health}/readyz/cluster-${member}`);
      const ready = gauge.exec(await controller!.metricsText())?.[1];
      return r.status >= 500 && ready === '0' ? r.text() : undefined;
    }, 60_000, 500);
    expect(seen, 'the check fails with a reason').to.match(/^internal server error: \S/);
  }

  async function overrideRules(ns: string, svc: string): Promise<Record<string, string[]>> {
    const p = await karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'overridepolicies', name: `clusterset-dns-${svc}` }) as { spec: { overrideRules: Array<{ targetCluster: { clusterNames: string[] }; overriders: { plaintext: Array<{ value: string[] }> } }> } };
    return Object.fromEntries(p.spec.overrideRules.map((r) => [r.targetCluster.clusterNames[0], r.overriders.plaintext[0]?.value]));
  }
});

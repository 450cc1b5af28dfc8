/**
 * Local-first failover benchmark (issue 5). Over N failovers on the local
 * environment, time from the EndpointSlice update that removes the last ready
 * local endpoint to
 *   (a) spec.ips changed in the member (our watch on member2's ServiceImport),
 *   (b) the member's CoreDNS answering the new IP.
 * For (b), CoreDNS's `cache 30` would hide the change for up to 30 s, so the
 * benchmark adds a second server block for the clusterset zone to member2's
 * Corefile — the same CoreDNS process and the same in-tree `kubernetes …
 * multicluster` code, without `cache` — and polls it every 5 ms. The Corefile
 * is restored at the end.
 *
 * Floor, measured in the same run: the member API server's own
 * write-to-watch latency for that EndpointSlice update (our watch on it).
 *
 *   npx tsx bench/failover.ts [--n 50] [--hold-down 2s]
 */
import { Resolver } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { KARMADA_CONTEXT, access } from '../test/env/environment.js';
import { startController } from '../test/env/controller.js';
import { installCoreDns } from '../src/coredns/install.js';
import { MCS_API_VERSION } from '../src/kube/gvr.js';
import { useEnvironment } from '../test/support/environment.js';
import { memberService, serviceExport, serviceImport } from '../test/support/mcs.js';
import { applyAll, clients } from '../test/support/kube.js';
import { Api, Watcher, now, sleep } from './lib/api.js';
import { summarize } from './lib/stats.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '50' }, 'hold-down': { type: 'string', default: '2s' } } });
const N = Number(values.n);
const HOLD = String(values['hold-down']);

const env = await useEnvironment();
const ns = `bench-failover-${Date.now().toString(36)}`;
const karmada = clients(env, KARMADA_CONTEXT);
const m1 = clients(env, 'member1');
const m2 = clients(env, 'member2');
const api2 = new Api(access(env, 'member2'));
const log = (s: string) => console.error(`[failover] ${s}`);

// CoreDNS: the stanza, plus a cache-less block for the zone (see the header).
await installCoreDns(m2.kc);
const cm = await m2.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });
const original = cm.data?.['Corefile'] ?? '';
const uncached = `${original}\nclusterset.local:53 {\n    kubernetes clusterset.local {\n       multicluster clusterset.local\n       ttl 0\n    }\n}\n`;
await m2.core.replaceNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns', body: { ...cm, data: { ...cm.data, Corefile: uncached } } });

const controller = await startController(env, ['--leader-elect=false', `--fail-back-hold-down=${HOLD}`], 'clusterset-dns-bench-failover');
const failures: string[] = [];
try {
  await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
  for (const c of [m1, m2]) {
    const deadline = Date.now() + 30_000;
    while (!(await c.core.readNamespace({ name: ns }).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error(`namespace ${ns} never reached a member`);
      await sleep(100);
    }
  }
  await applyAll(m1, memberService(ns, 'shop', '10.244.1.30'));
  await applyAll(m2, memberService(ns, 'shop', '10.244.2.30'));
  await applyAll(karmada, serviceExport(ns, 'shop', ['member1', 'member2']));
  const [si, pp] = serviceImport(ns, 'shop', ['member2']);
  si!.metadata!.annotations = { 'clusterset-dns.io/local-first': 'true' };
  await applyAll(karmada, [si!, pp!]);

  // Watches: member2's ServiceImport (spec.ips) and the local EndpointSlice (the floor).
  let ips: string[] = [];
  let ipsChangedAt = 0;
  let sliceSeenAt = 0;
  let sliceRv = '';
  const siWatch = new Watcher(api2, `/apis/${MCS_API_VERSION}/namespaces/${ns}/serviceimports`, {}, (_t, o, t) => {
    const next = (o.spec?.ips as string[] | undefined) ?? [];
    if (next.join() !== ips.join()) {
      ips = next;
      ipsChangedAt = t;
    }
  });
  const sliceWatch = new Watcher(api2, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, { labelSelector: 'kubernetes.io/service-name=shop' }, (_t, o, t) => {
    if (o.metadata.resourceVersion !== sliceRv) {
      sliceRv = o.metadata.resourceVersion ?? '';
      sliceSeenAt = t;
    }
  });
  await siWatch.start();
  await sliceWatch.start();

  const svc = (name: string) => m2.core.readNamespacedService({ namespace: ns, name }).then((s) => s.spec?.clusterIP ?? '');
  let localIp = '';
  let derivedIp = '';
  const until = async (what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  };
  localIp = await svc('shop');
  await until('derived-shop in member2', async () => (derivedIp = await svc('derived-shop').catch(() => '')) !== '');
  await until('spec.ips = local', () => ips[0] === localIp);
  log(`local ${localIp}, derived ${derivedIp}`);

  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([env.members['member2']!.dns]);
  const answer = async () => (await resolver.resolve4(`shop.${ns}.svc.clusterset.local`).catch(() => [] as string[]))[0] ?? '';
  await until('DNS = local', async () => (await answer()) === localIp);

  const floor: number[] = [];
  const toIps: number[] = [];
  const toDns: number[] = [];
  const slicePath = `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/shop-a`;
  for (let i = 0; i < N; i++) {
    const rvBefore = sliceRv;
    const t0 = now();
    await api2.mergePatch(slicePath, { endpoints: [{ addresses: ['10.244.2.30'], conditions: { ready: false } }] });
    let dnsAt = 0;
    await until('DNS = derived', async () => {
      if ((await answer()) === derivedIp) dnsAt = now();
      return dnsAt > 0;
    }, 30_000);
    await until('spec.ips = derived', () => ips[0] === derivedIp, 30_000);
    await until('slice event', () => sliceRv !== rvBefore, 30_000);
    floor.push(sliceSeenAt - t0);
    toIps.push(ipsChangedAt - t0);
    toDns.push(dnsAt - t0);
    // Fail back (after the hold-down) before the next round.
    await api2.mergePatch(slicePath, { endpoints: [{ addresses: ['10.244.2.30'], conditions: { ready: true } }] });
    await until('spec.ips = local again', () => ips[0] === localIp, 60_000);
    await until('DNS = local again', async () => (await answer()) === localIp, 30_000);
    if ((i + 1) % 10 === 0) log(`${i + 1}/${N}`);
  }
  siWatch.stop();
  sliceWatch.stop();
  const fmt = (x: ReturnType<typeof summarize>) => `n=${x.n} p50=${x.p50.toFixed(1)}ms p90=${x.p90.toFixed(1)}ms p99=${x.p99.toFixed(1)}ms max=${x.max.toFixed(1)}ms`;
  console.log(JSON.stringify({ n: N, holdDown: HOLD, debounceMs: 200, floor: summarize(floor), specIps: summarize(toIps), dns: summarize(toDns) }, null, 2));
  console.log(`floor (slice update → our watch sees it): ${fmt(summarize(floor))}`);
  console.log(`(a) slice update → spec.ips changed in member2: ${fmt(summarize(toIps))}`);
  console.log(`(b) slice update → CoreDNS answers the derived IP: ${fmt(summarize(toDns))}`);
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
} finally {
  await controller.stop();
  const cur = await m2.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' });
  await m2.core.replaceNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns', body: { ...cur, data: { ...cur.data, Corefile: original } } });
  await karmada.core.deleteNamespace({ name: ns }).catch(() => undefined);
}
if (failures.length) {
  console.error(`failover benchmark failed: ${failures.join('; ')}`);
  process.exit(1);
}
process.exit(0);

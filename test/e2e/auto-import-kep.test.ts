/**
 * What KEP-1645 (Multi-Cluster Services) says an import carries and how
 * exports that disagree are merged, checked end to end with `run
 * --auto-import` on the local environment: each case exports from the
 * members themselves and reads member2's ServiceImport, the ServiceExports'
 * conditions and member2's real CoreDNS. The subjects follow the mcs-api
 * conformance suite's (docs/auto-import.md "MCS conformance").
 */
import { expect } from 'chai';
import { Resolver } from 'node:dns/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { AutoImportSetting } from '../support/auto-import.js';
import { applyAll, eventually, getOrUndefined, queryA, type Clients } from '../support/kube.js';
import { getServiceImport } from '../support/mcs.js';

type Spec = Record<string, unknown>;

describe('automatic imports: what KEP-1645 says an import carries (e2e)', function () {
  this.timeout(300_000);
  const setting = new AutoImportSetting('mcs-kep', 'clusterset-dns-mcs-kep');
  const { ns } = setting;
  const service = (c: Clients, name: string, spec: Spec) => applyAll(c, [{ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec } as KubernetesObject]);
  /** member2's ServiceImport once `ready` says it has what the case waits for. */
  const importIn = (c: Clients, name: string, ready: (spec: Spec, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }) => boolean) =>
    eventually(`ServiceImport ${ns}/${name} as expected`, async () => {
      const si = await getOrUndefined(() => getServiceImport(c, ns, name));
      return si && ready(si.spec as Spec, si.metadata) ? si : undefined;
    }, 60_000);

  before(async function () {
    this.timeout(30 * 60_000);
    await setting.before();
  });
  afterEach(function () {
    setting.afterEach(this.currentTest?.state === 'failed');
  });
  after(() => setting.after());

  it('session affinity and its config, internal traffic policy, traffic distribution and one IP per family match the exported Service', async () => {
    const { m1, m2 } = setting;
    await service(m1, 'aff', {
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } },
      internalTrafficPolicy: 'Local',
      trafficDistribution: 'PreferClose',
    });
    await setting.exportIn(m1, 'aff');
    const si = await importIn(m2, 'aff', (s) => Array.isArray(s['ips']) && (s['ips'] as unknown[]).length > 0);
    expect(si.spec).to.deep.include({
      type: 'ClusterSetIP',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } },
      internalTrafficPolicy: 'Local',
      trafficDistribution: 'PreferClose',
      ipFamilies: ['IPv4'],
    });
    expect(si.spec.ips, 'one IP per family, in ipFamilies order').to.have.length(1);
  });

  it('two exports with different ports: the import has the union, and both say PortConflict', async () => {
    const { m1, m2 } = setting;
    await service(m1, 'union', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await setting.exportIn(m1, 'union');
    await setting.conditionsBecome(m1, 'member1', 'union', { Ready: 'True/Exported' });
    await service(m2, 'union', { ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] });
    await setting.exportIn(m2, 'union');
    const si = await importIn(m2, 'union', (s) => (s['ports'] as unknown[]).length === 2);
    expect(si.spec.ports).to.have.deep.members([{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) await setting.conditionsBecome(c, cluster, 'union', { Conflict: 'True/PortConflict' });
  });

  it('conflicting headlessness: the oldest export\'s ClusterSetIP wins, and both say TypeConflict', async () => {
    const { m1, m2 } = setting;
    await service(m1, 'shape', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await setting.exportIn(m1, 'shape');
    await setting.conditionsBecome(m1, 'member1', 'shape', { Ready: 'True/Exported' });
    await service(m2, 'shape', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await setting.exportIn(m2, 'shape');
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) {
      // Reasons are comma-joined when several properties disagree (mcs-api allows it).
      const got = await eventually(`TypeConflict on ${cluster}'s export`, async () => {
        const conflict = (await setting.conditionsOf(c, 'shape'))['Conflict'] ?? '';
        return conflict.startsWith('True/') && conflict.slice(5).split(',').includes('TypeConflict') ? conflict : undefined;
      }, 60_000);
      expect(got).to.match(/^True\//);
    }
    expect((await getServiceImport(setting.karmada, ns, 'shape')).spec.type).to.equal('ClusterSetIP');
  });

  it('only the exported labels and annotations reach the import; disagreeing ones follow the oldest export, with LabelsConflict', async () => {
    const { m1, m2 } = setting;
    // A label of the Service itself is not exported; only the ServiceExport's exportedLabels are.
    await applyAll(m1, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'meta', namespace: ns, labels: { 'not-exported': 'x' } }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject]);
    await setting.exportIn(m1, 'meta', { spec: { exportedLabels: { tier: 'web' }, exportedAnnotations: { owner: 'team-a' } } } as Partial<KubernetesObject>);
    const si = await importIn(m2, 'meta', (_s, m) => m.labels?.['tier'] === 'web');
    expect(si.metadata.annotations).to.include({ owner: 'team-a' });
    expect(si.metadata.labels).to.not.have.property('not-exported');
    await service(m2, 'meta', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await setting.exportIn(m2, 'meta', { spec: { exportedLabels: { tier: 'db' } } } as Partial<KubernetesObject>);
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) {
      await eventually(`LabelsConflict on ${cluster}'s export`, async () => ((await setting.conditionsOf(c, 'meta'))['Conflict']?.slice(5).split(',').includes('LabelsConflict') ? true : undefined), 60_000);
    }
    expect((await getServiceImport(setting.karmada, ns, 'meta')).metadata.labels).to.include({ tier: 'web' });
  });

  it('DNS: SRV for a ClusterSetIP import, and cluster.local names stay each cluster\'s own', async () => {
    const { m1, m2, env } = setting;
    await service(m1, 'dns', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await setting.exportIn(m1, 'dns');
    await importIn(m2, 'dns', (s) => Array.isArray(s['ips']) && (s['ips'] as unknown[]).length > 0);
    const dns2 = env.members['member2']!.dns;
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([dns2]);
    const srv = await eventually(`SRV _http._tcp.dns.${ns}.svc.clusterset.local from member2`, async () => {
      const r = await resolver.resolveSrv(`_http._tcp.dns.${ns}.svc.clusterset.local`).catch(() => []);
      return r.length > 0 ? r : undefined;
    }, 60_000);
    expect(srv.map((r) => [r.name, r.port])).to.deep.equal([[`dns.${ns}.svc.clusterset.local`, 80]]);
    // member2 has no Service "dns" of its own: its cluster.local name does not exist there...
    expect(await queryA(dns2, `dns.${ns}.svc.cluster.local`)).to.deep.equal({ error: 'ENOTFOUND' });
    // ...while member1's answers with member1's own ClusterIP.
    const own = (await m1.core.readNamespacedService({ name: 'dns', namespace: ns })).spec?.clusterIP;
    const answer = await eventually(`dns.${ns}.svc.cluster.local from member1`, async () => {
      const a = await queryA(env.members['member1']!.dns, `dns.${ns}.svc.cluster.local`);
      return 'ips' in a ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [own] });
  });
});

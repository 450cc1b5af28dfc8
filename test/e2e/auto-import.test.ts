/**
 * `run --auto-import` on the local environment (docs/auto-import.md): a
 * ServiceExport made only in a member — no ServiceImport, no
 * PropagationPolicy written by hand — is imported by every member where its
 * namespace exists, the exporting one included, with spec.ips filled and an
 * answer from the importer's real CoreDNS; each export gets mcs-api's
 * conditions; conflicts and invalid exports are reported; the last export
 * gone takes everything we made with it. A ServiceImport someone wrote by
 * hand is left alone.
 */
import { expect } from 'chai';
import { Resolver } from 'node:dns/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EnvState } from '../env/environment.js';
import { MCS_API_VERSION } from '../../src/kube/gvr.js';
import { importPolicyName } from '../../src/autoimport/decide.js';
import { AutoImportSetting } from '../support/auto-import.js';
import { applyAll, eventually, getOrUndefined, queryA, type Clients } from '../support/kube.js';
import { MCS, getServiceImport, memberService } from '../support/mcs.js';

describe('automatic imports (e2e)', function () {
  this.timeout(300_000);
  const setting = new AutoImportSetting('auto-import', 'clusterset-dns-auto-import');
  const { ns } = setting;
  let env: EnvState;
  let karmada: Clients;
  let m1: Clients;
  let m2: Clients;
  const exportIn = (c: Clients, name: string) => setting.exportIn(c, name);
  const conditionsBecome = (c: Clients, cluster: string, name: string, want: Record<string, string>) => setting.conditionsBecome(c, cluster, name, want);

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    await setting.before();
    ({ env, karmada, m1, m2 } = setting);
  });

  afterEach(function () {
    setting.afterEach(this.currentTest?.state === 'failed');
  });

  after(() => setting.after());

  it('a ServiceExport made only in member1 is imported in both members, filled, answered by CoreDNS, and marked Ready', async () => {
    await applyAll(m1, memberService(ns, 'web', '10.10.1.5'));
    await exportIn(m1, 'web');

    const cpImport = await eventually('the control-plane ServiceImport', () => getOrUndefined(() => getServiceImport(karmada, ns, 'web')), 60_000);
    expect(cpImport.metadata?.labels).to.include({ 'app.kubernetes.io/managed-by': 'clusterset-dns', 'clusterset-dns.io/auto-import': 'true' });
    expect(cpImport.spec).to.deep.include({ type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    // The environment's control plane has mcs-api's CRD, which keeps what Karmada's drops.
    expect(cpImport.spec, 'carried from the Service').to.deep.include({ ipFamilies: ['IPv4'], internalTrafficPolicy: 'Cluster' });
    const cpNs = await karmada.core.readNamespace({ name: ns });
    expect(cpNs.metadata?.labels, 'not spread to the members by Karmada').to.include({ 'namespace.karmada.io/skip-auto-propagation': 'true' });

    for (const [name, c] of [['member1', m1], ['member2', m2]] as const) {
      const ip = await eventually(`derived-web in ${name}`, async () => (await getOrUndefined(() => c.core.readNamespacedService({ name: 'derived-web', namespace: ns })))?.spec?.clusterIP, 60_000);
      await eventually(`spec.ips of ${name}'s ServiceImport to be [${ip}]`, async () => {
        const si = await getOrUndefined(() => getServiceImport(c, ns, 'web'));
        return JSON.stringify(si?.spec.ips) === JSON.stringify([ip]) ? true : undefined;
      }, 60_000);
      if (name === 'member2') {
        const answer = await eventually(`member2's CoreDNS to answer web.${ns}.svc.clusterset.local`, async () => {
          const a = await queryA(env.members['member2']!.dns, `web.${ns}.svc.clusterset.local`);
          return 'ips' in a && a.ips.includes(ip) ? a : undefined;
        }, 60_000);
        expect(answer).to.deep.equal({ ips: [ip] });
      }
    }
    // Karmada spread member1's endpoints to member2 (the sentinel made it collect a member-only export).
    await eventually('member1\'s endpoints in member2', async () => {
      const slices = await m2.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=derived-web' });
      return slices.items.some((s) => s.endpoints.some((e) => e.addresses.includes('10.10.1.5'))) ? true : undefined;
    }, 60_000);
    await conditionsBecome(m1, 'member1', 'web', { Valid: 'True/Valid', Conflict: 'False/NoConflicts', Ready: 'True/Exported' });
  });

  it('a second export with a conflicting port: the oldest export\'s port wins, and both say Conflict', async () => {
    await applyAll(m2, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } } as KubernetesObject]);
    await exportIn(m2, 'web');
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) {
      await conditionsBecome(c, cluster, 'web', { Valid: 'True/Valid', Conflict: 'True/PortConflict' });
    }
    const si = await getServiceImport(karmada, ns, 'web');
    expect(si.spec.ports, 'member1 exported first').to.deep.equal([{ name: 'http', port: 80, protocol: 'TCP' }]);
  });

  it('an ExternalName Service is not valid: Valid=False, and nothing is imported', async () => {
    await applyAll(m1, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: ns }, spec: { type: 'ExternalName', externalName: 'example.invalid' } } as KubernetesObject]);
    await exportIn(m1, 'ext');
    await conditionsBecome(m1, 'member1', 'ext', { Valid: 'False/InvalidServiceType', Ready: 'False/Failed' });
    expect(await getOrUndefined(() => getServiceImport(karmada, ns, 'ext')), 'no ServiceImport for an invalid export').to.equal(undefined);
  });

  it('a ServiceImport written by hand in the control plane is left as it is', async () => {
    await applyAll(m1, memberService(ns, 'native', '10.10.1.6'));
    await applyAll(karmada, [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', metadata: { name: 'native', namespace: ns }, spec: { type: 'ClusterSetIP', ports: [{ name: 'web', port: 81, protocol: 'TCP' }] } } as KubernetesObject]);
    await exportIn(m1, 'native');
    // The export is Ready through the hand-written import...
    await conditionsBecome(m1, 'member1', 'native', { Valid: 'True/Valid', Ready: 'True/Exported' });
    // ...which keeps its own ports and gets neither our labels nor our policy.
    const si = await getServiceImport(karmada, ns, 'native');
    expect(si.spec.ports).to.deep.equal([{ name: 'web', port: 81, protocol: 'TCP' }]);
    expect(si.metadata?.labels ?? {}).to.not.have.property('clusterset-dns.io/auto-import');
    expect(await getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: ns, plural: 'propagationpolicies', name: importPolicyName('native') }))).to.equal(undefined);
    await karmada.custom.deleteNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceimports', name: 'native' });
    await m1.custom.deleteNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceexports', name: 'native' });
  });

  it('a headless Service: a Headless import, MCS EndpointSlices in both members, and member2\'s CoreDNS answers the name, the per-pod name and SRV', async () => {
    await applyAll(m1, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hl', namespace: ns }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubernetesObject,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'hl-a', namespace: ns, labels: { 'kubernetes.io/service-name': 'hl', 'endpointslice.kubernetes.io/managed-by': 'clusterset-dns-tests' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.10.1.7'], hostname: 'hl-0', conditions: { ready: true } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      } as KubernetesObject,
    ]);
    await exportIn(m1, 'hl');
    const cpImport = await eventually('the control-plane ServiceImport hl', () => getOrUndefined(() => getServiceImport(karmada, ns, 'hl')), 60_000);
    expect(cpImport.spec.type).to.equal('Headless');
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) {
      const mirror = await eventually(`an MCS EndpointSlice of hl from member1 in ${cluster}`, async () => {
        const l = await c.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'multicluster.kubernetes.io/service-name=hl,multicluster.kubernetes.io/source-cluster=member1' });
        return l.items.find((x) => x.endpoints.some((e) => e.addresses.includes('10.10.1.7')));
      }, 60_000);
      expect(mirror.endpoints.map((e) => e.hostname)).to.deep.equal(['hl-0']);
      expect(mirror.metadata?.labels, 'not the core controllers\', and no kubernetes.io/service-name').to.include({ 'endpointslice.kubernetes.io/managed-by': 'endpointslice-mirror.clusterset-dns.io' }).and.not.have.property('kubernetes.io/service-name');
    }
    const dns = env.members['member2']!.dns;
    for (const name of [`hl.${ns}.svc.clusterset.local`, `hl-0.member1.hl.${ns}.svc.clusterset.local`]) {
      const answer = await eventually(`member2's CoreDNS to answer ${name}`, async () => {
        const a = await queryA(dns, name);
        return 'ips' in a && a.ips.includes('10.10.1.7') ? a : undefined;
      }, 60_000);
      expect(answer).to.deep.equal({ ips: ['10.10.1.7'] });
    }
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([dns]);
    const srv = await eventually(`member2's CoreDNS to answer SRV _http._tcp.hl.${ns}.svc.clusterset.local`, async () => {
      const r = await resolver.resolveSrv(`_http._tcp.hl.${ns}.svc.clusterset.local`).catch(() => []);
      return r.length > 0 ? r : undefined;
    }, 60_000);
    expect(srv.map((r) => [r.name, r.port])).to.deep.equal([[`hl-0.member1.hl.${ns}.svc.clusterset.local`, 8080]]);
  });

  it('the last export gone: the member imports, our policy, import and control-plane namespace go; the members keep theirs', async () => {
    expect(await getOrUndefined(() => getServiceImport(karmada, ns, 'web')), 'imported before').to.not.equal(undefined);
    expect(await getOrUndefined(() => getServiceImport(m2, ns, 'web')), 'in member2 before').to.not.equal(undefined);
    for (const [c, name] of [[m1, 'web'], [m2, 'web'], [m1, 'ext'], [m1, 'hl']] as const) await c.custom.deleteNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceexports', name });
    for (const [cluster, c] of [['member1', m1], ['member2', m2]] as const) {
      await eventually(`${cluster}'s ServiceImport ${ns}/web to go`, async () => ((await getOrUndefined(() => getServiceImport(c, ns, 'web'))) === undefined ? true : undefined), 60_000);
    }
    await eventually(`the control-plane namespace ${ns} to go`, async () => ((await getOrUndefined(() => karmada.core.readNamespace({ name: ns }))) === undefined ? true : undefined), 120_000);
    for (const c of [m1, m2]) expect((await c.core.readNamespace({ name: ns })).status?.phase).to.equal('Active');
    for (const c of [m1, m2]) {
      const left = await c.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'endpointslice.kubernetes.io/managed-by=endpointslice-mirror.clusterset-dns.io' });
      expect(left.items.map((x) => x.metadata?.name), 'no MCS EndpointSlice left').to.deep.equal([]);
    }
  });
});

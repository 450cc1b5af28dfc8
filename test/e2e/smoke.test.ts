/**
 * Smoke test of the local environment: Karmada's own multi-cluster service
 * flow (test/e2e/suites/base/mcs_test.go upstream), without pods — the test
 * writes the EndpointSlice itself — and the gap this project closes: Karmada
 * never fills ServiceImport.spec.ips, so CoreDNS cannot answer clusterset.local
 * until something does. Here the test fills it by hand, through an
 * OverridePolicy, which is the route the controller takes (docs/design.md#where-writes-go).
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { useEnvironment } from '../support/environment.js';
import { KUBEADM_COREFILE } from '../env/manifests.js';
import { installCoreDns, uninstallCoreDns } from '../../src/coredns/install.js';
import { applyAll, clients, eventually, getOrUndefined, queryA, uniqueName, type Clients } from '../support/kube.js';
import { MCS, memberService, serviceExport, serviceImport, type ServiceImportObject as ServiceImport } from '../support/mcs.js';

const ENDPOINT_IP = '10.244.1.10';

describe('local environment: Karmada MCS flow and CoreDNS (smoke)', function () {
  this.timeout(180_000);
  let env: EnvState;
  let karmada: Clients;
  let member1: Clients;
  let member2: Clients;
  const ns = uniqueName('smoke');
  const svc = 'web';
  const fqdn = `${svc}.${ns}.svc.clusterset.local`;
  let originalCorefile: string | undefined;
  let reinstall = false;

  const memberServiceImport = () =>
    getOrUndefined(() => member2.custom.getNamespacedCustomObject({ ...MCS, namespace: ns, plural: 'serviceimports', name: svc }) as Promise<ServiceImport>);

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    member1 = clients(env, 'member1');
    member2 = clients(env, 'member2');
    // This test edits member2's Corefile by hand from kubeadm's default: start
    // from there whatever earlier tests left, and put it back afterwards.
    const cm = await member2.core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' });
    originalCorefile = cm.data?.['Corefile'] ?? '';
    if (originalCorefile !== KUBEADM_COREFILE) {
      const r = await uninstallCoreDns(member2.kc);
      expect(r.kind, r.message).to.be.oneOf(['uninstalled', 'unchanged']);
      reinstall = true;
    }
  });

  after(async () => {
    if (!karmada) return;
    // Leave member2's CoreDNS as kubeadm set it up, for the tests after this one.
    if (originalCorefile !== undefined) {
      const cm = await member2.core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' });
      await member2.core.replaceNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system', body: { ...cm, data: { ...cm.data, Corefile: originalCorefile } } });
    }
    for (const kind of ['ClusterRoleBinding', 'ClusterRole']) {
      await member2.objects.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'smoke-coredns-serviceimports' } }).catch(() => undefined);
    }
    if (reinstall) await installCoreDns(member2.kc);
    await karmada.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('propagates the namespace to both members', async () => {
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    for (const m of [member1, member2]) {
      await eventually(`namespace ${ns} in a member`, () => getOrUndefined(() => m.core.readNamespace({ name: ns })));
    }
  });

  it('collects member1\'s EndpointSlices into the control plane once the Service is exported', async () => {
    await applyAll(member1, memberService(ns, svc, ENDPOINT_IP));
    await applyAll(karmada, serviceExport(ns, svc, ['member1']));
    const slice = await eventually('a control-plane EndpointSlice for derived-' + svc, async () => {
      const list = await karmada.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=derived-${svc}` });
      return list.items.find((s) => s.endpoints.some((e) => e.addresses.includes(ENDPOINT_IP)));
    }, 60_000);
    // In the control plane the Work annotation names the source cluster (Karmada's endpointslice controller,
    // pkg/controllers/mcs/endpointslice_controller.go).
    expect(slice.metadata?.annotations?.['work.karmada.io/namespace']).to.equal('karmada-es-member1');
    expect(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']).to.equal('endpointslice-controller.karmada.io');
  });

  let derivedIp = '';
  it('creates derived-<svc> in member2 with member2\'s own ClusterIP, and leaves spec.ips empty', async () => {
    await applyAll(karmada, serviceImport(ns, svc, ['member2']));
    const derived = await eventually(`derived-${svc} in member2`, () => getOrUndefined(() => member2.core.readNamespacedService({ name: `derived-${svc}`, namespace: ns })), 60_000);
    derivedIp = derived.spec?.clusterIP ?? '';
    expect(derivedIp, 'member2 allocates from its own service CIDR 10.98.0.0/16').to.match(/^10\.98\./);
    const si = await eventually('ServiceImport in member2', memberServiceImport, 60_000);
    expect(si.metadata.labels?.['karmada.io/managed']).to.equal('true');
    expect(si.spec.ips, 'Karmada never fills spec.ips (karmada-io/karmada#3197)').to.equal(undefined);
    await eventually('imported EndpointSlice in member2', async () => {
      const list = await member2.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=derived-${svc}` });
      return list.items.find((s) => s.endpoints.some((e) => e.addresses.includes(ENDPOINT_IP)));
    }, 60_000);
  });

  it('reverts a direct patch of spec.ips on the Karmada-managed ServiceImport in member2 (why a member-side write needs our annotation and the retention rule, or an OverridePolicy)', async () => {
    // The API server accepts the patch (the response is the stored object)…
    const patched = (await member2.custom.patchNamespacedCustomObject(
      { ...MCS, namespace: ns, plural: 'serviceimports', name: svc, body: [{ op: 'add', path: '/spec/ips', value: [derivedIp] }] },
    )) as ServiceImport;
    expect(patched.spec.ips).to.deep.equal([derivedIp]);
    // Karmada's work-status controller sees the member object change and
    // re-applies the Work's manifest (ObjectWatcher.NeedsUpdate; docs/upstream-behaviour.md).
    await eventually('Karmada to revert spec.ips', async () => ((await memberServiceImport())?.spec.ips === undefined ? true : undefined), 60_000);
  });

  it('answers the clusterset name from member2\'s CoreDNS once the zone, the RBAC and spec.ips are in place', async () => {
    const dns = env.members['member2']?.dns ?? '';
    // kubeadm's Corefile does not serve the zone: the query goes to `forward` and fails
    // (awaited: CoreDNS reloads a restored Corefile within a few seconds).
    await eventually('SERVFAIL from kubeadm\'s Corefile', async () => {
      const a = await queryA(dns, `probe-${Date.now()}.${ns}.svc.clusterset.local`);
      return 'error' in a && a.error === 'ESERVFAIL' ? a : undefined;
    }, 30_000);
    expect(await queryA(dns, fqdn)).to.deep.equal({ error: 'ESERVFAIL' });

    // RBAC first, then the Corefile: CoreDNS must be able to list serviceimports when it reloads.
    await applyAll(member2, [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'smoke-coredns-serviceimports' },
        rules: [{ apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports'], verbs: ['list', 'watch'] }] } as KubernetesObject,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'smoke-coredns-serviceimports' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'smoke-coredns-serviceimports' },
        subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }] } as KubernetesObject,
    ]);
    const cm = await member2.core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' });
    // The in-tree stanza for CoreDNS >= 1.12.2, edited by hand here (docs/coredns.md).
    const edited = KUBEADM_COREFILE
      .replace('kubernetes cluster.local in-addr.arpa ip6.arpa {', 'kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa {')
      .replace('       ttl 30\n', '       ttl 30\n       multicluster clusterset.local\n');
    expect(edited).to.not.equal(KUBEADM_COREFILE);
    await member2.core.replaceNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system', body: { ...cm, data: { ...cm.data, Corefile: edited } } });

    // The zone is served now, but with no spec.ips there is nothing to answer:
    // NOERROR with no records (NODATA), not NXDOMAIN — the name exists.
    let last: unknown;
    await eventually('CoreDNS to serve the clusterset zone (NODATA, not SERVFAIL)', async () => {
      const a = await queryA(dns, fqdn);
      last = a;
      return 'error' in a && a.error === 'ENODATA' ? a : undefined;
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; last answer ${JSON.stringify(last)}`);
    });

    await applyAll(karmada, [{
      apiVersion: 'policy.karmada.io/v1alpha1',
      kind: 'OverridePolicy',
      metadata: { name: `${svc}-ips`, namespace: ns },
      spec: {
        resourceSelectors: [{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: svc }],
        overrideRules: [{ targetCluster: { clusterNames: ['member2'] }, overriders: { plaintext: [{ path: '/spec/ips', operator: 'add', value: [derivedIp] }] } }],
      },
    } as KubernetesObject]);
    await eventually('spec.ips in member2 from the OverridePolicy', async () => {
      const si = await memberServiceImport();
      return si?.spec.ips?.[0] === derivedIp ? true : undefined;
    }, 60_000);
    // kubeadm's `cache 30` also caches negative answers for clusterset.local
    // (it disables caching for cluster.local only), so the NODATA above can
    // hide the new IP for up to 30 s.
    const answer = await eventually(`${fqdn} to resolve`, async () => {
      const a = await queryA(dns, fqdn);
      return 'ips' in a ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [derivedIp] });
  });
});

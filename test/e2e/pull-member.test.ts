/**
 * A member joined in Pull mode by a real karmada-agent (test/support/pull-member.ts),
 * after what we ship for members is in the control plane:
 *
 *  - it receives the member-side parts from their ClusterPropagationPolicies,
 *    with no step of ours: the MCS CRDs (examples/00-mcs-crds.yaml with
 *    `placement: {}`), the controller's and CoreDNS's RBAC (config/members),
 *    and what `run --manage-coredns` needs (config/members/manage-coredns),
 *    carried out in the member by the agent;
 *  - the controller, under exactly the shipped RBAC (config/karmada in the
 *    control plane, the propagated config/members in the member), reaches it
 *    through Karmada's cluster proxy — the only way to reach a Pull member —
 *    fills spec.ips there, and with `--manage-coredns` sets its CoreDNS up.
 *
 * The environment's own members are kept out of it (memberParts).
 */
import { PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { statusCoreDns } from '../../src/coredns/status.js';
import { SERVICEIMPORT_CRD } from '../../src/kube/gvr.js';
import { repoRoot } from '../env/binaries.js';
import { kustomizeResources, startController, type RunningController } from '../env/controller.js';
import { KARMADA_CONTEXT, MEMBERS, type EnvState } from '../env/environment.js';
import { kubeadmCoreDns } from '../env/manifests.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, uniqueName, type Clients } from '../support/kube.js';
import { derivedIp, exportFrom, ipsIn, serviceImport } from '../support/mcs.js';
import { joinPullMember, type PullMember } from '../support/pull-member.js';
import { parseYamlObjects } from '../env/kube.js';

const CPP = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'clusterpropagationpolicies' };
const CRD_POLICY = 'multicluster-services-crds';
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
/** Karmada marks what it puts into a member (pkg/util/constants.go, ManagedByKarmadaLabel). */
const KARMADA_MANAGED = 'karmada.io/managed';

/**
 * config/members and config/members/manage-coredns as a user applies them to the control plane,
 * but for one thing: the policies do not dispatch to the environment's own members. Those got the
 * same objects applied directly (test/env/controller.ts) — or not yet, when no controller has
 * started — and Karmada would otherwise create there what is missing and delete it again with
 * the templates at the end, taking CoreDNS's RBAC from under the tests that follow.
 */
const memberParts = (): KubernetesObject[] => [
  ...kustomizeResources(join(repoRoot, 'config', 'members')),
  ...kustomizeResources(join(repoRoot, 'config', 'members', 'manage-coredns')),
].map((o) => (o.kind === 'ClusterPropagationPolicy'
  ? { ...o, spec: { ...(o as { spec: object }).spec, suspension: { dispatchingOnClusters: { clusterNames: [...MEMBERS] } } } } as KubernetesObject
  : o));

describe('a Pull member joined by karmada-agent (e2e)', function () {
  this.timeout(240_000);
  let env: EnvState;
  let karmada: Clients;
  let member3: PullMember | undefined;
  let controller: RunningController | undefined;
  /** The CRD policy as it was before (undefined: there was none, this test created it). */
  let crdPolicyBefore: { placement: unknown } | undefined;
  const ns = uniqueName('pull');
  const svc = 'web';

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    await applyAll(karmada, memberParts());
    // The MCS CRDs to every member, including ones that join later: examples/00-mcs-crds.yaml with an
    // empty placement. If the environment (or the examples test) already has the policy, widen it.
    const existing = await getOrUndefined(() => karmada.custom.getClusterCustomObject({ ...CPP, name: CRD_POLICY })) as { spec: { placement: unknown } } | undefined;
    if (existing) {
      crdPolicyBefore = { placement: existing.spec.placement };
      await karmada.custom.patchClusterCustomObject({ ...CPP, name: CRD_POLICY, body: [{ op: 'replace', path: '/spec/placement', value: {} }] }, jsonPatch);
    } else {
      const example = parseYamlObjects(readFileSync(join(repoRoot, 'examples', '00-mcs-crds.yaml'), 'utf8'))[0] as KubernetesObject & { spec: { placement: unknown } };
      example.spec.placement = {};
      await applyAll(karmada, [example]);
    }
    member3 = await joinPullMember(env);
  });

  after(async function () {
    this.timeout(180_000);
    await controller?.stop();
    if (!karmada) return;
    await karmada.core.deleteNamespace({ name: ns }).catch(() => undefined);
    await member3?.leave();
    if (crdPolicyBefore) {
      await karmada.custom.patchClusterCustomObject({ ...CPP, name: CRD_POLICY, body: [{ op: 'replace', path: '/spec/placement', value: crdPolicyBefore.placement }] }, jsonPatch);
    } else {
      await karmada.custom.deleteClusterCustomObject({ ...CPP, name: CRD_POLICY }).catch(() => undefined);
    }
    for (const o of memberParts()) await karmada.objects.delete(o).catch(() => undefined);
  });

  it('registers itself as a Pull cluster with an impersonator Secret for the cluster proxy', async () => {
    const cluster = await karmada.custom.getClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name: member3!.name }) as { spec: { syncMode?: string; impersonatorSecretRef?: { name: string } } };
    expect(cluster.spec.syncMode).to.equal('Pull');
    expect(cluster.spec.impersonatorSecretRef?.name, 'what the cluster proxy forwards with').to.be.a('string');
  });

  it('receives the MCS CRDs and the member RBAC from their ClusterPropagationPolicies, with no step of ours', async () => {
    const m3 = member3!.clients;
    for (const crd of [SERVICEIMPORT_CRD, 'serviceexports.multicluster.x-k8s.io']) {
      const got = await eventually(`CRD ${crd} Established in ${member3!.name}`, async () => {
        const o = await getOrUndefined(() => m3.objects.read({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: crd } })) as (KubernetesObject & { status?: { conditions?: Array<{ type: string; status: string }> } }) | undefined;
        return o?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? o : undefined;
      }, 90_000, 500);
      expect(got.metadata?.labels?.[KARMADA_MANAGED], `${crd} put there by Karmada`).to.equal('true');
    }
    // Every object the policies carry, namespaced ones included: a Role in kube-system, say, would never arrive.
    const parts = memberParts().filter((o) => !o.kind?.endsWith('PropagationPolicy'));
    expect(parts.length, 'config/members ships RBAC').to.be.greaterThan(3);
    for (const o of parts) {
      const ref = { apiVersion: o.apiVersion!, kind: o.kind!, metadata: { name: o.metadata!.name!, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}) } };
      const got = await eventually(`${o.kind} ${o.metadata?.name} in ${member3!.name}`, () => getOrUndefined(() => m3.objects.read(ref)), 90_000, 500);
      expect(got.metadata?.labels?.[KARMADA_MANAGED], `${o.kind} ${o.metadata?.name} put there by Karmada`).to.equal('true');
    }
  });

  it('the controller fills spec.ips there through the cluster proxy, and --manage-coredns sets its CoreDNS up', async () => {
    const m3 = member3!.clients;
    // CoreDNS as kubeadm leaves it: kube-system is the cluster's own, which Karmada does not propagate into.
    await applyAll(m3, kubeadmCoreDns(env.versions.coredns));
    // Karmada's scheduler places a ServiceImport only in clusters whose reported API enablements list it;
    // the agent reports member3's some seconds after the propagated CRDs arrive, and a binding refused
    // before that waits for the next change of the Cluster.
    await eventually(`${member3!.name}'s ServiceImport API in its Cluster status`, async () => {
      const c = await karmada.custom.getClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name: member3!.name }) as { status?: { apiEnablements?: Array<{ groupVersion: string; resources?: Array<{ kind: string }> }> } };
      return c.status?.apiEnablements?.some((e) => e.groupVersion === 'multicluster.x-k8s.io/v1alpha1' && e.resources?.some((r) => r.kind === 'ServiceImport')) ? true : undefined;
    }, 90_000, 500);
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    const member1 = clients(env, 'member1');
    await eventually(`namespace ${ns} in member1`, () => getOrUndefined(() => member1.core.readNamespace({ name: ns })));
    await exportFrom(karmada, member1, 'member1', ns, svc, '10.244.1.10');
    await applyAll(karmada, serviceImport(ns, svc, [member3!.name]));
    const ip = await derivedIp(m3, ns, svc, 120_000);
    expect(ip, 'Karmada gave the Pull member a derived Service').to.match(/^10\.99\./);
    expect(await ipsIn(m3, ns, svc), 'nothing fills spec.ips before the controller').to.equal(undefined);

    controller = await startController(env, ['--leader-elect=false', '--manage-coredns']);
    await eventually(`spec.ips in ${member3!.name}`, async () => {
      const ips = await ipsIn(m3, ns, svc);
      return JSON.stringify(ips) === JSON.stringify([ip]) ? ips : undefined;
    }, 90_000, 500);
    const metrics = await controller.metricsText();
    expect(metrics, 'reached through the proxy').to.match(new RegExp(`clusterset_dns_member_reachable\\{member_cluster="${member3!.name}"\\} 1`));

    await eventually(`${member3!.name}'s Corefile to carry the clusterset stanza`, async () => ((await statusCoreDns(member3!.kc)).corefile.status === 'installed' ? true : undefined), 90_000, 500);
    const st = await statusCoreDns(member3!.kc);
    expect(st.rbac, 'CoreDNS may read ServiceImports').to.include({ clusterRole: true, binding: true, bound: true });
    await eventually('the setup metric', async () => (new RegExp(`clusterset_dns_coredns_setup_total\\{member_cluster="${member3!.name}",result="installed"\\} 1`).test(await controller!.metricsText()) ? true : undefined), 30_000);
  });
});

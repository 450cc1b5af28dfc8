/**
 * End to end, on the local environment with the controller as its own
 * process on the OverridePolicy route (--write-route=override-policy): the
 * names of our OverridePolicies (docs/design.md#ownership, "Ours means
 * labelled ours", "The name").
 *
 *  - Someone else's policy at our name, there before the controller starts,
 *    is never changed or deleted; the controller reports PolicyNameTaken and
 *    fills nothing through a policy. Once its owner deletes it, ours is
 *    written and the member filled.
 *  - The longest ServiceImport name Karmada can serve end to end is filled
 *    through a policy named as overridePolicyName says. That length is set by
 *    Karmada, not by us: it creates `derived-<name>`, a Service, whose name
 *    is a DNS label of at most 63 characters, so an import named longer than
 *    55 never gets an IP (and so never needs a policy), far below the 239 at
 *    which `clusterset-dns-<name>` would outgrow an object name (253).
 */
import { expect } from 'chai';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { startController, type RunningController } from '../env/controller.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../src/api/meta.js';
import type { OverridePolicy } from '../../src/api/karmada.js';
import { MCS_API_VERSION } from '../../src/kube/gvr.js';
import { overridePolicyName, SERVICE_IMPORT_ANNOTATION } from '../../src/serviceimport/overridepolicy.js';
import { controllerHooks, sample } from '../support/controllers.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, holds, queryA, uniqueName, type Clients } from '../support/kube.js';
import { derivedIp, exportFrom, getServiceImport, ipsIn, serviceImport } from '../support/mcs.js';

const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'overridepolicies' };
/** A Service name is a DNS label (RFC 1035): 63 characters at most. */
const SERVICE_NAME_MAX = 63;
/** The longest ServiceImport name whose `derived-<name>` Service Karmada can create. */
const LONGEST_IMPORT_NAME = SERVICE_NAME_MAX - 'derived-'.length;

describe('OverridePolicy names: someone else\'s at our name, and the longest import name (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  let m2: Clients;
  let ns = '';
  let theirs: OverridePolicy;
  const running: RunningController[] = [];

  const policy = (name: string) => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...POLICY, namespace: ns, name }) as Promise<OverridePolicy>);
  const ourPolicies = async () =>
    ((await karmada.custom.listNamespacedCustomObject({ ...POLICY, namespace: ns, labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}` })) as { items: OverridePolicy[] }).items;
  const eventsOn = async (name: string) => (await karmada.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items;
  /** Keys with PolicyNameTaken standing now; NaN when there is no series (none). */
  const policyNameTaken = () => sample(running[0]!, 'clusterset_dns_problems', { reason: 'PolicyNameTaken' });
  const waitIps = (svc: string, want: string[]) =>
    eventually(`spec.ips of ${svc} in member2 to be ${JSON.stringify(want)}`, async () => (JSON.stringify(await ipsIn(m2, ns, svc)) === JSON.stringify(want) ? true : undefined), 60_000);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    m2 = clients(env, 'member2');
    const r = await installCoreDns(m2.kc);
    expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    ns = uniqueName('e2e-names');
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    await eventually(`namespace ${ns} in member2`, () => getOrUndefined(() => m2.core.readNamespace({ name: ns })), 60_000);
    // Before the controller starts: a user's policy at the name ours would
    // have for `web`. Labelled managed-by, as tools like Argo CD do, but not
    // with our value, so it is not ours. Its content is theirs: a label on
    // member2's copy of the import.
    theirs = await karmada.custom.createNamespacedCustomObject({ ...POLICY, namespace: ns, body: {
      apiVersion: 'policy.karmada.io/v1alpha1', kind: 'OverridePolicy',
      metadata: { name: overridePolicyName('web'), labels: { [MANAGED_BY_LABEL]: 'payments-gitops' } },
      spec: {
        resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: 'web' }],
        overrideRules: [{ targetCluster: { clusterNames: ['member2'] }, overriders: { labelsOverrider: [{ operator: 'add', value: { team: 'payments' } }] } }],
      },
    } }) as OverridePolicy;
    expect(theirs.metadata.name).to.equal('clusterset-dns-web');
    await exportFrom(karmada, clients(env, 'member1'), 'member1', ns, 'web', '10.244.1.70');
    await applyAll(karmada, serviceImport(ns, 'web', ['member2']));
    running.push(await startController(env, ['--write-route=override-policy', '--leader-elect=false']));
  });

  controllerHooks(running, () => ({ karmada, namespace: ns }));

  it('never changes or deletes someone else\'s policy at our name, reports PolicyNameTaken and fills nothing; once they delete it, ours fills the member', async () => {
    const taken = await eventually('a PolicyNameTaken Warning on the control-plane ServiceImport', async () =>
      (await eventsOn('web')).find((e) => e.reason === 'PolicyNameTaken' && e.source?.component === 'clusterset-dns'), 90_000);
    expect(taken.type).to.equal('Warning');
    expect(taken.message).to.include(`${ns}/clusterset-dns-web`).and.to.include('member2');
    await eventually('clusterset_dns_problems{reason="PolicyNameTaken"} to count it', async () => ((await policyNameTaken()) >= 1 ? true : undefined), 30_000);
    // PolicyNameTaken is raised only when member2 has an IP to write: the derived Service is there.
    expect(await derivedIp(m2, ns, 'web')).to.match(/^10\.98\./);
    // Karmada applies their policy to member2's import: it is there, carrying their label.
    await eventually('member2\'s import to carry their policy\'s label', async () =>
      ((await getOrUndefined(() => getServiceImport(m2, ns, 'web')))?.metadata.labels?.['team'] === 'payments' ? true : undefined), 60_000);

    // The controller has decided this key with their policy in the way; it
    // reconciles again on every change. For a while after: their policy is
    // as they made it (same object, same version), none of ours exists, and
    // member2's import has no spec.ips.
    await holds('their policy untouched and nothing filled', 5_000, async () => {
      const now = await policy(theirs.metadata.name);
      expect(now?.metadata.uid, 'their policy, not a recreated one').to.equal(theirs.metadata.uid);
      expect(now?.metadata.resourceVersion, 'their policy unmodified').to.equal(theirs.metadata.resourceVersion);
      expect(now?.metadata.labels).to.deep.equal(theirs.metadata.labels);
      expect(now?.metadata.annotations).to.deep.equal(theirs.metadata.annotations);
      expect(now?.spec).to.deep.equal(theirs.spec);
      expect((await ourPolicies()).map((p) => p.metadata.name), 'policies of ours').to.deep.equal([]);
      expect(await ipsIn(m2, ns, 'web'), 'spec.ips in member2').to.equal(undefined);
    }, 500);

    // Their owner removes it: the name is free, and the controller takes it.
    await karmada.custom.deleteNamespacedCustomObject({ ...POLICY, namespace: ns, name: theirs.metadata.name });
    await waitIps('web', [await derivedIp(m2, ns, 'web')]);
    const ours = (await policy(overridePolicyName('web')))!;
    expect(ours.metadata.uid, 'a new policy, not theirs').to.not.equal(theirs.metadata.uid);
    expect(ours.metadata.labels?.[MANAGED_BY_LABEL]).to.equal(MANAGED_BY_VALUE);
    expect(ours.metadata.annotations?.[SERVICE_IMPORT_ANNOTATION]).to.equal('web');
    expect(ours.metadata.ownerReferences?.[0]).to.include({ kind: 'ServiceImport', name: 'web', uid: (await getServiceImport(karmada, ns, 'web')).metadata.uid });
    await eventually('PolicyNameTaken to stop counting', async () => {
      const n = await policyNameTaken();
      return Number.isNaN(n) || n === 0 ? true : undefined;
    }, 30_000);
  });

  it('fills the longest import name Karmada serves, through a policy named as overridePolicyName says', async () => {
    const longest = `long-${'x'.repeat(LONGEST_IMPORT_NAME - 'long-'.length)}`;
    const tooLong = `long-${'y'.repeat(LONGEST_IMPORT_NAME + 1 - 'long-'.length)}`;
    expect([longest.length, tooLong.length]).to.deep.equal([55, 56]);
    await exportFrom(karmada, clients(env, 'member1'), 'member1', ns, longest, '10.244.1.71');
    await applyAll(karmada, [...serviceImport(ns, longest, ['member2']), ...serviceImport(ns, tooLong, ['member2'])]);

    // One character more and Karmada cannot create the derived Service
    // (docs/design.md#ownership, "The name"): the bound is Karmada's.
    const refused = await eventually(`Karmada to fail to derive a Service for the ${tooLong.length}-character import`, async () =>
      (await eventsOn(tooLong)).find((e) => e.reason === 'SyncDerivedServiceFailed'), 60_000);
    expect(refused.message).to.match(/must be no more than 63 characters/);

    const ip = await derivedIp(m2, ns, longest);
    await waitIps(longest, [ip]);
    const name = overridePolicyName(longest);
    expect(name, 'fits whole: no shortening at this length').to.equal(`clusterset-dns-${longest}`);
    const written = (await ourPolicies()).filter((p) => p.metadata.annotations?.[SERVICE_IMPORT_ANNOTATION] === longest);
    expect(written.map((p) => p.metadata.name), 'our policy for it').to.deep.equal([name]);
    expect(written[0]!.spec.resourceSelectors[0], 'it selects the import').to.deep.include({ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: longest });
    expect(await policy(overridePolicyName(tooLong)), 'no IP to write for the one Karmada refused, so no policy').to.equal(undefined);

    // And CoreDNS answers the name: a 55-character DNS label is fine.
    const fqdn = `${longest}.${ns}.svc.clusterset.local`;
    const answer = await eventually(`member2 CoreDNS to answer ${fqdn}`, async () => {
      const a = await queryA(env.members['member2']!.dns, fqdn);
      return 'ips' in a ? a : undefined;
    }, 60_000);
    expect(answer).to.deep.equal({ ips: [ip] });
  });
});

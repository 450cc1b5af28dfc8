/**
 * End to end, on the Karmada API server of the local environment (Karmada's
 * own OverridePolicy CRD and webhook): every OverridePolicy write is
 * conditional on what the decision saw (docs/reliability.md). An apply
 * carrying a resourceVersion the policy has moved past, and a delete whose
 * preconditions name an older version, are refused with 409 and change
 * nothing; the same writes from fresh state go through.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { Writer } from '../../src/serviceimport/writer.js';
import type { OverridePolicy } from '../../src/api/karmada.js';
import { useEnvironment } from '../support/environment.js';
import { clients, eventually, getOrUndefined, uniqueName, type Clients } from '../support/kube.js';

const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'overridepolicies' };
const MCS = { group: 'multicluster.x-k8s.io', version: 'v1alpha1', plural: 'serviceimports' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('OverridePolicy writes are conditional on what was seen (e2e)', function () {
  this.timeout(120_000);
  let karmada: Clients;
  let writer: Writer;
  let ns: string;
  const seen: string[] = [];
  const read = (name: string) => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...POLICY, namespace: ns, name }) as Promise<OverridePolicy>);
  const statusOf = (e: unknown) => (e as { code?: number }).code;

  before(async () => {
    karmada = clients(await useEnvironment());
    writer = new Writer(karmada.kc, () => undefined, (kind, result) => seen.push(`${kind}:${result}`));
    ns = uniqueName('cond');
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
  });

  after(async () => {
    await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('a stale apply and a stale delete get 409 and change nothing; fresh ones go through', async () => {
    // The policy's owner must exist, or Kubernetes' garbage collector deletes the policy.
    const owner = (await karmada.custom.createNamespacedCustomObject({ ...MCS, namespace: ns, body: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }] } } })) as { metadata: { uid: string } };
    const si = { name: 'web', uid: owner.metadata.uid };
    const created = await writer.applyOverridePolicy(ns, si, { member1: ['10.97.0.9'] });
    const name = created.metadata.name;
    const first = created.metadata.resourceVersion;
    // Our own later write, which a cache may not show yet: the policy moves on.
    const second = await writer.applyOverridePolicy(ns, si, { member1: ['10.97.0.10'] }, {}, first);
    expect(second.metadata.resourceVersion).to.not.equal(first);

    // A pass that decided from the first version (a member's rule "kept" from it) is refused.
    const stale = await writer.applyOverridePolicy(ns, si, { member1: ['10.97.0.9'] }, {}, first).then(() => undefined, (e: unknown) => e);
    expect(statusOf(stale), 'stale apply').to.equal(409);
    expect(JSON.stringify((await read(name))?.spec.overrideRules)).to.contain('10.97.0.10');

    // A delete that saw the first version is refused too; the policy stays.
    const staleDelete = await writer.deleteOverridePolicy(ns, name, { uid: created.metadata.uid, resourceVersion: first }).then(() => undefined, (e: unknown) => e);
    expect(statusOf(staleDelete), 'stale delete').to.equal(409);
    expect(await read(name)).to.not.equal(undefined);

    // A delete naming a policy that was recreated since (another uid) is refused even without a resourceVersion.
    const wrongUid = await writer.deleteOverridePolicy(ns, name, { uid: '6f1d2a8e-0000-4000-8000-0000000000ff' }).then(() => undefined, (e: unknown) => e);
    expect(statusOf(wrongUid), 'delete of another incarnation').to.equal(409);

    // Someone else's change (a label) moves the version on; from fresh state both writes succeed.
    await karmada.custom.patchNamespacedCustomObject({ ...POLICY, namespace: ns, name, body: { metadata: { labels: { touched: 'yes' } } } }, merge);
    const fresh = (await read(name))!;
    await writer.applyOverridePolicy(ns, si, { member1: ['10.97.0.11'] }, {}, fresh.metadata.resourceVersion);
    const latest = (await read(name))!;
    await writer.deleteOverridePolicy(ns, name, { uid: latest.metadata.uid, resourceVersion: latest.metadata.resourceVersion });
    await eventually(`policy ${name} gone`, async () => ((await read(name)) === undefined ? true : undefined));
    expect(seen).to.deep.equal([
      'overridepolicy:success',
      'overridepolicy:success',
      'overridepolicy:conflict',
      'overridepolicy:conflict',
      'overridepolicy:conflict',
      'overridepolicy:success',
      'overridepolicy:success',
    ]);
  });
});

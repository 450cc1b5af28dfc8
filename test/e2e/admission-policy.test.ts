/**
 * End to end, on the Karmada API server of the local environment: the
 * ValidatingAdmissionPolicy config/karmada ships (admission-policy.yaml)
 * admits from the controller's identity exactly the OverridePolicies
 * src/serviceimport/writer.ts writes, and refuses anything more with its own
 * message; the same requests from anyone else (here the admin) are not its
 * business. Requests "as the controller" are the admin's, impersonating the
 * controller's ServiceAccount, so RBAC and admission judge them as that
 * identity's. The departures from what it writes are tried as dry runs, so
 * nothing is stored either way.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../env/binaries.js';
import { controllerLogTail, kustomizeResources, startController, type RunningController } from '../env/controller.js';
import { KARMADA_CONTEXT, MEMBERS, type EnvState } from '../env/environment.js';
import { Writer } from '../../src/serviceimport/writer.js';
import { desiredOverridePolicy, overridePolicyName } from '../../src/serviceimport/overridepolicy.js';
import { httpStatusOf, parseStatus } from '../../src/kube/errors.js';
import type { OverridePolicy } from '../../src/api/karmada.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, impersonating, uniqueName, type Clients } from '../support/kube.js';
import { derivedIp, exportFrom, ipsIn, serviceImport } from '../support/mcs.js';

const CONTROLLER_USER = 'system:serviceaccount:karmada-system:clusterset-dns';
const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'overridepolicies' };
const MCS = { group: 'multicluster.x-k8s.io', version: 'v1alpha1', plural: 'serviceimports' };

type ShippedPolicy = { kind: string; metadata: { name: string }; spec: { validations: Array<{ message: string }> } };
/** The file holds the policy and its binding; the messages are the policy's. */
const shipped = parseAllDocuments(readFileSync(join(repoRoot, 'config', 'karmada', 'admission-policy.yaml'), 'utf8'))
  .map((d) => d.toJS() as ShippedPolicy)
  .find((d) => d.kind === 'ValidatingAdmissionPolicy') as ShippedPolicy;
/** The shipped policy's message that contains `words`. */
const message = (words: string) => {
  const m = shipped.spec.validations.find((v) => v.message.includes(words))?.message;
  if (!m) throw new Error(`no message of ${shipped.metadata.name} says "${words}"`);
  return m;
};
const NOT_OURS = message('may change or delete only');
const UNLABELLED = message('must label');
const SELECTOR = message('select exactly one');
const NAME = message('is named');
const OVERRIDERS = message('override nothing but spec.ips');

const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const textOf = (e: unknown) => `HTTP ${httpStatusOf(e) ?? '?'}: ${parseStatus((e as { body?: unknown })?.body)?.message ?? String(e)}`;

/** Refused by the shipped policy (not by RBAC or Karmada's webhook), with `want`. */
function expectRefused(e: unknown, want: string): void {
  expect(e, 'refused').to.not.equal(undefined);
  const text = textOf(e);
  // kube-apiserver's Status message: `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '<policy>' with binding ... denied request: <message>`.
  expect(text).to.match(/^HTTP 403: /);
  expect(text).to.include(`is forbidden: ValidatingAdmissionPolicy '${shipped.metadata.name}'`);
  expect(text).to.include(want);
}

/** A ServiceImport name of 247 characters: its policy's name is shortened, and the cut lands on a '.' that is dropped. */
const LONG_NAME = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(34), 'e'.repeat(20)].join('.');

const overriders = (p: OverridePolicy) => p.spec.overrideRules![0]!.overriders as Record<string, unknown>;
/** Changes to the policy the controller writes for ServiceImport web, each breaking exactly one check, and the message that check refuses with. */
const REFUSED: Array<[string, (p: OverridePolicy) => void, string]> = [
  ['another name', (p) => { p.metadata.name = 'web-override'; }, NAME],
  ['a shortened name whose start is not the ServiceImport\'s', (p) => {
    p.spec.resourceSelectors[0]!.name = LONG_NAME;
    const name = overridePolicyName(LONG_NAME);
    p.metadata.name = `${name.slice(0, 20)}z${name.slice(21)}`;
  }, NAME],
  ['no managed-by label', (p) => { p.metadata.labels = {}; }, UNLABELLED],
  ['a Deployment selected', (p) => { p.spec.resourceSelectors = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }]; }, SELECTOR],
  ['a label selector beside the name', (p) => { Object.assign(p.spec.resourceSelectors[0]!, { labelSelector: { matchLabels: { app: 'web' } } }); }, SELECTOR],
  ['another path: /spec/type', (p) => { overriders(p)['plaintext'] = [{ path: '/spec/type', operator: 'add', value: 'Headless' }]; }, OVERRIDERS],
  ['another operator on /spec/ips: remove', (p) => { overriders(p)['plaintext'] = [{ path: '/spec/ips', operator: 'remove' }]; }, OVERRIDERS],
  ['an imageOverrider beside ours', (p) => { overriders(p)['imageOverrider'] = [{ component: 'Registry', operator: 'replace', value: 'registry.example' }]; }, OVERRIDERS],
];

describe('the admission policy on OverridePolicies, config/karmada/admission-policy.yaml (e2e)', function () {
  this.timeout(180_000);
  let env: EnvState;
  let karmada: Clients;
  /** The controller's identity, for requests the Writer does not make. */
  let asController: k8s.CustomObjectsApi;
  /** The controller's own writes, as `run` makes them. */
  let writer: Writer;
  let ns: string;
  const namespaces: string[] = [];
  let controller: RunningController | undefined;

  const newNamespace = async (prefix: string) => {
    const name = uniqueName(prefix);
    namespaces.push(name);
    await karmada.core.createNamespace({ body: { metadata: { name } } });
    return name;
  };
  /** A control-plane ServiceImport to own a policy: without its owner, the garbage collector deletes the policy. */
  const owner = async (name: string) => {
    const si = (await karmada.custom.createNamespacedCustomObject({ ...MCS, namespace: ns, body: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }] } } })) as { metadata: { uid: string } };
    return { name, uid: si.metadata.uid };
  };
  const dryRunCreate = (api: k8s.CustomObjectsApi, body: object) => api.createNamespacedCustomObject({ ...POLICY, namespace: ns, body, dryRun: 'All' });
  const read = (namespace: string, name: string) => getOrUndefined(() => karmada.custom.getNamespacedCustomObject({ ...POLICY, namespace, name }) as Promise<OverridePolicy>);

  before(async function () {
    // The first e2e file in name order: it may be the one that starts the environment.
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    // Applied as `kubectl apply -k config/karmada` would (the retention rule is not this file's business).
    await applyAll(karmada, kustomizeResources(join(repoRoot, 'config', 'karmada')).filter((o) => o.kind !== 'ResourceInterpreterCustomization'));
    const kc = impersonating(env, CONTROLLER_USER);
    asController = kc.makeApiClient(k8s.CustomObjectsApi);
    writer = new Writer(kc, () => undefined);
    ns = await newNamespace('admission');
    // The API server loads a new policy asynchronously: wait until it refuses a policy without our label.
    const unlabelled = desiredOverridePolicy(ns, { name: 'probe', uid: 'd2f6c1a4-0000-4000-8000-000000000001' }, { member2: ['10.98.0.7'] });
    unlabelled.metadata.labels = {};
    await eventually('the admission policy to be in force', async () => {
      const e = await failureOf(dryRunCreate(asController, unlabelled));
      if (e === undefined) return undefined;
      if (!textOf(e).includes(UNLABELLED)) throw new Error(textOf(e));
      return true;
    }, 60_000);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async () => {
    await controller?.stop();
    for (const n of namespaces) await karmada?.core.deleteNamespace({ name: n }).catch(() => undefined);
  });

  it('admits the controller\'s own writes: create, a rule removed by rewriting the policy, and delete', async () => {
    const si = await owner('web');
    const created = await writer.applyOverridePolicy(ns, si, { member1: ['10.97.0.9'], member2: ['10.98.0.7'] }, { member2: 'local' });
    expect(created.metadata.name).to.equal('clusterset-dns-web');
    const changed = await writer.applyOverridePolicy(ns, si, { member2: ['10.98.0.7'] }, {}, created.metadata.resourceVersion);
    expect(changed.spec.overrideRules?.map((r) => r.targetCluster?.clusterNames)).to.deep.equal([['member2']]);
    await writer.deleteOverridePolicy(ns, changed.metadata.name, { uid: changed.metadata.uid, resourceVersion: changed.metadata.resourceVersion });
    await eventually('clusterset-dns-web to be gone', async () => ((await read(ns, 'clusterset-dns-web')) === undefined ? true : undefined));
  });

  it('admits the shortened name of a long ServiceImport name', async () => {
    const si = await owner(LONG_NAME);
    const created = await writer.applyOverridePolicy(ns, si, { member2: ['10.98.0.8'] });
    expect(created.metadata.name).to.equal(overridePolicyName(LONG_NAME)).and.to.match(/d-[0-9a-f]{10}$/);
    await writer.deleteOverridePolicy(ns, created.metadata.name, { uid: created.metadata.uid });
  });

  for (const [name, change, want] of REFUSED) {
    it(`refuses from the controller, and admits from the admin: ${name}`, async () => {
      const p = desiredOverridePolicy(ns, { name: 'web', uid: 'd2f6c1a4-0000-4000-8000-000000000002' }, { member2: ['10.98.0.7'] });
      change(p);
      expectRefused(await failureOf(dryRunCreate(asController, p)), want);
      await dryRunCreate(karmada.custom, p);
    });
  }

  it('refuses taking over or deleting a policy that is not ours, even one holding our name; the admin deletes it', async () => {
    const si = await owner('taken');
    const theirs = desiredOverridePolicy(ns, si, { member2: ['10.98.0.9'] });
    theirs.metadata.labels = {};
    await karmada.custom.createNamespacedCustomObject({ ...POLICY, namespace: ns, body: theirs });
    // What the controller sends when its cache has not shown the policy yet: server-side apply, an UPDATE of theirs.
    expectRefused(await failureOf(writer.applyOverridePolicy(ns, si, { member2: ['10.98.0.10'] })), NOT_OURS);
    expectRefused(await failureOf(writer.deleteOverridePolicy(ns, theirs.metadata.name)), NOT_OURS);
    expect((await read(ns, theirs.metadata.name))?.metadata.labels ?? {}, 'still theirs').to.deep.equal({});
    await karmada.custom.deleteNamespacedCustomObject({ ...POLICY, namespace: ns, name: theirs.metadata.name });
  });

  it('under it, the controller on the OverridePolicy route fills a ServiceImport, and no write is refused', async function () {
    this.timeout(300_000);
    const fillNs = await newNamespace('admission-fill');
    const members = Object.fromEntries(MEMBERS.map((m) => [m, clients(env, m)])) as Record<string, Clients>;
    for (const m of Object.values(members)) await eventually(`namespace ${fillNs} in the members`, () => getOrUndefined(() => m.core.readNamespace({ name: fillNs })));
    controller = await startController(env, ['--write-route=override-policy', '--leader-elect=false']);
    await exportFrom(karmada, members['member1']!, 'member1', fillNs, 'api', '10.244.1.20');
    await applyAll(karmada, serviceImport(fillNs, 'api', ['member2']));
    const ip = await derivedIp(members['member2']!, fillNs, 'api');
    await eventually(`spec.ips in member2 to be [${ip}]`, async () => (JSON.stringify(await ipsIn(members['member2']!, fillNs, 'api')) === JSON.stringify([ip]) ? true : undefined), 60_000);
    expect((await read(fillNs, 'clusterset-dns-api'))?.metadata.labels).to.deep.equal({ 'app.kubernetes.io/managed-by': 'clusterset-dns' });
    const events = await karmada.core.listNamespacedEvent({ namespace: fillNs });
    expect(events.items.filter((e) => e.reason === 'WriteForbidden').map((e) => e.message)).to.deep.equal([]);
  });
});

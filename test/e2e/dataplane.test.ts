/**
 * End to end through the data plane (test/env/dataplane): pods run as
 * processes in their own network namespaces, kube-proxy in nftables mode in
 * each member's node namespace, real CoreDNS answering through the node's
 * DNS relay. Every claim about `<svc>.<ns>.svc.clusterset.local` here is a
 * TCP request from a pod in member2 and the name of the pod that answered.
 *
 * The chain exercised: Karmada propagates a Deployment and Service to
 * member1 → member1's controllers make pods → the process kubelet binds and
 * runs them → member1's EndpointSlice controller lists them → Karmada
 * collects the slices into member2 for derived-web → our controller fills
 * member2's ServiceImport.spec.ips → member2's CoreDNS answers the clusterset
 * name → member2's kube-proxy sends the connection to a member1 pod IP over
 * the fabric.
 */
import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvState } from '../env/environment.js';
import { startController, type RunningController } from '../env/controller.js';
import { installCoreDns } from '../../src/coredns/install.js';
import { LOCAL_FIRST_ANNOTATION } from '../../src/serviceimport/localfirst.js';
import { useEnvironment } from '../support/environment.js';
import { controllerHooks } from '../support/controllers.js';
import { clientPod, hostnameServerPod, httpGetFromPod, inPod } from '../env/dataplane/pods.js';
import { applyAll, eventually, getOrUndefined, uniqueName, type Clients, federationClients } from '../support/kube.js';
import { derivedIp, propagationPolicy, serviceExport, serviceImport } from '../support/mcs.js';

const LABELS = { app: 'web' };

function webObjects(namespace: string, replicas: number, readyFile?: string): k8s.KubernetesObject[] {
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas, selector: { matchLabels: LABELS }, template: hostnameServerPod(LABELS, readyFile) } } as k8s.KubernetesObject,
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace }, spec: { selector: LABELS, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] } } as k8s.KubernetesObject,
  ];
}

describe('data plane: requests to clusterset names (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients | undefined;
  let m1: Clients;
  let m2: Clients;
  const running: RunningController[] = [];
  const ns = uniqueName('e2e-dataplane');
  const host = `web.${ns}.svc.clusterset.local`;
  const tmp = mkdtempSync(join(tmpdir(), 'clusterset-dns-dataplane-'));
  let client: k8s.V1Pod;

  /**
   * `n` answers from requests to the clusterset name, each the name of the pod that served it. A request
   * that gets no answer at all (on this 2-core machine, about one in a hundred: the server's forked shell
   * or the client's socat giving up) is tried again and counted, up to `n` of them; where a request goes is
   * what these tests check, and an answer from the wrong pod is never retried away.
   */
  const answers = async (n: number): Promise<string[]> => {
    const got: string[] = [];
    let failed = 0;
    while (got.length < n) {
      const a = await httpGetFromPod(env, 'member2', client, host).catch(() => '');
      if (a !== '') got.push(a);
      else if (++failed > n) throw new Error(`${failed} of ${got.length + failed} requests to ${host} got no answer`);
    }
    if (failed > 0) console.error(`      [dataplane] ${failed} of ${n + failed} requests got no answer and were tried again`);
    return got;
  };

  const runningPods = async (c: Clients, min: number) => eventually(`${min} running web pods`, async () => {
    const pods = (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items
      .filter((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata?.deletionTimestamp);
    return pods.length >= min ? pods : undefined;
  }, 60_000, 250);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    ({ karmada, m1, m2 } = federationClients(env));
    for (const m of [m1, m2]) {
      const r = await installCoreDns(m.kc);
      expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    }
    running.push(await startController(env, ['--leader-elect=false', '--fail-back-hold-down=3s']));

    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    await applyAll(karmada, [
      ...webObjects(ns, 2),
      { ...propagationPolicy(ns, 'web', 'Deployment', 'web', ['member1']), spec: {
        resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { apiVersion: 'v1', kind: 'Service', name: 'web' }],
        placement: { clusterAffinity: { clusterNames: ['member1'] } },
      } } as k8s.KubernetesObject,
      ...serviceExport(ns, 'web', ['member1']),
      ...serviceImport(ns, 'web', ['member2']),
    ]);
    await eventually(`namespace ${ns} in member2`, () => getOrUndefined(() => m2.core.readNamespace({ name: ns })));
    await m2.core.createNamespacedPod({ namespace: ns, body: clientPod(ns, 'client') });
    client = await eventually('the client pod running in member2', async () => {
      const p = await m2.core.readNamespacedPod({ namespace: ns, name: 'client' });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 60_000, 250);
  });
  controllerHooks(running, () => ({ karmada, namespace: ns }));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs member1\'s pods as processes with IPs from member1\'s pod CIDR', async () => {
    const pods = await runningPods(m1, 2);
    const node = env.dataPlane?.nodes.find((n) => n.member === 'member1');
    expect(node, 'the environment has a data plane').to.not.equal(undefined);
    for (const p of pods) expect(p.status?.podIP, p.metadata?.name).to.match(/^10\.10\./);
    expect(client.status?.podIP, 'the client in member2').to.match(/^10\.12\./);
  });

  it('from a pod in member2, the clusterset name resolves to the derived IP and a request reaches a member1 pod', async () => {
    const ip = await derivedIp(m2, ns, 'web');
    await eventually(`${host} to resolve to ${ip} inside the client pod`, async () =>
      (await inPod(env, 'member2', client, ['dig', '+short', '+time=1', '+tries=1', host]).catch(() => '')).trim() === ip ? true : undefined, 90_000, 500);
    const names = new Set((await runningPods(m1, 2)).map((p) => p.metadata?.name ?? ''));
    // The first requests may beat kube-proxy's sync of the imported EndpointSlices; then every answer names a member1 pod.
    const first = await eventually('a request through derived-web to answer', () => httpGetFromPod(env, 'member2', client, host).catch(() => undefined).then((a) => (a ? a : undefined)), 60_000, 500);
    expect(names, `the answer ${JSON.stringify(first)} names a member1 pod`).to.include(first);
    const seen = new Set<string>();
    for (const a of await answers(20)) seen.add(a);
    // kube-proxy picks an endpoint at random per connection: 20 requests miss one of two pods with probability 2^-19.
    expect([...seen].sort(), 'both member1 pods served, and nothing else did').to.deep.equal([...names].sort());
  });

  it('with local-first, a request stays in member2 while its own pods are ready and moves to member1 when they are not', async () => {
    const readyFile = join(tmp, 'member2-web-ready');
    writeFileSync(readyFile, '');
    // member2 runs its own copy of web, straight in member2 (not through Karmada), ready while readyFile exists.
    await applyAll(m2, webObjects(ns, 1, readyFile));
    const local = new Set((await runningPods(m2, 1)).map((p) => p.metadata?.name ?? ''));
    const remote = new Set((await runningPods(m1, 2)).map((p) => p.metadata?.name ?? ''));
    const [imported] = serviceImport(ns, 'web', ['member2']);
    await applyAll(karmada!, [{ ...imported!, metadata: { ...imported!.metadata, annotations: { [LOCAL_FIRST_ANNOTATION]: 'true' } } }]);

    const answeredBy = async (set: Set<string>, what: string) => {
      const t0 = Date.now();
      const a = await eventually(`requests from member2 to be answered ${what}`, async () => {
        const got = await httpGetFromPod(env, 'member2', client, host).catch(() => '');
        return set.has(got) ? got : undefined;
      }, 60_000, 500);
      console.error(`      [dataplane] answered ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return a;
    };
    await answeredBy(local, 'by member2\'s own pod');
    for (const a of await answers(5)) expect(local, 'every request stays local').to.include(a);

    rmSync(readyFile);
    await answeredBy(remote, 'by a member1 pod once member2\'s pod is not ready');
    for (const a of await answers(5)) expect(remote, 'every request goes to member1').to.include(a);

    writeFileSync(readyFile, '');
    await answeredBy(local, 'by member2\'s pod again after the hold-down');
  });
});

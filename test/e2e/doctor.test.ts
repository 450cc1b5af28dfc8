/**
 * End to end, on the local environment: `clusterset-dns doctor` run as a
 * subprocess, as a user runs it, against the real chain — Karmada propagating
 * a ServiceImport, the controller (its own process) filling spec.ips through
 * the OverridePolicy, and each member's real CoreDNS answering. A healthy
 * chain passes; then each link is broken in turn (CoreDNS RBAC, the Corefile
 * stanza, spec.ports, spec.ips, the answer) and doctor must name it, with its
 * fix; each break is restored before the next.
 *
 * The controller and doctor both run with --write-route=override-policy:
 * config/karmada installs the retention rule, and this suite checks the
 * OverridePolicy route's findings; the retain route is test/e2e/retention.test.ts's,
 * and doctor's reading of it is unit-tested (src/doctor/retention-check.test.ts).
 *
 * Leaves the members as the other suites expect them: CoreDNS installed in
 * both, no controller running, our namespace gone.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { KARMADA_CONTEXT, type EnvState } from '../env/environment.js';
import { startController, controllerLogTail, type RunningController } from '../env/controller.js';
import { installCoreDns, uninstallCoreDns } from '../../src/coredns/install.js';
import { COREDNS_ROLE_NAME } from '../../src/coredns/rbac.js';
import type { CheckResult } from '../../src/doctor/checks.js';
import { clusterDnsCli } from '../support/cli.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, eventually, getOrUndefined, queryA, uniqueName, type Clients } from '../support/kube.js';
import { MCS, exportFrom, getServiceImport, serviceImport } from '../support/mcs.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  results: CheckResult[];
}

const cli = (args: string[]): Promise<Omit<Run, 'results'>> => clusterDnsCli(['doctor', ...args], 120_000);

const MEMBERS = ['member1', 'member2'] as const;
/** The route this suite checks, for the controller and for doctor alike (see above). */
const ROUTE = ['--write-route=override-policy'];

describe('clusterset-dns doctor on the local environment (e2e)', function () {
  this.timeout(300_000);
  let env: EnvState;
  let karmada: Clients;
  const m: Record<string, Clients> = {};
  let controller: RunningController | undefined;
  const ns = uniqueName('e2e-doctor');
  const ip: Record<string, string> = {};
  const dns = (member: string) => env.members[member]!.dns;

  /** doctor through Karmada, JSON output. */
  const doctor = async (args: string[]): Promise<Run> => {
    const r = await cli(['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, ...ROUTE, ...args, '--output', 'json']);
    let results: CheckResult[] = [];
    try {
      results = (JSON.parse(r.stdout) as { results: CheckResult[] }).results;
    } catch {
      expect.fail(`doctor printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
    }
    return { ...r, results };
  };
  const row = (r: Run, member: string | null, check: string, service?: string): CheckResult => {
    const found = r.results.find((x) => x.cluster === member && x.check === check && (service === undefined || x.service === service));
    expect(found, `no ${check} row for ${member ?? 'the control plane'} in ${JSON.stringify(r.results, null, 1)}`).to.not.equal(undefined);
    return found as CheckResult;
  };
  const failed = (r: Run) => r.results.filter((x) => x.status === 'fail').map((x) => `${x.cluster ?? 'cp'}/${x.check}${x.service ? ` ${x.service}` : ''}: ${x.detail}`);
  const derivedIp = async (member: string, svc: string) =>
    (await eventually(`derived-${svc} in ${member}`, () => getOrUndefined(() => m[member]!.core.readNamespacedService({ name: `derived-${svc}`, namespace: ns })), 90_000)).spec?.clusterIP ?? '';
  const waitIps = (member: string, svc: string, want: string[]) =>
    eventually(`spec.ips of ${svc} in ${member} to be ${JSON.stringify(want)}`, async () =>
      JSON.stringify((await getOrUndefined(() => getServiceImport(m[member]!, ns, svc)))?.spec.ips) === JSON.stringify(want) ? true : undefined, 90_000);
  const waitAnswer = (member: string, svc: string, want: string[]) =>
    eventually(`${member}'s CoreDNS to answer ${svc} with ${want.join(',')}`, async () => {
      const a = await queryA(dns(member), `${svc}.${ns}.svc.clusterset.local`);
      return 'ips' in a && JSON.stringify(a.ips) === JSON.stringify(want) ? true : undefined;
    }, 90_000, 1_000);
  const rbac = () => m['member2']!.kc.makeApiClient(k8s.RbacAuthorizationV1Api);

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    karmada = clients(env, KARMADA_CONTEXT);
    for (const name of MEMBERS) {
      m[name] = clients(env, name);
      const r = await installCoreDns(m[name]!.kc);
      expect(['installed', 'unchanged']).to.include(r.kind, r.message);
    }
    controller = await startController(env, [...ROUTE, '--leader-elect=false']);
    await karmada.core.createNamespace({ body: { metadata: { name: ns } } });
    for (const name of MEMBERS) await eventually(`namespace ${ns} in ${name}`, () => getOrUndefined(() => m[name]!.core.readNamespace({ name: ns })), 60_000);
    // web: exported from member1, imported into both; each member holds its own derived ClusterIP.
    await exportFrom(karmada, m['member1']!, 'member1', ns, 'web', '10.244.1.20');
    await applyAll(karmada, serviceImport(ns, 'web', [...MEMBERS]));
    for (const name of MEMBERS) {
      ip[name] = await derivedIp(name, 'web');
      await waitIps(name, 'web', [ip[name]!]);
      await waitAnswer(name, 'web', [ip[name]!]);
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && controller) console.error(`controller log:\n${controllerLogTail(controller)}`);
  });

  after(async function () {
    this.timeout(120_000);
    await controller?.stop();
    for (const name of MEMBERS) if (m[name]) await installCoreDns(m[name]!.kc).catch(() => undefined);
    await karmada?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('passes a healthy chain, every link in both members, with exit 0', async () => {
    const r = await doctor(['--cluster', 'member1,member2', '--service', `${ns}/web`, '--dns', `member1=${dns('member1')},member2=${dns('member2')}`]);
    expect(failed(r), 'nothing fails').to.deep.equal([]);
    expect(r.code).to.equal(0);
    expect(row(r, null, 'control-plane').status).to.equal('pass');
    expect(row(r, null, 'retention-rule').status, 'config/karmada installed the retention rule').to.equal('pass');
    for (const name of MEMBERS) {
      for (const check of ['access', 'crds', 'coredns-version', 'coredns-rbac', 'corefile', 'dns']) expect(row(r, name, check).status, `${name} ${check}`).to.equal('pass');
      for (const check of ['ports', 'ips', 'answer']) expect(row(r, name, check, `${ns}/web`).status, `${name} ${check}`).to.equal('pass');
      expect(row(r, name, 'ips', `${ns}/web`).detail).to.include(ip[name]!).and.to.include('OverridePolicy');
      expect(row(r, name, 'answer', `${ns}/web`).detail).to.include(`${ip[name]} = spec.ips`);
    }
    expect(row(r, 'member1', 'coredns-rbac').detail).to.match(/system:serviceaccount:kube-system:coredns may list, watch serviceimports/);

    // The table, as a person reads it: one row per check, and the summary.
    const t = await cli(['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, ...ROUTE, '--cluster', 'member2', '--service', `${ns}/web`, '--dns', dns('member2')]);
    expect(t.code, t.stderr + t.stdout).to.equal(0);
    expect(t.stdout).to.match(/^CLUSTER\s+CHECK\s+SERVICE\s+STATUS\s+DETAIL$/m);
    expect(t.stdout).to.match(new RegExp(`^member2\\s+answer\\s+${ns}/web\\s+PASS\\s+`, 'm'));
    expect(t.stdout).to.match(/^\d+ passed, 0 failed, \d+ warnings?, \d+ skipped$/m);
  });

  it('wrong answer: another member\'s CoreDNS answers its own IP, not spec.ips; doctor says so and names the cache and --dns', async () => {
    // member1's CoreDNS serves the zone and knows web, but answers member1's IP: a realistic wrong --dns, or a DNS that is not the member's.
    const r = await doctor(['--cluster', 'member2', '--service', `${ns}/web`, '--dns', `member2=${dns('member1')}`]);
    expect(r.code).to.equal(1);
    expect(row(r, 'member2', 'dns').status, 'the server does serve the zone').to.equal('pass');
    const a = row(r, 'member2', 'answer', `${ns}/web`);
    expect(a.status).to.equal('fail');
    expect(a.detail).to.include(`answers web.${ns}.svc.clusterset.local with ${ip['member1']}; spec.ips is ${ip['member2']}`);
    expect(a.detail).to.match(/stale answer is possible: the cache plugin \(line \d+\) keeps clusterset\.local answers/);
    expect(a.fix).to.match(/query again in 30 s.*check that --dns is member2's CoreDNS/);
    expect(failed(r)).to.have.length(1);
  });

  it('no RBAC: CoreDNS\'s account may not list/watch serviceimports (SubjectAccessReview); fixed by coredns install', async () => {
    await rbac().deleteClusterRoleBinding({ name: COREDNS_ROLE_NAME });
    try {
      const r = await doctor(['--cluster', 'member2', '--service', `${ns}/web`]);
      expect(r.code).to.equal(1);
      const c = row(r, 'member2', 'coredns-rbac');
      expect(c.status).to.equal('fail');
      expect(c.detail).to.match(/system:serviceaccount:kube-system:coredns may not list, watch serviceimports\.multicluster\.x-k8s\.io \(ClusterRole\/Binding clusterset-dns:coredns-serviceimports: no binding\)/);
      expect(c.fix).to.match(new RegExp(`^clusterset-dns coredns install --kubeconfig \\S+ --context ${KARMADA_CONTEXT} --cluster member2`));
      expect(row(r, 'member2', 'corefile').status, 'the stanza is still there').to.equal('pass');
    } finally {
      const back = await installCoreDns(m['member2']!.kc);
      expect(back.kind, back.message).to.equal('unchanged');
    }
    const after = await doctor(['--cluster', 'member2', '--service', `${ns}/web`]);
    expect(row(after, 'member2', 'coredns-rbac').status, 'restored').to.equal('pass');
  });

  it('no stanza: the Corefile does not serve clusterset.local, and the live probe sees SERVFAIL once CoreDNS reloads', async function () {
    this.timeout(300_000);
    const u = await uninstallCoreDns(m['member2']!.kc);
    expect(u.kind, u.message).to.equal('uninstalled');
    try {
      const r = await doctor(['--cluster', 'member2', '--service', `${ns}/web`]);
      expect(r.code).to.equal(1);
      const c = row(r, 'member2', 'corefile');
      expect(c.status).to.equal('fail');
      expect(c.detail).to.match(/clusterset\.local is not configured in this Corefile/);
      expect(c.fix).to.match(/^clusterset-dns coredns install .*--cluster member2$/);
      // CoreDNS picks the ConfigMap up through the syncer and `reload`; then the zone goes upstream.
      const probe = await eventually('doctor\'s dns check to see SERVFAIL', async () => {
        const x = row(await doctor(['--cluster', 'member2', '--service', `${ns}/web`, '--dns', dns('member2')]), 'member2', 'dns');
        return x.status === 'fail' ? x : undefined;
      }, 120_000, 1_000);
      expect(probe.detail).to.match(/answers SERVFAIL for clusterset\.local/);
      expect(probe.fix).to.match(/corefile and coredns-rbac/);
    } finally {
      await installCoreDns(m['member2']!.kc);
    }
    // Restored: served again, and answering web as before (after any cached SERVFAIL expires).
    await eventually('doctor to pass member2 again', async () => {
      const r = await doctor(['--cluster', 'member2', '--service', `${ns}/web`, '--dns', dns('member2')]);
      return r.code === 0 ? r : undefined;
    }, 120_000, 2_000);
  });

  it('empty ports: names the control-plane ServiceImport to fix; passes once ports are added', async function () {
    this.timeout(300_000);
    await applyAll(karmada, serviceImport(ns, 'bare', ['member2'], []));
    await eventually('bare in member2', () => getOrUndefined(() => getServiceImport(m['member2']!, ns, 'bare')), 90_000);
    const r = await doctor(['--cluster', 'member2', '--service', `${ns}/bare`, '--dns', dns('member2')]);
    expect(r.code).to.equal(1);
    const p = row(r, 'member2', 'ports', `${ns}/bare`);
    expect(p.status).to.equal('fail');
    expect(p.detail).to.match(/spec\.ports is empty: CoreDNS answers NXDOMAIN/);
    expect(p.fix).to.equal(`add ports to the control-plane ServiceImport ${ns}/bare (Karmada propagates them to member2)`);
    // Restore: ports on the control-plane template; Karmada carries them to member2.
    await karmada.custom.patchNamespacedCustomObject({
      ...MCS, namespace: ns, plural: 'serviceimports', name: 'bare', body: { spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually('doctor\'s ports check to pass', async () => {
      const x = row(await doctor(['--cluster', 'member2', '--service', `${ns}/bare`]), 'member2', 'ports', `${ns}/bare`);
      return x.status === 'pass' ? true : undefined;
    }, 90_000, 1_000);
  });

  it('empty ips: with the controller stopped, names the IP it would write and says to start it; passes once it runs', async function () {
    this.timeout(300_000);
    await controller?.stop();
    controller = undefined;
    await exportFrom(karmada, m['member1']!, 'member1', ns, 'late', '10.244.1.21');
    await applyAll(karmada, serviceImport(ns, 'late', ['member2']));
    const want = await derivedIp('member2', 'late');
    await eventually('late in member2', () => getOrUndefined(() => getServiceImport(m['member2']!, ns, 'late')), 90_000);
    const r = await doctor(['--cluster', 'member2', '--service', `${ns}/late`, '--dns', dns('member2')]);
    expect(r.code).to.equal(1);
    const i = row(r, 'member2', 'ips', `${ns}/late`);
    expect(i.status).to.equal('fail');
    expect(i.detail).to.equal(`spec.ips is none, the controller would write ${want}; OverridePolicy ${ns}/clusterset-dns-late does not exist`);
    expect(i.fix).to.match(/^start the controller: clusterset-dns run/);
    // CoreDNS agrees with spec.ips (no records): that link is fine, the missing write is the finding.
    expect(row(r, 'member2', 'answer', `${ns}/late`).status).to.equal('pass');

    controller = await startController(env, [...ROUTE, '--leader-elect=false']);
    await waitIps('member2', 'late', [want]);
    // doctor just queried the name: kubeadm's cache may answer the old "no records" for up to 30 s — doctor must say so, then pass.
    const first = await doctor(['--cluster', 'member2', '--service', `${ns}/late`, '--dns', dns('member2')]);
    expect(row(first, 'member2', 'ips', `${ns}/late`).status).to.equal('pass');
    const a = row(first, 'member2', 'answer', `${ns}/late`);
    if (a.status !== 'pass') expect(a.detail).to.match(/NODATA.*stale answer is possible/);
    await eventually('doctor to pass late', async () => {
      const x = await doctor(['--cluster', 'member2', '--service', `${ns}/late`, '--dns', dns('member2')]);
      return x.code === 0 ? true : undefined;
    }, 120_000, 2_000);
  });

  it('--member-kubeconfig: no control plane, so it says which checks are skipped and why', async () => {
    const r = await cli(['--member-kubeconfig', env.kubeconfig, '--member-context', 'member2', '--service', `${ns}/web`, '--dns', dns('member2'), '--output', 'json']);
    const out = JSON.parse(r.stdout) as { ok: boolean; results: CheckResult[] };
    const run: Run = { ...r, results: out.results };
    expect(failed(run)).to.deep.equal([]);
    expect(r.code).to.equal(0);
    expect(row(run, null, 'control-plane')).to.include({ status: 'skip' });
    expect(row(run, null, 'control-plane').detail).to.match(/no control plane with --member-kubeconfig/);
    const i = row(run, 'member2', 'ips', `${ns}/web`);
    expect(i.status).to.equal('skip');
    expect(i.detail).to.match(/Karmada-managed: .*--member-kubeconfig does not reach/);
    expect(row(run, 'member2', 'answer', `${ns}/web`).status).to.equal('pass');
  });

  it('an unreachable member is a failing access check with its reason, not a crash; the others are still checked', async () => {
    const name = uniqueName('doctor-gone');
    await applyAll(karmada, [{
      apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', metadata: { name },
      spec: { syncMode: 'Push', apiEndpoint: 'https://127.0.0.1:1', secretRef: { namespace: 'karmada-cluster', name: 'no-such-secret' } },
    } as k8s.KubernetesObject]);
    try {
      const r = await doctor(['--cluster', `${name},member2`, '--service', `${ns}/web`]);
      expect(r.code).to.equal(1);
      const a = row(r, name, 'access');
      expect(a.status).to.equal('fail');
      expect(a.detail).to.match(/Push cluster .* has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it/);
      expect(a.fix).to.be.a('string');
      expect(row(r, 'member2', 'ips', `${ns}/web`).status).to.equal('pass');
    } finally {
      await karmada.objects.delete({ apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', metadata: { name } } as k8s.KubernetesObject).catch(() => undefined);
    }
  });

  it('usage errors exit 2', async () => {
    const r = await cli(['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '--dns', dns('member2')]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/name that member with --cluster NAME/);
  });
});

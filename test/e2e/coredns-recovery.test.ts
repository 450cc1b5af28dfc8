/**
 * End to end, on the local environment: install's crash safety
 * (docs/coredns.md, "Crash safety"). The previous run dies for real: the
 * test starts `clusterset-dns coredns install --rollout=always` as a child
 * process and SIGKILLs it as soon as the CoreDNS Deployment's restartedAt
 * annotation has changed. So the ConfigMap's new Corefile and its `pending`
 * change record, and the restart, are the real code's writes, and the rollout
 * is left in flight with nobody watching it. Then install runs again, as a
 * new leader's first attempt would, and must judge what the dead run left.
 * The last test does it with the controller itself: two `run
 * --manage-coredns` replicas, the leader SIGKILLed mid-rollout, and the
 * standby's first attempt, once it leads, judging what the dead leader left.
 *
 * It runs on a CoreDNS look-alike in its own namespace on member1, with the
 * kubelet stand-in deciding which pods get ready
 * (test/support/coredns-lookalike.ts); the rollout, its stall and the
 * rollback are member1's real controllers at work, as in coredns.test.ts's
 * "reload, rollout and rollback". Removing the look-alike binds our
 * ClusterRoleBinding to kube-system's CoreDNS again.
 */
import { expect } from 'chai';
import { KARMADA_CONTEXT } from '../env/environment.js';
import { KUBEADM_COREFILE } from '../env/manifests.js';
import { readChangeRecord } from '../../src/coredns/change-record.js';
import { planInstall } from '../../src/coredns/corefile/index.js';
import { deploymentHealth } from '../../src/coredns/rollout.js';
import { clusterDnsCli, startClusterDnsCli, type CliRun } from '../support/cli.js';
import { CoreDnsLookAlike } from '../support/coredns-lookalike.js';
import { useEnvironment } from '../support/environment.js';
import { clients, eventually, holds, uniqueName } from '../support/kube.js';
import { TAKEOVER_MS, controllerHooks, sample, theLeader } from '../support/controllers.js';
import { startController, type RunningController } from '../env/controller.js';
import type { EnvState } from '../env/environment.js';


/** One member's entry in `coredns install --output json`. */
interface MemberJson {
  kind: string;
  ok: boolean;
  message: string;
  previousCorefile?: string;
}

describe('clusterset-dns coredns install after a run that died mid-rollout (e2e)', function () {
  this.timeout(300_000);
  let lookAlike: CoreDnsLookAlike | undefined;
  let here: string[];
  let env: EnvState;
  const replicas: RunningController[] = [];
  const ns = uniqueName('e2e-recovery');
  const INSTALLED = (planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' }) as { corefile: string }).corefile;

  const la = () => lookAlike as CoreDnsLookAlike;
  const record = async () => readChangeRecord(await la().configMap());
  const state = async () => deploymentHealth(await la().deployment()).state;
  /** install with the flags a `run --manage-coredns` leader would pass. */
  const installArgs = (timeout: string) => ['coredns', 'install', ...here, '--rollout', 'always', '--rollout-timeout', timeout, '--output', 'json'];
  const member = (r: CliRun): MemberJson => (JSON.parse(r.stdout) as { members: MemberJson[] }).members[0]!;

  /** Each test starts uninstalled (kubeadm's Corefile) with a healthy Deployment, and new pods never getting ready. */
  const startUninstalledWithNewPodsNeverReady = async () => {
    await la().setCorefile(KUBEADM_COREFILE);
    await la().healthy();
    await la().onlyExistingReplicaSetsGetReady();
  };

  /** Starts install and resolves once it has restarted the Deployment (its ConfigMap write came first); fails if install ends before that. */
  const startInstallUntilRestarted = async (timeout: string) => {
    const before = await la().restartedAt();
    const run = startClusterDnsCli(installArgs(timeout));
    const ended = run.result.then((r) => {
      throw new Error(`install ended before it restarted the Deployment: exit ${r.code}: ${r.stdout}${r.stderr}`);
    });
    await Promise.race([ended, eventually('install to restart the Deployment', async () => ((await la().restartedAt()) !== before ? true : undefined), 60_000)]);
    return run;
  };

  /** A previous run that died mid-rollout: SIGKILL right after its restart, well within its 60 s rollout timeout. */
  const installKilledMidRollout = async () => {
    const run = await startInstallUntilRestarted('60s');
    run.kill();
    const r = await run.result;
    expect(r.signal, `killed, not finished: ${r.stdout}${r.stderr}`).to.equal('SIGKILL');
    const left = await record();
    expect(left?.state, 'the dead run left its change pending').to.equal('pending');
    expect(await la().restartedAt(), 'and its restart on the pod template').to.equal(left?.restartedAt);
    expect(await la().corefile()).to.equal(INSTALLED);
  };

  before(async function () {
    this.timeout(30 * 60_000);
    env = await useEnvironment();
    here = ['--kubeconfig', env.kubeconfig, '--context', KARMADA_CONTEXT, '--cluster', 'member1', '--coredns-namespace', ns];
    lookAlike = new CoreDnsLookAlike(env, clients(env, 'member1'), ns);
    await lookAlike.start();
  });

  // Registered before the look-alike's removal: mocha runs after hooks in order, and a replica left running would set it up again.
  controllerHooks(replicas, () => ({ karmada: undefined, namespace: '' }));
  after(async function () {
    this.timeout(120_000);
    await lookAlike?.remove();
  });

  it('whose new pods never get ready: the next install puts the previous Corefile back byte for byte and rolls the Deployment back, though the stanza is in place (rolled-back, exit 1)', async () => {
    await startUninstalledWithNewPodsNeverReady();
    const restartedBefore = await la().restartedAt();
    await installKilledMidRollout();
    expect(await state(), 'the rollout left in flight').to.equal('progressing');

    const r = await clusterDnsCli(installArgs('15s'));
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    const m = member(r);
    expect(m).to.deep.include({ kind: 'rolled-back', ok: false });
    expect(m.message).to.match(/^a previous run's change did not hold — our change of \S+ was not healthy within 15s: .*; restored the Corefile from before it and rolled the Deployment back to its previous pod template; after that the Deployment is healthy$/);
    expect(await la().corefile()).to.equal(KUBEADM_COREFILE);
    expect((await record())?.state).to.equal('rolled-back');
    expect(await la().restartedAt(), 'our restart undone').to.equal(restartedBefore);
    expect(await state()).to.equal('healthy');
  });

  it('whose new pods do get ready: the next install confirms the change and keeps the Corefile (unchanged, exit 0)', async () => {
    await startUninstalledWithNewPodsNeverReady();
    await installKilledMidRollout();
    const ours = await la().restartedAt();
    la().everyPodGetsReady();

    const r = await clusterDnsCli(installArgs('60s'));
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(member(r)).to.deep.include({ kind: 'unchanged', ok: true });
    expect(await la().corefile()).to.equal(INSTALLED);
    expect((await record())?.state).to.equal('verified');
    expect(await la().restartedAt(), 'the rollout kept').to.equal(ours);
    expect(await state()).to.equal('healthy');
  });

  it('a person\'s edit made while install waits for its rollout is kept: the rollback does not overwrite it (failed), and the next install leaves it alone', async () => {
    await startUninstalledWithNewPodsNeverReady();
    const run = await startInstallUntilRestarted('15s');
    // As `kubectl edit` would: a replace of the ConfigMap as read, its annotations (our pending record) included.
    const edited = INSTALLED.replace('cache 30', 'cache 60');
    expect(edited).to.not.equal(INSTALLED);
    await la().setCorefile(edited);

    const r = await run.result;
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    const m = member(r);
    expect(m).to.deep.include({ kind: 'failed', ok: false, previousCorefile: KUBEADM_COREFILE });
    expect(m.message).to.match(/did not become healthy: not healthy within 15s: .*someone changed the ConfigMap after our write, and their edit is not overwritten/);
    expect(await la().corefile()).to.equal(edited);

    // The Corefile is no longer the one we wrote: the next install's recovery reports the stuck rollout and writes nothing.
    const resourceVersion = (await la().configMap()).metadata?.resourceVersion;
    const again = await clusterDnsCli(installArgs('15s'));
    expect(again.code, again.stderr + again.stdout).to.equal(0);
    const a = member(again);
    expect(a).to.deep.include({ kind: 'unchanged', ok: true });
    expect(a.message).to.match(/warning: CoreDNS is not healthy \(.*\), and the Corefile was edited after our last change, so it is not ours to roll back: left alone$/);
    expect(await la().corefile()).to.equal(edited);
    expect((await la().configMap()).metadata?.resourceVersion, 'the ConfigMap not written').to.equal(resourceVersion);
  });
  it('run --manage-coredns: the leader SIGKILLed mid-rollout; the standby leads, its first attempt rolls the change back, CoreDNS ends healthy, and it is not retried', async function () {
    this.timeout(300_000);
    // The test before leaves a rollout stuck on purpose: let it finish first.
    la().everyPodGetsReady();
    await startUninstalledWithNewPodsNeverReady();
    const restartedBefore = await la().restartedAt();
    // Two replicas on the shipped RBAC and the default Lease, each managing the look-alike as a leader would.
    const flags = ['--leader-elect=true', '--manage-coredns', '--coredns-namespace', ns, '--rollout', 'always', '--rollout-timeout', '20s'];
    for (const n of [0, 1]) replicas.push(await startController(env, flags, `clusterset-dns-coredns-recovery-${n}`));
    const leader = await theLeader(replicas, TAKEOVER_MS);
    const standby = replicas.find((c) => c !== leader)!;
    await eventually('the leader to restart the CoreDNS Deployment', async () => ((await la().restartedAt()) !== restartedBefore ? true : undefined), 60_000);
    process.kill(leader.proc.pid, 'SIGKILL');
    const killedAt = Date.now();
    expect((await record())?.state, 'the killed leader left its change pending').to.equal('pending');

    // Takeover (at most the lease and a retry), then the rollout's 20 s before the standby judges it.
    await eventually('the standby to roll the change back', async () => ((await sample(standby, 'clusterset_dns_coredns_setup_total', { member_cluster: 'member1', result: 'rolled-back' })) === 1 ? true : undefined), TAKEOVER_MS + 60_000, 500);
    console.error(`      [coredns] rolled back by the new leader ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    expect(await la().corefile(), 'the Corefile from before, byte for byte').to.equal(KUBEADM_COREFILE);
    expect((await record())?.state).to.equal('rolled-back');
    expect(await la().restartedAt(), 'the restart undone').to.equal(restartedBefore);
    await eventually('the Deployment to be healthy', async () => ((await state()) === 'healthy' ? true : undefined), 60_000);
    // Not tried again: the same change would break CoreDNS again. A retry would come within the first backoff (5 s).
    await holds('the Corefile and the pod template stay as restored', 12_000, async () =>
      (await la().corefile()) === KUBEADM_COREFILE && (await la().restartedAt()) === restartedBefore, 1_000);
  });
});

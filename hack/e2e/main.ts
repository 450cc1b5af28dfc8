/**
 * hack/e2e.sh: an end-to-end check of clusterset-dns against the clusters it
 * is given, in Karmada's layout (./layout.ts; docs/deploy.md, "End-to-end
 * check"). The steps are a plan (./plan.ts) that --dry-run prints whole and
 * a real run announces step by step, each line on stdout and in
 * <artifacts>/e2e.log:
 *
 *  0. with --kind, the clusters made by Karmada's local-up-karmada.sh
 *     (./kind.ts, ./sources.ts); with --env=local, the local environment's;
 *  1. kubeconfigs and contexts; the members and their roles (./connect.ts);
 *  2. preconditions: the MCS CRDs, config/karmada, the retention rule
 *     (`karmada status`), CoreDNS in the importing members (`coredns status`);
 *  3. karmada-system's pods on karmada-host, restart counts before;
 *  4. the controller: started as a local process, or (--in-cluster) the
 *     one holding the Lease;
 *  5. the test namespace (examples/, ./scenario.ts), spec.ips awaited in
 *     every importing member, `doctor`;
 *  6. the portable end-to-end suite (test/portable, ./suite.ts) with mocha
 *     against the same clusters and controller;
 *  7. always: the objects as YAML, the controller stopped, the namespace
 *     deleted, restart counts after and compared (./restarts.ts), pod logs.
 *
 * Exit 0 only when every step passed; otherwise 1 and the reasons last.
 */
import type * as k8s from '@kubernetes/client-node';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cmd/internal/flags.js';
import { apiErrorMessage } from '../../src/kube/errors.js';
import { DEFAULT_LEASE_NAME as LEASE_NAME } from '../../src/cmd/karmada.js';
import { DEFAULT_LEASE_NAMESPACE } from '../../src/runtime/leaderelection/lease-namespace.js';
import { repoRoot } from '../../test/env/binaries.js';
import { kustomizeResources } from '../../test/env/controller.js';
import { readExamples } from '../../test/env/examples.js';
import { delay } from '../../test/env/process.js';
import { runCli, startLocalController, type LocalController } from './cli.js';
import { connect, message, type Connected } from './connect.js';
import { applyObjects, CONTROL_PLANE_KINDS, deleteNamespace, describeObject, listPods, MEMBER_KINDS, missingObjects, namespaceYaml, podLogs, readCrd, readLease, serviceImportIps } from './cluster.js';
import { kindMissingMessage, missingForKind } from './kind.js';
import { E2E_HELP, artifactsStamp, clusterEnv, layoutFromEnv, parseE2eArgs, type E2eOptions, type Layout } from './layout.js';
import { CONTROL_PLANE_CRD_FIX, MCS_CRDS, MEMBER_CRD_FIX, coreDnsServes, crdProblem, leaseHolder, missingConfigMessage, type CoreDnsStatusLike } from './preconditions.js';
import { e2ePlan, renderPlan, stepHeading, type PlanInputs, type Step, type StepId } from './plan.js';
import { compareRestarts, describeRestarts, podRestarts, type PodRestarts } from './restarts.js';
import { SCENARIO_SERVICE, scenarioObjects } from './scenario.js';
import { runSuite } from './suite-run.js';
import { kindFacts, localEnvKubeDir, runLocalUp } from './sources.js';

const KARMADA_SYSTEM = 'karmada-system';
const DOCTOR_WAIT_MS = 90_000;
const LOCAL_UP_TIMEOUT_MS = 60 * 60_000;
const SUITE_TIMEOUT_MS = 20 * 60_000;

/** What the steps share: the connection (./connect.ts) and the run's own state. */
interface Run extends Connected {
  opts: E2eOptions;
  layout: Layout;
  plan: Step[];
  say: (line: string) => void;
  /** Reasons the run fails; the run goes on to clean up after the first. */
  failures: string[];
  namespace: string;
}

/**
 * What an interrupted run must not leave behind unsaid: the local controller
 * runs detached, in its own process group, and would outlive this process.
 */
const live: { controller?: LocalController | undefined; namespace?: string | undefined } = {};

function stopOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      const ns = live.namespace ? `; namespace ${live.namespace} is left behind (kubectl --context karmada-apiserver delete namespace ${live.namespace})` : '';
      console.error(`hack/e2e.sh: ${sig}: stopping the local controller${ns}`);
      void (live.controller?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
}

/** Logs the heading of a step of the plan as it begins. */
const begin = (r: Pick<Run, 'plan' | 'say'>, id: StepId) => r.say(stepHeading(r.plan, id));

/** config/karmada's objects, as --apply-config applies them. */
const karmadaConfigObjects = () => kustomizeResources(join(repoRoot, 'config', 'karmada'));

/** Step 2: what must be there before anything is created; throws with every problem found. */
async function checkPreconditions(r: Run): Promise<void> {
  begin(r, 'preconditions');
  const problems: string[] = [];
  for (const crd of MCS_CRDS) {
    const p = crdProblem(crd, await readCrd(r.cp, crd), r.layout.karmadaContext, CONTROL_PLANE_CRD_FIX);
    if (p) problems.push(p);
  }
  for (const [m, kc] of r.members) {
    for (const crd of MCS_CRDS) {
      const p = crdProblem(crd, await readCrd(kc, crd), `member ${m}`, MEMBER_CRD_FIX);
      if (p) problems.push(p);
    }
  }
  const config = karmadaConfigObjects();
  const missing = await missingObjects(r.cp, config);
  if (missing.length > 0 && r.opts.applyConfig) {
    await applyObjects(r.cp, config);
    r.say(`applied config/karmada to ${r.layout.karmadaContext} (--apply-config; it lacked ${missing.join(', ')})`);
  } else {
    const p = missingConfigMessage(missing, r.layout.karmadaContext);
    if (p) problems.push(p);
    else r.say('config/karmada is applied');
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const connection = [`--kubeconfig=${r.layout.karmadaConfig}`, `--context=${r.layout.karmadaContext}`];
  const status = await runCli(['karmada', 'status', ...connection], join(r.layout.artifacts, 'karmada-status.txt'), 60_000);
  if (status.code !== 0) throw new Error(`the retention rule is not usable (clusterset-dns karmada status exited ${status.code}):\n${status.output.trim()}\nInstall it: clusterset-dns karmada install (or apply config/karmada; --apply-config does)`);
  r.say('retention rule: usable (karmada status)');
  for (const m of r.roles.importers) await checkCoreDns(r, m);
}

/** CoreDNS in an importing member serves the clusterset zone (or, with --install-coredns, is made to). */
async function checkCoreDns(r: Run, member: string): Promise<void> {
  const direct = [`--member-kubeconfig=${r.layout.membersConfig}`, `--member-context=${member}`];
  const status = await runCli(['coredns', 'status', '-o', 'json', ...direct], join(r.layout.artifacts, `coredns-status-${member}.txt`), 60_000);
  let report: CoreDnsStatusLike | undefined;
  try {
    report = (JSON.parse(status.stdout) as { members?: Array<CoreDnsStatusLike & { cluster?: string }> }).members?.find((m) => m.cluster === member);
  } catch {
    throw new Error(`clusterset-dns coredns status -o json in ${member} exited ${status.code} without a report:\n${status.output.trim()}`);
  }
  const verdict = coreDnsServes(report);
  if (verdict.serves) return r.say(`CoreDNS in ${member}: serves clusterset names, ${verdict.how} (coredns status)`);
  if (!r.opts.installCoreDns) throw new Error(`CoreDNS in ${member} is not set up for clusterset names: ${verdict.why}\nSet it up: clusterset-dns coredns install --cluster ${member}, or pass --install-coredns`);
  const install = await runCli(['coredns', 'install', ...direct], join(r.layout.artifacts, `coredns-install-${member}.txt`), 300_000);
  if (install.code !== 0) throw new Error(`clusterset-dns coredns install in ${member} exited ${install.code}:\n${install.output.trim()}`);
  r.say(`CoreDNS in ${member}: installed (--install-coredns)`);
}

/**
 * Who holds the controller's Lease and keeps renewing it. A holder that was
 * killed leaves a Lease that looks fresh for up to its duration: when it
 * does, wait that long once and look again; a renewTime that has not moved
 * is nobody's.
 */
async function currentLeaseHolder(cp: k8s.KubeConfig): Promise<string | undefined> {
  const first = await readLease(cp, DEFAULT_LEASE_NAMESPACE, LEASE_NAME);
  if (!leaseHolder(first, new Date())) return undefined;
  await delay(((first?.spec?.leaseDurationSeconds ?? 15) + 1) * 1000);
  const again = await readLease(cp, DEFAULT_LEASE_NAMESPACE, LEASE_NAME);
  const renewed = (l: typeof first) => (l?.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : 0);
  return renewed(again) !== renewed(first) ? leaseHolder(again, new Date()) : undefined;
}

/** Step 4: the controller under test; the local one is returned so it can be stopped. */
async function controller(r: Run): Promise<LocalController | undefined> {
  const holder = await currentLeaseHolder(r.cp);
  if (r.opts.inCluster) {
    if (!holder) throw new Error(`--in-cluster: no controller holds the Lease ${DEFAULT_LEASE_NAMESPACE}/${LEASE_NAME} on ${r.layout.karmadaContext}; is the Deployment (config/host) running on ${r.layout.hostContext}? Or leave out --in-cluster to run one locally`);
    r.say(`controller: the one running in the cluster (Lease held by ${holder})`);
    return undefined;
  }
  if (holder) throw new Error(`a controller already runs (Lease ${DEFAULT_LEASE_NAMESPACE}/${LEASE_NAME} held by ${holder}): a second one would race it; pass --in-cluster to test that one`);
  const log = join(r.layout.artifacts, 'controller.log');
  const c = await startLocalController(r.layout.karmadaConfig, r.layout.karmadaContext, log, r.opts.waitTimeoutMs);
  r.say(`controller: clusterset-dns run as a local process (pid ${c.proc.pid}), ready; log ${log}`);
  return c;
}

/** Step 5: the test objects, spec.ips in every importer, doctor. */
async function scenario(r: Run): Promise<void> {
  await applyObjects(r.cp, scenarioObjects(readExamples(), { namespace: r.namespace, exporter: r.roles.exporter, importers: r.roles.importers }));
  r.say(`created namespace ${r.namespace}: Service and ServiceExport ${SCENARIO_SERVICE} placed on ${r.roles.exporter}, the ServiceImport on ${r.roles.importers.join(', ')} (examples/)`);
  const deadline = Date.now() + r.opts.waitTimeoutMs;
  for (const m of r.roles.importers) {
    const kc = r.members.get(m)!;
    let ips: string[] = [];
    while ((ips = await serviceImportIps(kc, r.namespace, SCENARIO_SERVICE).catch(() => [])).length === 0) {
      if (Date.now() > deadline) throw new Error(`no spec.ips in ${m}'s ServiceImport ${r.namespace}/${SCENARIO_SERVICE} after ${r.opts.waitTimeoutMs / 1000} s; see controller.log and objects/`);
      await delay(1000);
    }
    r.say(`${m}: ServiceImport ${r.namespace}/${SCENARIO_SERVICE} has spec.ips ${ips.join(', ')}`);
  }
  await doctor(r);
}

/**
 * `clusterset-dns doctor` over the importing members and the test Service,
 * again every 5 s until it passes or DOCTOR_WAIT_MS is up: a CoreDNS just set
 * up reloads its Corefile within about 30 s, and an answer can lag spec.ips
 * by the cache's lifetime (docs/doctor.md). doctor.txt keeps the last run.
 */
async function doctor(r: Run): Promise<void> {
  const args = ['doctor', `--kubeconfig=${r.layout.karmadaConfig}`, `--context=${r.layout.karmadaContext}`, `--cluster=${r.roles.importers.join(',')}`,
    `--service=${r.namespace}/${SCENARIO_SERVICE}`, ...(r.opts.doctorDns ? [`--dns=${r.opts.doctorDns}`] : [])];
  const deadline = Date.now() + DOCTOR_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const d = await runCli(args, join(r.layout.artifacts, 'doctor.txt'), 120_000);
    if (d.code === 0) break;
    if (Date.now() > deadline) throw new Error(`clusterset-dns doctor still finds a failure after ${DOCTOR_WAIT_MS / 1000} s (exit ${d.code}):\n${d.output.trim()}`);
    r.say(`doctor: attempt ${attempt} exited ${d.code}; again in 5 s`);
    await delay(5000);
  }
  r.say(`doctor: nothing failed${r.opts.doctorDns ? '' : ' (no --doctor-dns: DNS answers not queried)'}`);
}

/** Step 6: the portable suite, against the clusters and members of this run. */
async function suite(r: Run): Promise<void> {
  const t = { karmadaConfig: r.layout.karmadaConfig, karmadaContext: r.layout.karmadaContext, membersConfig: r.layout.membersConfig, exporter: r.roles.exporter, importers: r.roles.importers };
  const out = join(r.layout.artifacts, 'suite.txt');
  const result = await runSuite(t, out, SUITE_TIMEOUT_MS);
  r.say(`suite: ${result.summary}; output in ${out}`);
  if (result.problem) throw new Error(`the portable end-to-end suite did not pass: ${result.problem}; see ${out}`);
}

/** Step 7a: the test namespace's objects, in the control plane and each member. */
async function saveObjects(r: Run): Promise<void> {
  const dir = join(r.layout.artifacts, 'objects');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${r.layout.karmadaContext}.yaml`), await namespaceYaml(r.cp, r.namespace, CONTROL_PLANE_KINDS));
  for (const [m, kc] of r.members) writeFileSync(join(dir, `${m}.yaml`), await namespaceYaml(kc, r.namespace, MEMBER_KINDS));
}

/** Runs `step`; a failure is recorded with its name and the run goes on. */
async function attempt(r: Pick<Run, 'failures' | 'say'>, name: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (e) {
    r.failures.push(`${name}: ${message(e)}`);
    r.say(`FAILED ${name}: ${message(e)}`);
  }
}

/** Steps 3-7 once connected; every clean-up step runs whatever failed before it. */
async function exercise(r: Run): Promise<void> {
  const pods = async () => podRestarts(await listPods(r.host, KARMADA_SYSTEM));
  let before: PodRestarts[] | undefined;
  begin(r, 'restarts-before');
  await attempt(r, 'karmada-system pods before the run', async () => void (before = await pods()));
  let local: LocalController | undefined;
  let created = false;
  begin(r, 'controller');
  await attempt(r, 'controller', async () => void (live.controller = local = await controller(r)));
  if (r.failures.length === 0) {
    created = true;
    live.namespace = r.namespace;
    begin(r, 'scenario');
    await attempt(r, 'end-to-end', () => scenario(r));
    begin(r, 'suite');
    await attempt(r, 'portable suite', () => suite(r));
  }
  begin(r, 'cleanup');
  if (created) await attempt(r, 'saving the objects', () => saveObjects(r));
  await local?.stop();
  live.controller = undefined;
  if (created) await attempt(r, `deleting namespace ${r.namespace}`, async () => {
    await deleteNamespace(r.cp, r.namespace, 120_000);
    live.namespace = undefined;
    r.say(`deleted namespace ${r.namespace}`);
  });
  if (before) await attempt(r, `restarts in ${KARMADA_SYSTEM} on ${r.layout.hostContext}`, async () => {
    const podsAfter = await listPods(r.host, KARMADA_SYSTEM);
    const verdict = compareRestarts(before!, podRestarts(podsAfter));
    const text = describeRestarts(verdict, `${KARMADA_SYSTEM} on ${r.layout.hostContext}`);
    writeFileSync(join(r.layout.artifacts, 'restarts.txt'), `${text}\n`);
    r.say(text);
    if (podsAfter.length > 0) {
      const dir = join(r.layout.artifacts, 'pods');
      mkdirSync(dir, { recursive: true });
      for (const l of await podLogs(r.host, KARMADA_SYSTEM, podsAfter)) writeFileSync(join(dir, l.file), l.text);
    }
    if (verdict.kind === 'restarted') throw new Error(verdict.lines.join('; '));
  });
}

/**
 * --dry-run: the plan, with the members and what config/karmada lacks where
 * they can be read (reads only); 1 when a precondition that can be read is
 * missing — the kubeconfigs and members, or what --kind needs.
 */
async function dryRun(base: PlanInputs): Promise<number> {
  const problems: string[] = [];
  let roles: PlanInputs['roles'];
  let missingConfig: string[] | undefined;
  if (base.opts.kind) {
    const missing = missingForKind(kindFacts(process.env));
    if (missing.length > 0) problems.push(kindMissingMessage(missing));
  } else {
    try {
      const c = await connect(base.layout, (l) => console.log(`read: ${l}`));
      roles = c.roles;
      missingConfig = await missingObjects(c.cp, karmadaConfigObjects()).catch((e: unknown) => {
        problems.push(`cannot read config/karmada's objects on ${base.layout.karmadaContext}: ${apiErrorMessage(e)}`);
        return undefined;
      });
    } catch (e) {
      problems.push(message(e));
    }
  }
  console.log(renderPlan(e2ePlan({ ...base, roles, missingConfig }), base.layout));
  if (problems.length > 0) {
    console.error(`hack/e2e.sh --dry-run: the run would fail:\n  ${problems.map((p) => p.replace(/\n/g, '\n    ')).join('\n  ')}`);
    return 1;
  }
  console.log('dry run: nothing was written to any cluster');
  return 0;
}

/** --kind's step: everything missing named at once, or local-up-karmada.sh run. */
async function createKindClusters(r: Pick<Run, 'plan' | 'say' | 'layout'>, karmadaRepoRoot: string | undefined): Promise<void> {
  begin(r, 'kind');
  const missing = missingForKind(kindFacts(process.env));
  if (missing.length > 0) throw new Error(kindMissingMessage(missing));
  await runLocalUp(karmadaRepoRoot!, r.layout.kubeconfigDir, join(r.layout.artifacts, 'local-up-karmada.log'), LOCAL_UP_TIMEOUT_MS);
  r.say('clusters created by local-up-karmada.sh');
}

async function main(argv: string[]): Promise<number> {
  let opts: E2eOptions | 'help';
  try {
    opts = parseE2eArgs(argv);
  } catch (e) {
    console.error(`hack/e2e.sh: ${message(e)} (--help lists the flags)`);
    return 2;
  }
  if (opts === 'help') {
    console.log(E2E_HELP);
    return 0;
  }
  let localKubeDir: string | undefined;
  if (opts.env === 'local') {
    try {
      localKubeDir = await localEnvKubeDir();
    } catch (e) {
      console.error(`hack/e2e.sh --env=local: ${message(e)}`);
      return 1;
    }
  }
  const env = clusterEnv(opts, process.env, localKubeDir);
  const now = new Date();
  const layout = layoutFromEnv({ env, home: homedir(), cwd: process.cwd(), repoRoot, now });
  const namespace = `clusterset-dns-e2e-${artifactsStamp(now).toLowerCase()}`;
  const base: PlanInputs = { opts, layout, namespace, leaseName: LEASE_NAME, configObjects: karmadaConfigObjects().map(describeObject), karmadaRepoRoot: env['KARMADA_REPO_ROOT'] };
  if (opts.dryRun) return dryRun(base);
  const plan = e2ePlan(base);
  stopOnSignals();
  mkdirSync(layout.artifacts, { recursive: true });
  const t0 = Date.now();
  const say = (line: string) => {
    const stamped = `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`;
    console.log(stamped);
    appendFileSync(join(layout.artifacts, 'e2e.log'), `${stamped}\n`);
  };
  const failures: string[] = [];
  say(`artifacts: ${layout.artifacts}`);
  if (opts.kind) await attempt({ failures, say }, 'kind clusters', () => createKindClusters({ plan, say, layout }, env['KARMADA_REPO_ROOT']));
  let connected: Connected | undefined;
  if (failures.length === 0) {
    begin({ plan, say }, 'connect');
    await attempt({ failures, say }, 'kubeconfigs and members', async () => void (connected = await connect(layout, say)));
  }
  if (connected) {
    const r: Run = { opts, layout, plan, say, failures, ...connected, namespace };
    await attempt(r, 'preconditions', () => checkPreconditions(r));
    if (failures.length === 0) await exercise(r);
  }
  if (failures.length === 0) {
    say(`PASSED; artifacts in ${layout.artifacts}`);
    return 0;
  }
  say(`FAILED (${failures.length}); artifacts in ${layout.artifacts}:\n  ${failures.map((f) => f.replace(/\n/g, '\n    ')).join('\n  ')}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`hack/e2e.sh: ${e instanceof UsageError ? '' : 'unexpected error: '}${message(e)}`);
    process.exit(1);
  },
);

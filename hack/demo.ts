/**
 * `npm run demo`: the product on the local environment, end to end.
 *
 *  1. brings the local environment up (or reuses a running one);
 *  2. sets up CoreDNS in both members (clusterset-dns coredns install);
 *  3. starts the controller, under the RBAC config/karmada ships;
 *  4. applies examples/ (a Deployment and Service in member1, exported, and
 *     imported into member2) and the EndpointSlice standing in for its pods;
 *  5. waits until member2's CoreDNS answers web.demo.svc.clusterset.local and
 *     prints what happened;
 *  6. keeps running until Ctrl-C, then stops the controller (and the
 *     environment, if the demo started it). `--once` exits after step 5.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { Resolver } from 'node:dns/promises';
import { startController, type RunningController } from '../test/env/controller.js';
import { check, down, kubeConfig, readState, up, type EnvState } from '../test/env/environment.js';
import { EXAMPLE_NAME, applyExamples } from '../test/env/examples.js';
import { installCoreDns } from '../src/coredns/install.js';
import { MCS_GROUP, MCS_VERSION } from '../src/kube/gvr.js';

const once = process.argv.includes('--once');
const t0 = Date.now();
const say = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const DEMO_NAME = EXAMPLE_NAME;

async function main(): Promise<number> {
  const { env, reused } = await startEnvironment();
  if (!(await setUpCoreDns(env))) return 1;
  // Step 3: the controller, under the RBAC config/karmada ships.
  const controller = await startController(env, ['--leader-elect=false'], 'clusterset-dns-demo');
  say(`controller running (pid ${controller.proc.pid}, log ${controller.proc.log}, probes ${controller.health}, metrics ${controller.metrics})`);
  // Step 4: examples/ as a user applies it, then the EndpointSlice standing in for its pods.
  await applyExamples(env, 'clusterset-dns-demo', say);
  const ips = await waitForSpecIps(env);
  const answer = await waitForDnsAnswer(env, ips);
  await explain(env, controller, answer);
  if (!once) await untilInterrupted();
  await stop(controller, reused);
  return 0;
}

/** Step 1: the local environment, reused when one is running and healthy. */
async function startEnvironment(): Promise<{ env: EnvState; reused: boolean }> {
  const existing = readState();
  const reused = existing !== undefined && (await check(existing)).length === 0;
  say(reused ? 'reusing the running local environment' : 'starting the local environment (the first run builds the binaries: minutes)');
  const env = await up((l) => console.log(`        ${l}`));
  return { env, reused };
}

/** Step 2: `clusterset-dns coredns install` in each member; false when one refused. */
async function setUpCoreDns(env: EnvState): Promise<boolean> {
  for (const m of Object.keys(env.members)) {
    const r = await installCoreDns(kubeConfig(env, m));
    say(`CoreDNS in ${m}: ${r.kind}${r.kind === 'installed' ? ` (${r.message})` : r.kind === 'refused' || r.kind === 'foreign' ? `: ${r.message}` : ''}`);
    if (r.kind === 'refused') return false;
  }
  return true;
}

/** Step 5a: member2's ServiceImport demo/web has spec.ips; returns them. */
async function waitForSpecIps(env: EnvState): Promise<string[]> {
  // Wait for spec.ips before asking DNS: an early NXDOMAIN/NODATA would sit in
  // kubeadm's `cache 30` for up to 30 s (docs/upstream-behaviour.md).
  const custom = kubeConfig(env, 'member2').makeApiClient(CustomObjectsApi);
  let ips: string[] = [];
  await waitFor(async () => {
    const si = (await custom.getNamespacedCustomObject({ group: MCS_GROUP, version: MCS_VERSION, namespace: 'demo', plural: 'serviceimports', name: 'web' }).catch(() => undefined)) as { spec?: { ips?: string[] } } | undefined;
    ips = si?.spec?.ips ?? [];
    return ips.length > 0;
  }, "spec.ips in member2's ServiceImport demo/web");
  say(`member2's ServiceImport demo/web has spec.ips = ${ips.join(', ')}`);
  return ips;
}

/** Step 5b: member2's CoreDNS answers web.demo.svc.clusterset.local with those addresses; returns its answer. */
async function waitForDnsAnswer(env: EnvState, ips: string[]): Promise<string[]> {
  const dns = env.members['member2']?.dns ?? '';
  const name = DEMO_NAME;
  const r = new Resolver({ timeout: 1000, tries: 1 });
  r.setServers([dns]);
  let answer: string[] = [];
  await waitFor(async () => {
    try {
      answer = await r.resolve4(name);
      // An older answer can sit in kubeadm's `cache 30` (e.g. after re-running the demo): wait it out.
      return answer.length > 0 && answer.every((a) => ips.includes(a));
    } catch {
      return false;
    }
  }, `member2's CoreDNS (${dns}) to answer ${name}`);
  return answer;
}

/** Step 5c: the answer, what happened, and where to look. */
async function explain(env: EnvState, controller: RunningController, answer: string[]): Promise<void> {
  const core = kubeConfig(env, 'member2').makeApiClient(CoreV1Api);
  const derived = await core.readNamespacedService({ namespace: 'demo', name: 'derived-web' });
  say(`member2's CoreDNS answers ${DEMO_NAME} → ${answer.join(', ')}`);
  console.log(`
  What happened:
    Karmada propagated the ServiceImport to member2 and created derived-web there (ClusterIP ${derived.spec?.clusterIP}),
    but left spec.ips empty. The controller wrote that ClusterIP into member2's ServiceImport with its annotation
    clusterset-dns.io/fill-ips; Karmada keeps it there because of the retention rule config/karmada installs
    (ResourceInterpreterCustomization clusterset-dns-serviceimport-ips), and CoreDNS answered from it.

  Look around:
    export KUBECONFIG=${env.kubeconfig}
    kubectl --context member2 -n demo get serviceimport web -o yaml
    kubectl --context karmada-apiserver get resourceinterpretercustomization clusterset-dns-serviceimport-ips -o yaml
    npx tsx src/cmd/main.ts karmada status --kubeconfig \$KUBECONFIG --context karmada-apiserver
    curl -s ${controller.metrics} | grep clusterset_dns_
`);
}

/** Step 6: keeps running until Ctrl-C (or SIGTERM). */
async function untilInterrupted(): Promise<void> {
  say('running; Ctrl-C stops the controller');
  // Handlers stay installed: Ctrl-C reaches this process twice (from the
  // terminal's process group, and relayed by tsx), and a second SIGINT with
  // no handler would kill it before the controller is stopped.
  // A signal handler does not keep Node's event loop alive (the controller
  // is a detached, unref'd child): without this timer the demo would exit
  // here and leave the controller running.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (!stopping) resolve();
      stopping = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  clearInterval(keepAlive);
}

/** Stops the controller, and the environment if the demo started it. */
async function stop(controller: RunningController, reused: boolean): Promise<void> {
  await controller.stop();
  say('controller stopped');
  if (!reused) {
    await down(() => {});
    say('local environment stopped');
  } else {
    say('the local environment is still running (npm run env:down stops it)');
  }
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);

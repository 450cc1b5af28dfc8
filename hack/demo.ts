/**
 * `npm run demo`: the product on the local environment, end to end.
 *
 *  1. brings the local environment up (or reuses a running one);
 *  2. sets up CoreDNS in both members (clusterset-dns coredns install);
 *  3. starts the controller, under the RBAC config/karmada ships;
 *  4. applies examples/ (a Deployment and Service in member1, exported, and
 *     imported into member2), its pods run as processes by the environment's
 *     data plane;
 *  5. waits until member2's CoreDNS answers web.demo.svc.clusterset.local,
 *     sends an HTTP request to that name from a pod in member2, and prints
 *     which member1 pod answered and what happened;
 *  6. keeps running until Ctrl-C, then stops the controller (and the
 *     environment, if the demo started it). `--once` exits after step 5.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { Resolver } from 'node:dns/promises';
import { startController, type RunningController } from '../test/env/controller.js';
import { check, down, kubeConfig, readState, up, type EnvState } from '../test/env/environment.js';
import { EXAMPLE, EXAMPLE_NAME, applyExamples } from '../test/env/examples.js';
import { clientPod, httpGetFromPod, runningPod } from '../test/env/dataplane/pods.js';
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
  // Step 4: examples/ as a user applies it.
  await applyExamples(env, 'clusterset-dns-demo', say);
  const ips = await waitForSpecIps(env);
  await waitForDnsAnswer(env, ips);
  const servedBy = await requestFromMember2(env);
  await explain(env, controller, servedBy);
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
  say(`member2's CoreDNS answers ${name} → ${answer.join(', ')}`);
  return answer;
}

/**
 * Step 5c: a real request. A pod in member2 (a process in its own network
 * namespace, resolving through member2's CoreDNS) sends GET / to the
 * clusterset name; member2's kube-proxy sends it to one of the example's
 * pods in member1, which answers with its name. Returns that name.
 */
async function requestFromMember2(env: EnvState): Promise<string> {
  const { namespace, importer } = EXAMPLE;
  const core = kubeConfig(env, importer).makeApiClient(CoreV1Api);
  await core.createNamespacedPod({ namespace, body: clientPod(namespace, 'client') }).catch((e: unknown) => {
    // Already there from an earlier run of the demo on this environment.
    if ((e as { code?: number }).code !== 409) throw e;
  });
  const client = await runningPod(core, namespace, 'client');
  let servedBy = '';
  await waitFor(async () => {
    servedBy = await httpGetFromPod(env, importer, client, DEMO_NAME).catch(() => '');
    return servedBy !== '';
  }, `an answer to a request from pod ${namespace}/client in ${importer} to http://${DEMO_NAME}`);
  say(`pod ${namespace}/client in ${importer} sent GET http://${DEMO_NAME}/ and pod ${servedBy} in ${EXAMPLE.exporter} answered`);
  return servedBy;
}

/** Step 5d: the answer, what happened, and where to look. */
async function explain(env: EnvState, controller: RunningController, servedBy: string): Promise<void> {
  const core = kubeConfig(env, 'member2').makeApiClient(CoreV1Api);
  const derived = await core.readNamespacedService({ namespace: 'demo', name: 'derived-web' });
  console.log(`
  What happened:
    Karmada propagated the ServiceImport to member2 and created derived-web there (ClusterIP ${derived.spec?.clusterIP}),
    but left spec.ips empty. The controller wrote that ClusterIP into member2's ServiceImport with its annotation
    clusterset-dns.io/fill-ips; Karmada keeps it there because of the retention rule config/karmada installs
    (ResourceInterpreterCustomization clusterset-dns-serviceimport-ips), and CoreDNS answered from it.
    A request to that name from a pod in member2 went through member2's kube-proxy to the EndpointSlices
    Karmada collected from member1, over the environment's pod network, to pod ${servedBy} in member1.

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

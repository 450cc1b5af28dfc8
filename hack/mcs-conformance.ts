/**
 * Runs the mcs-api conformance suite (kubernetes-sigs/mcs-api, folder
 * conformance/) against the local environment's members, with the
 * controller running `--auto-import` under its shipped rights.
 *
 * The suite is not published on the Go module proxy, so it is not part of
 * `npm test`; build it from a checkout of that repository first:
 *
 *   (cd <mcs-api checkout>/conformance && go test -c -o /tmp/mcs-conformance.test .)
 *   npx tsx hack/mcs-conformance.ts --suite /tmp/mcs-conformance.test
 *
 * The environment has no kubelet: a stand-in binds each of the suite's pods
 * to a Node object of its own and marks it Running and Ready with a made-up
 * pod IP. Nothing runs in them, so the specs that exec into pods (DNS,
 * connectivity) are left out by default (`--label-filter`). The result of a
 * run is in docs/auto-import.md "MCS conformance".
 */
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCoreDns } from '../src/coredns/install.js';
import { SENTINEL_NAME, SENTINEL_NAMESPACE } from '../src/autoimport/sentinel.js';
import { startController } from '../test/env/controller.js';
import { MEMBERS } from '../test/env/environment.js';
import { useEnvironment } from '../test/support/environment.js';
import { clients } from '../test/support/kube.js';

export const DEFAULT_LABEL_FILTER = '!Connectivity && !DNS';

/** argv → the suite binary and its Ginkgo label filter; a message naming the fix when the suite is missing. */
export function parseConformanceArgs(argv: readonly string[]): { suite: string; labelFilter: string } | { error: string } {
  let suite: string | undefined;
  let labelFilter = DEFAULT_LABEL_FILTER;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag !== '--suite' && flag !== '--label-filter') return { error: `unknown argument ${JSON.stringify(arg)}: want --suite <binary> [--label-filter <ginkgo filter>]` };
    const value = inline ?? argv[++i];
    if (value === undefined) return { error: `${flag} needs a value` };
    if (flag === '--suite') suite = value;
    else labelFilter = value;
  }
  if (!suite) return { error: 'missing --suite: build the suite first: (cd <mcs-api checkout>/conformance && go test -c -o /tmp/mcs-conformance.test .)' };
  return { suite, labelFilter };
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Binds the suite's pods to a Node of the member's own and marks them Running and Ready, until stopped. */
function standInKubelet(core: k8s.CoreV1Api, member: string, octet: number): { stop: () => Promise<void> } {
  let stopped = false;
  let next = 10;
  const node = `${member}-conformance-node`;
  const loop = (async () => {
    await core.createNode({ body: { metadata: { name: node, labels: { 'kubernetes.io/hostname': node } } } }).catch(() => undefined);
    while (!stopped) {
      const pods = await core.listPodForAllNamespaces({ labelSelector: 'app in (hello, request)' }).catch(() => ({ items: [] as k8s.V1Pod[] }));
      for (const p of pods.items) {
        const { namespace = '', name = '' } = p.metadata ?? {};
        if (p.status?.phase === 'Running' || p.metadata?.deletionTimestamp || !namespace.startsWith('mcs-conformance')) continue;
        if (!p.spec?.nodeName) await core.createNamespacedPodBinding({ namespace, name, body: { metadata: { name }, target: { kind: 'Node', name: node } } }).catch(() => undefined);
        const now = new Date();
        const ip = `10.${octet}.0.${(next++ % 250) + 2}`;
        const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now }));
        await core.patchNamespacedPodStatus({ namespace, name, body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now, conditions } } }, merge).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await core.deleteNode({ name: node }).catch(() => undefined);
    },
  };
}

async function main(): Promise<number> {
  const args = parseConformanceArgs(process.argv.slice(2));
  if ('error' in args) {
    console.error(`mcs-conformance: ${args.error}`);
    return 2;
  }
  try {
    accessSync(args.suite, constants.X_OK);
  } catch {
    console.error(`mcs-conformance: ${args.suite} is not an executable file: build it as this file's header says`);
    return 2;
  }
  const env = await useEnvironment();
  for (const m of MEMBERS) await installCoreDns(clients(env, m).kc);
  const controller = await startController(env, ['--leader-elect=false', '--auto-import'], 'clusterset-dns-mcs-conformance');
  const kubelets = MEMBERS.map((m, i) => standInKubelet(clients(env, m).core, m, 244 + i));
  try {
    return await new Promise<number>((done) => {
      // The suite writes its HTML report into its working directory: a folder of its own, not the checkout.
      const reportDir = mkdtempSync(join(tmpdir(), 'mcs-conformance-'));
      console.error(`mcs-conformance: report in ${reportDir}`);
      const suite = spawn(args.suite, [`--kubeconfig=${env.dir}/kubeconfig`, `--contexts=${MEMBERS.join(',')}`, `--ginkgo.label-filter=${args.labelFilter}`, '--ginkgo.v', '--ginkgo.no-color'], { stdio: 'inherit', cwd: reportDir });
      suite.on('exit', (code) => done(code ?? 1));
    });
  } finally {
    await Promise.all(kubelets.map((k) => k.stop()));
    await controller.stop();
    // The sentinel makes Karmada collect every member-side export; leave Karmada as it was.
    const karmada = clients(env);
    await karmada.custom.deleteNamespacedCustomObject({ group: 'policy.karmada.io', version: 'v1alpha1', namespace: SENTINEL_NAMESPACE, plural: 'propagationpolicies', name: SENTINEL_NAME }).catch(() => undefined);
    await karmada.core.deleteNamespace({ name: SENTINEL_NAMESPACE }).catch(() => undefined);
    console.error(`controller log: ${controller.proc.log}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

/**
 * A third member, joined in Pull mode by a real karmada-agent, for the tests
 * that need one (test/e2e/pull-member.test.ts). The local environment itself
 * has two Push members only: a third cluster would cost every test its start
 * time and memory, and Pull mode matters to the few tests that reach a member
 * the way Pull members are reached.
 *
 * What it starts, on the environment's own etcd and PKI:
 *  - a kube-apiserver (its own etcd prefix, service CIDR 10.99.0.0/16) and a
 *    kube-controller-manager, as the environment's members have;
 *  - karmada-agent, as `karmadactl register` deploys it: it registers the
 *    Cluster itself (`syncMode: Pull`), reports the member's credentials and
 *    impersonator token to the control plane, and carries out the Works in
 *    `karmada-es-<name>`. The control plane never connects to a Pull member
 *    to propagate; the agent pulls. It authenticates as the environment's
 *    admin on both sides: `karmadactl register` would give it a client
 *    certificate with the agent's own RBAC, which is Karmada's business, not
 *    what these tests check.
 *
 * Its processes are recorded in the environment's state, so `npm run
 * env:down` stops them even when a test run dies before `leave()`.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound } from '../../src/kube/errors.js';
import { PATHS } from '../../src/kube/gvr.js';
import { ensureBinaries } from '../env/binaries.js';
import { apiserverArgs, httpOk, kubeControllerManagerArgs } from '../env/components.js';
import { KARMADA_CONTEXT, access as envAccess, readState, type EnvState } from '../env/environment.js';
import { conditionTrue, getJson, kubeConfigFor, kubeConfigYaml, type ClusterAccess } from '../env/kube.js';
import { ensurePki } from '../env/pki.js';
import { freePorts, startProcess, stopProcess, waitUntil, type ProcessInfo } from '../env/process.js';
import { writeState } from '../env/state.js';
import { clientsFor, type Clients } from './kube.js';

export const PULL_MEMBER_CIDR = '10.99.0.0/16';

export interface PullMember {
  name: string;
  /** The member's own API server, as its admin. */
  access: ClusterAccess;
  kc: KubeConfig;
  clients: Clients;
  agent: ProcessInfo;
  /**
   * Deregisters it (deletes the Cluster while the agent still runs, so the
   * agent removes what Karmada put there and Karmada's finalizers complete),
   * then stops its processes and forgets them.
   */
  leave(): Promise<void>;
}

const server = (port: number) => `https://127.0.0.1:${port}`;
const ADMIN_USER = 'admin';

/** Starts a member's API server, controller manager and karmada-agent; resolves once Karmada reports the Cluster Ready. */
export async function joinPullMember(env: EnvState, name = 'member3'): Promise<PullMember> {
  const bins = await ensureBinaries(() => {});
  const agentBin = bins['karmada-agent'];
  const pki = ensurePki(join(env.dir, 'pki'));
  // A fresh directory and etcd prefix per join: an earlier join's objects must not come back.
  const id = `${name}-${randomBytes(3).toString('hex')}`;
  const dir = join(env.dir, id);
  mkdirSync(dir, { recursive: true });
  const [apiPort, kcmPort, agentHealth] = (await freePorts(3)) as [number, number, number];
  const token = randomBytes(16).toString('hex');
  const tokensFile = join(dir, 'tokens.csv');
  writeFileSync(tokensFile, `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
  const access: ClusterAccess = { name, server: server(apiPort), token, caFile: env.caFile };
  const kubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfig, kubeConfigYaml([access], name), { mode: 0o600 });

  const started: ProcessInfo[] = [];
  const launch = (proc: string, bin: string, args: string[], ports: Record<string, number>): ProcessInfo => {
    const info = startProcess({ name: proc, bin, args }, join(env.dir, 'logs', `${id}-${proc}.log`));
    started.push(info);
    // Recorded at once: `env:down` must find a process even when this function fails halfway.
    const state = readState() ?? env;
    state.processes[`${id}-${proc}`] = { ...info, ports };
    writeState(state);
    return info;
  };
  const forget = async () => {
    for (const p of [...started].reverse()) await stopProcess(p.pid);
    const state = readState();
    if (!state) return;
    for (const p of started) delete state.processes[`${id}-${p.name}`];
    writeState(state);
  };

  try {
    const api = launch('kube-apiserver', bins['kube-apiserver'], apiserverArgs(pki, { etcd: env.etcd.url, etcdPrefix: `/${id}`, port: apiPort, serviceCidr: PULL_MEMBER_CIDR, tokensFile }), { secure: apiPort });
    await waitUntil(`${name} /readyz`, async () => (await getJson(access, '/readyz')) === 'ok', { timeoutMs: 120_000, intervalMs: 500, proc: api });
    const kcm = launch('kube-controller-manager', bins['kube-controller-manager'], kubeControllerManagerArgs(pki, { kubeconfig, port: kcmPort, member: true }), { secure: kcmPort });
    await waitUntil(`${name} kube-controller-manager /healthz`, () => httpOk(`${server(kcmPort)}/healthz`, readFileSync(env.caFile)), { timeoutMs: 60_000, proc: kcm });
    const agent = launch('karmada-agent', agentBin, [
      `--karmada-kubeconfig=${join(env.dir, 'karmada', 'admin.kubeconfig')}`, `--karmada-context=${KARMADA_CONTEXT}`,
      `--kubeconfig=${kubeconfig}`,
      `--cluster-name=${name}`, `--cluster-api-endpoint=${access.server}`,
      '--leader-elect=false',
      '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${agentHealth}`,
      // As fast as the environment's karmada-controller-manager reports its Push members.
      '--cluster-status-update-frequency=2s',
      // Nodes and pods: none here; modelling them is work for nothing.
      '--enable-cluster-resource-modeling=false',
    ], { health: agentHealth });
    const karmada = envAccess(env, KARMADA_CONTEXT);
    await waitUntil(`Cluster ${name} registered in Pull mode and Ready`, async () => {
      const c = (await getJson(karmada, `${PATHS.clusters}/${name}`)) as { spec?: { syncMode?: string } } | undefined;
      return c?.spec?.syncMode === 'Pull' && conditionTrue(c, 'Ready');
    }, { timeoutMs: 120_000, intervalMs: 500, proc: agent });
    const kc = kubeConfigFor(access);
    return {
      name, access, kc, clients: clientsFor(kc), agent,
      leave: async () => {
        try {
          await deleteCluster(karmada, name, agent);
        } finally {
          await forget();
        }
      },
    };
  } catch (e) {
    await forget();
    throw e;
  }
}

/** Deletes the Cluster and waits until Karmada's finalizers have let it go. */
async function deleteCluster(karmada: ClusterAccess, name: string, agent: ProcessInfo): Promise<void> {
  const api = kubeConfigFor(karmada).makeApiClient(CustomObjectsApi);
  await api.deleteClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name }).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
  await waitUntil(`Cluster ${name} gone`, async () => (await getJson(karmada, `${PATHS.clusters}/${name}`)) === undefined, { timeoutMs: 120_000, intervalMs: 500, proc: agent });
}

/**
 * The process kubelet's loop: registers and heartbeats its Node, binds the
 * pods addressed to it, runs the pods on its node, reports their status and
 * finishes their deletion. It lists pods every POLL_MS with field selectors
 * instead of watching: simpler, and cheap at a test's scale.
 *
 * One pod's failure (a refused spec, an `ip` command, an API error) is
 * logged and never stops the loop; the next pass retries what is retryable.
 */
import type * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import type { KubeletCalls } from './api.js';
import { PodIpPool } from './ip-pool.js';
import { createPodNetwork, deletePodNetwork, sweepStalePodNetworks } from './net-runner.js';
import { killOrphans } from './orphans.js';
import { nodeManifest, nodeStatus, readHostInfo } from './node.js';
import { podKey } from './pod-network.js';
import { desiredPodStatus, kubeTime, type ContainerRuntime } from './pod-status.js';
import { graceMs, podRunPlan, type PlanRefusal } from './run-plan.js';
import { PodProcesses } from './supervisor.js';
import { SCHEDULER_NAME, type KubeletConfig } from './types.js';

const POLL_MS = 400;
const LEASE_RENEW_MS = 10_000;
const NODE_STATUS_MS = 60_000;
/** After a pod's network could not be made, wait this long before trying again (not every pass). */
const START_RETRY_MS = 5_000;
/** On the kubelet's own SIGTERM, pods get this long, so the whole stop fits in the environment's ~10 s. */
const SHUTDOWN_GRACE_MS = 2_000;

export type Log = (msg: string, extra?: Record<string, unknown>) => void;

/** What the kubelet holds for one pod it has seen on its node, by uid. */
interface PodEntry {
  namespace: string;
  name: string;
  uid: string;
  /** A terminal pod found at start (an earlier kubelet ran it): never run again, never written. */
  finishedBefore?: boolean;
  ip?: string;
  refusal?: PlanRefusal;
  processes?: PodProcesses;
  startTime: string;
  terminating?: Promise<void>;
  lastWritten?: string;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ProcessKubelet {
  private readonly pods = new Map<string, PodEntry>();
  private readonly startFailedAt = new Map<string, number>();
  private readonly pool: PodIpPool;
  private stopped = false;
  private wake: () => void = () => undefined;
  private nodeReadySince: string | undefined;
  private lastLeaseAt = 0;
  private lastNodeStatusAt = 0;

  constructor(
    private readonly config: KubeletConfig,
    private readonly api: KubeletCalls,
    private readonly log: Log,
  ) {
    this.pool = new PodIpPool(config.network.podCidr, config.network.gateway);
  }

  /** Runs until stop(); then stops every pod and removes its network. */
  async run(): Promise<void> {
    const orphans = killOrphans(join(this.config.stateDir, 'pods'));
    if (orphans.length > 0) this.log('killed pod processes left by an earlier run', { pids: orphans });
    const stale = await sweepStalePodNetworks(this.config.network);
    if (stale.length > 0) this.log('removed pod networks left by an earlier run', { namespaces: stale });
    while (!this.stopped) {
      await this.heartbeat().catch((e: unknown) => this.log('node heartbeat failed', { error: errorText(e) }));
      await this.bindPending().catch((e: unknown) => this.log('listing pods to bind failed', { error: errorText(e) }));
      await this.syncNodePods().catch((e: unknown) => this.log('listing pods on the node failed', { error: errorText(e) }));
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    await Promise.all([...this.pods.values()].map((p) => this.cleanUp(p, SHUTDOWN_GRACE_MS)));
    this.log('process kubelet stopped; every pod process and pod network is gone');
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  private async heartbeat(): Promise<void> {
    const { network } = this.config;
    const now = Date.now();
    if (this.nodeReadySince === undefined) {
      await this.api.ensureNode(nodeManifest(network));
      const node = await this.api.readNode(network.nodeName);
      const cidr = node.spec?.podCIDR;
      if (cidr !== network.podCidr) this.log('the existing Node has another podCIDR (immutable); pods still get addresses from the config', { node: cidr, config: network.podCidr });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
      this.nodeReadySince = kubeTime(ready ?? new Date(now));
    }
    if (now - this.lastNodeStatusAt >= NODE_STATUS_MS) {
      await this.api.patchNodeStatus(network.nodeName, nodeStatus(network, readHostInfo(), kubeTime(new Date(now)), this.nodeReadySince));
      this.lastNodeStatusAt = now;
      this.log('node status written', { node: network.nodeName });
    }
    if (now - this.lastLeaseAt >= LEASE_RENEW_MS) {
      await this.api.renewLease(network.nodeName, new Date(now));
      this.lastLeaseAt = now;
    }
  }

  /** Plays the scheduler for pods that name this kubelet's scheduler; no other pod is ever touched. */
  private async bindPending(): Promise<void> {
    // A pod bound to a Node that does not exist yet would be skipped by the EndpointSlice controller (and reaped by pod GC).
    if (this.nodeReadySince === undefined) return;
    const pending = await this.api.listPods(`spec.nodeName=,spec.schedulerName=${SCHEDULER_NAME}`);
    for (const pod of pending) {
      if (pod.metadata?.deletionTimestamp || pod.spec?.schedulerName !== SCHEDULER_NAME || pod.spec.nodeName) continue;
      await this.api.bind(pod, this.config.network.nodeName).then(
        () => this.log('pod bound', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, node: this.config.network.nodeName }),
        (e: unknown) => this.log('binding failed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, error: errorText(e) }),
      );
    }
  }

  private async syncNodePods(): Promise<void> {
    const listed = await this.api.listPods(`spec.nodeName=${this.config.network.nodeName}`);
    const seen = new Set<string>();
    for (const pod of listed) {
      // Stopping: start nothing more, and judge nothing vanished from a pass cut short.
      if (this.stopped) return;
      const uid = pod.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      await this.syncPod(pod, uid).catch((e: unknown) => this.log('pod sync failed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, error: errorText(e) }));
    }
    // Only a successful list says a pod is gone: it was deleted with grace 0, so there is only cleaning up left.
    for (const entry of this.pods.values()) {
      if (!seen.has(entry.uid) && !entry.terminating) {
        this.log('pod vanished from the API; cleaning up', { pod: `${entry.namespace}/${entry.name}` });
        entry.terminating = this.cleanUp(entry, 0);
      }
    }
  }

  private async syncPod(pod: k8s.V1Pod, uid: string): Promise<void> {
    const entry = this.pods.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (!entry) await this.api.finishPodDeletion(pod.metadata.namespace ?? '', pod.metadata.name ?? '', uid);
      else entry.terminating ??= this.terminate(entry, graceMs(pod));
      return;
    }
    if (!entry) {
      await this.startPod(pod, uid);
      return;
    }
    if (!entry.finishedBefore && !entry.terminating) await this.writeStatus(pod, entry);
  }

  private async startPod(pod: k8s.V1Pod, uid: string): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const base = { namespace, name, uid, startTime: kubeTime(pod.status?.startTime ?? new Date()) };
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      this.pods.set(uid, { ...base, finishedBefore: true });
      return;
    }
    const failedAt = this.startFailedAt.get(uid);
    if (failedAt !== undefined && Date.now() - failedAt < START_RETRY_MS) return;
    const ip = this.pool.allocate(uid, pod.status?.podIP);
    let result: ReturnType<typeof podRunPlan>;
    try {
      result = podRunPlan(pod, this.config.network, ip, { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' });
    } catch (e) {
      this.pool.release(uid);
      throw e;
    }
    if (!result.ok) {
      this.pool.release(uid);
      this.log('pod refused', { pod: `${namespace}/${name}`, message: result.refusal.message });
      const entry: PodEntry = { ...base, refusal: result.refusal };
      this.pods.set(uid, entry);
      await this.writeStatus(pod, entry);
      return;
    }
    try {
      await createPodNetwork(this.config.network, uid, ip, namespace, this.config.clusterDomain);
    } catch (e) {
      this.pool.release(uid);
      this.startFailedAt.set(uid, Date.now());
      throw e;
    }
    this.startFailedAt.delete(uid);
    const logDir = join(this.config.stateDir, 'pods', `${namespace}_${name}_${podKey(uid)}`);
    const processes = new PodProcesses(result.plan, logDir, () => this.wake(), (msg, extra) => this.log(msg, { pod: `${namespace}/${name}`, ...extra }));
    const entry: PodEntry = { ...base, ip, processes };
    this.pods.set(uid, entry);
    processes.start();
    this.log('pod started', { pod: `${namespace}/${name}`, ip, netns: result.plan.podNs, logs: logDir });
    await this.writeStatus(pod, entry);
  }

  /** Writes the pod's status when it differs from what was last written (or the server shows another phase). */
  private async writeStatus(pod: k8s.V1Pod, entry: PodEntry): Promise<void> {
    const containers: ContainerRuntime[] = entry.processes?.runtimes ?? (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      restartCount: 0,
      state: { kind: 'waiting', reason: entry.refusal?.reason ?? 'ContainerCreating', ...(entry.refusal ? { message: entry.refusal.message } : {}) },
      ready: false,
      done: false,
    }));
    const view = {
      hostIp: this.config.network.nodeIp,
      startTime: entry.startTime,
      containers,
      ...(entry.ip ? { podIp: entry.ip } : {}),
      ...(entry.refusal ? { refusal: entry.refusal } : {}),
    };
    const status = desiredPodStatus(view, pod.status?.conditions ?? [], kubeTime(new Date()));
    const text = JSON.stringify(status);
    if (text === entry.lastWritten && pod.status?.phase === status['phase']) return;
    await this.api.patchPodStatus(entry.namespace, entry.name, status);
    entry.lastWritten = text;
    this.log('pod status written', { pod: `${entry.namespace}/${entry.name}`, phase: status['phase'], ready: containers.every((c) => c.ready) });
  }

  /** A graceful deletion: stop the processes, remove the network, then delete the pod for good, as the kubelet does. */
  private async terminate(entry: PodEntry, grace: number): Promise<void> {
    this.log('pod deleting', { pod: `${entry.namespace}/${entry.name}`, graceMs: grace });
    await this.cleanUp(entry, grace);
    await this.api.finishPodDeletion(entry.namespace, entry.name, entry.uid).catch((e: unknown) =>
      // The next pass sees the pod again, unknown now, and retries the delete alone.
      this.log('finishing pod deletion failed; will retry', { pod: `${entry.namespace}/${entry.name}`, error: errorText(e) }));
  }

  private async cleanUp(entry: PodEntry, grace: number): Promise<void> {
    try {
      await entry.processes?.stop(grace);
      if (entry.ip) await deletePodNetwork(this.config.network, entry.uid);
    } catch (e) {
      this.log('pod cleanup failed', { pod: `${entry.namespace}/${entry.name}`, error: errorText(e) });
    } finally {
      this.pool.release(entry.uid);
      this.pods.delete(entry.uid);
    }
  }
}

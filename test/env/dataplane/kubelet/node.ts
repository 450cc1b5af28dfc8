/**
 * The Node object the process kubelet registers. It matters beyond looks:
 * the EndpointSlice controller skips pods whose Node does not exist, and the
 * node lifecycle controller marks a node's pods unready once neither its
 * Lease nor its Ready condition has been renewed for its grace period.
 */
import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';
import type { NodeNetwork } from './types.js';

/** Says what it is: the version field is free-form to the API server, but other tools parse it as semver. */
export const KUBELET_VERSION = 'v0.0.0-process-kubelet';

export interface HostInfo {
  machineID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  cpus: number;
  memoryBytes: number;
}

export function nodeManifest(network: NodeNetwork): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: network.nodeName,
      labels: { 'kubernetes.io/hostname': network.nodeName, 'kubernetes.io/os': 'linux', 'clusterset-dns.test/process-kubelet': 'true' },
    },
    spec: { podCIDR: network.podCidr, podCIDRs: [network.podCidr] },
  };
}

/** The whole `status` (merge patch body): its Ready condition's heartbeat is `now`, its transition time `readySince`. */
export function nodeStatus(network: NodeNetwork, host: HostInfo, now: string, readySince: string): Record<string, unknown> {
  const resources = { cpu: String(host.cpus), memory: `${Math.floor(host.memoryBytes / 1024)}Ki`, pods: '110' };
  return {
    capacity: resources,
    allocatable: resources,
    addresses: [
      { type: 'InternalIP', address: network.nodeIp },
      { type: 'Hostname', address: network.nodeName },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'process kubelet is posting ready status',
        lastHeartbeatTime: now,
        lastTransitionTime: readySince,
      },
    ],
    nodeInfo: {
      machineID: host.machineID,
      systemUUID: host.machineID,
      bootID: host.bootID,
      kernelVersion: host.kernelVersion,
      osImage: host.osImage,
      containerRuntimeVersion: 'process://ip-netns-exec',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: host.architecture,
    },
  };
}

/** Go's GOARCH names, which nodeInfo.architecture uses. */
export const goArch = (nodeArch: string): string => ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' })[nodeArch] ?? nodeArch;

export function readHostInfo(): HostInfo {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read('/etc/os-release'))?.[1];
  return {
    machineID: read('/etc/machine-id'),
    bootID: read('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: pretty ?? 'Linux',
    architecture: goArch(arch()),
    cpus: cpus().length,
    memoryBytes: totalmem(),
  };
}

import { expect } from 'chai';
import { goArch, KUBELET_VERSION, nodeManifest, nodeStatus, type HostInfo } from './node.js';
import type { NodeNetwork } from './types.js';

const network: NodeNetwork = { member: 'member1', nodeName: 'member1-node', nodeNs: 'csdns-member1', podCidr: '10.10.0.0/16', gateway: '10.10.0.1', nodeIp: '10.255.0.1' };
const host: HostInfo = { machineID: 'm', bootID: 'b', kernelVersion: '6.8.0', osImage: 'Ubuntu 24.04', architecture: 'amd64', cpus: 2, memoryBytes: 4 * 1024 ** 3 };

describe('process kubelet: node', () => {
  it('registers the pod CIDR', () => {
    expect(nodeManifest(network)).to.deep.include({ spec: { podCIDR: '10.10.0.0/16', podCIDRs: ['10.10.0.0/16'] } });
  });

  it('reports the underlay address, Ready with its heartbeat, and what it is', () => {
    const status = nodeStatus(network, host, '2026-11-30T10:00:10Z', '2026-11-30T10:00:00Z');
    expect(status['addresses']).to.deep.equal([{ type: 'InternalIP', address: '10.255.0.1' }, { type: 'Hostname', address: 'member1-node' }]);
    expect(status['conditions']).to.deep.equal([{
      type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'process kubelet is posting ready status',
      lastHeartbeatTime: '2026-11-30T10:00:10Z', lastTransitionTime: '2026-11-30T10:00:00Z',
    }]);
    expect(status['nodeInfo']).to.deep.include({ kubeletVersion: KUBELET_VERSION, architecture: 'amd64', operatingSystem: 'linux', kernelVersion: '6.8.0' });
    expect(status['capacity']).to.deep.equal({ cpu: '2', memory: '4194304Ki', pods: '110' });
  });

  it('names architectures as Go does', () => {
    expect([goArch('x64'), goArch('arm64'), goArch('riscv64')]).to.deep.equal(['amd64', 'arm64', 'riscv64']);
  });
});

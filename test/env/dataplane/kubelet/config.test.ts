import { expect } from 'chai';
import { parseKubeletConfig } from './config.js';

const good = {
  kubeconfig: '/env/member1/admin.kubeconfig',
  stateDir: '/env/dataplane/member1',
  clusterDomain: 'cluster.local',
  network: { member: 'member1', nodeName: 'member1-node', nodeNs: 'csdns-member1', podCidr: '10.10.0.0/16', gateway: '10.10.0.1', nodeIp: '10.255.0.1' },
};

describe('process kubelet: config', () => {
  it('reads a complete config', () => {
    expect(parseKubeletConfig(JSON.stringify(good))).to.deep.equal(good);
  });

  it('names the first missing or empty field', () => {
    expect(() => parseKubeletConfig(JSON.stringify({ ...good, stateDir: '' }))).to.throw('config: stateDir must be a non-empty string');
    expect(() => parseKubeletConfig(JSON.stringify({ ...good, network: { ...good.network, gateway: undefined } }))).to.throw('config: network.gateway');
    expect(() => parseKubeletConfig(JSON.stringify({ ...good, network: undefined }))).to.throw('config: network.member');
  });
});

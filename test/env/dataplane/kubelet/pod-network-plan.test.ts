import { expect } from 'chai';
import { isPodNamespace, podKey, podNetworkDown, podNetworkNames, podNetworkUp, resolvConf } from './pod-network.js';
import type { NodeNetwork } from './types.js';

const network: NodeNetwork = { member: 'member1', nodeName: 'member1-node', nodeNs: 'csdns-member1', podCidr: '10.10.0.0/16', gateway: '10.10.0.1', nodeIp: '10.255.0.1' };

describe('process kubelet: pod network commands', () => {
  it('names the namespace and links from the uid, within Linux\'s 15-byte interface names', () => {
    const names = podNetworkNames(network, '0F1E2D3C-4B5A-6978-8796-a5b4c3d2e1f0');
    expect(names).to.deep.equal({ podNs: 'csdns-member1-0f1e2d3c', nodeVeth: 'cp0f1e2d3c', podVethTemp: 'cq0f1e2d3c' });
    expect(names.nodeVeth.length).to.be.at.most(15);
    expect(() => podKey('abc')).to.throw(/fewer than 8 hex/);
  });

  it('recognizes only its own pod namespaces', () => {
    const table: [string, boolean][] = [
      ['csdns-member1-0f1e2d3c', true],
      ['csdns-member1', false],
      ['csdns-member1-0f1e2d3', false],
      ['csdns-member1-0f1e2d3cx', false],
      ['csdns-member2-0f1e2d3c', false],
      ['csdns-member1-node-0f1e2d3c', false],
    ];
    for (const [ns, want] of table) expect(isPodNamespace(network, ns), ns).to.equal(want);
  });

  it('routes the pod through the node ns: /32 on eth0, gateway on-link, proxy ARP and a /32 route on the node side', () => {
    const names = podNetworkNames(network, 'aaaaaaaa-0000-0000-0000-000000000000');
    const up = podNetworkUp(network, names, '10.10.0.2').map((c) => c.join(' '));
    expect(up).to.deep.equal([
      'ip netns add csdns-member1-aaaaaaaa',
      'ip -n csdns-member1-aaaaaaaa link set lo up',
      'ip -n csdns-member1 link add cpaaaaaaaa type veth peer name cqaaaaaaaa netns csdns-member1-aaaaaaaa',
      'ip -n csdns-member1-aaaaaaaa link set cqaaaaaaaa name eth0',
      'ip -n csdns-member1-aaaaaaaa addr add 10.10.0.2/32 dev eth0',
      'ip -n csdns-member1-aaaaaaaa link set eth0 up',
      'ip -n csdns-member1-aaaaaaaa route add 10.10.0.1 dev eth0 scope link',
      'ip -n csdns-member1-aaaaaaaa route add default via 10.10.0.1 dev eth0',
      'ip -n csdns-member1 link set cpaaaaaaaa up',
      'ip netns exec csdns-member1 sh -c echo 1 > /proc/sys/net/ipv4/conf/cpaaaaaaaa/proxy_arp',
      'ip -n csdns-member1 route add 10.10.0.2/32 dev cpaaaaaaaa',
    ]);
    expect(podNetworkDown(network, names).map((c) => c.join(' '))).to.deep.equal([
      'ip -n csdns-member1 link del cpaaaaaaaa',
      'ip netns del csdns-member1-aaaaaaaa',
    ]);
  });

  it('writes resolv.conf as the kubelet does for ClusterFirst', () => {
    expect(resolvConf('demo', 'cluster.local', '10.10.0.1')).to.equal(
      'nameserver 10.10.0.1\nsearch demo.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  });
});

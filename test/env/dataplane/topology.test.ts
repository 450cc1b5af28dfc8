import { expect } from 'chai';
import { kubeProxyArgs } from './kube-proxy.js';
import { relaySpecs } from './relays.js';
import { environmentPrefix, fabricNs, NETNS_PREFIX, networkSetup, nodeNetworks } from './topology.js';

describe('data plane topology', () => {
  const cases: Array<{ members: string[]; podCidrs: string[]; nodeIps: string[] }> = [
    { members: ['member1'], podCidrs: ['10.10.0.0/16'], nodeIps: ['10.255.0.1'] },
    { members: ['member1', 'member2'], podCidrs: ['10.10.0.0/16', '10.12.0.0/16'], nodeIps: ['10.255.0.1', '10.255.0.2'] },
    { members: ['member1', 'member2', 'member3'], podCidrs: ['10.10.0.0/16', '10.12.0.0/16', '10.14.0.0/16'], nodeIps: ['10.255.0.1', '10.255.0.2', '10.255.0.3'] },
  ];
  for (const c of cases) {
    it(`gives ${c.members.length} member(s) Karmada's kind pod CIDRs and distinct fabric addresses`, () => {
      const nodes = nodeNetworks(c.members);
      expect(nodes.map((n) => n.podCidr)).to.deep.equal(c.podCidrs);
      expect(nodes.map((n) => n.nodeIp)).to.deep.equal(c.nodeIps);
      for (const n of nodes) {
        expect(n.nodeNs.startsWith(NETNS_PREFIX), 'down() removes by this prefix').to.equal(true);
        expect(n.podCidr.startsWith(n.gateway.replace(/\.1$/, '.0')), 'the gateway is in the pod CIDR').to.equal(true);
      }
    });
  }

  it('gives each environment directory its own prefix, so two environments never remove each other\'s namespaces', () => {
    const a = environmentPrefix('/work/main/.cache/env');
    expect(a).to.match(/^csdns-[0-9a-f]{4}-$/);
    expect(environmentPrefix('/work/main/.cache/env'), 'stable').to.equal(a);
    expect(environmentPrefix('/tmp/clone/.cache/env')).to.not.equal(a);
    expect(nodeNetworks(['member1'], a)[0]?.nodeNs).to.equal(`${a}member1`);
  });

  it('refuses a member name that cannot be part of a namespace or Node name', () => {
    expect(() => nodeNetworks(['Member_1'])).to.throw(/not a DNS label/);
  });

  it('routes each node to every other member\'s pod CIDR through that node, and to nothing else', () => {
    const nodes = nodeNetworks(['member1', 'member2', 'member3']);
    const routes = networkSetup(nodes).filter((a) => a.includes('route'));
    expect(routes).to.deep.equal([
      ['-n', 'csdns-member1', 'route', 'add', '10.12.0.0/16', 'via', '10.255.0.2', 'dev', 'eth0'],
      ['-n', 'csdns-member1', 'route', 'add', '10.14.0.0/16', 'via', '10.255.0.3', 'dev', 'eth0'],
      ['-n', 'csdns-member2', 'route', 'add', '10.10.0.0/16', 'via', '10.255.0.1', 'dev', 'eth0'],
      ['-n', 'csdns-member2', 'route', 'add', '10.14.0.0/16', 'via', '10.255.0.3', 'dev', 'eth0'],
      ['-n', 'csdns-member3', 'route', 'add', '10.10.0.0/16', 'via', '10.255.0.1', 'dev', 'eth0'],
      ['-n', 'csdns-member3', 'route', 'add', '10.12.0.0/16', 'via', '10.255.0.2', 'dev', 'eth0'],
    ]);
  });

  it('never creates a link in the host\'s namespace: every link command names a namespace for each end', () => {
    for (const args of networkSetup(nodeNetworks(['member1', 'member2']))) {
      if (args[0] === 'netns') continue;
      if (args[0] === '-n') {
        expect(args[1]?.startsWith(NETNS_PREFIX), args.join(' ')).to.equal(true);
        continue;
      }
      // `ip link add A netns X type veth peer name B netns Y`
      expect(args.filter((a) => a === 'netns'), args.join(' ')).to.have.length(2);
      expect(args[args.length - 1]).to.equal(fabricNs());
    }
  });
});

describe('data plane relays and kube-proxy', () => {
  const [node] = nodeNetworks(['member1']);
  if (!node) throw new Error('no node');

  it('listens inside the node namespace and connects to loopback only on the host', () => {
    const specs = relaySpecs(node, { api: 40001, dns: 40002 }, '/s');
    const inNode = specs.filter((s) => s.bin === 'ip');
    const onHost = specs.filter((s) => s.bin === 'socat');
    expect(inNode.map((s) => s.args.slice(0, 3))).to.deep.equal(Array(3).fill(['netns', 'exec', 'csdns-member1']));
    expect(onHost.map((s) => s.args[s.args.length - 1])).to.deep.equal(['TCP4:127.0.0.1:40001', 'UDP4:127.0.0.1:40002', 'TCP4:127.0.0.1:40002']);
    expect(inNode.map((s) => s.args[s.args.length - 2])).to.deep.equal([
      'TCP4-LISTEN:6443,bind=127.0.0.1,fork,reuseaddr',
      'UDP4-RECVFROM:53,bind=10.10.0.1,fork',
      'TCP4-LISTEN:53,bind=10.10.0.1,fork,reuseaddr',
    ]);
    expect(new Set(specs.map((s) => s.name)).size, 'names are unique (they key the state file)').to.equal(specs.length);
  });

  it('runs kube-proxy in nftables mode with this member\'s pod CIDR as local traffic', () => {
    const args = kubeProxyArgs(node, '/k');
    expect(args).to.include.members(['--proxy-mode=nftables', '--cluster-cidr=10.10.0.0/16', '--hostname-override=member1-node', '--kubeconfig=/k']);
  });
});

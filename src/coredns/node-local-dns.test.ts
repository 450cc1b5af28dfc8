import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { nodeLocalDnsVerdict, type NodeLocalDnsObservation } from './node-local-dns.js';

// The upstream nodelocaldns.yaml's Corefile after its documented sed (domain and local IP filled
// in; node-cache fills the __PILLAR__ upstreams in at run time), shortened.
const CLUSTER_BLOCK = `cluster.local:53 {
    errors
    cache {
            success 9984 30
            denial 9984 5
    }
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    prometheus :9253
    health 169.254.20.10:8080
    }
`;
const UPSTREAM = `${CLUSTER_BLOCK}in-addr.arpa:53 {
    errors
    bind 169.254.20.10 10.96.0.10
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    }
.:53 {
    errors
    cache 30
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . __PILLAR__UPSTREAM__SERVERS__
    prometheus :9253
    }
`;

const ds: k8s.V1DaemonSet = { metadata: { name: 'node-local-dns', namespace: 'kube-system' } };
const obs = (corefile: string | undefined, o: Partial<NodeLocalDnsObservation> = {}): NodeLocalDnsObservation => ({
  daemonSet: { ok: true, value: ds },
  configMap: { ok: true, value: corefile === undefined ? undefined : { data: { Corefile: corefile } } },
  ...o,
});

describe('nodeLocalDnsVerdict: does node-local-dns send the clusterset zone to CoreDNS?', () => {
  const cases: Array<{ name: string; obs: NodeLocalDnsObservation; state: string; message?: RegExp }> = [
    { name: 'no DaemonSet: absent (pods ask CoreDNS)', obs: obs(UPSTREAM, { daemonSet: { ok: true, value: undefined } }), state: 'absent' },
    { name: 'the upstream Corefile sends clusterset.local upstream through .:53', obs: obs(UPSTREAM), state: 'bypasses', message: /sends clusterset.local to __PILLAR__UPSTREAM__SERVERS__ \(server block .:53\), past CoreDNS.*add a clusterset.local:53 server block to ConfigMap kube-system\/node-local-dns/ },
    { name: 'a clusterset.local block forwarding to CoreDNS', obs: obs(UPSTREAM + CLUSTER_BLOCK.replace('cluster.local:53', 'clusterset.local:53')), state: 'forwards', message: /sends clusterset.local to CoreDNS \(server block clusterset.local:53/ },
    { name: 'a clusterset.local block with node-cache\'s CoreDNS placeholder, next to a cluster.local block with the IP written out', obs: obs(UPSTREAM.replace('forward . __PILLAR__CLUSTER__DNS__ {', 'forward . 10.96.0.20 {') + 'clusterset.local:53 {\n    forward . __PILLAR__CLUSTER__DNS__\n}\n'), state: 'forwards' },
    { name: 'a clusterset.local block forwarding elsewhere', obs: obs(UPSTREAM + 'clusterset.local:53 {\n    forward . 8.8.8.8\n}\n'), state: 'bypasses', message: /to 8\.8\.8\.8/ },
    { name: 'a parent zone block shared with cluster.local (local:53) forwards both to CoreDNS', obs: obs(CLUSTER_BLOCK.replace('cluster.local:53', 'local:53')), state: 'forwards' },
    { name: 'no block covers the zone', obs: obs(CLUSTER_BLOCK), state: 'bypasses', message: /no server block for clusterset.local/ },
    { name: 'DaemonSet unreadable: unknown, with the reason', obs: obs(UPSTREAM, { daemonSet: { ok: false, reason: 'forbidden' } }), state: 'unknown', message: /cannot read DaemonSet kube-system\/node-local-dns: forbidden/ },
    { name: 'ConfigMap missing: unknown', obs: obs(undefined), state: 'unknown', message: /is missing/ },
    { name: 'ConfigMap unreadable: unknown', obs: obs(UPSTREAM, { configMap: { ok: false, reason: 'forbidden' } }), state: 'unknown', message: /cannot be read: forbidden/ },
    { name: 'a Corefile that does not parse: unknown', obs: obs('cluster.local:53 {\n'), state: 'unknown', message: /does not parse/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = nodeLocalDnsVerdict(c.obs, 'clusterset.local');
      expect(v.state).to.equal(c.state);
      if (c.message) expect('message' in v ? v.message : '').to.match(c.message);
    });
  }

  it('the stanza it suggests is the cluster.local block for the zone, and adding it makes the verdict "forwards"', () => {
    const v = nodeLocalDnsVerdict(obs(UPSTREAM), 'clusterset.local');
    if (v.state !== 'bypasses') throw new Error(v.state);
    expect(v.stanza).to.equal(CLUSTER_BLOCK.replace('cluster.local:53', 'clusterset.local:53'));
    expect(nodeLocalDnsVerdict(obs(UPSTREAM + v.stanza), 'clusterset.local').state).to.equal('forwards');
  });

  it('without a cluster.local block of its own, it suggests the upstream template', () => {
    const v = nodeLocalDnsVerdict(obs('.:53 {\n    forward . 8.8.8.8\n}\n'), 'clusterset.local');
    if (v.state !== 'bypasses') throw new Error(v.state);
    expect(v.stanza).to.match(/^clusterset.local:53 \{\n[\s\S]*forward \. __PILLAR__CLUSTER__DNS__/);
  });
});

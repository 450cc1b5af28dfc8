import { expect } from 'chai';
import { CLOSED_UPSTREAM, rewriteCorefileForLocalHost } from './corefile-local.js';
import { KUBEADM_COREFILE as KUBEADM } from './manifests.js';

const opts = { dnsPort: 15353, healthPort: 18080, readyPort: 18181, metricsPort: 19153, kubeconfig: '/tmp/m1/kubeconfig' };

describe('rewriteCorefileForLocalHost', () => {
  it('rewrites kubeadm\'s Corefile with the minimal set of local changes', () => {
    expect(rewriteCorefileForLocalHost(KUBEADM, opts)).to.equal(`.:15353 {
    bind 127.0.0.1
    errors
    health 127.0.0.1:18080 {
       lameduck 5s
    }
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       kubeconfig /tmp/m1/kubeconfig
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus 127.0.0.1:19153
    forward . ${CLOSED_UPSTREAM} {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload 2s 1s
    loadbalance
}
`);
  });

  it('keeps the clusterset stanza and anything else it does not own', () => {
    const withMcs = KUBEADM.replace(
      'kubernetes cluster.local in-addr.arpa ip6.arpa {',
      'kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa { # clusterset-dns',
    ).replace('ttl 30\n', 'ttl 30\n       multicluster clusterset.local # clusterset-dns\n');
    const out = rewriteCorefileForLocalHost(withMcs, opts);
    expect(out).to.contain('kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa { # clusterset-dns\n       kubeconfig /tmp/m1/kubeconfig\n');
    expect(out).to.contain('       multicluster clusterset.local # clusterset-dns\n');
  });

  const cases: Array<[string, string, string]> = [
    ['a block-less kubernetes line gets a block', '.:53 {\n    kubernetes cluster.local\n}\n',
      '.:15353 {\n    bind 127.0.0.1\n    kubernetes cluster.local {\n       kubeconfig /tmp/m1/kubeconfig\n    }\n}\n'],
    ['a server key without a port listens on the member port', 'cluster.local {\n    whoami\n}\n',
      'cluster.local:15353 {\n    bind 127.0.0.1\n    whoami\n}\n'],
    ['a server key on another port is left alone', 'example.org:5300 {\n    whoami\n}\n',
      'example.org:5300 {\n    bind 127.0.0.1\n    whoami\n}\n'],
    ['several keys and a scheme', 'dns://a.local:53 b.local {\n    whoami\n}\n',
      'dns://a.local:15353 b.local:15353 {\n    bind 127.0.0.1\n    whoami\n}\n'],
    ['reload with its own interval is kept', '.:53 {\n    reload 10s\n}\n', '.:15353 {\n    bind 127.0.0.1\n    reload 10s\n}\n'],
    ['health with an address', '.:53 {\n    health :8080\n}\n', '.:15353 {\n    bind 127.0.0.1\n    health 127.0.0.1:18080\n}\n'],
    ['nested lines are not mistaken for directives', '.:53 {\n    hosts {\n       ready\n    }\n}\n',
      '.:15353 {\n    bind 127.0.0.1\n    hosts {\n       ready\n    }\n}\n'],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => expect(rewriteCorefileForLocalHost(input, opts)).to.equal(want));
  }
});

// Corefiles seen in the wild (or close to it) for tests: what distributions ship,
// what other MCS tools leave behind, and hand-written oddities. Each fixture says
// what install should do with it, so property tests can run over all of them.

import type { InspectStatus } from '../../../src/coredns/corefile/index.js';

export type InstallKind = 'changed' | 'foreign' | 'refused';

export interface Fixture {
  readonly name: string;
  readonly corefile: string;
  /** Expected planInstall kind for each flavor (default options). */
  readonly inTree: InstallKind;
  readonly external: InstallKind;
  /** Expected inspect status before any install. */
  readonly status: InspectStatus;
}

const lines = (...ls: string[]): string => ls.join('\n') + '\n';

/** kubeadm's default since kubernetes/kubernetes#128359 (cmd/kubeadm/app/phases/addons/dns/manifests.go, rendered with cluster.local). */
export const KUBEADM = lines(
  '.:53 {',
  '    errors',
  '    health {',
  '       lameduck 5s',
  '    }',
  '    ready',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '       pods insecure',
  '       fallthrough in-addr.arpa ip6.arpa',
  '       ttl 30',
  '    }',
  '    prometheus :9153',
  '    forward . /etc/resolv.conf {',
  '       max_concurrent 1000',
  '    }',
  '    cache 30 {',
  '       disable success cluster.local',
  '       disable denial cluster.local',
  '    }',
  '    loop',
  '    reload',
  '    loadbalance',
  '}',
);

/** Older kubeadm releases: a bare `cache 30`. */
export const KUBEADM_LEGACY = KUBEADM.replace(
  '    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n',
  '    cache 30\n',
);

/** kubeadm's Corefile with the in-tree stanza in the shape mcs-api and Cilium produce, plus our markers. */
export const KUBEADM_INSTALLED_IN_TREE = KUBEADM.replace(
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {\n',
  '    kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa { # clusterset-dns: added clusterset.local\n',
).replace('       ttl 30\n    }\n', '       ttl 30\n       multicluster clusterset.local # clusterset-dns\n    }\n');

/** k3s's default (manifests/coredns.yaml). */
export const K3S = lines(
  '.:53 {',
  '    errors',
  '    health',
  '    ready',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '      pods insecure',
  '      fallthrough in-addr.arpa ip6.arpa',
  '    }',
  '    hosts /etc/coredns/NodeHosts {',
  '      ttl 60',
  '      reload 15s',
  '      fallthrough',
  '    }',
  '    prometheus :9153',
  '    forward . /etc/resolv.conf',
  '    cache 30',
  '    loop',
  '    reload',
  '    loadbalance',
  '    import /etc/coredns/custom/*.override',
  '}',
  'import /etc/coredns/custom/*.server',
);

/** RKE2's chart template: doubled cluster domain, odd spacing and trailing blanks. */
export const RKE2 = lines(
  '.:53 {',
  '    errors ',
  '    health  {',
  '        lameduck 5s',
  '    }',
  '    ready ',
  '    kubernetes   cluster.local  cluster.local in-addr.arpa ip6.arpa {',
  '        pods insecure',
  '        fallthrough in-addr.arpa ip6.arpa',
  '        ttl 30',
  '    }',
  '    prometheus   0.0.0.0:9153',
  '    forward   . /etc/resolv.conf',
  '    cache   30',
  '    loop ',
  '    reload ',
  '    loadbalance ',
  '}',
);

/** AKS-like: relative imports for coredns-custom and a second server block. */
export const AKS = lines(
  '.:53 {',
  '    errors',
  '    ready',
  '    health {',
  '      lameduck 5s',
  '    }',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '      pods insecure',
  '      fallthrough in-addr.arpa ip6.arpa',
  '      ttl 30',
  '    }',
  '    prometheus :9153',
  '    forward . /etc/resolv.conf',
  '    cache 30',
  '    loop',
  '    reload',
  '    loadbalance',
  '    import custom/*.override',
  '}',
  'contoso.internal:53 {',
  '    errors',
  '    cache 30',
  '    forward . 10.0.0.10',
  '}',
  'import custom/*.server',
);

export const COMMENTED = lines(
  '# Cluster DNS for the staging cluster.',
  '# Owner: platform team',
  '',
  '.:53 {',
  '    errors   # log errors',
  '    health {',
  '       lameduck 5s   # give kube-proxy time',
  '    }',
  '    ready',
  '    # the cluster zone',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {   # do not touch',
  '       pods insecure',
  '       # PTR for pods and services',
  '       fallthrough in-addr.arpa ip6.arpa',
  '       ttl 30',
  '    }#no-space-before-this-comment',
  '',
  '    prometheus :9153',
  '    forward . 8.8.8.8 8.8.4.4 {',
  '       max_concurrent 1000',
  '    }',
  '    cache 30',
  '    loop',
  '    reload',
  '    loadbalance',
  '} # end',
  '# trailing comment',
);

export const TABS = lines(
  '.:53 {',
  '\terrors',
  '\thealth {',
  '\t\tlameduck 5s',
  '\t}',
  '\tready',
  '\tkubernetes\tcluster.local\tin-addr.arpa\tip6.arpa {',
  '\t\tpods insecure',
  '\t\tfallthrough in-addr.arpa ip6.arpa',
  '\t\tttl 30',
  '\t}',
  '\tforward . /etc/resolv.conf',
  '\tcache 30',
  '\treload',
  '}',
);

export const CRLF = KUBEADM.replace(/\n/g, '\r\n');

export const MULTI_BLOCK = lines(
  'example.com:53 {',
  '    file /etc/coredns/example.com.db',
  '    log',
  '}',
  'dns://.:53 {',
  '    errors',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '        pods verified',
  '        fallthrough in-addr.arpa ip6.arpa',
  '    }',
  '    forward . tls://1.1.1.1 tls://1.0.0.1 {',
  '        tls_servername cloudflare-dns.com',
  '    }',
  '    cache 30',
  '}',
  'tls://.:853 {',
  '    tls /certs/cert.pem /certs/key.pem',
  '    forward . /etc/resolv.conf',
  '}',
  '10.0.0.0/8:53 {',
  '    whoami',
  '}',
);

/** The cluster zone in its own block: clusterset.local queries go to `.:53`, not there. */
export const SPLIT_ZONES = lines(
  'cluster.local:53 {',
  '    errors',
  '    kubernetes',
  '}',
  '.:53 {',
  '    errors',
  '    forward . /etc/resolv.conf',
  '    cache 30',
  '}',
);

export const CUSTOM_DOMAIN = lines(
  '.:53 {',
  '    errors',
  '    kubernetes corp.example in-addr.arpa ip6.arpa {',
  '       pods insecure',
  '       fallthrough in-addr.arpa ip6.arpa',
  '       ttl 30',
  '    }',
  '    forward . /etc/resolv.conf',
  '    cache 30',
  '}',
);

/** After mcs-api's `sed s/cluster\.local/cluster.local clusterset.local/g` plus the multicluster line. */
export const MCS_API_SED = lines(
  '.:53 {',
  '    errors',
  '    health {',
  '       lameduck 5s',
  '    }',
  '    ready',
  '    kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa {',
  '       pods insecure',
  '       fallthrough in-addr.arpa ip6.arpa',
  '       ttl 30',
  '       multicluster clusterset.local',
  '    }',
  '    prometheus :9153',
  '    forward . /etc/resolv.conf {',
  '       max_concurrent 1000',
  '    }',
  '    cache 30 {',
  '       disable success cluster.local clusterset.local',
  '       disable denial cluster.local clusterset.local',
  '    }',
  '    loop',
  '    reload',
  '    loadbalance',
  '}',
);

/** After Cilium's coredns-mcsapi-auto-configure job. */
export const CILIUM = KUBEADM.replace(
  'kubernetes cluster.local in-addr.arpa ip6.arpa {',
  'kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa {',
).replace('       ttl 30\n    }\n', '       ttl 30\n       multicluster clusterset.local\n    }\n');

/** Submariner Lighthouse prepends a forwarding block between its markers. */
export const LIGHTHOUSE =
  lines(
    '#lighthouse-start AUTO-GENERATED SECTION. DO NOT EDIT',
    'clusterset.local:53 {',
    '    forward . 10.96.43.210',
    '}',
    '#lighthouse-end',
  ) + KUBEADM;

export const NO_KUBERNETES = lines('.:53 {', '    errors', '    forward . 1.1.1.1', '    cache 30', '}');

export const TWO_KUBERNETES_SAME = lines(
  '.:53 {',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa',
  '    forward . /etc/resolv.conf',
  '}',
  '.:5353 {',
  '    kubernetes cluster.local',
  '}',
);

export const TWO_KUBERNETES_OTHER = lines(
  '.:53 {',
  '    kubernetes alpha.example in-addr.arpa ip6.arpa',
  '    forward . /etc/resolv.conf',
  '}',
  'beta.example:53 {',
  '    kubernetes beta.example {',
  '        kubeconfig /etc/coredns/beta.kubeconfig',
  '    }',
  '}',
);

export const SNIPPETS_AND_ENV = lines(
  '(common) {',
  '    errors',
  '    log . {',
  '        class denial error',
  '    }',
  '}',
  '.:53 {',
  '    import common',
  '    health {$HEALTH_ADDR}',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '        pods insecure',
  '        fallthrough in-addr.arpa ip6.arpa',
  '    }',
  '    forward . {$UPSTREAM_DNS}',
  '    cache 30',
  '}',
);

export const SAME_LINE_BLOCKS = lines(
  '.:53 {',
  '    errors',
  '    health { lameduck 5s }',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '        pods insecure',
  '    }',
  '    forward . /etc/resolv.conf { max_concurrent 1000 }',
  '}',
);

/** CoreDNS's option parser would read `}` as an argument here; we refuse to edit it. */
export const KUBERNETES_ONE_LINE_BLOCK = lines(
  '.:53 {',
  '    kubernetes cluster.local { pods insecure }',
  '    forward . /etc/resolv.conf',
  '}',
);

export const KUBERNETES_NO_BLOCK = lines(
  '.:53 {',
  '    errors',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa',
  '    forward . /etc/resolv.conf',
  '}',
);

export const KUBERNETES_EMPTY_BLOCK = lines(
  '.:53 {',
  '  kubernetes cluster.local in-addr.arpa ip6.arpa {',
  '  }',
  '  forward . /etc/resolv.conf',
  '}',
);

export const QUOTED = lines(
  '.:53 {',
  '    errors',
  '    kubernetes "cluster.local" in-addr.arpa ip6.arpa {',
  '        pods insecure',
  '    }',
  '    template IN TXT example.org {',
  '        answer "{{ .Name }} 60 IN TXT \\"hello # not a comment\\""',
  '    }',
  '    forward . "/etc/resolv.conf"',
  '}',
);

export const NO_FINAL_NEWLINE = KUBEADM_LEGACY.slice(0, -1);

export const BRACE_NEXT_LINE = lines('.:53', '{', '    kubernetes cluster.local', '    forward . /etc/resolv.conf', '}');

export const MULTI_KEY = lines(
  'cluster.local:53,',
  'in-addr.arpa:53 ip6.arpa:53 .:53 {',
  '    kubernetes cluster.local in-addr.arpa ip6.arpa',
  '    forward . /etc/resolv.conf',
  '}',
);

export const PLACEHOLDER_PORT = lines('.:{$DNS_PORT} {', '    kubernetes cluster.local in-addr.arpa ip6.arpa', '    forward . /etc/resolv.conf', '}');

/** A kubernetes plugin with no zones serves `.`, which shadows the standalone plugin. */
export const KUBERNETES_ROOT = lines('.:53 {', '    kubernetes', '    forward . /etc/resolv.conf', '}');

export const BOM = '\uFEFF' + KUBEADM;

export const FIXTURES: readonly Fixture[] = [
  { name: 'kubeadm', corefile: KUBEADM, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'kubeadm (legacy bare cache)', corefile: KUBEADM_LEGACY, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'k3s', corefile: K3S, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'rke2', corefile: RKE2, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'aks-like', corefile: AKS, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'hand-written with comments', corefile: COMMENTED, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'tabs', corefile: TABS, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'CRLF line endings', corefile: CRLF, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'several server blocks and transports', corefile: MULTI_BLOCK, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'cluster zone in its own block', corefile: SPLIT_ZONES, inTree: 'refused', external: 'changed', status: 'absent' },
  { name: 'non-cluster.local domain', corefile: CUSTOM_DOMAIN, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: "mcs-api's sed", corefile: MCS_API_SED, inTree: 'foreign', external: 'foreign', status: 'foreign' },
  { name: 'Cilium auto-configure', corefile: CILIUM, inTree: 'foreign', external: 'foreign', status: 'foreign' },
  { name: 'Submariner Lighthouse', corefile: LIGHTHOUSE, inTree: 'foreign', external: 'foreign', status: 'foreign' },
  { name: 'no kubernetes plugin', corefile: NO_KUBERNETES, inTree: 'refused', external: 'refused', status: 'absent' },
  { name: 'two kubernetes plugins for cluster.local', corefile: TWO_KUBERNETES_SAME, inTree: 'refused', external: 'changed', status: 'absent' },
  { name: 'two kubernetes plugins, neither cluster.local', corefile: TWO_KUBERNETES_OTHER, inTree: 'refused', external: 'changed', status: 'absent' },
  { name: 'snippets, imports and env placeholders', corefile: SNIPPETS_AND_ENV, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'blocks on one line', corefile: SAME_LINE_BLOCKS, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'kubernetes block on one line', corefile: KUBERNETES_ONE_LINE_BLOCK, inTree: 'refused', external: 'changed', status: 'absent' },
  { name: 'kubernetes without a block', corefile: KUBERNETES_NO_BLOCK, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'kubernetes with an empty block', corefile: KUBERNETES_EMPTY_BLOCK, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'quoted strings', corefile: QUOTED, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'no final newline', corefile: NO_FINAL_NEWLINE, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'server block brace on the next line', corefile: BRACE_NEXT_LINE, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'several keys with a trailing comma', corefile: MULTI_KEY, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'placeholder port', corefile: PLACEHOLDER_PORT, inTree: 'refused', external: 'refused', status: 'absent' },
  { name: 'kubernetes without zones', corefile: KUBERNETES_ROOT, inTree: 'refused', external: 'refused', status: 'absent' },
  { name: 'byte order mark', corefile: BOM, inTree: 'changed', external: 'changed', status: 'absent' },
  { name: 'empty', corefile: '', inTree: 'refused', external: 'refused', status: 'absent' },
];

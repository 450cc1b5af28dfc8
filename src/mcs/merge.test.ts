import { expect } from 'chai';
import type { ServicePort, ServiceSpec } from '../api/core.js';
import type { ServiceImportSpec } from '../api/mcs.js';
import { mergeExports, type ExportedService, type MergeResult } from './merge.js';
import { portText } from './ports.js';

const http: ServicePort = { name: 'http', protocol: 'TCP', port: 80 };

/** A ClusterIP Service as the API server returns it, defaults filled in. */
const svc = (over: ServiceSpec = {}): ServiceSpec => ({
  type: 'ClusterIP',
  clusterIP: '10.0.0.1',
  clusterIPs: ['10.0.0.1'],
  ipFamilies: ['IPv4'],
  ports: [http],
  sessionAffinity: 'None',
  internalTrafficPolicy: 'Cluster',
  ...over,
});

/** The Service without the named fields, as a client that leaves them unset would send it. */
function unset(spec: ServiceSpec, ...fields: Array<keyof ServiceSpec>): ServiceSpec {
  const copy = { ...spec };
  for (const f of fields) delete copy[f];
  return copy;
}

/** An export from `cluster`, created `minute` minutes into the day. */
function exp(cluster: string, minute: number, service: ServiceSpec | undefined, extra: Partial<ExportedService> = {}): ExportedService {
  return { cluster, exportCreationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), service, ...extra };
}

/** What a case checks; a field left out is not checked. */
interface Want {
  /** 'none': no ServiceImport at all. */
  type?: ServiceImportSpec['type'] | 'none';
  ports?: string[];
  spec?: Partial<ServiceImportSpec>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  clusters?: string[];
  /** cluster → "status:reason" of its Valid condition. */
  valid?: Record<string, string>;
  /** cluster → "status:reason" of its Conflict condition. */
  conflict?: Record<string, string>;
  /** Text the first listed export's Conflict message must hold. */
  message?: string[];
}

function check(r: MergeResult, exports: ExportedService[], want: Want) {
  const byCluster = (pick: 'valid' | 'conflict') =>
    Object.fromEntries([...r.conditions].map(([c, x]) => [c, `${x[pick].status}:${x[pick].reason}`]));
  if (want.type !== undefined) expect(r.import?.spec.type ?? 'none').to.equal(want.type);
  if (want.ports) expect(r.import?.spec.ports.map(portText)).to.deep.equal(want.ports);
  if (want.spec) expect(r.import?.spec).to.deep.include(want.spec);
  if (want.labels) expect(r.import?.labels).to.deep.equal(want.labels);
  if (want.annotations) expect(r.import?.annotations).to.deep.equal(want.annotations);
  if (want.clusters) expect(r.import?.clusters).to.deep.equal(want.clusters);
  if (want.valid) expect(byCluster('valid')).to.deep.equal(want.valid);
  if (want.conflict) expect(byCluster('conflict')).to.deep.equal(want.conflict);
  const first = exports[0]?.cluster ?? '';
  for (const text of want.message ?? []) expect(r.conditions.get(first)?.conflict.message).to.include(text);
}

const T = 'True:Valid';
const OK = 'False:NoConflicts';

describe('mergeExports', () => {
  const cases: Array<{ name: string; exports: ExportedService[]; want: Want }> = [
    // Which Services export, and as what.
    { name: 'no exports: no import', exports: [], want: { type: 'none', valid: {}, conflict: {} } },
    { name: 'ClusterIP exports as ClusterSetIP', exports: [exp('a', 0, svc())], want: { type: 'ClusterSetIP', valid: { a: T }, conflict: { a: OK } } },
    { name: 'a Service without a type is ClusterIP', exports: [exp('a', 0, unset(svc(), 'type'))], want: { type: 'ClusterSetIP' } },
    { name: 'NodePort exports as ClusterSetIP', exports: [exp('a', 0, svc({ type: 'NodePort' }))], want: { type: 'ClusterSetIP', valid: { a: T } } },
    { name: 'LoadBalancer exports as ClusterSetIP', exports: [exp('a', 0, svc({ type: 'LoadBalancer' }))], want: { type: 'ClusterSetIP', valid: { a: T } } },
    { name: 'headless exports as Headless', exports: [exp('a', 0, svc({ clusterIP: 'None', clusterIPs: ['None'] }))], want: { type: 'Headless', valid: { a: T } } },
    {
      name: 'ExternalName is invalid and makes no import',
      exports: [exp('a', 0, { type: 'ExternalName' })],
      want: { type: 'none', valid: { a: 'False:InvalidServiceType' }, conflict: { a: OK } },
    },
    { name: 'an export without a Service is invalid', exports: [exp('a', 0, undefined)], want: { type: 'none', valid: { a: 'False:NoService' } } },
    {
      name: 'invalid exports add nothing, even when oldest',
      exports: [exp('a', 0, { type: 'ExternalName', ports: [{ port: 1 }] }), exp('b', 1, undefined), exp('c', 2, svc())],
      want: {
        type: 'ClusterSetIP',
        ports: ['"http" 80/TCP'],
        clusters: ['c'],
        valid: { a: 'False:InvalidServiceType', b: 'False:NoService', c: T },
        conflict: { a: OK, b: OK, c: OK },
      },
    },
    // What is carried, and nothing else.
    {
      name: 'carries ports, affinity, traffic fields and families from the Service; labels and annotations from the export',
      exports: [
        exp('a', 0, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, internalTrafficPolicy: 'Local', trafficDistribution: 'PreferClose', ipFamilies: ['IPv6', 'IPv4'] }), {
          exportedLabels: { tier: 'web' },
          exportedAnnotations: { note: 'x' },
        }),
      ],
      want: {
        spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, internalTrafficPolicy: 'Local', trafficDistribution: 'PreferClose', ipFamilies: ['IPv6', 'IPv4'] },
        labels: { tier: 'web' },
        annotations: { note: 'x' },
        clusters: ['a'],
      },
    },
    // Ports.
    {
      name: 'ports: the union, with a conflict when the sets differ',
      exports: [exp('a', 0, svc()), exp('b', 1, svc({ ports: [http, { name: 'stcp', protocol: 'SCTP', port: 142 }] }))],
      want: { ports: ['"http" 80/TCP', '"stcp" 142/SCTP'], conflict: { a: 'True:PortConflict', b: 'True:PortConflict' }, message: ['1/2 clusters disagree: "b"'] },
    },
    {
      name: 'ports: same name, other port: the oldest export wins',
      exports: [exp('b', 5, svc({ ports: [{ ...http, port: 81 }] })), exp('a', 0, svc())],
      want: { ports: ['"http" 80/TCP'], conflict: { a: 'True:PortConflict', b: 'True:PortConflict' }, message: ['Left out: "http" 81/TCP of "b" (clashes with "http" 80/TCP)'] },
    },
    {
      name: 'ports: same protocol and port, other name: the oldest export wins',
      exports: [exp('a', 0, svc()), exp('b', 1, svc({ ports: [{ name: 'web', port: 80 }] }))],
      want: { ports: ['"http" 80/TCP'], conflict: { a: 'True:PortConflict', b: 'True:PortConflict' } },
    },
    {
      name: 'ports: same port, other protocol: both kept',
      exports: [exp('a', 0, svc({ ports: [{ name: 'dns', port: 53 }] })), exp('b', 1, svc({ ports: [{ name: 'dns', port: 53 }, { name: 'dns-udp', protocol: 'UDP', port: 53 }] }))],
      want: { ports: ['"dns" 53/TCP', '"dns-udp" 53/UDP'], conflict: { a: 'True:PortConflict', b: 'True:PortConflict' } },
    },
    {
      name: 'ports: the same set in another order, protocol left to its default: no conflict',
      exports: [
        exp('a', 0, svc({ ports: [http, { name: 'https', protocol: 'TCP', port: 443 }] })),
        exp('b', 1, svc({ ports: [{ name: 'https', port: 443 }, { name: 'http', port: 80 }] })),
      ],
      want: { ports: ['"http" 80/TCP', '"https" 443/TCP'], conflict: { a: OK, b: OK } },
    },
    {
      name: 'ports: another appProtocol is a conflict',
      exports: [exp('a', 0, svc({ ports: [{ ...http, appProtocol: 'http' }] })), exp('b', 1, svc({ ports: [{ ...http, appProtocol: 'kubernetes.io/h2c' }] }))],
      want: { ports: ['"http" 80/TCP (http)'], conflict: { a: 'True:PortConflict', b: 'True:PortConflict' } },
    },
    // Properties the oldest export decides.
    {
      name: 'headlessness follows the oldest export',
      exports: [exp('a', 0, svc()), exp('b', 1, svc({ clusterIP: 'None', clusterIPs: ['None'] }))],
      want: { type: 'ClusterSetIP', conflict: { a: 'True:TypeConflict', b: 'True:TypeConflict' }, message: ['Using "ClusterSetIP" from the oldest export, in "a". 1/2 clusters disagree: "b".'] },
    },
    {
      name: 'the oldest is the oldest ServiceExport, whatever the input order',
      exports: [exp('a', 9, svc()), exp('b', 1, svc({ clusterIP: 'None' }))],
      want: { type: 'Headless', conflict: { a: 'True:TypeConflict', b: 'True:TypeConflict' } },
    },
    {
      name: 'the same creation time: the cluster name decides',
      exports: [exp('z', 0, svc({ clusterIP: 'None' })), exp('m', 0, svc())],
      want: { type: 'ClusterSetIP', clusters: ['m', 'z'] },
    },
    {
      name: 'an unreadable creation time counts as the newest',
      exports: [exp('a', 0, svc({ clusterIP: 'None' }), { exportCreationTimestamp: 'yesterday' }), exp('b', 30, svc())],
      want: { type: 'ClusterSetIP' },
    },
    {
      name: 'session affinity and its config follow the oldest export',
      exports: [
        exp('a', 0, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })),
        exp('b', 1, svc({ sessionAffinity: 'None' })),
      ],
      want: {
        spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
        conflict: { a: 'True:SessionAffinityConflict,SessionAffinityConfigConflict', b: 'True:SessionAffinityConflict,SessionAffinityConfigConflict' },
      },
    },
    {
      name: 'only the affinity timeout differs: SessionAffinityConfigConflict',
      exports: [
        exp('a', 0, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })),
        exp('b', 1, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } })),
      ],
      want: { spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, conflict: { a: 'True:SessionAffinityConfigConflict', b: 'True:SessionAffinityConfigConflict' } },
    },
    {
      name: 'an unset session affinity is None, an unset internal traffic policy is Cluster: no conflict',
      exports: [exp('a', 0, svc()), exp('b', 1, unset(svc(), 'sessionAffinity', 'internalTrafficPolicy'))],
      want: { spec: { sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' }, conflict: { a: OK, b: OK } },
    },
    {
      name: 'internal traffic policy follows the oldest export',
      exports: [exp('a', 0, svc({ internalTrafficPolicy: 'Local' })), exp('b', 1, svc())],
      want: { spec: { internalTrafficPolicy: 'Local' }, conflict: { a: 'True:InternalTrafficPolicyConflict', b: 'True:InternalTrafficPolicyConflict' } },
    },
    {
      name: 'traffic distribution follows the oldest export, unset included',
      exports: [exp('a', 0, svc()), exp('b', 1, svc({ trafficDistribution: 'PreferClose' }))],
      want: { conflict: { a: 'True:TrafficDistributionConflict', b: 'True:TrafficDistributionConflict' }, message: ['Using unset from the oldest export'] },
    },
    {
      name: 'IP families in another order are no conflict; the oldest order is kept',
      exports: [exp('a', 0, svc({ ipFamilies: ['IPv6', 'IPv4'] })), exp('b', 1, svc({ ipFamilies: ['IPv4', 'IPv6'] }))],
      want: { spec: { ipFamilies: ['IPv6', 'IPv4'] }, conflict: { a: OK, b: OK } },
    },
    {
      name: 'other IP families are an IPFamilyConflict',
      exports: [exp('a', 0, svc({ ipFamilies: ['IPv4'] })), exp('b', 1, svc({ ipFamilies: ['IPv4', 'IPv6'] }))],
      want: { spec: { ipFamilies: ['IPv4'] }, conflict: { a: 'True:IPFamilyConflict', b: 'True:IPFamilyConflict' } },
    },
    {
      name: 'exported labels and annotations are the oldest export’s, not a union',
      exports: [
        exp('a', 0, svc(), { exportedLabels: { l1: 'true' }, exportedAnnotations: { a1: 'true' } }),
        exp('b', 1, svc(), { exportedLabels: { l2: 'true' }, exportedAnnotations: { a2: 'true' } }),
      ],
      want: { labels: { l1: 'true' }, annotations: { a1: 'true' }, conflict: { a: 'True:LabelsConflict,AnnotationsConflict', b: 'True:LabelsConflict,AnnotationsConflict' } },
    },
    {
      name: 'the same labels in another key order are no conflict',
      exports: [exp('a', 0, svc(), { exportedLabels: { x: '1', y: '2' } }), exp('b', 1, svc(), { exportedLabels: { y: '2', x: '1' } })],
      want: { conflict: { a: OK, b: OK } },
    },
    // Who gets the Conflict condition, and what it says.
    {
      name: 'every valid export gets Conflict=True, also those that agree with the oldest',
      exports: [exp('a', 0, svc()), exp('b', 1, svc()), exp('c', 2, svc({ clusterIP: 'None' })), exp('d', 3, undefined)],
      want: {
        conflict: { a: 'True:TypeConflict', b: 'True:TypeConflict', c: 'True:TypeConflict', d: OK },
        clusters: ['a', 'b', 'c'],
        message: ['1/3 clusters disagree: "c".'],
      },
    },
    {
      name: 'several conflicts: reasons joined with commas in a fixed order',
      exports: [exp('a', 0, svc()), exp('b', 1, svc({ clusterIP: 'None', ports: [{ ...http, port: 8080 }] }))],
      want: { conflict: { a: 'True:PortConflict,TypeConflict', b: 'True:PortConflict,TypeConflict' }, message: ['Conflicting ports.', 'Conflicting type.'] },
    },
    {
      name: 'a message names at most five clusters',
      exports: [exp('a', 0, svc()), ...['b', 'c', 'd', 'e', 'f', 'g', 'h'].map((c, i) => exp(c, i + 1, svc({ trafficDistribution: 'PreferClose' })))],
      want: { message: ['7/8 clusters disagree: "b", "c", "d", "e", "f" and 2 more.'] },
    },
  ];

  for (const c of cases) {
    it(c.name, () => check(mergeExports(c.exports), c.exports, c.want));
  }

  it('carries exactly the listed fields: nothing else of the Service', () => {
    const r = mergeExports([
      exp('a', 0, svc({ type: 'LoadBalancer', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, trafficDistribution: 'PreferClose', ports: [{ name: 'http', port: 80, appProtocol: 'http' }] }), {
        exportedLabels: { tier: 'web' },
        exportedAnnotations: { note: 'x' },
      }),
    ]);
    expect(r.import).to.deep.equal({
      spec: {
        type: 'ClusterSetIP',
        ports: [{ name: 'http', protocol: 'TCP', port: 80, appProtocol: 'http' }],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        ipFamilies: ['IPv4'],
        internalTrafficPolicy: 'Cluster',
        trafficDistribution: 'PreferClose',
      },
      labels: { tier: 'web' },
      annotations: { note: 'x' },
      clusters: ['a'],
    });
  });

  it('gives the same result whatever the order of its input', () => {
    const exports = [
      exp('a', 0, svc({ ports: [http, { name: 'x', port: 9 }] })),
      exp('b', 0, svc({ ports: [{ ...http, port: 81 }, { name: 'y', port: 10 }], clusterIP: 'None' })),
      exp('c', 2, svc({ ports: [{ name: 'z', port: 9 }] }), { exportedLabels: { k: 'v' } }),
      exp('d', 3, undefined),
    ];
    const once = mergeExports(exports);
    const reversed = mergeExports([...exports].reverse());
    expect(reversed.import).to.deep.equal(once.import);
    expect(new Map([...reversed.conditions].sort())).to.deep.equal(new Map([...once.conditions].sort()));
  });

  it('keeps a conflict message under 32768 characters, long values cut short', () => {
    const long = { note: 'x'.repeat(100_000) };
    const r = mergeExports([exp('a', 0, svc(), { exportedAnnotations: long }), exp('b', 1, svc())]);
    const message = r.conditions.get('a')?.conflict.message ?? '';
    expect(message).to.include('Conflicting exportedAnnotations.');
    expect(message.length).to.be.below(1000);
  });
});

import { expect } from 'chai';
import { FILLER_LABEL, FILLER_SLICE_MANAGER, fillerPlan, fillerService, fillerSlice, measurementTable, metricSum, metricValue, parseMemberSizeFlags, podAddress, type Measurement } from './member-size.js';

describe('member-size: flags', () => {
  it('defaults: 20,000 Services, 60,000 EndpointSlices, every phase', () => {
    const f = parseMemberSizeFlags([]);
    expect(f).to.deep.include({ services: 20_000, slices: 60_000, endpointsPerSlice: 3, namespaces: 4, concurrency: 32, imports: 4, phases: ['floor', 'fill', 'filled'], cleanup: false });
  });
  const refused: Array<[string, string[], RegExp]> = [
    ['more Services than member1 has addresses for', ['--services=70000'], /--services must be an integer in \[1, 60000\]/],
    ['an unknown phase', ['--phases=floor,warm'], /unknown phase warm/],
    ['an unknown flag', ['--service=5'], /unknown flag --service/],
    ['a positional argument', ['20000'], /unexpected argument/],
    ['more endpoints than distinct pod addresses', ['--slices=500000', '--endpoints-per-slice=10'], /at most 4194304/],
  ];
  for (const [name, argv, error] of refused) it(`refuses ${name}`, () => expect(() => parseMemberSizeFlags(argv)).to.throw(error));
  it('--help wins over everything else', () => expect(parseMemberSizeFlags(['--help', '--nonsense'])).to.equal('help'));
  it('--cleanup and --phases', () => expect(parseMemberSizeFlags(['--cleanup', '--phases=fill'])).to.deep.include({ cleanup: true, phases: ['fill'] }));
});

describe('member-size: the filler', () => {
  it('spreads the slices so counts differ by at most one, and the Services round-robin over the namespaces', () => {
    const plan = fillerPlan({ services: 4, slices: 10, namespaces: 3, endpointsPerSlice: 2 });
    expect(plan.map((s) => [s.namespace, s.name, s.slices, s.firstEndpoint])).to.deep.equal([
      ['cdns-filler-0', 'filler-0', 3, 0],
      ['cdns-filler-1', 'filler-1', 3, 6],
      ['cdns-filler-2', 'filler-2', 2, 12],
      ['cdns-filler-0', 'filler-3', 2, 16],
    ]);
  });

  it('numbers the endpoints of the default filler 0 to 179,999 without gaps or overlaps (one pod address each)', () => {
    const plan = fillerPlan({ services: 20_000, slices: 60_000, namespaces: 4, endpointsPerSlice: 3 });
    let next = 0;
    for (const s of plan) {
      expect(s.firstEndpoint).to.equal(next);
      next += s.slices * s.endpointsPerSlice;
    }
    expect(next).to.equal(180_000);
  });

  it('pod addresses stay in 10.128.0.0/10', () => {
    expect([podAddress(0), podAddress(257), podAddress(2 ** 22 - 1)]).to.deep.equal(['10.128.0.0', '10.128.1.1', '10.191.255.255']);
  });

  it('a Service: ClusterIP, no selector, labelled for cleanup', () => {
    const svc = fillerService({ namespace: 'cdns-filler-0', name: 'filler-0', slices: 3, endpointsPerSlice: 3, firstEndpoint: 0 });
    expect(svc.spec).to.not.have.property('selector');
    expect(svc.spec?.['type']).to.equal('ClusterIP');
    expect(svc.metadata.labels?.[FILLER_LABEL]).to.equal('filler');
  });

  it('a slice: of its Service, not the EndpointSlice controller\'s, with the fields that controller writes', () => {
    const sl = fillerSlice({ namespace: 'ns', name: 'filler-7', slices: 3, endpointsPerSlice: 2, firstEndpoint: 42 }, 1);
    expect(sl.metadata).to.deep.include({ name: 'filler-7-1', namespace: 'ns' });
    expect(sl.metadata.labels).to.deep.include({ 'kubernetes.io/service-name': 'filler-7', 'endpointslice.kubernetes.io/managed-by': FILLER_SLICE_MANAGER, [FILLER_LABEL]: 'filler' });
    expect(sl['endpoints']).to.deep.equal([
      { addresses: ['10.128.0.44'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: 'filler-7-1-0', namespace: 'ns', uid: '00000000-0000-4000-8000-00000000002c' }, nodeName: 'node-44', zone: 'zone-2' },
      { addresses: ['10.128.0.45'], conditions: { ready: false, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: 'filler-7-1-1', namespace: 'ns', uid: '00000000-0000-4000-8000-00000000002d' }, nodeName: 'node-45', zone: 'zone-0' },
    ]);
  });
});

describe('member-size: reading /metrics', () => {
  const text = [
    '# HELP workqueue_depth Current depth',
    'workqueue_depth{name="autoimport",controller="autoimport"} 3',
    'workqueue_depth{name="serviceimport",controller="serviceimport"} 0',
    'workqueue_depth_other 9',
    'nodejs_heap_size_used_bytes 52428800',
    'clusterset_dns_informer_last_event_timestamp_seconds{cluster="member1",resource="endpointslices"} 1764529200.5',
  ].join('\n');
  const cases: Array<[string, string, Record<string, string>, number | undefined]> = [
    ['the series whose labels match', 'workqueue_depth', { name: 'serviceimport' }, 0],
    ['no labels asked: the first series', 'workqueue_depth', {}, 3],
    ['a metric without labels', 'nodejs_heap_size_used_bytes', {}, 52428800],
    ['a name that is only the start of another: none', 'nodejs_heap_size', {}, undefined],
    ['two labels', 'clusterset_dns_informer_last_event_timestamp_seconds', { cluster: 'member1', resource: 'endpointslices' }, 1764529200.5],
    ['absent', 'clusterset_dns_informer_last_event_timestamp_seconds', { cluster: 'member2' }, undefined],
  ];
  for (const [name, metric, labels, want] of cases) it(name, () => expect(metricValue(text, metric, labels)).to.equal(want));
  it('a counter summed over its other labels', () => {
    const counters = ['controller_runtime_reconcile_total{controller="serviceimport",result="success"} 19990', 'controller_runtime_reconcile_total{controller="serviceimport",result="error"} 10', 'controller_runtime_reconcile_total{controller="autoimport",result="success"} 7'].join('\n');
    expect([metricSum(counters, 'controller_runtime_reconcile_total', { controller: 'serviceimport' }), metricSum(counters, 'absent_total')]).to.deep.equal([20000, 0]);
  });
});

describe('member-size: the table', () => {
  const m = (o: Partial<Measurement>): Measurement => ({ phase: 'floor', fillerServices: 0, fillerSlices: 0, readySeconds: 2.1, slicesListedSeconds: 2.5, caughtUpSeconds: 3, filled: 8, expectedFilled: 8, peakRssMiB: 150, sampledMaxRssMiB: 149, endRssMiB: 140, endHeapUsedMiB: 40, ...o });
  it('one row per measurement, the floor beside the filled one, with a verdict against the limit', () => {
    const t = measurementTable([m({}), m({ phase: 'filled', fillerServices: 20_000, fillerSlices: 60_000, peakRssMiB: 400, caughtUpSeconds: null })], 384).split('\n');
    expect(t[2]).to.equal('| floor (no filler) | 0 / 0 | 2.1 s | 2.5 s | 3 s | 150 MiB | 140 MiB | 40 MiB | yes | 8/8 |');
    expect(t[3]).to.equal('| with the filler | 20,000 / 60,000 | 2.1 s | 2.5 s | n/a | 400 MiB | 140 MiB | 40 MiB | **no** | 8/8 |');
  });
});

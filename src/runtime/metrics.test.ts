import { expect } from 'chai';
import { register as globalRegistry } from 'prom-client';
import { FakeClock } from './clock.js';
import { Metrics, RECONCILE_TIME_BUCKETS, WORKQUEUE_DURATION_BUCKETS, createMetrics } from './metrics.js';
import { RateLimitingQueue } from './workqueue/ratelimiting.js';

/** Parses exposition text into `name{labels} value` → value, labels sorted for stable keys. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '')
      .split(/,(?=[a-zA-Z_]\w*=")/)
      .filter((l) => l !== '')
      .sort()
      .join(',');
    out.set(labels === '' ? m[1]! : `${m[1]!}{${labels}}`, Number(m[3]));
  }
  return out;
}

async function scrape(m: Metrics): Promise<Map<string, number>> {
  return samples((await m.scrape()).body);
}

describe('runtime/metrics', () => {
  it('uses its own registry, not the global one, with default process metrics', async () => {
    const m = createMetrics();
    expect(m.registry).to.not.equal(globalRegistry);
    expect(await globalRegistry.getSingleMetric('controller_runtime_reconcile_total')).to.equal(undefined);
    const text = (await m.scrape()).body;
    expect(text).to.match(/^process_cpu_user_seconds_total /m);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
    expect(m.registry.contentType).to.match(/^text\/plain; version=0\.0\.4/);
  });

  it('two instances do not collide (tests make their own)', () => {
    expect(() => [createMetrics({ defaultMetrics: false }), createMetrics({ defaultMetrics: false })]).to.not.throw();
  });

  it('registers every metric under controller-runtime\'s names and ours', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const names = (await m.registry.getMetricsAsJSON()).map((x) => `${x.name} ${String(x.type)}`).sort();
    expect(names).to.deep.equal(
      [
        'clusterset_dns_build_info gauge',
        'clusterset_dns_coredns_configured gauge',
        'clusterset_dns_coredns_setup_total counter',
        'clusterset_dns_decision_duration_seconds histogram',
        'clusterset_dns_informer_last_event_timestamp_seconds gauge',
        'clusterset_dns_informer_restarts_total counter',
        'clusterset_dns_leader_lease_transitions gauge',
        'clusterset_dns_local_first_switches_total counter',
        'clusterset_dns_member_reachable gauge',
        'clusterset_dns_problems gauge',
        'clusterset_dns_serviceimports_without_ips gauge',
        'clusterset_dns_writes_total counter',
        'clusterset_dns_write_route gauge',
        'controller_runtime_active_workers gauge',
        'controller_runtime_max_concurrent_reconciles gauge',
        'controller_runtime_reconcile_errors_total counter',
        'controller_runtime_reconcile_time_seconds histogram',
        'controller_runtime_reconcile_total counter',
        'controller_runtime_terminal_reconcile_errors_total counter',
        'leader_election_master_status gauge',
        'workqueue_adds_total counter',
        'workqueue_depth gauge',
        'workqueue_longest_running_processor_seconds gauge',
        'workqueue_queue_duration_seconds histogram',
        'workqueue_retries_total counter',
        'workqueue_unfinished_work_seconds gauge',
        'workqueue_work_duration_seconds histogram',
      ].sort(),
    );
  });

  it('exports which build runs as clusterset_dns_build_info = 1', async () => {
    const m = createMetrics({ defaultMetrics: false, buildInfo: { version: '0.1.0', commit: 'abc1234', nodeVersion: 'v20.19.0' } });
    const s = await scrape(m);
    expect(s.get('clusterset_dns_build_info{commit="abc1234",node_version="v20.19.0",version="0.1.0"}')).to.equal(1);
  });

  it('reads this process\'s build when none is given', async () => {
    const text = (await createMetrics({ defaultMetrics: false }).scrape()).body;
    expect(text).to.match(new RegExp(`^clusterset_dns_build_info\\{version="\\d+\\.\\d+\\.\\d+[^"]*",commit="unknown",node_version="${process.version}"\\} 1$`, 'm'));
  });

  it('uses controller-runtime\'s buckets', () => {
    expect(RECONCILE_TIME_BUCKETS).to.have.length(40);
    expect(RECONCILE_TIME_BUCKETS[0]).to.equal(0.005);
    expect(RECONCILE_TIME_BUCKETS.at(-1)).to.equal(60);
    expect(WORKQUEUE_DURATION_BUCKETS).to.deep.equal([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
  });

  describe('controller', () => {
    it('initialises every result at zero and the worker gauges, as controller-runtime does on start', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.controller('serviceimport', { maxConcurrentReconciles: 4 });
      const s = await scrape(m);
      for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
        expect(s.get(`controller_runtime_reconcile_total{controller="serviceimport",result="${result}"}`)).to.equal(0);
      }
      expect(s.get('controller_runtime_reconcile_errors_total{controller="serviceimport"}')).to.equal(0);
      expect(s.get('controller_runtime_max_concurrent_reconciles{controller="serviceimport"}')).to.equal(4);
      expect(s.get('controller_runtime_active_workers{controller="serviceimport"}')).to.equal(0);
    });

    const cases: { name: string; act: (c: ReturnType<Metrics['controller']>) => void; want: Record<string, number> }[] = [
      {
        name: 'success',
        act: (c) => c.reconciled('success', 0.02),
        want: { 'controller_runtime_reconcile_total{controller="c",result="success"}': 1, 'controller_runtime_reconcile_errors_total{controller="c"}': 0 },
      },
      {
        name: 'error also counts an error',
        act: (c) => c.reconciled('error', 0.02),
        want: { 'controller_runtime_reconcile_total{controller="c",result="error"}': 1, 'controller_runtime_reconcile_errors_total{controller="c"}': 1 },
      },
      {
        name: 'requeue_after is not an error',
        act: (c) => c.reconciled('requeue_after', 0.02),
        want: { 'controller_runtime_reconcile_total{controller="c",result="requeue_after"}': 1, 'controller_runtime_reconcile_errors_total{controller="c"}': 0 },
      },
      {
        name: 'terminal error counts three times',
        act: (c) => c.terminalError(0.02),
        want: {
          'controller_runtime_reconcile_total{controller="c",result="error"}': 1,
          'controller_runtime_reconcile_errors_total{controller="c"}': 1,
          'controller_runtime_terminal_reconcile_errors_total{controller="c"}': 1,
        },
      },
      {
        name: 'workers busy and idle',
        act: (c) => {
          c.workerBusy();
          c.workerBusy();
          c.workerIdle();
        },
        want: { 'controller_runtime_active_workers{controller="c"}': 1 },
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const m = createMetrics({ defaultMetrics: false });
        c.act(m.controller('c', { maxConcurrentReconciles: 1 }));
        const s = await scrape(m);
        for (const [k, v] of Object.entries(c.want)) expect(s.get(k), k).to.equal(v);
      });
    }

    it('observes reconcile time in the histogram', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.controller('c', { maxConcurrentReconciles: 1 }).reconciled('success', 0.3);
      const s = await scrape(m);
      expect(s.get('controller_runtime_reconcile_time_seconds_count{controller="c"}')).to.equal(1);
      expect(s.get('controller_runtime_reconcile_time_seconds_bucket{controller="c",le="0.25"}')).to.equal(0);
      expect(s.get('controller_runtime_reconcile_time_seconds_bucket{controller="c",le="0.3"}')).to.equal(1);
    });
  });

  describe('workqueue adapter', () => {
    it('feeds the workqueue_* metrics from a real RateLimitingQueue', async () => {
      const m = createMetrics({ defaultMetrics: false });
      const clock = new FakeClock();
      const q = new RateLimitingQueue<string>({ name: 'serviceimport', clock, metrics: m.workQueue('serviceimport') });
      q.add('ns/a');
      q.add('ns/b');
      q.add('ns/a'); // de-duplicated: not an add
      clock.advance(1_500);
      const item = await q.get();
      clock.advance(4_000);
      const L = 'controller="serviceimport",name="serviceimport"';
      let s = await scrape(m);
      expect(s.get(`workqueue_adds_total{${L}}`)).to.equal(2);
      expect(s.get(`workqueue_depth{${L},priority=""}`)).to.equal(1);
      expect(s.get(`workqueue_queue_duration_seconds_count{${L}}`)).to.equal(1);
      expect(s.get(`workqueue_queue_duration_seconds_sum{${L}}`)).to.equal(1.5);
      // Read at scrape time from the queue: ns/a has been processing for 4 s.
      expect(s.get(`workqueue_unfinished_work_seconds{${L}}`)).to.equal(4);
      expect(s.get(`workqueue_longest_running_processor_seconds{${L}}`)).to.equal(4);

      if (item.shutdown) throw new Error('unexpected shutdown');
      q.addRateLimited(item.key);
      q.done(item.key);
      s = await scrape(m);
      expect(s.get(`workqueue_retries_total{${L}}`)).to.equal(1);
      expect(s.get(`workqueue_work_duration_seconds_count{${L}}`)).to.equal(1);
      expect(s.get(`workqueue_unfinished_work_seconds{${L}}`)).to.equal(0);
      q.shutDown();
    });

    it('labels name and controller separately when asked, never cluster', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.workQueue('members', 'serviceimport');
      const text = (await m.scrape()).body;
      expect(text).to.include('workqueue_adds_total{name="members",controller="serviceimport"} 0');
      expect(text).to.not.match(/^workqueue_.*cluster=/m);
    });
  });

  it('leader election status is 0/1 per lease name', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.leaderElection.setLeading('clusterset-dns', true);
    m.leaderElection.setLeading('other', false);
    const s = await scrape(m);
    expect(s.get('leader_election_master_status{name="clusterset-dns"}')).to.equal(1);
    expect(s.get('leader_election_master_status{name="other"}')).to.equal(0);
  });

  describe('multi-cluster metrics', () => {
    it('records informer events (wall-clock seconds) and restarts by reason', async () => {
      const m = createMetrics({ defaultMetrics: false, now: () => 1_700_000_000_500 });
      const inf = m.informer('member1', 'endpointslices');
      inf.event();
      inf.restart('expired');
      inf.restart('expired');
      inf.restart('stalled');
      const s = await scrape(m);
      expect(s.get('clusterset_dns_informer_last_event_timestamp_seconds{cluster="member1",resource="endpointslices"}')).to.equal(1_700_000_000.5);
      expect(s.get('clusterset_dns_informer_restarts_total{cluster="member1",reason="expired",resource="endpointslices"}')).to.equal(2);
      expect(s.get('clusterset_dns_informer_restarts_total{cluster="member1",reason="stalled",resource="endpointslices"}')).to.equal(1);
    });

    it('forgetCluster drops only that cluster\'s series', async () => {
      const m = createMetrics({ defaultMetrics: false });
      for (const c of ['member1', 'member2']) {
        m.informer(c, 'services').event(1000);
        m.informer(c, 'services').restart('error');
      }
      m.forgetCluster('member2');
      const text = (await m.scrape()).body;
      expect(text).to.not.include('member2');
      expect(text).to.include('clusterset_dns_informer_last_event_timestamp_seconds{cluster="member1",resource="services"} 1');
      expect(text).to.include('clusterset_dns_informer_restarts_total{cluster="member1",resource="services",reason="error"} 1');
    });

    it('counts CoreDNS set-up attempts per member_cluster and result', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.corednsSetup('member1', 'installed');
      m.corednsSetup('member1', 'error');
      m.corednsSetup('member1', 'error');
      const s = await scrape(m);
      expect(s.get('clusterset_dns_coredns_setup_total{member_cluster="member1",result="installed"}')).to.equal(1);
      expect(s.get('clusterset_dns_coredns_setup_total{member_cluster="member1",result="error"}')).to.equal(2);
    });

    it('counts writes by kind and result', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.write('overridepolicy', 'success');
      m.write('status', 'conflict');
      m.write('status', 'conflict');
      const s = await scrape(m);
      expect(s.get('clusterset_dns_writes_total{kind="overridepolicy",result="success"}')).to.equal(1);
      expect(s.get('clusterset_dns_writes_total{kind="status",result="conflict"}')).to.equal(2);
    });

    it('times decisions and passes their result through', async () => {
      const m = createMetrics({ defaultMetrics: false });
      expect(m.timeDecision(() => 42)).to.equal(42);
      expect(() => m.timeDecision(() => {
        throw new Error('bad snapshot');
      })).to.throw('bad snapshot');
      const s = await scrape(m);
      expect(s.get('clusterset_dns_decision_duration_seconds_count')).to.equal(2);
    });
  });

  describe('current-state gauges, read at each scrape', () => {
    it('have no series until their readers are given', async () => {
      const text = (await createMetrics({ defaultMetrics: false }).scrape()).body;
      for (const name of ['member_reachable', 'serviceimports_without_ips', 'problems', 'coredns_configured']) {
        expect(text).to.not.match(new RegExp(`^clusterset_dns_${name}\\{`, 'm'));
      }
    });

    it('export what the readers say, labelled member_cluster', async () => {
      const m = createMetrics({ defaultMetrics: false });
      m.readStateFrom({
        membersReachable: () => [['member1', true], ['member2', false]],
        serviceImportsWithoutIps: () => new Map([['member1', 0], ['member2', 3]]),
        problems: () => [{ reason: 'MemberUnreachable', member: 'member2', count: 3 }, { reason: 'NoPorts', member: '', count: 1 }],
      });
      m.readStateFrom({ corednsConfigured: () => [['member1', true], ['member2', false]] });
      const s = await scrape(m);
      expect(s.get('clusterset_dns_member_reachable{member_cluster="member1"}')).to.equal(1);
      expect(s.get('clusterset_dns_member_reachable{member_cluster="member2"}')).to.equal(0);
      expect(s.get('clusterset_dns_serviceimports_without_ips{member_cluster="member1"}')).to.equal(0);
      expect(s.get('clusterset_dns_serviceimports_without_ips{member_cluster="member2"}')).to.equal(3);
      expect(s.get('clusterset_dns_problems{member_cluster="member2",reason="MemberUnreachable"}')).to.equal(3);
      expect(s.get('clusterset_dns_problems{member_cluster="",reason="NoPorts"}')).to.equal(1);
      expect(s.get('clusterset_dns_coredns_configured{member_cluster="member1"}')).to.equal(1);
      expect(s.get('clusterset_dns_coredns_configured{member_cluster="member2"}')).to.equal(0);
    });

    it('replace their series at every scrape: a member or problem that is gone takes its series with it', async () => {
      const m = createMetrics({ defaultMetrics: false });
      let members: Array<[string, boolean]> = [['member1', true], ['member2', false]];
      let problems = [{ reason: 'MemberUnreachable', member: 'member2', count: 2 }];
      m.readStateFrom({ membersReachable: () => members, problems: () => problems });
      expect((await scrape(m)).get('clusterset_dns_member_reachable{member_cluster="member2"}')).to.equal(0);
      members = [['member1', true]];
      problems = [];
      const s = await scrape(m);
      expect(s.get('clusterset_dns_member_reachable{member_cluster="member1"}')).to.equal(1);
      expect([...s.keys()].filter((k) => k.includes('member2'))).to.deep.equal([]);
    });
  });

  it('the Lease\'s transitions, as the elector reports them', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.leaderElection.setLeaseTransitions?.('clusterset-dns', 7);
    expect((await scrape(m)).get('clusterset_dns_leader_lease_transitions{name="clusterset-dns"}')).to.equal(7);
  });
});

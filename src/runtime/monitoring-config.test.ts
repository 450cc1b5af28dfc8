/**
 * config/monitoring must only ask for metrics the controller exports: an
 * alert on a misspelt or renamed metric never fires, and nothing says so.
 * The names come from the registry itself (createMetrics), so a rename in
 * code fails here until the rules and the dashboard follow.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kustomizeResources } from '../../test/env/controller.js';
import { createMetrics } from './metrics.js';

const CONFIG = join(import.meta.dirname, '..', '..', 'config');
const MONITORING = join(CONFIG, 'monitoring');

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression selects. Strings, label matchers,
 * ranges, grouping label lists and Grafana variables are dropped first;
 * what is left that names no function, aggregation or keyword is a metric.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    if (!PROMQL_WORDS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names].sort();
}

/** Every name a scrape can show: each registered metric, and a histogram's or summary's series. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface Panel { title?: string; type: string; targets?: Array<{ expr?: string }>; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: Array<{ type: string; query?: string | { query?: string } }> } }

const kustomization = parse(readFileSync(join(MONITORING, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: Array<{ name: string; files: string[] }> };
const objects = kustomizeResources(MONITORING);
const rules = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => (o as unknown as { spec: { groups: Array<{ rules: Rule[] }> } }).spec.groups.flatMap((g) => g.rules));
const dashboardFiles = kustomization.configMapGenerator.flatMap((g) => g.files);
const dashboards = dashboardFiles.map((f) => JSON.parse(readFileSync(join(MONITORING, f), 'utf8')) as Dashboard);

/** Every query of a dashboard: panel targets (rows nest panels) and label_values() variables. */
function dashboardQueries(d: Dashboard): string[] {
  const fromPanels = (ps: Panel[]): string[] => ps.flatMap((p) => [...(p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])), ...fromPanels(p.panels ?? [])]);
  const fromVariables = d.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    // label_values(<selector>, <label>): only the selector names a metric.
    const m = v.type === 'query' && q ? /^label_values\((.*),\s*\w+\s*\)$/.exec(q.trim()) : null;
    return m ? [m[1]!] : [];
  });
  return [...fromPanels(d.panels), ...fromVariables];
}

describe('config/monitoring', () => {
  describe('metricNamesIn (the PromQL reader this test relies on)', () => {
    const cases: Array<[string, string[]]> = [
      ['up', ['up']],
      ['max by (member_cluster) (clusterset_dns_serviceimports_without_ips) > 0', ['clusterset_dns_serviceimports_without_ips']],
      ['sum by (le) (rate(x_bucket{controller="a",le!="+Inf"}[$__rate_interval]))', ['x_bucket']],
      ['time() - max by (cluster, resource) (a_seconds)', ['a_seconds']],
      ['max_over_time(max by (name) (t)[1h:1m]) - min_over_time(max by (name) (t)[1h:1m]) > 3', ['t']],
      ['a{l="b or c"} and on(pod) b offset 5m unless c', ['a', 'b', 'c']],
      ['sum(x) or vector(0)', ['x']],
      ['histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))', ['h_bucket']],
      ['1e3 * m', ['m']],
      ['{__name__="hidden"}', []],
    ];
    for (const [expr, want] of cases) it(expr, () => expect(metricNamesIn(expr)).to.deep.equal(want));
  });

  it('parses: every YAML document and the dashboard JSON', () => {
    for (const f of ['kustomization.yaml', 'servicemonitor.yaml', 'prometheusrule.yaml']) {
      for (const doc of parseAllDocuments(readFileSync(join(MONITORING, f), 'utf8'))) expect(doc.errors, f).to.deep.equal([]);
    }
    expect(objects.map((o) => o.kind).sort()).to.deep.equal(['PrometheusRule', 'ServiceMonitor']);
    expect(dashboards).to.have.length(1);
    expect(dashboardQueries(dashboards[0]!).length).to.be.greaterThan(10);
  });

  it('uses only metric names the controller registers', async () => {
    const exported = await exportedNames();
    const used = [
      ...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
      ...dashboards.flatMap((d, i) => dashboardQueries(d).map((expr) => ({ where: dashboardFiles[i]!, expr }))),
    ];
    const unknown = used.flatMap(({ where, expr }) => metricNamesIn(expr).filter((n) => !exported.has(n)).map((n) => `${where}: ${n}`));
    expect(unknown).to.deep.equal([]);
    // And the reader found something in every query: an expression it reads as naming nothing hides a typo from this test.
    expect(used.filter(({ expr }) => metricNamesIn(expr).length === 0)).to.deep.equal([]);
  });

  it('alerts on what an operator must act on, each saying what to check', () => {
    expect(rules.map((r) => r.alert).sort()).to.deep.equal([
      'ClustersetDNSCoreDNSNotServingZone',
      'ClustersetDNSLeaderFlapping',
      'ClustersetDNSMemberUnreachable',
      'ClustersetDNSServiceImportWithoutIPs',
    ]);
    for (const r of rules) {
      expect(r.labels?.['severity'], r.alert).to.be.oneOf(['warning', 'critical']);
      expect(r.annotations?.['summary'], r.alert).to.be.a('string');
      expect(r.annotations?.['description']?.length ?? 0, `${r.alert}: a description that says what to check`).to.be.greaterThan(200);
    }
    expect(rules.find((r) => r.alert === 'ClustersetDNSServiceImportWithoutIPs')?.for, 'no IP for 10 minutes').to.equal('10m');
  });

  it('the ServiceMonitor scrapes the metrics port of config/host\'s Service', () => {
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string }> } };
    const service = kustomizeResources(join(CONFIG, 'host')).find((o) => o.kind === 'Service') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: Array<{ name: string }> } };
    expect(service.metadata.labels).to.include(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.name)).to.include.members(monitor.spec.endpoints.map((e) => e.port));
  });
});

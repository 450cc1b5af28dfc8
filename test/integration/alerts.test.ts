/**
 * config/monitoring's alert rules, checked and evaluated by Prometheus' own
 * promtool (built by hack/tools/prometheus): `promtool check rules` on the
 * PrometheusRule's groups, and `promtool test rules` on series scraped from
 * the controller's own Metrics registry through each scenario of
 * alert-scenarios.ts, asserting which alerts fire, when, with what labels and
 * summary — and that none fires in the healthy case.
 *
 * No environment is needed. The series are synthetic timelines of real
 * scrapes; a capture from a live controller can feed the same inputSeries().
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ensureBinaries, repoRoot } from '../env/binaries.js';
import { kustomizeResources } from '../env/controller.js';
import { inputSeries } from '../env/prometheus-series.js';
import { ALERTS, SCENARIOS, scrapeScenario, type Scenario } from './alert-scenarios.js';

const run = promisify(execFile);

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** The PrometheusRule's groups, as config/monitoring ships them. */
function shippedGroups(): RuleGroup[] {
  const rule = kustomizeResources(join(repoRoot, 'config', 'monitoring')).find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('config/monitoring has no PrometheusRule');
  return (rule as unknown as { spec: { groups: RuleGroup[] } }).spec.groups;
}

/**
 * The groups the unit tests load: descriptions dropped, since promtool
 * compares annotations whole and the descriptions are prose (checked for
 * presence by src/runtime/monitoring-config.test.ts, and parsed as templates
 * by `check rules` here); summaries are kept and asserted rendered.
 */
function withoutDescriptions(groups: RuleGroup[]): RuleGroup[] {
  return groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => {
      const { description: _, ...annotations } = r.annotations ?? {};
      return { ...r, annotations };
    }),
  }));
}

function severityOf(groups: RuleGroup[], alert: string): string {
  const severity = groups.flatMap((g) => g.rules).find((r) => r.alert === alert)?.labels?.['severity'];
  if (!severity) throw new Error(`no alert ${alert} with a severity in config/monitoring`);
  return severity;
}

/** A promtool unit-test file for one scenario: its scraped series, and every alert's expected state at each checked minute. */
async function unitTest(s: Scenario, ruleFile: string, groups: RuleGroup[]): Promise<unknown> {
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: [
      {
        name: s.name,
        interval: '1m',
        input_series: inputSeries(await scrapeScenario(s)),
        alert_rule_test: s.expect.flatMap(({ minute, firing }) =>
          ALERTS.map((alertname) => ({
            eval_time: `${minute}m`,
            alertname,
            exp_alerts: (firing[alertname] ?? []).map((a) => ({
              exp_labels: { ...a.labels, severity: severityOf(groups, alertname) },
              exp_annotations: { summary: a.summary },
            })),
          })),
        ),
      },
    ],
  };
}

describe('alert rules (config/monitoring), evaluated by promtool', () => {
  let promtool = '';
  let dir = '';
  const groups = shippedGroups();

  /** Runs promtool; resolves with its output whatever the exit code, which it returns too. */
  async function promtoolRun(args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await run(promtool, args, { cwd: dir, timeout: 60_000 });
      return { code: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      if (typeof err.code !== 'number') throw e;
      return { code: err.code, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  /** Writes the rules and one scenario's unit test, and runs `promtool test rules` on them. */
  async function testRules(s: Scenario, rules: RuleGroup[]): Promise<{ code: number; out: string }> {
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rules }));
    const file = join(dir, 'test.yaml');
    writeFileSync(file, stringify(await unitTest(s, 'rules.yaml', groups)));
    return promtoolRun(['test', 'rules', file]);
  }

  before(async function () {
    this.timeout(30 * 60_000); // builds promtool on a cold cache
    const found = (await ensureBinaries((l) => console.error(`      [binaries] ${l}`), { testTools: true })).promtool;
    if (!found) throw new Error('ensureBinaries did not provide promtool');
    promtool = found;
    dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('promtool check rules accepts the groups, expressions and templates as shipped', async () => {
    const file = join(dir, 'shipped.yaml');
    writeFileSync(file, stringify({ groups }));
    const { code, out } = await promtoolRun(['check', 'rules', '--lint-fatal', file]);
    expect(code, out).to.equal(0);
    expect(out).to.include(`SUCCESS: ${groups.flatMap((g) => g.rules).length} rules found`);
  });

  it('every alert fires in some scenario', () => {
    const fired = new Set(SCENARIOS.flatMap((s) => s.expect.flatMap((e) => Object.keys(e.firing))));
    expect([...fired].sort()).to.deep.equal([...ALERTS].sort());
    expect(groups.flatMap((g) => g.rules).map((r) => r.alert).sort()).to.deep.equal([...ALERTS].sort());
  });

  for (const s of SCENARIOS) {
    it(s.name, async function () {
      this.timeout(60_000);
      const { code, out } = await testRules(s, withoutDescriptions(groups));
      expect(code, out).to.equal(0);
      expect(out).to.include('SUCCESS');
    });
  }

  it('the scenarios can fail: a longer `for` or a misspelt metric makes promtool report the alert missing', async function () {
    this.timeout(60_000);
    const scenario = SCENARIOS.find((s) => s.name.startsWith('imports without IPs')) as Scenario;
    const mutate = (f: (r: Rule) => Rule) => withoutDescriptions(groups).map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === 'ClustersetDNSServiceImportWithoutIPs' ? f(r) : r)) }));
    for (const broken of [mutate((r) => ({ ...r, for: '11m' })), mutate((r) => ({ ...r, expr: r.expr.replace('without_ips', 'without_ip') }))]) {
      const { code, out } = await testRules(scenario, broken);
      expect(code, out).to.equal(1);
      expect(out).to.match(/FAILED/);
    }
  });
});

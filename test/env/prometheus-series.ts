/**
 * Turns /metrics scrapes into the input series of a promtool rule unit test
 * (`promtool test rules`), so alert rules are evaluated against exactly what
 * the controller exposes: its metric names, its label names and values, plus
 * the target labels Prometheus adds on scrape. The scrapes may come from a
 * Metrics registry driven through a scenario or from a live controller;
 * either way nothing here knows a metric name.
 */

/** One sample of an exposition: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One scrape of one target: the exposition text and the labels Prometheus adds (job, pod, …). */
export interface Scrape {
  readonly target: Readonly<Record<string, string>>;
  readonly text: string;
}

/** A promtool input series: a selector and one value per evaluation step, `_` where the series was absent. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

const SAMPLE_LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL_PAIR = /\s*([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function parseLabels(body: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < body.length) {
    const at = LABEL_PAIR.lastIndex;
    const m = LABEL_PAIR.exec(body);
    if (!m) throw new Error(`cannot read the labels at offset ${at} of: ${line}`);
    labels[m[1]!] = unescapeLabel(m[2]!);
  }
  return labels;
}

function parseValue(v: string, line: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  const n = Number(v);
  if (v !== 'NaN' && Number.isNaN(n)) throw new Error(`not a sample value: ${line}`);
  return n;
}

/** The samples of a Prometheus text exposition (comments and blank lines skipped). */
export function parseExposition(text: string): Sample[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return [];
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    return [{ name: m[1]!, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3]!, line) }];
  });
}

/** The selector promtool reads a series from, labels sorted so equal series print equally. */
export function seriesSelector(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels).sort().map((k) => `${k}="${escapeLabel(labels[k]!)}"`);
  return `${name}{${pairs.join(',')}}`;
}

function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * The input series for `steps[i]` = the scrapes taken at step i (one per
 * target). A series a step did not show is `_` there, as a target that
 * stopped exposing it. Target labels win over the exposition's, as
 * Prometheus' honor_labels: false renames the latter; no controller label
 * clashes with them, so that never happens silently here: it throws.
 */
export function inputSeries(steps: ReadonlyArray<readonly Scrape[]>): InputSeries[] {
  const values = new Map<string, string[]>();
  steps.forEach((scrapes, step) => {
    for (const { target, text } of scrapes) {
      for (const s of parseExposition(text)) {
        const clash = Object.keys(target).find((k) => k in s.labels);
        if (clash) throw new Error(`${s.name} has a label "${clash}", which the scrape target sets too`);
        const key = seriesSelector(s.name, { ...s.labels, ...target });
        let row = values.get(key);
        if (!row) values.set(key, (row = new Array<string>(steps.length).fill('_')));
        row[step] = formatValue(s.value);
      }
    }
  });
  return [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([series, row]) => ({ series, values: row.join(' ') }));
}

// promtool unit tests for every alert: synthetic input series, picked with the steady-state evaluator so the
// alert fires in one case and stays silent in the other, with the exact labels and annotations it will carry.
import type { Catalog, Metric } from '../model/catalog.js';
import type { Expr, Matcher } from '../promql/ast.js';
import { parsePromQL, walk } from '../promql/ast.js';
import { SeriesIndex } from '../promql/series-index.js';
import type { EvalContext, InputSeries, Labels } from '../promql/steady-eval.js';
import { evaluate, selectorMatches, Unsupported } from '../promql/steady-eval.js';
import { expandAlertTemplate, TemplateUnsupported } from '../rules/alert-template.js';
import { parseDuration } from '../util/duration.js';
import type { Artifact } from './artifact.js';
import { yamlArtifact } from './artifact.js';
import type { PromAlertRule, PromRecordRule } from './rule-types.js';
import { ALERTS_FILE, RECORDING_FILE, alertRuleFile, recordingRuleFile } from './rules.js';
import { SLO_TEST_EVALUATION, sloTests } from './slo-tests.js';

export const RULE_TESTS_FILE = 'prometheus/tests/alerts.test.yml';
export const SLO_TESTS_FILE = 'prometheus/tests/slo.test.yml';

const ruleFilesOf = () => ({ rule_files: [ALERTS_FILE, RECORDING_FILE].map((f) => `../${f.replace(/^prometheus\//, '')}`) });
const INTERVAL = 60;
const MAX_COMBINATIONS = 20000;

interface Instance {
  metric: Metric;
  labels: Record<string, string>;
  /** Candidate levels: slopes, values, or (histograms, enums) an index into buckets or states. */
  candidates: number[];
}

export interface AlertScenario {
  alert: string;
  evalTime: string;
  minutes: number;
  fire: { series: InputSeries[]; alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
  silent: { series: InputSeries[] };
}

type Records = Map<string, { expr: Expr; labels: Labels }[]>;

function recordsOf(rules: PromRecordRule[]): Records {
  const out: Records = new Map();
  for (const r of rules) {
    const parsed = parsePromQL(r.expr);
    if (!parsed.ok) continue;
    out.set(r.record, [...(out.get(r.record) ?? []), { expr: parsed.expr, labels: r.labels ?? {} }]);
  }
  return out;
}

/** Raw selectors an alert reads, following recording rules down to the catalog's series. */
function rawSelectors(expr: Expr, records: Records, seen = new Set<string>()): { name: string; matchers: Matcher[]; range?: number }[] {
  const out: { name: string; matchers: Matcher[]; range?: number }[] = [];
  walk(expr, (e) => {
    if (e.kind !== 'selector' || !e.name) return;
    const rec = records.get(e.name);
    if (rec) {
      const key = `${e.name}${JSON.stringify(e.matchers.map((m) => [m.label, m.op, m.value]))}`;
      if (seen.has(key)) return;
      seen.add(key);
      // Only the rules whose static labels the selector asks for (e.g. slo="availability").
      for (const r of rec.filter((x) => e.matchers.every((m) => x.labels[m.label] === undefined || selectorMatches(undefined, [m], x.labels)))) {
        out.push(...rawSelectors(r.expr, records, seen));
      }
      return;
    }
    out.push({ name: e.name, matchers: e.matchers, ...(e.range ? { range: parseDuration(e.range) ?? 0 } : {}) });
  });
  return out;
}

function regexValues(m: Matcher): string[] {
  if (m.op === '=') return [m.value];
  if (m.op === '=~' && /^[\w./{}:-]+(\|[\w./{}:-]+)*$/.test(m.value)) return m.value.split('|');
  return [];
}

function numbersIn(expr: Expr): number[] {
  const out: number[] = [];
  walk(expr, (e, parents) => {
    const parent = parents.at(-1);
    if (e.kind === 'number' && !(parent?.kind === 'call' && parent.func === 'histogram_quantile')) out.push(e.value);
  });
  return out;
}

function uniq(xs: number[]): number[] {
  return [...new Set(xs.map((x) => Number(x.toPrecision(6))))].filter((x) => Number.isFinite(x) && x >= 0);
}

export class ScenarioBuilder {
  private readonly index: SeriesIndex;
  private readonly records: Records;
  private readonly job: string;
  private readonly instance: string;

  constructor(private readonly catalog: Catalog) {
    this.index = SeriesIndex.of(catalog);
    this.records = recordsOf(recordingRuleFile(catalog).groups.flatMap((g) => g.rules as PromRecordRule[]));
    const svc = catalog.services[0]!;
    this.job = svc.name;
    this.instance = `${svc.host}:${svc.port}`;
  }

  /** A label value for one selector: satisfies its matchers and, where it can, none of its siblings'. */
  private pickValue(metric: Metric, label: string, mine: Matcher[], others: Matcher[][]): string {
    const def = metric.labels.find((l) => l.name === label);
    const enumValues = def?.values ?? (metric.type === 'enum' && label === metric.fullName ? metric.states : undefined);
    const candidates = [...(enumValues ?? []), ...mine.filter((m) => m.label === label).flatMap(regexValues), 'value-1', 'value-2'];
    const ok = (v: string, ms: Matcher[]) => ms.every((m) => selectorMatches(undefined, [m], { [label]: v }));
    const valid = candidates.filter((v) => ok(v, mine.filter((m) => m.label === label)));
    if (!valid.length) throw new Unsupported(`no value of ${label} satisfies the matchers`);
    const distinct = valid.find((v) => others.every((ms) => !ms.some((m) => m.label === label) || !ok(v, ms.filter((m) => m.label === label))));
    return distinct ?? valid[0]!;
  }

  /**
   * Labels of one series of a catalog metric (job and instance included) that satisfy `mine` and, where a label
   * allows it, none of `others`.
   */
  seriesLabels(metric: Metric, mine: Matcher[], others: Matcher[][] = [], service?: string): Record<string, string> {
    const svc = service === undefined ? undefined : this.catalog.services.find((s) => s.name === service);
    const labels: Record<string, string> = svc ? { job: svc.name, instance: `${svc.host}:${svc.port}` } : { job: this.job, instance: this.instance };
    for (const l of metric.labels) labels[l.name] = this.pickValue(metric, l.name, mine, others);
    return labels;
  }

  metricOf(seriesName: string): Metric {
    const ref = this.index.get(seriesName);
    if (!ref) throw new Unsupported(`${seriesName} is not a catalog series`);
    return ref.metric;
  }

  private instances(selectors: { name: string; matchers: Matcher[] }[], thresholds: number[]): Instance[] {
    const out: Instance[] = [];
    const byMetric = new Map<Metric, Matcher[][]>();
    for (const s of selectors) {
      const ref = this.index.get(s.name);
      if (!ref) throw new Unsupported(`${s.name} is not a catalog series`);
      byMetric.set(ref.metric, [...(byMetric.get(ref.metric) ?? []), s.matchers]);
    }
    for (const [metric, matcherSets] of byMetric) {
      const seen = new Set<string>();
      matcherSets.forEach((mine, i) => {
        const labels: Record<string, string> = { job: this.job, instance: this.instance };
        const names = metric.labels.map((l) => l.name);
        for (const l of names) labels[l] = this.pickValue(metric, l, mine, matcherSets.filter((_, j) => j !== i));
        for (const m of mine) if ((m.label === 'job' || m.label === 'instance') && !selectorMatches(undefined, [m], labels)) throw new Unsupported(`matcher on ${m.label}`);
        const key = JSON.stringify(labels);
        if (seen.has(key)) return;
        seen.add(key);
        out.push({ metric, labels, candidates: this.candidates(metric, thresholds) });
      });
    }
    return out;
  }

  private candidates(m: Metric, thresholds: number[]): number[] {
    switch (m.type) {
      case 'counter':
        return [1, 10, 0.1, 0];
      case 'histogram':
        return m.buckets!.map((_, i) => i).concat([m.buckets!.length]);
      case 'enum':
        return m.states!.map((_, i) => i);
      default:
        return uniq([1, 10, 100, 0, ...thresholds.flatMap((t) => [t * 2, t / 2, t + 1])]);
    }
  }

  private series(inst: Instance, level: number): InputSeries[] {
    const m = inst.metric;
    const base = inst.labels;
    switch (m.type) {
      case 'counter':
        return [{ labels: { ...base, __name__: m.fullName }, kind: 'counter', level }];
      case 'histogram': {
        const b = m.buckets!;
        const obs = level === 0 ? b[0]! / 2 : level < b.length ? (b[level - 1]! + b[level]!) / 2 : b[b.length - 1]! * 2;
        return [
          ...b.map((le) => ({ labels: { ...base, le: String(le), __name__: `${m.fullName}_bucket` }, kind: 'counter' as const, level: obs <= le ? 1 : 0 })),
          { labels: { ...base, le: '+Inf', __name__: `${m.fullName}_bucket` }, kind: 'counter', level: 1 },
          { labels: { ...base, __name__: `${m.fullName}_count` }, kind: 'counter', level: 1 },
          { labels: { ...base, __name__: `${m.fullName}_sum` }, kind: 'counter', level: obs },
        ];
      }
      case 'summary':
        return [
          ...m.percentiles!.map((q) => ({ labels: { ...base, quantile: String(q), __name__: m.fullName }, kind: 'gauge' as const, level })),
          { labels: { ...base, __name__: `${m.fullName}_count` }, kind: 'counter', level: 1 },
          { labels: { ...base, __name__: `${m.fullName}_sum` }, kind: 'counter', level },
        ];
      case 'enum':
        return m.states!.map((s, i) => ({ labels: { ...base, [m.fullName]: s, __name__: m.fullName }, kind: 'gauge' as const, level: i === level ? 1 : 0 }));
      default:
        return [{ labels: { ...base, __name__: m.fullName }, kind: 'gauge', level }];
    }
  }

  build(rule: PromAlertRule): AlertScenario {
    const parsed = parsePromQL(rule.expr);
    if (!parsed.ok) throw new Unsupported('expression does not parse');
    const selectors = rawSelectors(parsed.expr, this.records);
    const maxRange = Math.max(0, ...selectors.map((s) => s.range ?? 0));
    const forSecs = parseDuration(rule.for ?? '0s') ?? 0;
    const minutes = Math.ceil((forSecs + maxRange + 300) / INTERVAL);
    const ctxOf = (series: InputSeries[]): EvalContext => ({ series, time: minutes * INTERVAL, intervalSeconds: INTERVAL, records: this.records, parseRange: (t) => parseDuration(t) ?? 0 });
    const insts = this.instances(selectors, numbersIn(parsed.expr));
    let fire: { series: InputSeries[]; samples: { labels: Labels; value: number }[] } | undefined;
    let silent: InputSeries[] | undefined;
    const levels = insts.map(() => 0);
    for (let n = 0; n < MAX_COMBINATIONS && (!fire || !silent); n++) {
      const series = insts.flatMap((inst, i) => this.series(inst, inst.candidates[levels[i]!]!));
      const v = evaluate(parsed.expr, ctxOf(series));
      if (v.type !== 'vector') throw new Unsupported('the expression is not a vector');
      const finite = v.samples.filter((s) => Number.isFinite(s.value));
      if (finite.length && finite.length === v.samples.length && !fire) fire = { series, samples: finite };
      if (!v.samples.length && !silent) silent = series;
      // Next combination (odometer order).
      let i = 0;
      while (i < levels.length && ++levels[i]! >= insts[i]!.candidates.length) levels[i++] = 0;
      if (i === levels.length) break;
    }
    if (!fire) throw new Unsupported('found no input that makes it fire');
    if (!silent) throw new Unsupported('found no input that keeps it silent');
    const alerts = fire.samples.map((s) => {
      const { __name__: _n, ...labels } = s.labels;
      const expand = (t: string) => expandAlertTemplate(t, labels, s.value);
      return {
        labels: sortKeys({ ...labels, ...Object.fromEntries(Object.entries(rule.labels ?? {}).map(([k, v]) => [k, expand(v)])) }),
        annotations: sortKeys(Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expand(v)]))),
      };
    });
    return { alert: rule.alert, evalTime: `${minutes}m`, minutes, fire: { series: fire.series, alerts }, silent: { series: silent } };
  }
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

function seriesSelector(s: InputSeries): string {
  const { __name__: name, ...rest } = s.labels;
  const body = Object.entries(rest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name}{${body}}`;
}

function seriesValues(s: InputSeries, minutes: number): string {
  const step = s.kind === 'counter' ? s.level * INTERVAL : 0;
  const start = s.kind === 'counter' ? 0 : s.level;
  return `${Number(start.toPrecision(12))}+${Number(step.toPrecision(12))}x${minutes + 5}`;
}

const inputSeries = (series: InputSeries[], minutes: number) => series.map((s) => ({ series: seriesSelector(s), values: seriesValues(s, minutes) }));

export interface RuleTestsResult {
  file: unknown;
  skipped: { alert: string; reason: string }[];
}

export function ruleTests(catalog: Catalog): RuleTestsResult {
  const builder = new ScenarioBuilder(catalog);
  const tests: unknown[] = [];
  const skipped: { alert: string; reason: string }[] = [];
  for (const rule of alertRuleFile(catalog).groups.flatMap((g) => g.rules as PromAlertRule[])) {
    let sc: AlertScenario;
    try {
      sc = builder.build(rule);
    } catch (err) {
      if (err instanceof Unsupported || err instanceof TemplateUnsupported) {
        skipped.push({ alert: rule.alert, reason: err.message });
        continue;
      }
      throw err;
    }
    tests.push({
      name: `${sc.alert} fires`,
      interval: `${INTERVAL}s`,
      input_series: inputSeries(sc.fire.series, sc.minutes),
      alert_rule_test: [{ eval_time: sc.evalTime, alertname: sc.alert, exp_alerts: sc.fire.alerts.map((a) => ({ exp_labels: a.labels, exp_annotations: a.annotations })) }],
    });
    tests.push({
      name: `${sc.alert} stays silent`,
      interval: `${INTERVAL}s`,
      input_series: inputSeries(sc.silent.series, sc.minutes),
      alert_rule_test: [{ eval_time: sc.evalTime, alertname: sc.alert, exp_alerts: [] }],
    });
  }
  const file = {
    ...ruleFilesOf(),
    evaluation_interval: `${INTERVAL}s`,
    tests,
  };
  return { file, skipped };
}

const skippedHeader = (skipped: { alert: string; reason: string }[]) => skipped.map((s) => `# No test for ${s.alert}: ${s.reason}.\n`).join('');

export function emitRuleTests(catalog: Catalog): Artifact[] {
  const { file, skipped } = ruleTests(catalog);
  const out = [yamlArtifact(RULE_TESTS_FILE, catalog.file, file, skippedHeader(skipped))];
  if (catalog.slos.length) {
    const slo = sloTests(catalog, new ScenarioBuilder(catalog));
    out.push(yamlArtifact(SLO_TESTS_FILE, catalog.file, { ...ruleFilesOf(), evaluation_interval: SLO_TEST_EVALUATION, tests: slo.tests }, skippedHeader(slo.skipped)));
  }
  return out;
}

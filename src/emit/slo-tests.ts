// promtool unit tests of each SLO: a healthy service (only good events for over two hours) has an SLI of 0 in
// every window and no burn-rate alert; and for each burn-rate window pair of the SRE workbook's table, traffic that
// makes that pair, and not the alert's other pair, fire the alert.
import type { Catalog, Metric, Slo } from '../model/catalog.js';
import type { Matcher } from '../promql/ast.js';
import { parsePromQL } from '../promql/ast.js';
import { parseDuration } from '../util/duration.js';
import { selectorMatches, Unsupported } from '../promql/steady-eval.js';
import type { ScenarioBuilder } from './rule-tests.js';
import type { BurnWindow } from './slo-rules.js';
import { SLO_RECORDS, SLO_WINDOWS, burnWindows, sloAlertName, sloSeverity, sloLabels, sloSelector } from './slo-rules.js';

const STEP = 60;
/** Rules evaluate every 5 minutes in these tests: the burn windows reach 3 days, and 5m keeps promtool quick. */
const EVAL_MINUTES = 5;
export const SLO_TEST_EVALUATION = `${EVAL_MINUTES}m`;
/** The last evaluation at or before minute m. */
const evalAt = (m: number) => `${Math.floor(m / EVAL_MINUTES) * EVAL_MINUTES}m`;

/** A stretch of traffic: events per second and the share of them that are errors. */
interface Phase {
  minutes: number;
  eventsPerSecond: number;
  errorRatio: number;
}

/** How to write one SLO's input series: a good-event and a bad-event counter, or a histogram's count and good bucket. */
interface SliSeries {
  write(phases: Phase[]): { series: string; values: string }[];
}

function selectorOf(text: string): { name: string; matchers: Matcher[] } {
  const parsed = parsePromQL(text);
  if (!parsed.ok || parsed.expr.kind !== 'selector' || !parsed.expr.name) throw new Unsupported(`"${text}" is not a plain selector`);
  return { name: parsed.expr.name, matchers: parsed.expr.matchers };
}

function seriesText(name: string, labels: Record<string, string>): string {
  const body = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name}{${body}}`;
}

const num = (x: number) => Number(x.toPrecision(12));

/** promtool's expanding notation for a counter growing by perMinute(phase) in each phase, one sample a minute. */
function counterValues(phases: Phase[], perMinute: (p: Phase) => number): string {
  let start = 0;
  const parts: string[] = [];
  for (const p of phases) {
    const step = perMinute(p);
    parts.push(`${num(start)}+${num(step)}x${p.minutes - 1}`);
    start += step * p.minutes;
  }
  return parts.join(' ');
}

const good = (p: Phase) => p.eventsPerSecond * STEP * (1 - p.errorRatio);
const bad = (p: Phase) => p.eventsPerSecond * STEP * p.errorRatio;
const all = (p: Phase) => p.eventsPerSecond * STEP;

function sliSeries(catalog: Catalog, slo: Slo, b: ScenarioBuilder): SliSeries {
  if (slo.sli.kind === 'latency') {
    const sli = slo.sli;
    const metric: Metric = catalog.metrics.find((m) => m.name === sli.histogram || m.fullName === sli.histogram)!;
    const matchers = sli.matchers ? selectorOf(`${metric.fullName}_count{${sli.matchers}}`).matchers : [];
    const labels = b.seriesLabels(metric, matchers, [], slo.service);
    return {
      write: (phases) => [
        { series: seriesText(`${metric.fullName}_count`, labels), values: counterValues(phases, all) },
        { series: seriesText(`${metric.fullName}_bucket`, { ...labels, le: String(sli.le) }), values: counterValues(phases, good) },
      ],
    };
  }
  const errors = selectorOf(slo.sli.errors);
  const total = selectorOf(slo.sli.total);
  const errorMetric = b.metricOf(errors.name);
  const totalMetric = b.metricOf(total.name);
  const badLabels = b.seriesLabels(errorMetric, [...errors.matchers, ...(errorMetric === totalMetric ? total.matchers : [])], [], slo.service);
  if (errorMetric !== totalMetric) {
    // Two counters: bad events, and all events.
    const totalLabels = b.seriesLabels(totalMetric, total.matchers, [], slo.service);
    return {
      write: (phases) => [
        ...(phases.some((p) => p.errorRatio > 0) ? [{ series: seriesText(errorMetric.fullName, badLabels), values: counterValues(phases, bad) }] : []),
        { series: seriesText(totalMetric.fullName, totalLabels), values: counterValues(phases, all) },
      ],
    };
  }
  // One counter: a series the error selector matches and one only the total selector matches.
  const goodLabels = b.seriesLabels(totalMetric, total.matchers, [errors.matchers], slo.service);
  if (selectorMatches(errors.name, errors.matchers, goodLabels)) throw new Unsupported('no series matches the total selector but not the error selector');
  return {
    write: (phases) => [
      // A healthy service has no error series at all, which is what made the SLI vanish before.
      ...(phases.some((p) => p.errorRatio > 0) ? [{ series: seriesText(errorMetric.fullName, badLabels), values: counterValues(phases, bad) }] : []),
      { series: seriesText(totalMetric.fullName, goodLabels), values: counterValues(phases, good) },
    ],
  };
}

/**
 * Traffic under which window pair `w` makes its alert fire while the alert's other pair stays below its threshold:
 * a constant error ratio between the two thresholds when w is the lower one; otherwise a burst at w's long window
 * after a long error-free history with more traffic, which keeps the other pair's long window under its threshold.
 */
function burnPhases(w: BurnWindow, other: BurnWindow, minutesOf: (d: string) => number): Phase[] | undefined {
  const forMinutes = w.burn === 'fast' ? 2 : 15;
  if (w.threshold < other.threshold) {
    const ratio = (w.threshold + other.threshold) / 2;
    if (ratio >= 1) return undefined;
    return [{ minutes: 5 + forMinutes + 30, eventsPerSecond: 1, errorRatio: ratio }];
  }
  const ratio = Math.min(1, w.threshold * 1.4);
  if (ratio <= w.threshold) return undefined;
  // The burst must fill w's long window and last the alert's "for" and a margin.
  const burst = minutesOf(w.long) + forMinutes + 30;
  const historyRate = 10;
  const otherLong = minutesOf(other.long);
  const history = Math.max(otherLong - burst, 0) + 60;
  // The other pair's long window then sees at most ratio·burst errors among historyRate·(window − burst) + burst events.
  const seen = Math.min(otherLong, burst);
  if ((ratio * seen) / (historyRate * (otherLong - seen) + seen) >= other.threshold) return undefined;
  return [
    { minutes: history, eventsPerSecond: historyRate, errorRatio: 0 },
    { minutes: burst, eventsPerSecond: 1, errorRatio: ratio },
  ];
}

export function sloTests(catalog: Catalog, b: ScenarioBuilder): { tests: unknown[]; skipped: { alert: string; reason: string }[] } {
  const tests: unknown[] = [];
  const skipped: { alert: string; reason: string }[] = [];
  const minutesOf = (d: string) => (parseDuration(d) ?? 0) / 60;
  for (const slo of catalog.slos) {
    let series: SliSeries;
    try {
      series = sliSeries(catalog, slo, b);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      skipped.push({ alert: `SLO ${slo.name}`, reason: err.message });
      continue;
    }
    const labels = sloLabels(catalog, slo);
    const sel = sloSelector(catalog, slo);
    const healthyMinutes = 135;
    tests.push({
      name: `${slo.name} SLO: a healthy service has an SLI of 0 in every window and no burn-rate alert`,
      interval: `${STEP}s`,
      input_series: series.write([{ minutes: healthyMinutes, eventsPerSecond: 1, errorRatio: 0 }]),
      promql_expr_test: SLO_WINDOWS.map((w) => ({
        expr: `${SLO_RECORDS.ratio(w)}${sel}`,
        eval_time: evalAt(healthyMinutes - 5),
        exp_samples: [{ labels: seriesText(SLO_RECORDS.ratio(w), labels), value: 0 }],
      })),
      alert_rule_test: (['fast', 'slow'] as const).map((burn) => ({ eval_time: evalAt(healthyMinutes - 5), alertname: sloAlertName(slo, burn), exp_alerts: [] })),
    });
    const windows = burnWindows(slo);
    for (const w of windows) {
      const other = windows.find((x) => x.burn === w.burn && x !== w)!;
      const phases = burnPhases(w, other, minutesOf);
      const name = `${sloAlertName(slo, w.burn)} fires on its ${w.long}/${w.short} windows alone`;
      if (!phases) {
        skipped.push({ alert: name, reason: `no error ratio below 100 % isolates the ${w.long}/${w.short} pair at a ${slo.objective}% objective` });
        continue;
      }
      const at = evalAt(phases.reduce((n, p) => n + p.minutes, 0) - 5);
      const pair = (x: BurnWindow) => `${SLO_RECORDS.ratio(x.long)}${sel} > ${x.threshold} and ${SLO_RECORDS.ratio(x.short)}${sel} > ${x.threshold}`;
      const alertname = sloAlertName(slo, w.burn);
      const severity = sloSeverity(catalog, w.burn);
      tests.push({
        name,
        interval: `${STEP}s`,
        input_series: series.write(phases),
        promql_expr_test: [
          { expr: `count(${pair(w)})`, eval_time: at, exp_samples: [{ labels: '{}', value: 1 }] },
          { expr: pair(other), eval_time: at, exp_samples: [] },
          {
            expr: `ALERTS{alertname="${alertname}",alertstate="firing"}`,
            eval_time: at,
            exp_samples: [{ labels: seriesText('ALERTS', { alertname, alertstate: 'firing', burn: w.burn, ...labels, severity }), value: 1 }],
          },
        ],
      });
    }
  }
  return { tests, skipped };
}

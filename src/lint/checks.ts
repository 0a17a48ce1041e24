import type { Severity } from '../diagnostics.js';

export interface CheckDoc {
  id: string;
  severity: Severity;
  doc: string;
}

/** Every check of lint-alerts and of the catalog's expressions, with its default severity and doc line. */
export const CHECKS: readonly CheckDoc[] = [
  { id: 'promql/syntax', severity: 'error', doc: 'The expression does not parse with Prometheus\' PromQL grammar, or breaks the type rules its parser checks after it (rate(up), 1 > 2 without bool, a rule that returns a range vector).' },
  { id: 'promql/unsupported', severity: 'warning', doc: 'A grammar node or function devskyy-mon does not model: the checks that depend on its meaning were skipped there (never silently).' },
  { id: 'promql/deprecated', severity: 'warning', doc: 'A function Prometheus 2.x evaluates but Prometheus 3 removed or renamed (holt_winters).' },
  { id: 'promql/regex', severity: 'error', doc: 'A =~ or !~ matcher whose value is not an RE2 regular expression, so Prometheus refuses the rule.' },
  { id: 'promql/regex-named-group', severity: 'warning', doc: 'A (?<name>…) group: RE2 as Go 1.22 compiles it accepts it, Prometheus built with an older Go (2.42, as Debian bookworm ships it) refuses the rule; (?P<name>…) works in both.' },
  { id: 'promql/unknown-metric', severity: 'error', doc: 'A selector names a metric that is neither in the catalog nor produced by a recording rule.' },
  { id: 'promql/rate-on-gauge', severity: 'error', doc: 'rate/irate/increase applied to a gauge, info or enum: they assume a monotonic counter.' },
  { id: 'promql/counter-without-rate', severity: 'warning', doc: 'A counter used as a raw value; its value depends on process restarts, use rate() or increase().' },
  { id: 'promql/histogram-quantile-bucket', severity: 'error', doc: 'histogram_quantile() over something that is not a _bucket series of a histogram.' },
  { id: 'promql/histogram-quantile-le', severity: 'error', doc: 'An aggregation inside histogram_quantile() drops the le label, so no quantile can be computed.' },
  { id: 'promql/unknown-label', severity: 'error', doc: 'A matcher, by/without, on/ignoring label that the metric does not have.' },
  { id: 'promql/dropped-label', severity: 'error', doc: 'A label used after an inner aggregation has already removed it.' },
  { id: 'promql/label-value', severity: 'error', doc: 'A matcher value outside the label\'s declared enum (a regex that matches none of its values).' },
  { id: 'promql/vector-matching', severity: 'warning', doc: 'A one-to-one binary operation between vectors whose label sets differ: it matches nothing without on()/ignoring() or an aggregation.' },
  { id: 'promql/range-too-short', severity: 'warning', doc: 'A range window shorter than four scrape intervals: rate() needs at least two samples even when a scrape fails.' },
  { id: 'alert/for-missing', severity: 'warning', doc: 'An alert without for: it pages on a single evaluation.' },
  { id: 'alert/for-too-short', severity: 'warning', doc: 'for shorter than two scrape intervals: one missed scrape resets it.' },
  { id: 'alert/severity-missing', severity: 'error', doc: 'An alert without a severity label; routing depends on it.' },
  { id: 'alert/severity-unknown', severity: 'error', doc: 'A severity outside the allowed set (alerting.severities).' },
  { id: 'alert/summary-missing', severity: 'error', doc: 'An alert without a summary annotation.' },
  { id: 'alert/description-missing', severity: 'error', doc: 'An alert without a description annotation.' },
  { id: 'alert/template-syntax', severity: 'error', doc: 'An annotation or label template that does not parse ({{ }} unbalanced, unknown variable).' },
  { id: 'alert/template-function', severity: 'error', doc: 'A template calls a function Prometheus does not define (promtool rejects the rule file).' },
  { id: 'alert/template-label', severity: 'error', doc: 'A template uses $labels.x that the alert expression does not return.' },
  { id: 'rules/duplicate-alert', severity: 'error', doc: 'The same alert (name, expression and labels) defined twice: every firing is evaluated and sent twice (a warning across files).' },
  { id: 'rules/duplicate-group', severity: 'error', doc: 'Two rule groups share a name; Prometheus refuses to load the file.' },
  { id: 'rules/record-name', severity: 'warning', doc: 'A recording rule name that does not follow level:metric:operations.' },
  { id: 'lint/directive', severity: 'warning', doc: 'A `# devskyy-mon …` or `# pint …` comment that silences nothing: a check name no check has, or a pint directive devskyy-mon does not read (ignore/begin, snooze).' },
  { id: 'rules/structure', severity: 'error', doc: 'The rule file is not the shape Prometheus expects (groups, rules, alert/record, expr).' },
  { id: 'promtool/check', severity: 'error', doc: 'promtool check rules rejected the file.' },
  { id: 'promtool/too-old', severity: 'warning', doc: 'The installed promtool is older than the syntax a rule uses (names the Prometheus version that reads it); our own checks still ran.' },
  { id: 'promtool/test', severity: 'error', doc: 'promtool test rules failed on the generated unit tests.' },
];

const BY_ID = new Map(CHECKS.map((c) => [c.id, c]));

export function severityOf(id: string): Severity {
  return BY_ID.get(id)?.severity ?? 'error';
}

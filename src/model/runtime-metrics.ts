// What the exporter runtime exposes beside the catalog's own metrics, and the alert on its cardinality guard.
// Queries may use these series like any catalog metric; `verify` expects them on every target.
import type { Alert, Collector, Metric } from './catalog.js';

const label = (name: string, description: string, values?: readonly string[]) => ({ id: name, name, description, ...(values ? { values } : { maxValues: 1000 }) });

function metric(namespace: string, name: string, type: 'counter' | 'gauge', help: string, labels: Metric['labels']): Metric {
  return { name, fullName: `${namespace}_${name}`, type, help, category: 'runtime', labels, aggregate: 'sum', path: [] };
}

/** The runtime's own families (see @devskyy-mon/runtime's Exporter): the guard's overflow counter and the collector bookkeeping. */
export function runtimeMetrics(namespace: string, collectors: Iterable<Collector>): Metric[] {
  const ids = [...collectors].map((c) => c.id);
  const collector = [label('collector', 'Collector id.', ids)];
  return [
    metric(namespace, 'metrics_overflow_total', 'counter', 'Label values folded into the overflow value by the cardinality guard.', [label('metric', 'Metric whose label overflowed.'), label('label', 'Label that overflowed.')]),
    metric(namespace, 'scrape_collector_success', 'gauge', 'Whether the collector succeeded on its last run (1) or failed (0).', collector),
    metric(namespace, 'scrape_collector_errors_total', 'counter', 'Collector runs that failed or timed out.', collector),
    metric(namespace, 'scrape_collector_duration_seconds', 'gauge', "Duration of the collector's last run.", collector),
  ];
}

const pascal = (s: string) => s.replace(/(^|_)([a-z0-9])/g, (_m, _u: string, c: string) => c.toUpperCase());

/**
 * Fires when the cardinality guard folds label values into `__overflow__`: a caller sends values the catalog's
 * domain does not hold, and queries on that label silently miss them. Named after the namespace, so several
 * catalogs' alerts stay apart in one Prometheus.
 */
export function overflowAlert(namespace: string, group: string, severities: readonly string[]): Alert {
  const severity = severities.includes('warning') ? severities.indexOf('warning') : severities.length - 1;
  return {
    name: `${pascal(namespace)}LabelValuesOverflow`,
    group,
    expr: `sum by (job, metric, label) (increase(${namespace}_metrics_overflow_total[10m])) > 0`,
    for: '5m',
    severity: severities[severity]!,
    summary: 'Label values outside the catalog are folded into __overflow__',
    description:
      'Label {{ $labels.label }} of {{ $labels.metric }} (job {{ $labels.job }}) received {{ $value | humanize }} values outside its declared domain in 10 minutes; they are recorded as __overflow__ and queries on that label miss them. Widen the label in the catalog or fix the caller.',
    labels: {},
    note: 'Generated from the runtime cardinality guard; turn off with alerting.overflow_alert: false.',
    path: ['alerting'],
    generated: { severity: ['alerting', 'severities', severity] },
  };
}

import type { Catalog } from './catalog.js';
import { metricsIn } from '../promql/metrics-in.js';
import { SeriesIndex } from '../promql/series-index.js';

export interface Usage {
  alerts: string[];
  panels: { dashboard: string; panel: string; panelIndex: number }[];
  slos: string[];
}

/** Which metrics every expression reads, keyed by the metric's full name. */
export function metricUsage(catalog: Catalog): Map<string, Usage> {
  const index = SeriesIndex.of(catalog);
  const usage = new Map<string, Usage>([...catalog.metrics, ...catalog.runtimeMetrics].map((m) => [m.fullName, { alerts: [], panels: [], slos: [] }]));
  const used = (expr: string) => metricsIn(expr, index);
  for (const a of catalog.alerts) for (const m of used(a.expr)) usage.get(m)!.alerts.push(a.name);
  for (const d of catalog.dashboards) {
    d.panels.forEach((p, i) => {
      for (const m of used(p.expr)) usage.get(m)!.panels.push({ dashboard: d.id, panel: p.title, panelIndex: i });
    });
  }
  for (const s of catalog.slos) {
    const exprs = s.sli.kind === 'ratio' ? [s.sli.errors, s.sli.total] : [`${catalog.namespace}_${s.sli.histogram.replace(new RegExp(`^${catalog.namespace}_`), '')}_count`];
    for (const e of exprs) for (const m of used(e)) if (!usage.get(m)!.slos.includes(s.name)) usage.get(m)!.slos.push(s.name);
  }
  return usage;
}

// Prometheus answers turned into what a panel draws: series on the page's time axis named by the legend format,
// heatmap cells from cumulative buckets, table rows from an instant vector.
import type { PreviewHeatmap, PreviewRange, PreviewSeries, PreviewTable } from './client/page-data.js';
import { formatValue } from './client/units.js';

export interface PromSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

/** Prometheus' matrix or vector `data`, checked: anything else is a wrong answer, not a crash. */
export function resultOf(data: unknown): PromSeries[] {
  const d = data as { resultType?: unknown; result?: unknown } | null;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.result)) throw new Error('Prometheus answered without a result list');
  if (d.resultType === 'scalar') {
    const [t, v] = d.result as unknown[];
    return [{ metric: {}, value: [Number(t), String(v)] }];
  }
  return (d.result as unknown[]).filter((s): s is PromSeries => typeof s === 'object' && s !== null && typeof (s as PromSeries).metric === 'object');
}

const sampleValue = (v: string): number | null => {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** Grafana's legend format: `{{label}}` (spaces allowed inside) becomes the label's value, "" when absent. */
export function applyLegend(legend: string, labels: Record<string, string>): string {
  return legend.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}

/** Grafana's name for a series without a legend format: `name{a="b", c="d"}`, or the query for a bare value. */
export function seriesName(labels: Record<string, string>, expr: string): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.entries(rest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (!name && !pairs.length) return expr;
  return `${name ?? ''}${pairs.length ? `{${pairs.join(', ')}}` : ''}`;
}

function slots(range: PreviewRange): number {
  return Math.floor((range.end - range.start) / range.step) + 1;
}

/** Series on the page's time axis; a sample lands on the step nearest its timestamp. */
export function rangeSeries(result: PromSeries[], range: PreviewRange, refId: string, expr: string, legend: string | undefined): PreviewSeries[] {
  const n = slots(range);
  return result.map((s) => {
    const values: (number | null)[] = new Array<number | null>(n).fill(null);
    const samples = s.values ?? (s.value ? [s.value] : []);
    for (const [t, v] of samples) {
      const i = s.values ? Math.round((Number(t) - range.start) / range.step) : n - 1;
      if (i >= 0 && i < n) values[i] = sampleValue(v);
    }
    return { refId, name: legend ? applyLegend(legend, s.metric) : seriesName(s.metric, expr), labels: s.metric, values };
  });
}

const bound = (le: string) => (le === '+Inf' ? Infinity : Number(le));

/**
 * A heatmap from `sum by (le) (rate(x_bucket[5m]))`: buckets are cumulative, so each cell is its bucket's value
 * minus the one below (what Grafana's heatmap does with format "heatmap"). Series without `le` are left out.
 */
export function heatmapOf(result: PromSeries[], range: PreviewRange): PreviewHeatmap {
  const buckets = rangeSeries(result, range, 'A', '', undefined)
    .filter((s) => s.labels['le'] !== undefined && !Number.isNaN(bound(s.labels['le'])))
    .sort((a, b) => bound(a.labels['le']!) - bound(b.labels['le']!));
  const counts = buckets.map((b, j) =>
    b.values.map((v, i) => {
      if (v === null) return null;
      const below = j > 0 ? buckets[j - 1]!.values[i] : 0;
      return Math.max(0, v - (below ?? 0));
    }),
  );
  return { bounds: buckets.map((b) => b.labels['le']!), counts };
}

/** An instant vector as Grafana's table shows it: one row per series, a column per label, then the value. */
export function tableOf(result: PromSeries[], unit: string): PreviewTable {
  const labels = [...new Set(result.flatMap((s) => Object.keys(s.metric)))].sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a.localeCompare(b)));
  const rows = result.map((s) => {
    const v = s.value ?? s.values?.at(-1);
    return [...labels.map((l) => s.metric[l] ?? ''), v ? formatValue(unit, sampleValue(v[1])) : ''];
  });
  return { columns: [...labels, 'Value'], rows };
}

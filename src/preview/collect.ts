// Fills each dashboard's panels with data from a source: every query of every panel, with the dashboard's
// variables at "All" (as Grafana's default selection sends them), then the variables' options.
import type { PreviewPage, PreviewPanel, PreviewRange, PreviewVariable } from './client/page-data.js';
import type { DashboardShape, PanelShape, VariableShape } from './dashboards.js';
import { heatmapOf, rangeSeries, resultOf, tableOf } from './series.js';
import type { DataSource } from './source.js';
import { interpolateQuery } from '../emit/grafana/interpolate.js';

/** A query as Grafana sends it with every variable at "All", for this preview's range (see interpolateQuery). */
export function interpolate(expr: string, variables: readonly string[], range: PreviewRange): string {
  return interpolateQuery(expr, variables, { stepSeconds: range.step, rangeSeconds: range.end - range.start });
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function panelData(p: PanelShape, source: DataSource, variables: readonly string[]): Promise<PreviewPanel> {
  const out: PreviewPanel = { ...p, series: [], errors: [] };
  for (const q of p.queries) {
    const expr = interpolate(q.expr, variables, source.range);
    try {
      const instant = q.instant || p.type === 'table';
      const result = resultOf(await source.fetch({ kind: instant ? 'instant' : 'range', expr }));
      if (p.type === 'table') out.table = tableOf(result, p.unit);
      else if (p.type === 'heatmap') out.heatmap = heatmapOf(result, source.range);
      else out.series.push(...rangeSeries(result, source.range, q.refId, expr, q.legend));
    } catch (err) {
      out.errors.push(`${q.refId}: ${message(err)}`);
    }
  }
  return out;
}

async function variableOptions(v: VariableShape, source: DataSource): Promise<PreviewVariable> {
  if (!v.labelValues) return { name: v.name, label: v.label, options: v.values ?? [] };
  try {
    const data = await source.fetch({ kind: 'labels', label: v.labelValues.label, match: v.labelValues.match });
    return { name: v.name, label: v.label, options: Array.isArray(data) ? data.map(String) : [] };
  } catch {
    // A selector without options still offers "All", which is what the data was fetched with.
    return { name: v.name, label: v.label, options: [] };
  }
}

/** Runs fn over items, at most `limit` at a time. */
async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function collectPages(dashboards: readonly DashboardShape[], source: DataSource): Promise<PreviewPage[]> {
  // One queue for every panel of every dashboard: a few requests at a time, whatever the number of dashboards.
  const jobs = dashboards.flatMap((d) => d.panels.map((p) => ({ d, p })));
  const filled = await eachLimited(jobs, 6, ({ d, p }) => panelData(p, source, d.variables.map((v) => v.name)));
  const variables = await eachLimited(dashboards, 6, (d) => Promise.all(d.variables.map((v) => variableOptions(v, source))));
  return dashboards.map((d, i) => ({
    uid: d.uid,
    title: d.title,
    ...(d.description ? { description: d.description } : {}),
    range: source.range,
    source: source.label,
    variables: variables[i]!,
    panels: filled.filter((_f, j) => jobs[j]!.d === d),
  }));
}

// The dashboards as a plain model: uids, panel ids, positions and queries. The JSON builder, alert links and
// the structural checks all read this one model.
import { createHash } from 'node:crypto';
import type { Catalog, Label, Metric, Slo } from '../../model/catalog.js';
import { SLO_RECORDS, burnWindows, errorBudget, sloSelector } from '../slo-rules.js';
import { metricsIn } from '../../promql/metrics-in.js';
import { SeriesIndex } from '../../promql/series-index.js';
import { fileName } from '../escape.js';

export type PanelType = 'timeseries' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'state-timeline';

export interface PanelTarget {
  refId: string;
  expr: string;
  legend?: string;
  format?: 'time_series' | 'table' | 'heatmap';
  instant?: boolean;
}

export interface PanelPlan {
  id: number;
  title: string;
  type: PanelType;
  description?: string;
  unit?: string;
  targets: PanelTarget[];
  grid: { x: number; y: number; w: number; h: number };
  /** Full names of the catalog metrics the panel shows. */
  metrics: string[];
  /** Values drawn as lines across the panel (alert thresholds), lowest first. */
  thresholds?: { value: number; color: string }[];
}

/** A dashboard variable: the declared values of an enum label, or a label_values() query for a bounded one. */
export interface VariablePlan {
  name: string;
  label: string;
  values?: string[];
  query?: string;
}

export interface DashboardPlan {
  uid: string;
  title: string;
  slug: string;
  file: string;
  description?: string;
  tags: string[];
  panels: PanelPlan[];
  variables: VariablePlan[];
}

export const PANEL_W = 12;
export const PANEL_H = 8;

export function datasourceUid(catalog: Catalog): string {
  return `${catalog.namespace}-prometheus`.slice(0, 40);
}

/** Grafana uids are at most 40 characters; long ones keep a readable prefix and a hash. */
export function stableUid(...parts: string[]): string {
  const raw = parts.join('-').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (raw.length <= 40) return raw;
  return `${raw.slice(0, 31)}-${createHash('sha256').update(raw).digest('hex').slice(0, 8)}`;
}

export function slugify(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The catalog unit in Grafana's unit ids. */
export function grafanaUnit(m: Metric, rate: boolean): string {
  // Grafana has no "dollars per second": a custom suffix unit says it rather than "ops".
  if (rate) return m.unit === 'bytes' ? 'Bps' : m.unit === 'seconds' ? 's' : m.unit === 'usd' ? 'suffix:USD/s' : 'ops';
  switch (m.unit) {
    case 'seconds':
      return 's';
    case 'bytes':
      return 'bytes';
    case 'percent':
      return 'percent';
    case 'ratio':
      return 'percentunit';
    case 'usd':
      return 'currencyUSD';
    case 'celsius':
      return 'celsius';
    default:
      return 'short';
  }
}

/** Positions panels two per row, so no two overlap. */
function place(panels: Omit<PanelPlan, 'id' | 'grid'>[]): PanelPlan[] {
  return panels.map((p, i) => ({ ...p, id: i + 1, grid: { x: (i % 2) * PANEL_W, y: Math.floor(i / 2) * PANEL_H, w: PANEL_W, h: PANEL_H } }));
}

const varLabels = (m: Metric): Label[] => (m.type === 'info' ? [] : [...m.labels]);

/** `{label=~"$label",...}` for the metric's labels that have a dashboard variable. */
function varMatchers(m: Metric, extra: string[] = []): string {
  const parts = [...varLabels(m).map((l) => `${l.name}=~"$${l.name}"`), ...extra];
  return parts.length ? `{${parts.join(',')}}` : '';
}

function firstLabel(m: Metric): string | undefined {
  return m.labels[0]?.name;
}

function legendOf(names: (string | undefined)[]): string | undefined {
  const present = names.filter((n): n is string => Boolean(n));
  return present.length ? present.map((n) => `{{${n}}}`).join(' ') : undefined;
}

/** A panel title from the metric's help text ("Total HTTP requests." → "Total HTTP requests"), not its name. */
export function helpTitle(m: Metric, suffix?: string): string {
  const text = m.help.trim().replace(/\.$/, '') || m.fullName;
  return suffix ? `${text} ${suffix}` : text;
}

/** Panels that show a metric by what it is: rates for counters, quantiles and a heatmap for histograms... */
export function metricPanels(m: Metric): Omit<PanelPlan, 'id' | 'grid'>[] {
  const by = firstLabel(m);
  const byClause = by ? ` by (${by})` : '';
  const sel = varMatchers(m);
  // The title says what it is; the description names the metric to query.
  const base = { description: `${m.help} (${m.fullName})`, metrics: [m.fullName] };
  switch (m.type) {
    case 'counter':
      return [{ ...base, title: helpTitle(m, '(per second)'), type: 'timeseries', unit: grafanaUnit(m, true), targets: [{ refId: 'A', expr: `sum${byClause} (rate(${m.fullName}${sel}[5m]))`, ...(by ? { legend: `{{${by}}}` } : { legend: 'rate' }) }] }];
    case 'histogram': {
      const bucket = `${m.fullName}_bucket${sel}`;
      const unit = grafanaUnit(m, false);
      return [
        {
          ...base,
          title: helpTitle(m, 'p50 / p95 / p99'),
          type: 'timeseries',
          unit,
          targets: [0.5, 0.95, 0.99].map((q, i) => ({ refId: String.fromCharCode(65 + i), expr: `histogram_quantile(${q}, sum by (le) (rate(${bucket}[5m])))`, legend: `p${Math.round(q * 100)}` })),
        },
        { ...base, title: helpTitle(m, '(distribution)'), type: 'heatmap', unit, targets: [{ refId: 'A', expr: `sum by (le) (rate(${bucket}[5m]))`, legend: '{{le}}', format: 'heatmap' }] },
      ];
    }
    case 'summary':
      return [
        { ...base, title: helpTitle(m, '(quantiles)'), type: 'timeseries', unit: grafanaUnit(m, false), targets: [{ refId: 'A', expr: `max by (quantile) (${m.fullName}${sel})`, legend: 'p{{quantile}}' }] },
        { ...base, title: helpTitle(m, '(per second)'), type: 'timeseries', unit: 'ops', targets: [{ refId: 'A', expr: `sum${byClause} (rate(${m.fullName}_count${sel}[5m]))`, legend: by ? `{{${by}}}` : 'rate' }] },
      ];
    case 'gauge':
      return [{ ...base, title: helpTitle(m), type: m.labels.length ? 'timeseries' : 'stat', unit: grafanaUnit(m, false), targets: [{ refId: 'A', expr: `${m.fullName}${sel}`, legend: legendOf(['instance', ...m.labels.map((l) => l.name)]) ?? 'value' }] }];
    case 'enum':
      return [{ ...base, title: helpTitle(m), type: 'state-timeline', targets: [{ refId: 'A', expr: `${m.fullName} == 1`, legend: `{{${m.fullName}}}` }] }];
    case 'info':
      return [{ ...base, title: helpTitle(m), type: 'table', targets: [{ refId: 'A', expr: m.fullName, format: 'table', instant: true }] }];
  }
}

const STATUS_LABELS = ['status', 'code', 'status_code'];

/** For the metric that counts HTTP requests: the server-error ratio and responses by status, first on its dashboard. */
export function httpPanels(m: Metric): Omit<PanelPlan, 'id' | 'grid'>[] {
  const status = m.labels.find((l) => STATUS_LABELS.includes(l.name))?.name;
  if (m.role !== 'http_requests' || !status) return [];
  const all = `sum(rate(${m.fullName}${varMatchers(m)}[5m]))`;
  const errors = `sum(rate(${m.fullName}${varMatchers(m, [`${status}=~"5.."`])}[5m]))`;
  const base = { metrics: [m.fullName] };
  return [
    {
      ...base,
      title: 'Server error ratio (5xx)',
      description: `Share of requests answered with a 5xx status (${m.fullName}); 0 when there are requests and no errors.`,
      type: 'timeseries',
      unit: 'percentunit',
      targets: [{ refId: 'A', expr: `(${errors} or 0 * ${all}) / ${all}`, legend: 'error ratio' }],
    },
    {
      ...base,
      title: 'Responses by status (per second)',
      description: `Requests per second by response status (${m.fullName}).`,
      type: 'timeseries',
      unit: 'reqps',
      targets: [{ refId: 'A', expr: `sum by (${status}) (rate(${m.fullName}${varMatchers(m)}[5m]))`, legend: `{{${status}}}` }],
    },
  ];
}

/** Where an SLO's dashboard lives; alerts link to it. */
export function sloDashboardRef(catalog: Catalog, slo: Slo): { uid: string; title: string; slug: string } {
  const title = `${catalog.title} / SLO ${slo.service} ${slo.name}`;
  return { uid: stableUid(catalog.namespace, 'slo', slo.service, slo.name), title, slug: slugify(title) };
}

/**
 * An SLO's dashboard: the SLI, the error budget left over the SLO window, and the burn rate of each alert's window
 * pair with the alert's threshold drawn on it. Every query reads the SLO's recording rules.
 */
export function sloDashboardPlan(catalog: Catalog, slo: Slo): DashboardPlan {
  const sel = sloSelector(catalog, slo);
  const budget = errorBudget(slo);
  const ratio = (w: string) => `${SLO_RECORDS.ratio(w)}${sel}`;
  const windowRatio = `sum_over_time(${SLO_RECORDS.errors}${sel}[${slo.window}]) / sum_over_time(${SLO_RECORDS.total}${sel}[${slo.window}])`;
  const ref = sloDashboardRef(catalog, slo);
  const panels: Omit<PanelPlan, 'id' | 'grid'>[] = [
    {
      title: `SLI: error ratio (objective ${slo.objective}%)`,
      description: `${slo.description}. Share of bad events; the line is the error budget, ${budget}.`,
      type: 'timeseries',
      unit: 'percentunit',
      targets: [
        { refId: 'A', expr: ratio('5m'), legend: '5m' },
        { refId: 'B', expr: ratio('1h'), legend: '1h' },
      ],
      metrics: [],
      thresholds: [{ value: budget, color: 'red' }],
    },
    {
      title: `Error budget remaining (${slo.window} window)`,
      description: `1 − (error ratio over the last ${slo.window}) / budget: 100 % is untouched, 0 % is spent, below 0 the SLO is missed.`,
      type: 'timeseries',
      unit: 'percentunit',
      targets: [{ refId: 'A', expr: `1 - (${windowRatio}) / ${budget}`, legend: 'budget remaining' }],
      metrics: [],
      thresholds: [{ value: 0, color: 'red' }],
    },
    ...burnWindows(slo).map((w): Omit<PanelPlan, 'id' | 'grid'> => ({
      title: `Burn rate ${w.long} / ${w.short} (${w.burn === 'fast' ? 'pages' : 'tickets'} above ${w.factor}×)`,
      description: `Error ratio divided by the budget (${budget}) over ${w.long} and ${w.short}; the ${w.burn} burn alert fires when both are above ${w.factor}.`,
      type: 'timeseries',
      unit: 'short',
      targets: [
        { refId: 'A', expr: `${ratio(w.long)} / ${budget}`, legend: w.long },
        { refId: 'B', expr: `${ratio(w.short)} / ${budget}`, legend: w.short },
      ],
      metrics: [],
      thresholds: [{ value: w.factor, color: w.burn === 'fast' ? 'red' : 'orange' }],
    })),
  ];
  return {
    ...ref,
    file: `grafana/dashboards/slo-${slo.service}-${slo.name}.json`.replace(/[^A-Za-z0-9_./-]/g, '-'),
    description: `${slo.description}: ${slo.objective}% over ${slo.window} (${catalog.namespace}, service ${slo.service}).`,
    tags: [catalog.namespace, 'devskyy-mon', 'slo'],
    panels: place(panels),
    variables: [],
  };
}

function variablesFor(metrics: readonly Metric[]): VariablePlan[] {
  const byName = new Map<string, { values: Set<string>; bounded: boolean; series: string }>();
  for (const m of metrics) {
    const series = m.type === 'histogram' || m.type === 'summary' ? `${m.fullName}_count` : m.fullName;
    for (const l of varLabels(m)) {
      const v = byName.get(l.name) ?? { values: new Set<string>(), bounded: false, series };
      if (l.values) l.values.forEach((x) => v.values.add(x));
      else v.bounded = true;
      byName.set(l.name, v);
    }
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, v]) => (v.bounded ? { name, label: name, query: `label_values(${v.series}, ${name})` } : { name, label: name, values: [...v.values] }));
}

const plans = new WeakMap<Catalog, DashboardPlan[]>();

/** The dashboards of a catalog; computed once per catalog (rules, dashboards, Kubernetes and verify all read it). */
export function dashboardPlans(catalog: Catalog): DashboardPlan[] {
  let p = plans.get(catalog);
  if (!p) {
    p = computePlans(catalog);
    plans.set(catalog, p);
  }
  return p;
}

function computePlans(catalog: Catalog): DashboardPlan[] {
  const ns = catalog.namespace;
  const out: DashboardPlan[] = [];
  const index = SeriesIndex.of(catalog);
  for (const d of catalog.dashboards) {
    out.push({
      uid: stableUid(ns, d.id),
      title: d.title,
      slug: slugify(d.title),
      file: `grafana/dashboards/${fileName(d.id)}.json`,
      ...(d.description ? { description: d.description } : {}),
      tags: [ns, 'devskyy-mon'],
      panels: place(
        d.panels.map((p) => ({
          title: p.title,
          type: p.type,
          ...(p.description ? { description: p.description } : {}),
          ...(p.unit ? { unit: p.unit } : {}),
          targets: [{ refId: 'A', expr: p.expr, ...(p.legend ? { legend: p.legend } : {}) }],
          metrics: metricsIn(p.expr, index),
        })),
      ),
      variables: [],
    });
  }
  for (const c of catalog.categories) {
    const metrics = catalog.metrics.filter((m) => m.category === c.id);
    if (!metrics.length) continue;
    const title = `${catalog.title} / ${c.title}`;
    out.push({
      uid: stableUid(ns, 'category', c.id),
      title,
      slug: slugify(title),
      file: `grafana/dashboards/category-${fileName(c.id)}.json`,
      ...(c.description ? { description: c.description } : {}),
      tags: [ns, 'devskyy-mon', c.id],
      panels: place([...metrics.flatMap(httpPanels), ...metrics.flatMap(metricPanels)]),
      variables: variablesFor(metrics),
    });
  }
  for (const slo of catalog.slos) out.push(sloDashboardPlan(catalog, slo));
  return out;
}

// The dashboards the preview draws: the Grafana dashboard JSON `generate` writes (built by the same
// dashboardJson from the same plans), read back into the few fields a preview needs. Nothing here describes a
// dashboard a second time: positions, units, queries and variables are read from Grafana's own model.
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Catalog } from '../model/catalog.js';
import { dashboardJson } from '../emit/grafana/dashboards.js';
import { dashboardPlans } from '../emit/grafana/layout.js';
import type { PreviewPanel, PreviewPanelType, PreviewQuery } from './client/page-data.js';

/** A panel before data: everything but series, heatmap, table and errors. */
export type PanelShape = Omit<PreviewPanel, 'series' | 'heatmap' | 'table' | 'errors'>;

/** A template variable: its options are the custom values, or a label_values() query answered by Prometheus. */
export interface VariableShape {
  name: string;
  label: string;
  values?: string[];
  /** label_values(series, label): the series selector and the label. */
  labelValues?: { match: string; label: string };
}

export interface DashboardShape {
  uid: string;
  title: string;
  slug: string;
  description?: string;
  /** Grafana's default time range, e.g. now-1h. */
  from: string;
  panels: PanelShape[];
  variables: VariableShape[];
}

const TYPES: readonly PreviewPanelType[] = ['timeseries', 'stat', 'gauge', 'table', 'heatmap', 'state-timeline', 'row'];

const isRow = (p: Panel | RowPanel): p is RowPanel => p.type === 'row';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A Prometheus target as Grafana stores it (the SDK types targets as an opaque variant). */
function queryOf(t: unknown, i: number): PreviewQuery | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const o = t as Record<string, unknown>;
  const expr = str(o['expr']);
  if (expr === undefined) return undefined;
  const legend = str(o['legendFormat']);
  const format = str(o['format']);
  return { refId: str(o['refId']) ?? String.fromCharCode(65 + i), expr, ...(legend ? { legend } : {}), instant: o['instant'] === true && o['range'] !== true, ...(format ? { format } : {}) };
}

function panelShape(p: Panel | RowPanel): PanelShape {
  const grid = p.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
  const base = { id: p.id ?? 0, title: p.title ?? '', grid: { x: grid.x, y: grid.y, w: grid.w, h: grid.h } };
  if (isRow(p)) return { ...base, type: 'row', unit: '', queries: [], thresholds: [] };
  const type = (TYPES as readonly string[]).includes(p.type) ? (p.type as PreviewPanelType) : 'timeseries';
  const defaults = p.fieldConfig?.defaults;
  const steps = defaults?.thresholds?.steps ?? [];
  // A timeseries draws its threshold steps as lines only when the panel asks for it (thresholdsStyle).
  const custom = defaults?.custom as { thresholdsStyle?: { mode?: string } } | undefined;
  const lines = type === 'timeseries' && custom?.thresholdsStyle?.mode !== undefined && custom.thresholdsStyle.mode !== 'off';
  return {
    ...base,
    type,
    ...(p.description ? { description: p.description } : {}),
    unit: defaults?.unit ?? '',
    ...(type === 'stat' ? { sparkline: ((p.options as unknown as { graphMode?: string } | undefined)?.graphMode ?? 'area') === 'area' } : {}),
    queries: (p.targets ?? []).map(queryOf).filter((q): q is PreviewQuery => q !== undefined),
    thresholds: lines ? steps.filter((s): s is { value: number; color: string } => s.value !== null) : [],
  };
}

const LABEL_VALUES = /^\s*label_values\(\s*(.*?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/s;

function variableShape(v: VariableModel): VariableShape | undefined {
  const label = v.label ?? v.name;
  if (v.type === 'custom') {
    const query = typeof v.query === 'string' ? v.query : '';
    // Grafana splits custom values at unescaped commas; "\," is a literal comma.
    const values = query.split(/(?<!\\),/).map((x) => x.replace(/\\,/g, ',').trim()).filter((x) => x !== '');
    return { name: v.name, label, values };
  }
  if (v.type === 'query') {
    const q = typeof v.query === 'string' ? v.query : typeof v.query?.['query'] === 'string' ? (v.query['query'] as string) : '';
    const m = LABEL_VALUES.exec(q);
    return m ? { name: v.name, label, labelValues: { match: m[1]!, label: m[2]! } } : { name: v.name, label, values: [] };
  }
  return undefined;
}

/** Rows hold their panels when collapsed; the preview shows every panel, in grid order. */
function flatPanels(panels: readonly (Panel | RowPanel)[]): (Panel | RowPanel)[] {
  return panels.flatMap((p) => (isRow(p) && p.collapsed ? [p, ...p.panels] : [p]));
}

export function dashboardShape(d: Dashboard, slug: string): DashboardShape {
  return {
    uid: d.uid ?? slug,
    title: d.title ?? slug,
    slug,
    ...(d.description ? { description: d.description } : {}),
    from: d.time?.from ?? 'now-1h',
    panels: flatPanels(d.panels ?? []).map(panelShape),
    variables: (d.templating.list ?? []).map(variableShape).filter((v): v is VariableShape => v !== undefined),
  };
}

/** Every dashboard `generate` writes for the catalog, as the preview reads it. */
export function catalogDashboards(catalog: Catalog): DashboardShape[] {
  return dashboardPlans(catalog).map((plan) => dashboardShape(dashboardJson(catalog, plan), plan.slug));
}

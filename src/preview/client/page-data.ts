// What a preview page hands its script: one dashboard's panels with their data, as JSON in the page. Shared by
// the renderer (Node) and the page script (browser); types only.

export type PreviewPanelType = 'timeseries' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'state-timeline' | 'row';

/** One series as drawn: its display name (the legend format applied) and its labels, for the variable selectors. */
export interface PreviewSeries {
  refId: string;
  name: string;
  labels: Record<string, string>;
  /** Values at PreviewRange's steps, null where Prometheus returned no sample (or NaN/±Inf). */
  values: (number | null)[];
}

/** A heatmap from cumulative histogram buckets: per bucket (upper bound `le`) the count in it at each step. */
export interface PreviewHeatmap {
  bounds: string[];
  counts: (number | null)[][];
}

export interface PreviewTable {
  columns: string[];
  rows: string[][];
}

export interface PreviewQuery {
  refId: string;
  expr: string;
  legend?: string;
  instant: boolean;
  format?: string;
}

export interface PreviewPanel {
  id: number;
  type: PreviewPanelType;
  title: string;
  description?: string;
  /** Grafana's unit id (fieldConfig.defaults.unit); "" when the panel sets none. */
  unit: string;
  grid: { x: number; y: number; w: number; h: number };
  queries: PreviewQuery[];
  /** A stat's sparkline under its value (Grafana's graphMode "area", the stat panel's default). */
  sparkline?: boolean;
  /** Lines drawn across the panel (threshold steps with a value). */
  thresholds: { value: number; color: string }[];
  series: PreviewSeries[];
  heatmap?: PreviewHeatmap;
  table?: PreviewTable;
  /** Why the panel has no data to show: a failed query, or a query missing from the snapshot. */
  errors: string[];
}

export interface PreviewVariable {
  name: string;
  label: string;
  options: string[];
}

/** The time axis every range panel shares: Unix seconds. */
export interface PreviewRange {
  start: number;
  end: number;
  step: number;
}

export interface PreviewPage {
  uid: string;
  title: string;
  description?: string;
  range: PreviewRange;
  /** Where the data came from, as shown on the page. */
  source: string;
  variables: PreviewVariable[];
  panels: PreviewPanel[];
}

// The catalog as written (after schema validation): field names follow catalog.schema.json.

export type RawMetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'enum';

export interface RawSummaryOptions {
  percentiles?: number[];
  max_age?: string;
  age_buckets?: number;
}

export interface RawService {
  name: string;
  host?: string;
  port: number;
  path?: string;
  scheme?: 'http' | 'https';
  interval?: string;
  timeout?: string;
  exporter?: 'demo' | 'external';
  image?: string;
  build?: string;
  resources?: RawResources;
  monitor?: 'ServiceMonitor' | 'PodMonitor';
}

export interface RawLabel {
  name?: string;
  description: string;
  values?: string[];
  max_values?: number;
}

export interface RawCollector {
  description: string;
  ttl: string;
  timeout?: string;
  builtin?: 'system' | 'process';
}

export interface RawMetric {
  name: string;
  type: RawMetricType;
  help: string;
  category: string;
  unit?: string;
  labels?: string[];
  buckets?: number[];
  percentiles?: number[];
  max_age?: string;
  age_buckets?: number;
  states?: string[];
  collector?: string;
  role?: string;
  aggregate?: 'sum' | 'max' | 'min' | 'first' | 'omit';
  seed_name?: string;
  note?: string;
}

export interface RawAlert {
  name: string;
  group?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  severity: string;
  summary: string;
  description: string;
  runbook?: string;
  labels?: Record<string, string>;
  note?: string;
}

export interface RawRecordingRule {
  record: string;
  expr: string;
  group?: string;
  labels?: Record<string, string>;
}

export type RawSli = { errors: string; total: string } | { histogram: string; le: number; matchers?: string };

export interface RawSlo {
  name: string;
  description: string;
  objective: number;
  window?: string;
  sli: RawSli;
}

export interface RawPanel {
  title: string;
  expr: string;
  description?: string;
  type?: 'timeseries' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'state-timeline';
  unit?: string;
  legend?: string;
  note?: string;
}

export interface RawDashboard {
  id: string;
  title: string;
  description?: string;
  panels: RawPanel[];
}

export interface RawResources {
  cpus?: number;
  memory?: string;
  pids?: number;
}

export interface RawComponent {
  port?: number;
  image?: string;
  resources?: RawResources;
}

export interface RawCatalog {
  $schema?: string;
  apiVersion: 'devskyy-mon/v1';
  namespace: string;
  title?: string;
  defaults?: {
    scrape_interval?: string;
    scrape_timeout?: string;
    evaluation_interval?: string;
    histogram_buckets?: number[];
    summary?: RawSummaryOptions;
  };
  services: RawService[];
  categories: { id: string; title: string; description?: string }[];
  labels?: Record<string, RawLabel>;
  collectors?: Record<string, RawCollector>;
  metrics: RawMetric[];
  alerting?: { group?: string; interval?: string; severities?: string[]; runbook_base_url?: string };
  alerts?: RawAlert[];
  recording_rules?: RawRecordingRule[];
  slos?: RawSlo[];
  dashboards?: RawDashboard[];
  alertmanager?: {
    webhook_url?: string;
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
  };
  stack?: { bind?: string; prometheus?: RawComponent; alertmanager?: RawComponent; grafana?: RawComponent };
  kubernetes?: {
    namespace?: string;
    release?: string;
    dashboard_label?: string;
    dashboard_folder?: string;
    common_labels?: Record<string, string>;
  };
}

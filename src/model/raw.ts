// The catalog as written (after schema validation): field names follow catalog.schema.json.
import type { LabelMeaning } from '@devskyy-mon/runtime/spec';

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
  meaning?: LabelMeaning;
}

export interface RawCollector {
  description: string;
  ttl: string;
  timeout?: string;
  builtin?: 'system' | 'process';
  scope?: 'process' | 'shared';
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
  optional?: boolean;
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
  service?: string;
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
  optional?: boolean;
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
  external_url?: string;
  resources?: RawResources;
}

/** One Alertmanager integration; secrets only as files. */
export type RawReceiver = { name: string } & (
  | { slack: { api_url_file: string; channel: string; send_resolved?: boolean } }
  | { pagerduty: { routing_key_file: string; send_resolved?: boolean } }
  | { email: { to: string; from: string; smarthost: string; auth_username?: string; auth_password_file?: string; require_tls?: boolean; send_resolved?: boolean } }
  | { opsgenie: { api_key_file: string; api_url?: string; send_resolved?: boolean } }
  | { webhook: { url: string; bearer_token_file?: string; send_resolved?: boolean } }
);

export interface RawRoute {
  receiver: string;
  severity?: string;
  team?: string;
  continue?: boolean;
}

/** Prometheus' remote_write queue_config, field for field. */
export interface RawQueueConfig {
  capacity?: number;
  max_shards?: number;
  min_shards?: number;
  max_samples_per_send?: number;
  batch_send_deadline?: string;
  min_backoff?: string;
  max_backoff?: string;
}

export interface RawTopology {
  prometheus?: { replicas?: number; replica_label?: string; shards?: number };
  alertmanager?: { peers?: number };
  remote_write?: { name?: string; url: string; queue?: RawQueueConfig }[];
  store?: { engine: 'victoriametrics' | 'thanos'; retention?: string; port?: number; image?: string; queue?: RawQueueConfig };
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
  alerting?: { group?: string; interval?: string; severities?: string[]; runbook_base_url?: string; overflow_alert?: boolean };
  alerts?: RawAlert[];
  recording_rules?: RawRecordingRule[];
  slos?: RawSlo[];
  dashboards?: RawDashboard[];
  alertmanager?: {
    webhook_url?: string;
    receiver?: string;
    receivers?: RawReceiver[];
    routes?: RawRoute[];
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
  };
  stack?: { bind?: string; prometheus?: RawComponent; alertmanager?: RawComponent; grafana?: RawComponent };
  topology?: RawTopology;
  kubernetes?: {
    namespace?: string;
    release?: string;
    dashboard_label?: string;
    dashboard_folder?: string;
    datasource_uid?: string;
    common_labels?: Record<string, string>;
  };
}

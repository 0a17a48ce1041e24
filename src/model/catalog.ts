// The normalised catalog every emitter reads: defaults applied, names expanded, references resolved.
import type { Aggregate, LabelMeaning } from '@devskyy-mon/runtime/spec';
import type { PathSegment } from '../load/yaml-source.js';
import type { RawReceiver } from './raw.js';
import type { Topology } from './topology.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'enum';

export interface Label {
  id: string;
  /** Name as exposed. */
  name: string;
  description: string;
  values?: readonly string[];
  maxValues?: number;
  /** What the exporter runtime fills the label with when it records requests itself (HTTP roles). */
  meaning?: LabelMeaning;
}

/** The request facts the runtime can fill a label with: the runtime's own type, so the two cannot drift apart. */
export type { LabelMeaning };

export interface Collector {
  id: string;
  description: string;
  ttlSeconds: number;
  timeoutSeconds: number;
  builtin?: 'system' | 'process';
  /** process: each cluster worker reads its own state; shared: one reading for all (run in the primary). */
  scope?: 'process' | 'shared';
}

export interface Metric {
  /** Name without the namespace, as written in the catalog. */
  name: string;
  /** `<namespace>_<name>`: what PromQL queries (counters with _total, info with _info). */
  fullName: string;
  type: MetricType;
  help: string;
  category: string;
  unit?: string;
  labels: readonly Label[];
  buckets?: readonly number[];
  percentiles?: readonly number[];
  maxAgeSeconds?: number;
  ageBuckets?: number;
  states?: readonly string[];
  /** Collector id; absent when the application instruments it. */
  collector?: string;
  role?: string;
  /** How cluster workers' values combine: the runtime's own type. */
  aggregate: Aggregate;
  seedName?: string;
  note?: string;
  /** The application may legitimately never expose it (a feature flag, a code path not every deployment has): verify notes its absence instead of failing. */
  optional?: boolean;
  path: readonly PathSegment[];
}

export interface Service {
  name: string;
  host: string;
  port: number;
  path: string;
  scheme: 'http' | 'https';
  interval: string;
  timeout: string;
  exporter: 'demo' | 'external';
  image?: string;
  build?: string;
  resources: Resources;
  monitor: 'ServiceMonitor' | 'PodMonitor';
}

/** Compose limits of one container: a runaway component cannot take the host down with it. */
export interface Resources {
  cpus: number;
  memory: string;
  pids: number;
}

/** Where a service answers when it is up: the demo exporter's /health, else the path Prometheus scrapes. */
export const readyPathOf = (s: Service): string => (s.exporter === 'demo' ? '/health' : s.path);

/** The name a running demo exporter has in the stack's state (status, logs, down). */
export const demoComponent = (s: Service): string => `exporter:${s.name}`;

export interface Alert {
  name: string;
  group: string;
  expr: string;
  for?: string;
  keepFiringFor?: string;
  severity: string;
  summary: string;
  description: string;
  runbook?: string;
  labels: Readonly<Record<string, string>>;
  note?: string;
  path: readonly PathSegment[];
  /**
   * A generated alert (the overflow alert) has no item of its own in the catalog: its path is the section it comes
   * from, and the one text it takes from the catalog, the severity, is located here.
   */
  generated?: { severity: readonly PathSegment[] };
}

export interface RecordingRule {
  record: string;
  expr: string;
  group: string;
  labels: Readonly<Record<string, string>>;
  path: readonly PathSegment[];
}

export type Sli =
  | { kind: 'ratio'; errors: string; total: string }
  | { kind: 'latency'; histogram: string; le: number; matchers?: string };

export interface Slo {
  name: string;
  description: string;
  objective: number;
  window: string;
  /** The service it belongs to: a label on every SLO series and alert. */
  service: string;
  sli: Sli;
  path: readonly PathSegment[];
}

export interface Panel {
  title: string;
  expr: string;
  description?: string;
  type: 'timeseries' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'state-timeline';
  unit?: string;
  legend?: string;
  note?: string;
  /** Verify notes an empty result instead of requiring data (a panel for something that may never happen). */
  optional?: boolean;
  path: readonly PathSegment[];
}

export interface Dashboard {
  id: string;
  title: string;
  description?: string;
  panels: readonly Panel[];
  path: readonly PathSegment[];
}

export interface Category {
  id: string;
  title: string;
  description?: string;
}

export interface Component {
  port: number;
  image: string;
  /** Where users reach it, when declared (links, --web.external-url). */
  externalUrl?: string;
  resources: Resources;
}

/** An Alertmanager integration as declared; secrets are paths of files Alertmanager reads. */
export type Receiver = RawReceiver;

export interface Route {
  receiver: string;
  severity?: string;
  team?: string;
  continue: boolean;
}

export interface Catalog {
  /** Path of the catalog file as given, for markers and diagnostics. */
  file: string;
  namespace: string;
  title: string;
  scrapeInterval: string;
  scrapeTimeout: string;
  evaluationInterval: string;
  services: readonly Service[];
  categories: readonly Category[];
  labels: ReadonlyMap<string, Label>;
  collectors: ReadonlyMap<string, Collector>;
  metrics: readonly Metric[];
  alerting: { group: string; interval?: string; severities: readonly string[]; runbookBaseUrl?: string };
  alerts: readonly Alert[];
  /** Families the exporter runtime adds to every target (overflow counter, collector bookkeeping). */
  runtimeMetrics: readonly Metric[];
  recordingRules: readonly RecordingRule[];
  slos: readonly Slo[];
  dashboards: readonly Dashboard[];
  alertmanager: {
    webhookUrl?: string;
    /** Receiver of alerts no route matches; absent with no receivers: a null receiver. */
    defaultReceiver?: string;
    receivers: readonly Receiver[];
    routes: readonly Route[];
    groupBy: readonly string[];
    groupWait: string;
    groupInterval: string;
    repeatInterval: string;
  };
  stack: { bind: string; prometheus: Component; alertmanager: Component; grafana: Component };
  /** Replicas, shards, Alertmanager peers, remote_write and the store; the single stack by default. */
  topology: Topology;
  kubernetes: {
    namespace: string;
    release: string;
    dashboardLabel: string;
    dashboardFolder: string;
    datasourceUid: string;
    commonLabels: Readonly<Record<string, string>>;
  };
}

/** Where users reach a component: its declared external URL, else the loopback address and port it publishes. */
export function componentUrl(catalog: Pick<Catalog, 'stack'>, name: 'prometheus' | 'alertmanager' | 'grafana'): string {
  const c = catalog.stack[name];
  if (c.externalUrl) return c.externalUrl;
  const host = catalog.stack.bind === '0.0.0.0' ? '127.0.0.1' : catalog.stack.bind;
  return `http://${host}:${c.port}`;
}

/**
 * Prometheus' and Alertmanager's --web.external-url: the declared URL, else where this runtime publishes it. The route
 * prefix stays "/" so the component keeps answering at its root (what readiness checks and verify call) when the
 * external URL has a path a proxy strips.
 */
export function webExternalUrlArgs(catalog: Pick<Catalog, 'stack'>, name: 'prometheus' | 'alertmanager', localUrl: string): string[] {
  return [`--web.external-url=${catalog.stack[name].externalUrl ?? localUrl}`, '--web.route-prefix=/'];
}

/** Every series name a metric exposes, as Prometheus' own clients expose it. */
export function exposedSeriesNames(m: Pick<Metric, 'fullName' | 'type'>): string[] {
  const n = m.fullName;
  switch (m.type) {
    case 'counter':
      return [n, n.replace(/_total$/, '_created')];
    case 'histogram':
      return [n, `${n}_bucket`, `${n}_sum`, `${n}_count`, `${n}_created`];
    case 'summary':
      return [n, `${n}_sum`, `${n}_count`, `${n}_created`];
    default:
      return [n];
  }
}

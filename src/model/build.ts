import { overflowAlert, runtimeMetrics } from './runtime-metrics.js';
import type { RawCatalog, RawComponent, RawMetric, RawResources } from './raw.js';
import type { Catalog, Component, Label, Metric, Resources, Service } from './catalog.js';
import { parseDuration } from '../util/duration.js';
import { buildTopology } from './topology.js';

// prom-client's and the Python client's defaults, so an unconfigured catalog behaves like hand-written code.
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const DEFAULT_PERCENTILES = [0.5, 0.9, 0.99];
export const DEFAULT_SEVERITIES = ['critical', 'warning', 'info'];
// Pinned so a stack generated today starts the same images next year.
export const DEFAULT_IMAGES = {
  prometheus: 'prom/prometheus:v2.53.2',
  alertmanager: 'prom/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.2.0',
};

/**
 * Limits when the catalog sets none: room for the DevSkyy stack's 37k series in Prometheus, a few thousand
 * alerts in Alertmanager, Grafana with a handful of users, one Node exporter.
 */
export const DEFAULT_RESOURCES = {
  prometheus: { cpus: 2, memory: '2g', pids: 512 },
  alertmanager: { cpus: 0.5, memory: '256m', pids: 128 },
  grafana: { cpus: 1, memory: '512m', pids: 256 },
  service: { cpus: 1, memory: '512m', pids: 256 },
} as const;

const resourcesOf = (raw: RawResources | undefined, d: Resources): Resources => ({ cpus: raw?.cpus ?? d.cpus, memory: raw?.memory ?? d.memory, pids: raw?.pids ?? d.pids });

function component(raw: RawComponent | undefined, port: number, image: string, resources: Resources): Component {
  return {
    port: raw?.port ?? port,
    image: raw?.image ?? image,
    ...(raw?.external_url ? { externalUrl: raw.external_url.replace(/\/+$/, '') } : {}),
    resources: resourcesOf(raw?.resources, resources),
  };
}

function labelsOf(raw: RawCatalog): Map<string, Label> {
  const out = new Map<string, Label>();
  for (const [id, l] of Object.entries(raw.labels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    out.set(id, {
      id,
      name: l.name ?? id,
      description: l.description,
      ...(l.values ? { values: l.values } : {}),
      ...(l.max_values !== undefined ? { maxValues: l.max_values } : {}),
      ...(l.meaning ? { meaning: l.meaning } : {}),
    });
  }
  return out;
}

function metricOf(raw: RawCatalog, m: RawMetric, index: number, labels: Map<string, Label>): Metric {
  const summary = raw.defaults?.summary;
  const isSummary = m.type === 'summary';
  return {
    name: m.name,
    fullName: `${raw.namespace}_${m.name}`,
    type: m.type,
    help: m.help,
    category: m.category,
    ...(m.unit ? { unit: m.unit } : {}),
    // An unknown label is a semantic error reported elsewhere; the model of an invalid catalog is only linted.
    labels: (m.labels ?? []).flatMap((id) => labels.get(id) ?? []),
    ...(m.type === 'histogram' ? { buckets: m.buckets ?? raw.defaults?.histogram_buckets ?? DEFAULT_BUCKETS } : {}),
    ...(isSummary ? { percentiles: m.percentiles ?? summary?.percentiles ?? DEFAULT_PERCENTILES } : {}),
    ...(isSummary ? { maxAgeSeconds: parseDuration(m.max_age ?? summary?.max_age ?? '10m')! } : {}),
    ...(isSummary ? { ageBuckets: m.age_buckets ?? summary?.age_buckets ?? 5 } : {}),
    ...(m.states ? { states: m.states } : {}),
    ...(m.collector ? { collector: m.collector } : {}),
    ...(m.role ? { role: m.role } : {}),
    aggregate: m.aggregate ?? (m.type === 'info' || m.type === 'enum' ? 'first' : 'sum'),
    ...(m.seed_name ? { seedName: m.seed_name } : {}),
    ...(m.note ? { note: m.note } : {}),
    ...(m.optional ? { optional: true } : {}),
    path: ['metrics', index],
  };
}

/**
 * A service with its own interval but no timeout inherits the default timeout cut to that interval, as Prometheus
 * does for a scrape config without scrape_timeout (the generated job writes both, so the cut has to happen here).
 */
function inheritedTimeout(interval: string, timeout: string): string {
  return parseDuration(timeout)! > parseDuration(interval)! ? interval : timeout;
}

/** A list without the places of items set aside for breaking the schema (see validate/prune.ts). */
const dense = <T>(list: readonly T[]): T[] => list.filter(() => true);

/** Normalises a schema-valid, semantically checked catalog: defaults applied, references resolved. */
export function buildCatalog(raw: RawCatalog, file: string): Catalog {
  const labels = labelsOf(raw);
  const scrapeInterval = raw.defaults?.scrape_interval ?? '15s';
  const scrapeTimeout = raw.defaults?.scrape_timeout ?? '10s';
  const alertGroup = raw.alerting?.group ?? `${raw.namespace}_alerts`;
  const services: Service[] = dense(raw.services).map((s) => ({
    name: s.name,
    host: s.host ?? '127.0.0.1',
    port: s.port,
    path: s.path ?? '/metrics',
    scheme: s.scheme ?? 'http',
    interval: s.interval ?? scrapeInterval,
    timeout: s.timeout ?? inheritedTimeout(s.interval ?? scrapeInterval, scrapeTimeout),
    exporter: s.exporter ?? 'demo',
    ...(s.image ? { image: s.image } : {}),
    ...(s.build ? { build: s.build } : {}),
    resources: resourcesOf(s.resources, DEFAULT_RESOURCES.service),
    monitor: s.monitor ?? 'ServiceMonitor',
  }));
  const collectors: Catalog['collectors'] = new Map(
      Object.entries(raw.collectors ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, c]) => [
          id,
          {
            id,
            description: c.description,
            ttlSeconds: parseDuration(c.ttl)!,
            timeoutSeconds: parseDuration(c.timeout ?? '5s')!,
            ...(c.builtin ? { builtin: c.builtin } : {}),
            ...(c.scope ? { scope: c.scope } : {}),
          },
        ]),
    );
  return {
    file,
    namespace: raw.namespace,
    title: raw.title ?? raw.namespace,
    scrapeInterval,
    scrapeTimeout,
    evaluationInterval: raw.defaults?.evaluation_interval ?? scrapeInterval,
    services,
    categories: dense(raw.categories).map((c) => ({ id: c.id, title: c.title, ...(c.description ? { description: c.description } : {}) })),
    labels,
    collectors,
    metrics: dense(raw.metrics.map((m, i) => metricOf(raw, m, i, labels))),
    alerting: {
      group: alertGroup,
      ...(raw.alerting?.interval ? { interval: raw.alerting.interval } : {}),
      severities: raw.alerting?.severities ?? DEFAULT_SEVERITIES,
      ...(raw.alerting?.runbook_base_url ? { runbookBaseUrl: raw.alerting.runbook_base_url } : {}),
    },
    alerts: [
      ...dense((raw.alerts ?? []).map((a, i) => ({
      name: a.name,
      group: a.group ?? alertGroup,
      expr: a.expr.trim(),
      ...(a.for ? { for: a.for } : {}),
      ...(a.keep_firing_for ? { keepFiringFor: a.keep_firing_for } : {}),
      severity: a.severity,
      summary: a.summary,
      description: a.description,
      ...(a.runbook ? { runbook: a.runbook } : {}),
      labels: a.labels ?? {},
      ...(a.note ? { note: a.note } : {}),
      path: ['alerts', i],
    }))),
      ...(raw.alerting?.overflow_alert === false ? [] : [overflowAlert(raw.namespace, alertGroup, raw.alerting?.severities ?? DEFAULT_SEVERITIES)]),
    ],
    runtimeMetrics: runtimeMetrics(raw.namespace, collectors.values()),
    recordingRules: dense((raw.recording_rules ?? []).map((r, i) => ({
      record: r.record,
      expr: r.expr.trim(),
      group: r.group ?? `${raw.namespace}_recording_rules`,
      labels: r.labels ?? {},
      path: ['recording_rules', i],
    }))),
    slos: dense((raw.slos ?? []).map((s, i) => ({
      name: s.name,
      description: s.description,
      objective: s.objective,
      window: s.window ?? '30d',
      service: s.service ?? raw.services[0]!.name,
      sli: 'errors' in s.sli ? { kind: 'ratio', errors: s.sli.errors, total: s.sli.total } : { kind: 'latency', histogram: s.sli.histogram, le: s.sli.le, ...(s.sli.matchers ? { matchers: s.sli.matchers } : {}) },
      path: ['slos', i],
    }))),
    dashboards: dense((raw.dashboards ?? []).map((d, i) => ({
      id: d.id,
      title: d.title,
      ...(d.description ? { description: d.description } : {}),
      panels: d.panels.map((p, j) => ({
        title: p.title,
        expr: p.expr.trim(),
        ...(p.description ? { description: p.description } : {}),
        type: p.type ?? 'timeseries',
        ...(p.unit ? { unit: p.unit } : {}),
        ...(p.legend ? { legend: p.legend } : {}),
        ...(p.note ? { note: p.note } : {}),
        ...(p.optional ? { optional: true } : {}),
        path: ['dashboards', i, 'panels', j],
      })),
      path: ['dashboards', i],
    }))),
    alertmanager: {
      ...(raw.alertmanager?.webhook_url ? { webhookUrl: raw.alertmanager.webhook_url } : {}),
      ...(raw.alertmanager?.receiver ?? raw.alertmanager?.receivers?.[0] ? { defaultReceiver: raw.alertmanager?.receiver ?? raw.alertmanager!.receivers![0]!.name } : {}),
      receivers: raw.alertmanager?.receivers ?? [],
      routes: (raw.alertmanager?.routes ?? []).map((r) => ({ receiver: r.receiver, ...(r.severity ? { severity: r.severity } : {}), ...(r.team ? { team: r.team } : {}), continue: r.continue ?? false })),
      // namespace and service keep two catalogs' alerts with one name in separate notifications.
      groupBy: raw.alertmanager?.group_by ?? ['alertname', 'namespace', 'service', 'severity'],
      groupWait: raw.alertmanager?.group_wait ?? '30s',
      groupInterval: raw.alertmanager?.group_interval ?? '5m',
      repeatInterval: raw.alertmanager?.repeat_interval ?? '4h',
    },
    stack: {
      bind: raw.stack?.bind ?? '127.0.0.1',
      prometheus: component(raw.stack?.prometheus, 9090, DEFAULT_IMAGES.prometheus, DEFAULT_RESOURCES.prometheus),
      alertmanager: component(raw.stack?.alertmanager, 9093, DEFAULT_IMAGES.alertmanager, DEFAULT_RESOURCES.alertmanager),
      grafana: component(raw.stack?.grafana, 3000, DEFAULT_IMAGES.grafana, DEFAULT_RESOURCES.grafana),
    },
    topology: buildTopology(raw.topology),
    kubernetes: {
      namespace: raw.kubernetes?.namespace ?? 'monitoring',
      release: raw.kubernetes?.release ?? 'kube-prometheus-stack',
      dashboardLabel: raw.kubernetes?.dashboard_label ?? 'grafana_dashboard',
      dashboardFolder: raw.kubernetes?.dashboard_folder ?? raw.title ?? raw.namespace,
      // kube-prometheus-stack provisions its Prometheus datasource with uid "prometheus".
      datasourceUid: raw.kubernetes?.datasource_uid ?? 'prometheus',
      commonLabels: raw.kubernetes?.common_labels ?? {},
    },
  };
}

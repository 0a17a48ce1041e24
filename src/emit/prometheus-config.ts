// prometheus/prometheus.yml: one file for every runtime. Targets live in file_sd files beside it, written per
// runtime (targets/ for the native runtime's defaults, compose-targets/ mounted over it in Compose).
import type { Catalog, Service } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { jsonArtifact, yamlArtifact } from './artifact.js';
import { ALERTS_FILE, RECORDING_FILE } from './rules.js';
import { fileName } from './escape.js';
import type { PrometheusInstance, Topology } from '../model/topology.js';
import { HASH_LABEL, globalView, prometheusInstances, alertmanagerPeers } from '../model/topology.js';

export const TARGETS_DIR = 'targets';
export const COMPOSE_TARGETS_DIR = 'compose-targets';
export const ALERTMANAGER_TARGETS = 'alertmanager.json';
export const PROMETHEUS_TARGETS = 'prometheus.json';

export function serviceTargetsFile(s: Service): string {
  return `${fileName(s.name)}.json`;
}

/** Where the i-th copy of a component listens by the catalog's ports: 1000 ports up per copy, clear of the others. */
export const copyPort = (base: number, i: number): number => base + 1000 * i;

/** The generated config file of one Prometheus: prometheus/prometheus.yml alone, prometheus/<name>.yml per server of a topology. */
export const prometheusConfigFile = (i: Pick<PrometheusInstance, 'name'>): string => `prometheus/${i.name}.yml`;

/** The keep rule of a shard: hashmod over the target's address, as prometheus-operator shards. */
export function shardRelabeling(t: Topology, shard: number): unknown[] {
  if (t.shards === 1) return [];
  return [
    { source_labels: ['__address__'], modulus: t.shards, target_label: HASH_LABEL, action: 'hashmod' },
    { source_labels: [HASH_LABEL], regex: String(shard), action: 'keep' },
  ];
}

/** The store's write endpoint on one runtime's host name and port. */
export const storeWriteUrl = (host: string, port: number): string => `http://${host}:${port}/api/v1/write`;

/**
 * remote_write of one Prometheus: the store (its replica label dropped, so VictoriaMetrics sees one series per
 * replica pair and deduplicates their samples), then the catalog's further targets as declared.
 */
export function remoteWrite(t: Topology, storeUrl: string | undefined): unknown[] {
  const view = globalView(t);
  return [
    ...(view && storeUrl
      ? [{ name: 'store', url: storeUrl, ...(t.replicas > 1 ? { write_relabel_configs: [{ action: 'labeldrop', regex: t.replicaLabel }] } : {}), ...(view.queue ? { queue_config: view.queue } : {}) }]
      : []),
    ...t.remoteWrite.map((r) => ({ ...(r.name ? { name: r.name } : {}), url: r.url, ...(r.queue ? { queue_config: r.queue } : {}) })),
  ];
}

export function prometheusConfig(catalog: Catalog, instance: PrometheusInstance = prometheusInstances(catalog.topology)[0]!, storeUrl?: string): unknown {
  const t = catalog.topology;
  const sharding = shardRelabeling(t, instance.shard);
  const writes = remoteWrite(t, storeUrl ?? (globalView(t) ? storeWriteUrl('127.0.0.1', globalView(t)!.port) : undefined));
  return {
    global: {
      scrape_interval: catalog.scrapeInterval,
      scrape_timeout: catalog.scrapeTimeout,
      evaluation_interval: catalog.evaluationInterval,
      external_labels: { monitor: catalog.namespace, ...instance.externalLabels },
    },
    rule_files: [ALERTS_FILE, RECORDING_FILE].map((f) => f.replace(/^prometheus\//, '')),
    alerting: {
      // Both replicas fire the same alerts: without their replica label Alertmanager sees one alert, not two.
      ...(t.replicas > 1 ? { alert_relabel_configs: [{ action: 'labeldrop', regex: t.replicaLabel }] } : {}),
      alertmanagers: [{ file_sd_configs: [{ files: [`${TARGETS_DIR}/${ALERTMANAGER_TARGETS}`] }] }],
    },
    scrape_configs: [
      { job_name: 'prometheus', file_sd_configs: [{ files: [`${TARGETS_DIR}/${PROMETHEUS_TARGETS}`] }], ...(sharding.length ? { relabel_configs: sharding } : {}) },
      ...catalog.services.map((s) => ({
        job_name: s.name,
        scrape_interval: s.interval,
        scrape_timeout: s.timeout,
        metrics_path: s.path,
        scheme: s.scheme,
        file_sd_configs: [{ files: [`${TARGETS_DIR}/${serviceTargetsFile(s)}`] }],
        ...(sharding.length ? { relabel_configs: sharding } : {}),
      })),
    ],
    ...(writes.length ? { remote_write: writes } : {}),
  };
}

/** file_sd target lists: [{targets: ["host:port"], labels: {}}]. */
export function targetGroups(targets: string[], labels: Record<string, string> = {}): unknown {
  return [{ targets, labels }];
}

export function emitPrometheusConfig(catalog: Catalog): Artifact[] {
  const instances = prometheusInstances(catalog.topology);
  const out: Artifact[] = instances.map((i) => yamlArtifact(prometheusConfigFile(i), catalog.file, prometheusConfig(catalog, i)));
  for (const s of catalog.services) {
    out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${serviceTargetsFile(s)}`, targetGroups([`${s.host}:${s.port}`])));
    out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${serviceTargetsFile(s)}`, targetGroups([`${s.name}:${s.port}`])));
  }
  const peers = alertmanagerPeers(catalog.topology);
  out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${PROMETHEUS_TARGETS}`, targetGroups(instances.map((_, i) => `127.0.0.1:${copyPort(catalog.stack.prometheus.port, i)}`))));
  out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${PROMETHEUS_TARGETS}`, targetGroups(instances.length === 1 ? ['localhost:9090'] : instances.map((i) => `${i.name}:9090`))));
  out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${ALERTMANAGER_TARGETS}`, targetGroups(peers.map((_, i) => `127.0.0.1:${copyPort(catalog.stack.alertmanager.port, i)}`))));
  out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${ALERTMANAGER_TARGETS}`, targetGroups(peers.map((p) => `${p}:9093`))));
  return out;
}

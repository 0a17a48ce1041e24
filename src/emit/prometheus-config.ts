// prometheus/prometheus.yml: one file for every runtime. Targets live in file_sd files beside it, written per
// runtime (targets/ for the native runtime's defaults, compose-targets/ mounted over it in Compose).
import type { Catalog, Service } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { jsonArtifact, yamlArtifact } from './artifact.js';
import { ALERTS_FILE, RECORDING_FILE } from './rules.js';
import { fileName } from './escape.js';

export const TARGETS_DIR = 'targets';
export const COMPOSE_TARGETS_DIR = 'compose-targets';
export const ALERTMANAGER_TARGETS = 'alertmanager.json';
export const PROMETHEUS_TARGETS = 'prometheus.json';

export function serviceTargetsFile(s: Service): string {
  return `${fileName(s.name)}.json`;
}

export function prometheusConfig(catalog: Catalog): unknown {
  return {
    global: {
      scrape_interval: catalog.scrapeInterval,
      scrape_timeout: catalog.scrapeTimeout,
      evaluation_interval: catalog.evaluationInterval,
      external_labels: { monitor: catalog.namespace },
    },
    rule_files: [ALERTS_FILE, RECORDING_FILE].map((f) => f.replace(/^prometheus\//, '')),
    alerting: { alertmanagers: [{ file_sd_configs: [{ files: [`${TARGETS_DIR}/${ALERTMANAGER_TARGETS}`] }] }] },
    scrape_configs: [
      { job_name: 'prometheus', file_sd_configs: [{ files: [`${TARGETS_DIR}/${PROMETHEUS_TARGETS}`] }] },
      ...catalog.services.map((s) => ({
        job_name: s.name,
        scrape_interval: s.interval,
        scrape_timeout: s.timeout,
        metrics_path: s.path,
        scheme: s.scheme,
        file_sd_configs: [{ files: [`${TARGETS_DIR}/${serviceTargetsFile(s)}`] }],
      })),
    ],
  };
}

/** file_sd target lists: [{targets: ["host:port"], labels: {}}]. */
export function targetGroups(targets: string[], labels: Record<string, string> = {}): unknown {
  return [{ targets, labels }];
}

export function emitPrometheusConfig(catalog: Catalog): Artifact[] {
  const out: Artifact[] = [yamlArtifact('prometheus/prometheus.yml', catalog.file, prometheusConfig(catalog))];
  for (const s of catalog.services) {
    out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${serviceTargetsFile(s)}`, targetGroups([`${s.host}:${s.port}`])));
    out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${serviceTargetsFile(s)}`, targetGroups([`${s.name}:${s.port}`])));
  }
  out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${PROMETHEUS_TARGETS}`, targetGroups([`127.0.0.1:${catalog.stack.prometheus.port}`])));
  out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${PROMETHEUS_TARGETS}`, targetGroups(['localhost:9090'])));
  out.push(jsonArtifact(`prometheus/${TARGETS_DIR}/${ALERTMANAGER_TARGETS}`, targetGroups([`127.0.0.1:${catalog.stack.alertmanager.port}`])));
  out.push(jsonArtifact(`prometheus/${COMPOSE_TARGETS_DIR}/${ALERTMANAGER_TARGETS}`, targetGroups([`alertmanager:9093`])));
  return out;
}

// Grafana provisioning: the Prometheus datasource every panel points at, and the dashboard provider.
// Runtime-specific values come from environment variables that Grafana expands in provisioning files.
import type { Catalog } from '../../model/catalog.js';
import type { Artifact } from '../artifact.js';
import { yamlArtifact } from '../artifact.js';
import { envExpandedText } from '../escape.js';
import { datasourceUid } from './layout.js';

export const GRAFANA_ENV = {
  prometheusUrl: 'DEVSKYY_MON_PROMETHEUS_URL',
  dashboardsDir: 'DEVSKYY_MON_DASHBOARDS_DIR',
} as const;

export function emitGrafanaProvisioning(catalog: Catalog): Artifact[] {
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: envExpandedText(`${catalog.title} Prometheus`),
        type: 'prometheus',
        uid: datasourceUid(catalog),
        access: 'proxy',
        url: `\${${GRAFANA_ENV.prometheusUrl}}`,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: catalog.scrapeInterval, httpMethod: 'POST' },
      },
    ],
  };
  const providers = {
    apiVersion: 1,
    providers: [
      {
        name: envExpandedText(catalog.namespace),
        folder: envExpandedText(catalog.title),
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: `\${${GRAFANA_ENV.dashboardsDir}}`, foldersFromFilesStructure: false },
      },
    ],
  };
  return [
    yamlArtifact('grafana/provisioning/datasources/prometheus.yml', catalog.file, datasources),
    yamlArtifact('grafana/provisioning/dashboards/provider.yml', catalog.file, providers),
  ];
}

// The pure middle of the pipeline: a validated catalog in, the list of files to write out.
import type { Catalog } from './model/catalog.js';
import type { Artifact } from './emit/artifact.js';
import { emitMetricsDoc } from './emit/metrics-doc.js';
import { emitRules } from './emit/rules.js';
import { emitRuleTests } from './emit/rule-tests.js';
import { emitPrometheusConfig } from './emit/prometheus-config.js';
import { emitAlertmanager } from './emit/alertmanager.js';
import { emitDashboards } from './emit/grafana/dashboards.js';
import { emitGrafanaProvisioning } from './emit/grafana/provisioning.js';
import { emitCompose } from './emit/compose.js';
import { emitExporter } from './emit/exporter.js';

export type Target = 'compose' | 'kubernetes';

export interface GenerateOptions {
  target?: Target;
}

export type Emitter = (catalog: Catalog) => Artifact[];

/** Emitters per target, in output order; each owns its own files. */
export async function emitters(target: Target): Promise<Emitter[]> {
  // The Kubernetes target writes only its own folder; the exporter and docs come with the default target.
  // Its schema models are heavy, so they load only for it.
  if (target === 'kubernetes') return [(await import('./emit/kubernetes.js')).emitKubernetes];
  return [emitMetricsDoc, emitExporter, emitRules, emitRuleTests, emitDashboards, emitPrometheusConfig, emitAlertmanager, emitGrafanaProvisioning, emitCompose];
}

export async function generate(catalog: Catalog, options: GenerateOptions = {}): Promise<Artifact[]> {
  const artifacts = (await emitters(options.target ?? 'compose')).flatMap((emit) => emit(catalog));
  return artifacts.sort((a, b) => a.path.localeCompare(b.path));
}

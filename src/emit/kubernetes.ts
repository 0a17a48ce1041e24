// --target kubernetes: the same rules, scrape jobs, routing and dashboards as prometheus-operator objects
// (kube-prometheus-stack), validated against the operator's CRD schemas before anything is written.
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { ConfigMap } from 'kubernetes-models/v1';
import type { Catalog, Service } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { yamlArtifact } from './artifact.js';
import type { AlertRouting, AlertmanagerReceiver } from './alertmanager.js';
import { alertRouting } from './alertmanager.js';
import type { PromRuleGroup } from './rule-types.js';
import { dashboardJson } from './grafana/dashboards.js';
import { dashboardPlans } from './grafana/layout.js';
import { alertRuleFile, recordingRuleFile } from './rules.js';
import { KubernetesTargetError } from './kubernetes-error.js';
import { globalViewDatasourceUid, topologyObjects } from './kubernetes-topology.js';
import { globalView, isSingle } from '../model/topology.js';

export const K8S_DIR = 'kubernetes';
/** A ConfigMap's data is capped at 1 MiB by the API server. */
export const CONFIGMAP_LIMIT = 1024 * 1024;

export { KubernetesTargetError };

/** DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63. */
export function dns1123(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!n) throw new KubernetesTargetError(`"${name}" gives an empty Kubernetes name`);
  if (n.length > 63) throw new KubernetesTargetError(`Kubernetes name "${n}" (from "${name}") is longer than 63 characters`);
  return n;
}

function checkLabels(labels: Record<string, string>, where: string): void {
  for (const [k, v] of Object.entries(labels)) {
    const name = k.includes('/') ? k.split('/')[1]! : k;
    if (name.length > 63 || !/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name)) throw new KubernetesTargetError(`${where}: label key "${k}" is not a valid Kubernetes label name`);
    if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) throw new KubernetesTargetError(`${where}: label value "${v}" for ${k} is not a valid Kubernetes label value (63 characters, alphanumerics, '-', '_', '.')`);
  }
}

function validated<T extends { validate(): void; toJSON(): unknown }>(obj: T, what: string): unknown {
  try {
    obj.validate();
  } catch (err) {
    throw new KubernetesTargetError(`${what} does not validate against the prometheus-operator schema: ${(err as Error).message}`);
  }
  return obj.toJSON();
}

function monitor(catalog: Catalog, s: Service, labels: Record<string, string>): { file: string; object: unknown } {
  const name = dns1123(`${catalog.namespace}-${s.name}`);
  // The job label keeps the catalog's service name, so alerts and dashboards match the compose target.
  const endpoint = {
    port: 'metrics',
    path: s.path,
    interval: s.interval,
    scrapeTimeout: s.timeout,
    scheme: s.scheme,
    relabelings: [{ action: 'replace' as const, targetLabel: 'job', replacement: s.name }],
  };
  const metadata = { name, labels };
  const selector = { matchLabels: { 'app.kubernetes.io/name': s.name } };
  if (s.monitor === 'PodMonitor') {
    return { file: `pod-monitor-${dns1123(s.name)}.yaml`, object: validated(new PodMonitor({ metadata, spec: { selector, namespaceSelector: { any: true }, podMetricsEndpoints: [endpoint] } }), `PodMonitor ${name}`) };
  }
  return { file: `service-monitor-${dns1123(s.name)}.yaml`, object: validated(new ServiceMonitor({ metadata, spec: { selector, namespaceSelector: { any: true }, endpoints: [endpoint] } }), `ServiceMonitor ${name}`) };
}

/** Alerting rules with namespace=<the PrometheusRule's namespace>, as the operator's enforcedNamespaceLabel would set it. */
export function alertsInNamespace(groups: PromRuleGroup[], namespace: string): PromRuleGroup[] {
  return groups.map((g) => ({ ...g, rules: g.rules.map((rule) => ('alert' in rule ? { ...rule, labels: { ...rule.labels, namespace } } : rule)) }));
}

type AmcSpec = NonNullable<ConstructorParameters<typeof AlertmanagerConfig>[0]>['spec'];
type AmcReceiver = NonNullable<NonNullable<AmcSpec>['receivers']>[number];

/** Where a secret the catalog names by file lives in Kubernetes: a key (the file's base name) of one Secret. */
export function secretRef(secretName: string, file: string): { name: string; key: string } {
  return { name: secretName, key: file.split('/').pop()! };
}

function k8sReceiver(r: AlertmanagerReceiver, secretName: string): AmcReceiver {
  const ref = (file: string) => secretRef(secretName, file);
  return {
    name: r.name,
    ...(r.slack_configs ? { slackConfigs: r.slack_configs.map((c) => ({ apiURL: ref(c.api_url_file), channel: c.channel, sendResolved: c.send_resolved, title: c.title, text: c.text })) } : {}),
    ...(r.pagerduty_configs ? { pagerdutyConfigs: r.pagerduty_configs.map((c) => ({ routingKey: ref(c.routing_key_file), sendResolved: c.send_resolved, severity: c.severity, description: c.description })) } : {}),
    ...(r.email_configs
      ? {
          emailConfigs: r.email_configs.map((c) => ({
            to: c.to,
            from: c.from,
            smarthost: c.smarthost,
            ...(c.auth_username !== undefined ? { authUsername: c.auth_username } : {}),
            ...(c.auth_password_file !== undefined ? { authPassword: ref(c.auth_password_file) } : {}),
            ...(c.require_tls !== undefined ? { requireTLS: c.require_tls } : {}),
            sendResolved: c.send_resolved,
          })),
        }
      : {}),
    ...(r.opsgenie_configs ? { opsgenieConfigs: r.opsgenie_configs.map((c) => ({ apiKey: ref(c.api_key_file), ...(c.api_url ? { apiURL: c.api_url } : {}), sendResolved: c.send_resolved, message: c.message, priority: c.priority })) } : {}),
    ...(r.webhook_configs
      ? { webhookConfigs: r.webhook_configs.map((c) => ({ url: c.url, sendResolved: c.send_resolved, ...(c.http_config ? { httpConfig: { authorization: { type: 'Bearer', credentials: ref(c.http_config.authorization.credentials_file) } } } : {}) })) }
      : {}),
  };
}

/** The routing model as an AlertmanagerConfig spec; secrets come from the Secret secretName, never inline. */
export function alertmanagerConfigSpec(r: AlertRouting, secretName: string): AmcSpec {
  const eq = (m: Record<string, string>) => Object.entries(m).map(([name, value]) => ({ name, value, matchType: '=' as const }));
  return {
    route: {
      receiver: r.defaultReceiver,
      groupBy: r.groupBy,
      groupWait: r.groupWait,
      groupInterval: r.groupInterval,
      repeatInterval: r.repeatInterval,
      routes: r.routes.map((x) => ({
        receiver: x.receiver,
        matchers: eq(x.match),
        ...(x.continue ? { continue: true } : {}),
        ...(x.groupWait ? { groupWait: x.groupWait } : {}),
        ...(x.repeatInterval ? { repeatInterval: x.repeatInterval } : {}),
      })),
    },
    receivers: r.receivers.map((x) => k8sReceiver(x, secretName)),
    inhibitRules: r.inhibit.map((i) => ({ sourceMatch: eq(i.source), targetMatch: eq(i.target), equal: i.equal })),
  };
}

export function emitKubernetes(catalog: Catalog): Artifact[] {
  const k = catalog.kubernetes;
  const ns = catalog.namespace;
  const labels: Record<string, string> = {
    'app.kubernetes.io/part-of': dns1123(ns),
    'app.kubernetes.io/managed-by': 'devskyy-mon',
    release: k.release,
    ...k.commonLabels,
  };
  checkLabels(labels, 'kubernetes.common_labels');
  dns1123(k.namespace);
  const files: { file: string; object: unknown }[] = [];

  // The very same rule groups as alerts.yml and recording_rules.yml, but each alert labelled with the namespace the
  // AlertmanagerConfig lives in: the operator's default matcher strategy (OnNamespace) routes only those alerts.
  const groups = [...alertsInNamespace(alertRuleFile(catalog).groups, k.namespace), ...recordingRuleFile(catalog).groups];
  const ruleName = dns1123(`${ns}-rules`);
  files.push({ file: 'prometheus-rule.yaml', object: validated(new PrometheusRule({ metadata: { name: ruleName, labels }, spec: { groups } }), `PrometheusRule ${ruleName}`) });

  for (const s of catalog.services) files.push(monitor(catalog, s, labels));
  // A topology: the operator's Prometheus (replicas, shards, remoteWrite, Thanos) and Alertmanager (replicas) objects.
  if (!isSingle(catalog.topology)) files.push(...topologyObjects(catalog, labels, dns1123, validated));

  const r = alertRouting(catalog);
  const amName = dns1123(`${ns}-alerting`);
  const secretName = dns1123(`${ns}-alertmanager-secrets`);
  files.push({ file: 'alertmanager-config.yaml', object: validated(new AlertmanagerConfig({ metadata: { name: amName, labels }, spec: alertmanagerConfigSpec(r, secretName) }), `AlertmanagerConfig ${amName}`) });

  for (const plan of dashboardPlans(catalog)) {
    // The datasource variable defaults to kube-prometheus-stack's Prometheus (uid "prometheus" unless declared).
    // With a global view in the cluster, dashboards default to it: one datasource that sees every shard, deduplicated.
    const json = JSON.stringify(dashboardJson(catalog, plan, globalView(catalog.topology) ? globalViewDatasourceUid(catalog, dns1123) : k.datasourceUid));
    const bytes = Buffer.byteLength(json);
    if (bytes > CONFIGMAP_LIMIT - 4096) {
      throw new KubernetesTargetError(`dashboard "${plan.title}" is ${bytes} bytes; a ConfigMap holds at most 1 MiB. Move some of its metrics to another category (one dashboard per category) or shorten it`);
    }
    const key = plan.file.split('/').pop()!;
    const name = dns1123(`${ns}-dashboard-${key.replace(/\.json$/, '')}`);
    const dashLabels = { ...labels, [k.dashboardLabel]: '1' };
    checkLabels(dashLabels, `ConfigMap ${name}`);
    files.push({
      file: `dashboards/${key.replace(/\.json$/, '.yaml')}`,
      object: validated(new ConfigMap({ metadata: { name, labels: dashLabels, annotations: { grafana_folder: k.dashboardFolder } }, data: { [key]: json } }), `ConfigMap ${name}`),
    });
  }

  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: k.namespace,
    labels: [{ pairs: labels, includeSelectors: false }],
    resources: files.map((f) => f.file),
  };
  return [...files.map((f) => yamlArtifact(`${K8S_DIR}/${f.file}`, catalog.file, f.object)), yamlArtifact(`${K8S_DIR}/kustomization.yaml`, catalog.file, kustomization)];
}

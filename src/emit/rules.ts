// prometheus/alerts.yml and prometheus/recording_rules.yml from the catalog's alerts, recording rules and SLOs.
import type { Alert, Catalog, Slo } from '../model/catalog.js';
import { componentUrl } from '../model/catalog.js';
import { sloDashboardRef } from './grafana/layout.js';
import type { Artifact } from './artifact.js';
import { yamlArtifact } from './artifact.js';
import type { PromAlertRule, PromRecordRule, PromRuleFile, PromRuleGroup } from './rule-types.js';
import { sloAlerts, sloRecordingRules } from './slo-rules.js';
import { alertPanelLinks } from './grafana/links.js';
import { goTemplateText } from './escape.js';

export const ALERTS_FILE = 'prometheus/alerts.yml';
export const RECORDING_FILE = 'prometheus/recording_rules.yml';

function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}

function alertRule(catalog: Catalog, a: Alert, links: ReturnType<typeof alertPanelLinks>): PromAlertRule {
  const runbook = a.runbook ?? (catalog.alerting.runbookBaseUrl ? `${catalog.alerting.runbookBaseUrl.replace(/\/$/, '')}/${encodeURIComponent(kebab(a.name))}` : undefined);
  const link = links.get(a.name);
  return {
    alert: a.name,
    expr: a.expr,
    ...(a.for ? { for: a.for } : {}),
    ...(a.keepFiringFor ? { keep_firing_for: a.keepFiringFor } : {}),
    // namespace and service tell this catalog's alerts from another's in a shared Prometheus; the catalog's own labels win.
    labels: sortedRecord({ namespace: catalog.namespace, service: catalog.services[0]!.name, ...a.labels, severity: a.severity }),
    annotations: {
      summary: a.summary,
      description: a.description,
      ...(runbook ? { runbook_url: goTemplateText(runbook) } : {}),
      ...(link ? { dashboard_uid: link.uid, panel_id: String(link.panelId), dashboard_url: link.url } : {}),
    },
  };
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

function grouped<T>(items: readonly T[], groupOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) out.set(groupOf(it), [...(out.get(groupOf(it)) ?? []), it]);
  return out;
}

/** The alerting rule file as a typed object: the catalog's groups, then one group of SLO burn-rate alerts. */
export function alertRuleFile(catalog: Catalog): PromRuleFile {
  const links = alertPanelLinks(catalog);
  const groups: PromRuleGroup[] = [...grouped(catalog.alerts, (a) => a.group)].map(([name, alerts]) => ({
    name,
    ...(catalog.alerting.interval && name === catalog.alerting.group ? { interval: catalog.alerting.interval } : {}),
    rules: alerts.map((a) => alertRule(catalog, a, links)),
  }));
  if (catalog.slos.length) {
    const runbookBase = catalog.alerting.runbookBaseUrl;
    const dashboardUrl = (s: Slo) => {
      const d = sloDashboardRef(catalog, s);
      return `${componentUrl(catalog, 'grafana')}/d/${d.uid}/${d.slug}`;
    };
    groups.push({ name: `${catalog.namespace}_slo_alerts`, rules: catalog.slos.flatMap((s) => sloAlerts(catalog, s, { ...(runbookBase ? { runbookBase } : {}), dashboardUrl: dashboardUrl(s) })) });
  }
  return { groups };
}

export function recordingRuleFile(catalog: Catalog): PromRuleFile {
  const groups: PromRuleGroup[] = [...grouped(catalog.recordingRules, (r) => r.group)].map(([name, rules]) => ({
    name,
    rules: rules.map((r): PromRecordRule => ({ record: r.record, expr: r.expr, ...(Object.keys(r.labels).length ? { labels: sortedRecord(r.labels) } : {}) })),
  }));
  // One group per SLO: its rules depend on each other in order, and a group evaluates sequentially.
  for (const s of catalog.slos) groups.push({ name: `${catalog.namespace}_${s.service}_slo_${s.name}`, rules: sloRecordingRules(catalog, s) });
  return { groups };
}

export function emitRules(catalog: Catalog): Artifact[] {
  return [yamlArtifact(ALERTS_FILE, catalog.file, alertRuleFile(catalog)), yamlArtifact(RECORDING_FILE, catalog.file, recordingRuleFile(catalog))];
}

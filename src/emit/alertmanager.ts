// Alert routing from the catalog, as one model: alertmanager.yml and the Kubernetes AlertmanagerConfig both render it.
import type { Catalog } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { yamlArtifact } from './artifact.js';

/**
 * The verification alert: the native runtime's copy of the Prometheus config loads a rule that always fires it,
 * and the generated routing sends it, by this label, to a receiver without integrations, so `verify` proves the
 * path Prometheus -> Alertmanager without notifying anyone (a "watchdog" alert in other stacks' terms).
 */
export const VERIFY_ALERT = 'DevskyyMonVerify';
export const VERIFY_LABEL = 'devskyy_mon_verify';
export const VERIFY_LABEL_VALUE = 'pipeline';
export const VERIFY_RECEIVER = 'devskyy-mon-verify';

export interface AlertRouting {
  receiver: { name: string; webhookUrl?: string };
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  routes: { severity: string; groupWait?: string; repeatInterval?: string }[];
  inhibit: { sourceSeverity: string; targetSeverity: string; equal: string[] }[];
}

/** A route per severity, one receiver (webhook or null), the first severity inhibiting the others. */
export function alertRouting(catalog: Catalog): AlertRouting {
  const am = catalog.alertmanager;
  const severities = catalog.alerting.severities;
  return {
    receiver: am.webhookUrl ? { name: 'webhook', webhookUrl: am.webhookUrl } : { name: 'null' },
    groupBy: [...am.groupBy],
    groupWait: am.groupWait,
    groupInterval: am.groupInterval,
    repeatInterval: am.repeatInterval,
    // Criticals page sooner and repeat more often than the rest.
    routes: severities.map((s, i) => ({ severity: s, ...(i === 0 ? { groupWait: '10s', repeatInterval: '1h' } : {}) })),
    inhibit: severities.slice(1).map((lower) => ({ sourceSeverity: severities[0]!, targetSeverity: lower, equal: ['alertname'] })),
  };
}

export function alertmanagerConfig(catalog: Catalog): unknown {
  const r = alertRouting(catalog);
  return {
    route: {
      receiver: r.receiver.name,
      group_by: r.groupBy,
      group_wait: r.groupWait,
      group_interval: r.groupInterval,
      repeat_interval: r.repeatInterval,
      routes: [
        // First, and without `continue`: the verification alert never reaches the catalog's receiver.
        { receiver: VERIFY_RECEIVER, matchers: [`${VERIFY_LABEL}="${VERIFY_LABEL_VALUE}"`] },
        ...r.routes.map((x) => ({
        receiver: r.receiver.name,
        matchers: [`severity="${x.severity}"`],
        ...(x.groupWait ? { group_wait: x.groupWait } : {}),
        ...(x.repeatInterval ? { repeat_interval: x.repeatInterval } : {}),
        })),
      ],
    },
    inhibit_rules: r.inhibit.map((i) => ({ source_matchers: [`severity="${i.sourceSeverity}"`], target_matchers: [`severity="${i.targetSeverity}"`], equal: i.equal })),
    receivers: [r.receiver.webhookUrl ? { name: r.receiver.name, webhook_configs: [{ url: r.receiver.webhookUrl, send_resolved: true }] } : { name: r.receiver.name }, { name: VERIFY_RECEIVER }],
  };
}

export function emitAlertmanager(catalog: Catalog): Artifact[] {
  return [yamlArtifact('alertmanager/alertmanager.yml', catalog.file, alertmanagerConfig(catalog))];
}

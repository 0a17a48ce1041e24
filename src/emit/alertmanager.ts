// Alert routing from the catalog, as one model: alertmanager.yml and the Kubernetes AlertmanagerConfig both render it.
import type { Catalog, Receiver } from '../model/catalog.js';
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

/**
 * verify's notification drill in a stack past one Prometheus (the native runtime adds it to its copies): a scrape job
 * whose one target is an endpoint in the verify process, an alert that fires while it is up (its `drill` label names
 * the round), and a route of that alert to a webhook receiver verify serves, so it counts the notifications.
 */
export const NOTIFY_LABEL_VALUE = 'notify';
export const NOTIFY_RECEIVER = 'devskyy-mon-verify-webhook';
export const DRILL_JOB = 'devskyy-mon-verify';
export const DRILL_TARGETS = 'verify.json';
export const DRILL_ALERT = 'DevskyyMonVerifyNotify';
export const DRILL_LABEL = 'drill';

export interface RoutingRoute {
  receiver: string;
  /** Label name → value, all of which the alert must carry. */
  match: Record<string, string>;
  continue?: boolean;
  groupWait?: string;
  repeatInterval?: string;
}

export interface InhibitRule {
  source: Record<string, string>;
  target: Record<string, string>;
  equal: string[];
}

export interface AlertRouting {
  /** The receivers in Alertmanager's own shape (snake_case), secrets as *_file paths only. */
  receivers: AlertmanagerReceiver[];
  defaultReceiver: string;
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  routes: RoutingRoute[];
  inhibit: InhibitRule[];
}

export interface AlertmanagerReceiver {
  name: string;
  slack_configs?: { api_url_file: string; channel: string; send_resolved: boolean; title: string; text: string }[];
  pagerduty_configs?: { routing_key_file: string; send_resolved: boolean; severity: string; description: string }[];
  email_configs?: { to: string; from: string; smarthost: string; auth_username?: string; auth_password_file?: string; require_tls?: boolean; send_resolved: boolean }[];
  opsgenie_configs?: { api_key_file: string; api_url?: string; send_resolved: boolean; message: string; priority: string }[];
  webhook_configs?: { url: string; send_resolved: boolean; http_config?: { authorization: { type: 'Bearer'; credentials_file: string } } }[];
}

/** The labels every generated alert carries that say what it is about: related alerts agree on these. */
export const ALERT_IDENTITY = ['namespace', 'service', 'slo'] as const;

const SUMMARY = '{{ .CommonAnnotations.summary }}';
const TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})';

/** One catalog receiver in Alertmanager's configuration: secrets stay in the files the catalog names. */
export function amReceiver(r: Receiver): AlertmanagerReceiver {
  if ('slack' in r) return { name: r.name, slack_configs: [{ api_url_file: r.slack.api_url_file, channel: r.slack.channel, send_resolved: r.slack.send_resolved ?? true, title: TITLE, text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}' }] };
  if ('pagerduty' in r) return { name: r.name, pagerduty_configs: [{ routing_key_file: r.pagerduty.routing_key_file, send_resolved: r.pagerduty.send_resolved ?? true, severity: '{{ .CommonLabels.severity }}', description: SUMMARY }] };
  if ('email' in r) {
    const e = r.email;
    return {
      name: r.name,
      email_configs: [
        {
          to: e.to,
          from: e.from,
          smarthost: e.smarthost,
          ...(e.auth_username !== undefined ? { auth_username: e.auth_username } : {}),
          ...(e.auth_password_file !== undefined ? { auth_password_file: e.auth_password_file } : {}),
          ...(e.require_tls !== undefined ? { require_tls: e.require_tls } : {}),
          send_resolved: e.send_resolved ?? true,
        },
      ],
    };
  }
  if ('opsgenie' in r) {
    // Opsgenie priorities P1 (critical) .. P5: criticals page as P1, the rest as P3.
    return { name: r.name, opsgenie_configs: [{ api_key_file: r.opsgenie.api_key_file, ...(r.opsgenie.api_url ? { api_url: r.opsgenie.api_url } : {}), send_resolved: r.opsgenie.send_resolved ?? true, message: SUMMARY, priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}' }] };
  }
  const w = r.webhook;
  return { name: r.name, webhook_configs: [{ url: w.url, send_resolved: w.send_resolved ?? true, ...(w.bearer_token_file ? { http_config: { authorization: { type: 'Bearer' as const, credentials_file: w.bearer_token_file } } } : {}) }] };
}

/** The files Alertmanager reads secrets from (the catalog's *_file paths), each once, in order: what a container must be given. */
export function receiverSecretFiles(receivers: readonly AlertmanagerReceiver[]): string[] {
  const files = receivers.flatMap((r) => [
    ...(r.slack_configs ?? []).map((c) => c.api_url_file),
    ...(r.pagerduty_configs ?? []).map((c) => c.routing_key_file),
    ...(r.email_configs ?? []).flatMap((c) => (c.auth_password_file ? [c.auth_password_file] : [])),
    ...(r.opsgenie_configs ?? []).map((c) => c.api_key_file),
    ...(r.webhook_configs ?? []).flatMap((c) => (c.http_config ? [c.http_config.authorization.credentials_file] : [])),
  ]);
  return [...new Set(files)];
}

function receiversOf(catalog: Catalog): { receivers: AlertmanagerReceiver[]; defaultReceiver: string } {
  const am = catalog.alertmanager;
  if (am.receivers.length) return { receivers: am.receivers.map(amReceiver), defaultReceiver: am.defaultReceiver ?? am.receivers[0]!.name };
  if (am.webhookUrl) return { receivers: [{ name: 'webhook', webhook_configs: [{ url: am.webhookUrl, send_resolved: true }] }], defaultReceiver: 'webhook' };
  return { receivers: [{ name: 'null' }], defaultReceiver: 'null' };
}

/**
 * The catalog's routes (by severity and/or team label) first, then one route per severity to the default receiver;
 * criticals wait less and repeat more often. Inhibition follows what relates alerts: a fast SLO burn mutes the slow
 * burn of the same SLO, and a higher severity mutes lower ones about the same service and SLO.
 */
export function alertRouting(catalog: Catalog): AlertRouting {
  const am = catalog.alertmanager;
  const severities = catalog.alerting.severities;
  const top = severities[0]!;
  const urgent = (severity: string | undefined) => (severity === top ? { groupWait: '10s', repeatInterval: '1h' } : {});
  const { receivers, defaultReceiver } = receiversOf(catalog);
  const declared: RoutingRoute[] = am.routes.map((r) => ({
    receiver: r.receiver,
    match: { ...(r.severity ? { severity: r.severity } : {}), ...(r.team ? { team: r.team } : {}) },
    ...(r.continue ? { continue: true } : {}),
    ...urgent(r.severity),
  }));
  const identity = [...ALERT_IDENTITY];
  return {
    receivers,
    defaultReceiver,
    groupBy: [...am.groupBy],
    groupWait: am.groupWait,
    groupInterval: am.groupInterval,
    repeatInterval: am.repeatInterval,
    routes: [...declared, ...severities.map((s) => ({ receiver: defaultReceiver, match: { severity: s }, ...urgent(s) }))],
    inhibit: [
      { source: { burn: 'fast' }, target: { burn: 'slow' }, equal: identity },
      ...severities.flatMap((higher, i) => severities.slice(i + 1).map((lower) => ({ source: { severity: higher }, target: { severity: lower }, equal: identity }))),
    ],
  };
}

const matchers = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${JSON.stringify(v)}`);

export function alertmanagerConfig(catalog: Catalog): unknown {
  const r = alertRouting(catalog);
  return {
    route: {
      receiver: r.defaultReceiver,
      group_by: r.groupBy,
      group_wait: r.groupWait,
      group_interval: r.groupInterval,
      repeat_interval: r.repeatInterval,
      routes: [
        // First, and without `continue`: the verification alert never reaches the catalog's receivers.
        { receiver: VERIFY_RECEIVER, matchers: [`${VERIFY_LABEL}="${VERIFY_LABEL_VALUE}"`] },
        ...r.routes.map((x) => ({
          receiver: x.receiver,
          matchers: matchers(x.match),
          ...(x.continue ? { continue: true } : {}),
        ...(x.groupWait ? { group_wait: x.groupWait } : {}),
        ...(x.repeatInterval ? { repeat_interval: x.repeatInterval } : {}),
        })),
      ],
    },
    inhibit_rules: r.inhibit.map((i) => ({ source_matchers: matchers(i.source), target_matchers: matchers(i.target), equal: i.equal })),
    receivers: [...r.receivers, { name: VERIFY_RECEIVER }],
  };
}

export function emitAlertmanager(catalog: Catalog): Artifact[] {
  return [yamlArtifact('alertmanager/alertmanager.yml', catalog.file, alertmanagerConfig(catalog))];
}

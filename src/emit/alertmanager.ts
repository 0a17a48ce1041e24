// alertmanager/alertmanager.yml: a route per severity, one receiver (webhook or null), criticals inhibit warnings.
import type { Catalog } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { yamlArtifact } from './artifact.js';

export function alertmanagerConfig(catalog: Catalog): unknown {
  const am = catalog.alertmanager;
  const receiver = am.webhookUrl ? 'webhook' : 'null';
  const severities = catalog.alerting.severities;
  return {
    route: {
      receiver,
      group_by: [...am.groupBy],
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval,
      routes: severities.map((s) => ({
        receiver,
        matchers: [`severity="${s}"`],
        // Criticals page sooner and repeat more often than the rest.
        ...(s === severities[0] ? { group_wait: '10s', repeat_interval: '1h' } : {}),
      })),
    },
    inhibit_rules: severities.slice(1).map((lower) => ({
      source_matchers: [`severity="${severities[0]}"`],
      target_matchers: [`severity="${lower}"`],
      equal: ['alertname'],
    })),
    receivers: [am.webhookUrl ? { name: 'webhook', webhook_configs: [{ url: am.webhookUrl, send_resolved: true }] } : { name: 'null' }],
  };
}

export function emitAlertmanager(catalog: Catalog): Artifact[] {
  return [yamlArtifact('alertmanager/alertmanager.yml', catalog.file, alertmanagerConfig(catalog))];
}

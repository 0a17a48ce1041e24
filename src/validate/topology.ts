// The topology section's rules the schema cannot express: label names that would break deduplication, ports
// that collide, remote_write URLs Prometheus cannot send to.
import type { RawCatalog } from '../model/raw.js';
import { SHARD_LABEL } from '../model/topology.js';
import { TARGET_LABELS } from '../promql/series-index.js';
import { LABEL_NAME } from './names.js';
import type { Report } from './semantic.js';

export function checkTopology(raw: RawCatalog, report: Report): void {
  const t = raw.topology;
  if (!t) return;
  const replicaLabel = t.prometheus?.replica_label;
  if (replicaLabel !== undefined) {
    const at = ['topology', 'prometheus', 'replica_label'];
    const catalogLabels = Object.entries(raw.labels ?? {}).map(([id, l]) => l.name ?? id);
    if (!LABEL_NAME.test(replicaLabel) || replicaLabel.startsWith('__')) report('topology/replica-label', `"${replicaLabel}" is not a label name Prometheus can use as an external label`, at);
    else if (replicaLabel === SHARD_LABEL || replicaLabel === 'monitor' || TARGET_LABELS.includes(replicaLabel)) report('topology/replica-label', `"${replicaLabel}" is already a label of every series or alert of the stack (${[SHARD_LABEL, 'monitor', ...TARGET_LABELS].join(', ')}); the replicas could not be told apart`, at);
    else if (catalogLabels.includes(replicaLabel)) report('topology/replica-label', `"${replicaLabel}" is a label of the catalog's metrics: Prometheus adds an external label only to series without it, so replicas would not be told apart and dropping it would merge the metric's series`, at, { hint: 'choose another name, e.g. prometheus_replica' });
  }
  const store = t.store;
  if (store?.port !== undefined) {
    for (const c of ['prometheus', 'alertmanager', 'grafana'] as const) {
      const port = raw.stack?.[c]?.port ?? { prometheus: 9090, alertmanager: 9093, grafana: 3000 }[c];
      if (port === store.port) report('topology/store-port', `port ${store.port} is ${c}'s port too`, ['topology', 'store', 'port']);
    }
  }
  (t.remote_write ?? []).forEach((r, i) => {
    if (!/^https?:\/\//i.test(r.url)) report('topology/remote-write-url', `remote_write url "${r.url}" must be an http or https URL`, ['topology', 'remote_write', i, 'url']);
  });
  const seen = new Set<string>(['store']);
  (t.remote_write ?? []).forEach((r, i) => {
    if (r.name === undefined) return;
    if (seen.has(r.name)) report('topology/remote-write-name', r.name === 'store' ? 'remote_write name "store" is the store\'s own queue' : `remote_write name "${r.name}" is used twice`, ['topology', 'remote_write', i, 'name']);
    seen.add(r.name);
  });
}

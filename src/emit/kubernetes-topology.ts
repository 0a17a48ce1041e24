// --target kubernetes for a stack past one Prometheus: prometheus-operator's own Prometheus and Alertmanager objects
// carry the topology (replicas, shards, remoteWrite, the Thanos sidecar; Alertmanager replicas gossip by
// themselves), and VictoriaMetrics runs as a StatefulSet behind a Service when it is the store.
import { Alertmanager, Prometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { toYaml } from './yaml-out.js';
import { envExpandedText } from './escape.js';
import type { Catalog } from '../model/catalog.js';
import type { QueueConfig } from '../model/topology.js';
import { STORE_COMPONENT, globalView } from '../model/topology.js';

type Validated = <T extends { validate(): void; toJSON(): unknown }>(obj: T, what: string) => unknown;

/** remote_write's queue_config in the operator's camelCase. */
function queueConfig(q: QueueConfig | undefined) {
  if (!q) return undefined;
  return {
    ...(q.capacity !== undefined ? { capacity: q.capacity } : {}),
    ...(q.max_shards !== undefined ? { maxShards: q.max_shards } : {}),
    ...(q.min_shards !== undefined ? { minShards: q.min_shards } : {}),
    ...(q.max_samples_per_send !== undefined ? { maxSamplesPerSend: q.max_samples_per_send } : {}),
    ...(q.batch_send_deadline !== undefined ? { batchSendDeadline: q.batch_send_deadline } : {}),
    ...(q.min_backoff !== undefined ? { minBackoff: q.min_backoff } : {}),
    ...(q.max_backoff !== undefined ? { maxBackoff: q.max_backoff } : {}),
  };
}

/** The uid of the Grafana datasource for the in-cluster global view, which the dashboards default to. */
export const globalViewDatasourceUid = (c: Catalog, dns: (n: string) => string): string => dns(`${c.namespace}-global-view`);

/** The Secret (key objstore.yml) the Thanos sidecar reads its object storage from: the cluster's, never generated. */
export const thanosObjstoreSecret = (c: Catalog, dns: (n: string) => string) => ({ name: dns(`${c.namespace}-thanos-objstore`), key: 'objstore.yml' });

export function topologyObjects(catalog: Catalog, labels: Record<string, string>, dns: (n: string) => string, validated: Validated): { file: string; object: unknown }[] {
  const t = catalog.topology;
  const k = catalog.kubernetes;
  const view = globalView(t);
  const name = dns(catalog.namespace);
  const storeName = dns(`${catalog.namespace}-${STORE_COMPONENT}`);
  const amName = dns(`${catalog.namespace}-alertmanager`);
  const selector = { matchLabels: { release: k.release } };
  const out: { file: string; object: unknown }[] = [];
  const remoteWrite = [
    ...(view
      ? [{ name: 'store', url: `http://${storeName}.${k.namespace}.svc:8428/api/v1/write`, ...(t.replicas > 1 ? { writeRelabelConfigs: [{ action: 'labeldrop' as const, regex: t.replicaLabel }] } : {}), ...(view.queue ? { queueConfig: queueConfig(view.queue) } : {}) }]
      : []),
    ...t.remoteWrite.map((r) => ({ ...(r.name ? { name: r.name } : {}), url: r.url, ...(r.queue ? { queueConfig: queueConfig(r.queue) } : {}) })),
  ];
  const prometheus = new Prometheus({
    metadata: { name, labels },
    spec: {
      replicas: t.replicas,
      shards: t.shards,
      // The operator adds this label per replica and drops it from alerts, as the native runtime does.
      replicaExternalLabelName: t.replicaLabel,
      externalLabels: { monitor: catalog.namespace },
      scrapeInterval: catalog.scrapeInterval,
      evaluationInterval: catalog.evaluationInterval,
      serviceMonitorSelector: selector,
      podMonitorSelector: selector,
      ruleSelector: selector,
      alerting: { alertmanagers: [{ namespace: k.namespace, name: 'alertmanager-operated', port: 'web' }] },
      ...(remoteWrite.length ? { remoteWrite } : {}),
      ...(t.store?.engine === 'thanos' ? { thanos: { image: t.store.image, objectStorageConfig: thanosObjstoreSecret(catalog, dns) } } : {}),
    },
  });
  out.push({ file: 'prometheus.yaml', object: validated(prometheus, `Prometheus ${name}`) });
  const alertmanager = new Alertmanager({
    metadata: { name: amName, labels },
    spec: { replicas: t.alertmanagerPeers, alertmanagerConfigSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'devskyy-mon' } } },
  });
  out.push({ file: 'alertmanager.yaml', object: validated(alertmanager, `Alertmanager ${amName}`) });
  if (view) {
    const podLabels = { 'app.kubernetes.io/name': STORE_COMPONENT, 'app.kubernetes.io/instance': storeName };
    const set = new StatefulSet({
      metadata: { name: storeName, labels },
      spec: {
        serviceName: storeName,
        replicas: 1,
        selector: { matchLabels: podLabels },
        template: {
          metadata: { labels: podLabels },
          spec: {
            containers: [
              {
                name: STORE_COMPONENT,
                image: view.image,
                args: ['-storageDataPath=/storage', '-httpListenAddr=:8428', `-retentionPeriod=${view.retention}`, `-dedup.minScrapeInterval=${catalog.scrapeInterval}`],
                ports: [{ name: 'http', containerPort: 8428 }],
                readinessProbe: { httpGet: { path: '/health', port: 'http' } },
                volumeMounts: [{ name: 'storage', mountPath: '/storage' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'storage' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    });
    out.push({ file: 'victoriametrics-statefulset.yaml', object: validated(set, `StatefulSet ${storeName}`) });
    const svc = new Service({ metadata: { name: storeName, labels }, spec: { selector: podLabels, ports: [{ name: 'http', port: 8428, targetPort: 'http' }] } });
    out.push({ file: 'victoriametrics-service.yaml', object: validated(svc, `Service ${storeName}`) });
    // Grafana's datasource sidecar (kube-prometheus-stack: label grafana_datasource) provisions the global view.
    const dsName = dns(`${catalog.namespace}-global-view-datasource`);
    const datasource = { apiVersion: 1, datasources: [{ name: envExpandedText(`${catalog.title} global view`), type: 'prometheus', uid: globalViewDatasourceUid(catalog, dns), access: 'proxy', url: `http://${storeName}.${k.namespace}.svc:8428`, jsonData: { timeInterval: catalog.scrapeInterval } }] };
    const cm = new ConfigMap({ metadata: { name: dsName, labels: { ...labels, grafana_datasource: '1' } }, data: { 'global-view.yaml': toYaml(datasource) } });
    out.push({ file: 'grafana-datasource-global-view.yaml', object: validated(cm, `ConfigMap ${dsName}`) });
  }
  return out;
}

// How big the stack is: Prometheus replicas x scrape shards, Alertmanager peers, remote_write targets and a
// long-term store. Every emitter, `up` and `verify` derive their components from these helpers, so the names
// and labels of a replica or a shard are the same in prometheus.yml, Compose, Kubernetes and the native runtime.
import type { RawQueueConfig, RawTopology } from './raw.js';

export type QueueConfig = RawQueueConfig;

export interface RemoteWriteTarget {
  name?: string;
  url: string;
  queue?: QueueConfig;
}

export interface Store {
  engine: 'victoriametrics' | 'thanos';
  retention: string;
  port: number;
  image: string;
  queue?: QueueConfig;
}

export interface Topology {
  replicas: number;
  /** External label whose value tells replicas apart. */
  replicaLabel: string;
  shards: number;
  alertmanagerPeers: number;
  remoteWrite: readonly RemoteWriteTarget[];
  store?: Store;
}

/** External label whose value is the shard's index (prometheus-operator's name for it too). */
export const SHARD_LABEL = 'shard';
/** The hashmod result label the shard's keep rule reads (prometheus-operator's name). */
export const HASH_LABEL = '__tmp_hash';
export const DEFAULT_STORE_IMAGES = { victoriametrics: 'victoriametrics/victoria-metrics:v1.79.5', thanos: 'quay.io/thanos/thanos:v0.36.1' } as const;
export const STORE_COMPONENT = 'victoriametrics';

export function buildTopology(raw: RawTopology | undefined): Topology {
  const store = raw?.store;
  return {
    replicas: raw?.prometheus?.replicas ?? 1,
    replicaLabel: raw?.prometheus?.replica_label ?? 'replica',
    shards: raw?.prometheus?.shards ?? 1,
    alertmanagerPeers: raw?.alertmanager?.peers ?? 1,
    remoteWrite: (raw?.remote_write ?? []).map((r) => ({ ...(r.name ? { name: r.name } : {}), url: r.url, ...(r.queue ? { queue: r.queue } : {}) })),
    ...(store
      ? { store: { engine: store.engine, retention: store.retention ?? '30d', port: store.port ?? 8428, image: store.image ?? DEFAULT_STORE_IMAGES[store.engine], ...(store.queue ? { queue: store.queue } : {}) } }
      : {}),
  };
}

/** True for today's single stack: one Prometheus, one Alertmanager, nothing written remotely. */
export const isSingle = (t: Topology): boolean => t.replicas === 1 && t.shards === 1 && t.alertmanagerPeers === 1 && !t.store && !t.remoteWrite.length;

/** One Prometheus server of the topology. */
export interface PrometheusInstance {
  /** Component name: `prometheus` in a single-server stack, else `prometheus-<shard>-<replica>`. */
  name: string;
  shard: number;
  replica: number;
  /** Its external labels beyond the catalog's: replica and shard (none for a single server). */
  externalLabels: Record<string, string>;
}

export function prometheusInstances(t: Topology): PrometheusInstance[] {
  const one = t.replicas === 1 && t.shards === 1;
  const out: PrometheusInstance[] = [];
  for (let shard = 0; shard < t.shards; shard++) {
    for (let replica = 0; replica < t.replicas; replica++) {
      out.push({
        name: one ? 'prometheus' : `prometheus-${shard}-${replica}`,
        shard,
        replica,
        externalLabels: { ...(t.replicas > 1 ? { [t.replicaLabel]: String(replica) } : {}), ...(t.shards > 1 ? { [SHARD_LABEL]: String(shard) } : {}) },
      });
    }
  }
  return out;
}

/** Alertmanager component names: `alertmanager` alone, else `alertmanager-<i>` for each peer. */
export const alertmanagerPeers = (t: Topology): string[] => (t.alertmanagerPeers === 1 ? ['alertmanager'] : Array.from({ length: t.alertmanagerPeers }, (_, i) => `alertmanager-${i}`));

/** Whether the store is also the stack's global query view here (VictoriaMetrics; Thanos needs a Querier we do not run). */
export const globalView = (t: Topology): Store | undefined => (t.store?.engine === 'victoriametrics' ? t.store : undefined);

// The parts of a native stack a topology adds: Alertmanager peers joined into one gossip cluster, VictoriaMetrics
// as store and global view, and the runtime's copy of alertmanager.yml that routes verify's notification drill
// to the webhook receiver `verify` runs on 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../emit/yaml-out.js';
import type { Catalog } from '../model/catalog.js';
import type { Topology } from '../model/topology.js';
import { isSingle } from '../model/topology.js';
import { DRILL_ALERT, DRILL_JOB, DRILL_LABEL, NOTIFY_LABEL_VALUE, NOTIFY_RECEIVER, VERIFY_LABEL } from '../emit/alertmanager.js';
export { DRILL_JOB, DRILL_TARGETS } from '../emit/alertmanager.js';
import { parseDuration } from '../util/duration.js';

/** Whether the native runtime runs the topology parts (drill target, webhook receiver, cluster flags). */
export const hasTopology = (c: Catalog): boolean => !isSingle(c.topology);

/**
 * How long an Alertmanager peer waits per position before it notifies what an earlier peer should have: the time
 * a duplicate notification could still arrive after the first is (peers - 1) times this.
 */
export const peerTimeout = (fast: boolean): string => (fast ? '3s' : '15s');

/** Flags of peer `index` of the cluster: listen and advertise on loopback (0.25 refuses to guess a private address), join every other peer. */
export function clusterArgs(index: number, clusterPorts: readonly number[], fast: boolean): string[] {
  const own = clusterPorts[index]!;
  if (clusterPorts.length === 1) return ['--cluster.listen-address='];
  return [
    `--cluster.listen-address=127.0.0.1:${own}`,
    `--cluster.advertise-address=127.0.0.1:${own}`,
    ...clusterPorts.filter((_, i) => i !== index).map((p) => `--cluster.peer=127.0.0.1:${p}`),
    `--cluster.peer-timeout=${peerTimeout(fast)}`,
    // Loopback: no need for the WAN-tuned defaults before a dead peer is noticed.
    '--cluster.probe-interval=500ms',
    '--cluster.gossip-interval=100ms',
  ];
}

/** VictoriaMetrics single-node: deduplicates samples one scrape interval apart, so the replicas' copies count once. */
export function victoriaMetricsArgs(t: Topology, dataDir: string, port: number, scrapeInterval: string): string[] {
  const retentionHours = Math.max(24, Math.ceil((parseDuration(t.store?.retention ?? '30d') ?? 2_592_000) / 3600));
  return [
    `-storageDataPath=${dataDir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    `-retentionPeriod=${retentionHours}h`,
    `-dedup.minScrapeInterval=${scrapeInterval}`,
    // Queries see samples one interval old, not the default 30 s: the global view answers like a Prometheus.
    `-search.latencyOffset=${scrapeInterval}`,
  ];
}

/** The drill's alert rule: fires while verify's drill target is scraped; the `drill` label comes from the target. */
export function drillRule(): { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    alert: DRILL_ALERT,
    expr: `up{job="${DRILL_JOB}"} == 1`,
    labels: { [VERIFY_LABEL]: NOTIFY_LABEL_VALUE },
    annotations: { summary: 'Fires while devskyy-mon verify runs its notification drill; routed to the webhook receiver verify itself runs.' },
  };
}

interface AmConfig {
  route: { routes?: Record<string, unknown>[] };
  receivers: Record<string, unknown>[];
}

/**
 * The runtime's copy of alertmanager.yml: the generated one plus, first, a route of the drill alerts to verify's
 * webhook (one notification per drill round, never repeated or resolved within a run).
 */
export async function alertmanagerCopy(generatedDir: string, webhookPort: number): Promise<string> {
  const cfg = parse(await readFile(join(generatedDir, 'alertmanager', 'alertmanager.yml'), 'utf8')) as AmConfig;
  cfg.route.routes = [
    { receiver: NOTIFY_RECEIVER, matchers: [`${VERIFY_LABEL}="${NOTIFY_LABEL_VALUE}"`], group_by: ['alertname', DRILL_LABEL], group_wait: '0s', group_interval: '1h', repeat_interval: '24h' },
    ...(cfg.route.routes ?? []),
  ];
  cfg.receivers = [...cfg.receivers, { name: NOTIFY_RECEIVER, webhook_configs: [{ url: `http://127.0.0.1:${webhookPort}/notify`, send_resolved: false }] }];
  return `# devskyy-mon native runtime copy, with the route of verify's notification drill\n${toYaml(cfg)}`;
}

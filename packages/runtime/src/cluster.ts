// Multi-process: Node cluster workers' metrics combined on the primary, per metric as the catalog says.
//
// The primary asks every worker for its series (a message over the cluster IPC channel) and merges them:
// counters and histograms add up; gauges combine by their catalog `aggregate` (sum, max, min, first, omit);
// summaries merge their quantile sketches, so a quantile is one of all workers' observations together. Metrics
// the runtime does not own (an application's prom-client metrics) are combined by prom-client's own
// AggregatorRegistry.aggregate. Collectors with `scope: shared` run in the primary only.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import * as client from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Exporter } from './exporter.js';
import { formatFamilies, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, wantsOpenMetrics } from './exposition.js';
import type { AnyFamily, FamilySnapshot, SeriesSnapshot } from './families.js';
import { CounterFamily, Family, GaugeFamily, HistogramFamily, SummaryFamily } from './families.js';
import { LabelGuard } from './label-guard.js';
import type { MetricSpec } from './spec.js';
import type { MetricsServerOptions } from './http.js';
import { startMetricsServer } from './http.js';

const ASK = 'devskyy-mon:cluster:collect';
const ANSWER = 'devskyy-mon:cluster:collected';

interface Ask {
  type: typeof ASK;
  id: number;
}

interface Answer {
  type: typeof ANSWER;
  id: number;
  families: FamilySnapshot[];
  foreign: MetricObjectWithValues<MetricValue<string>>[];
  error?: string;
}

const exporters = new Set<Exporter<object>>();
let listening = false;

/** In a worker: answers the primary's requests with every exporter's series and the registries' other metrics. */
export function answerPrimary(exporter: Exporter<object>): void {
  exporters.add(exporter);
  if (listening) return;
  listening = true;
  process.on('message', (msg: unknown) => {
    if (!msg || typeof msg !== 'object' || (msg as Ask).type !== ASK) return;
    const id = (msg as Ask).id;
    void (async (): Promise<Answer> => {
      const families: FamilySnapshot[] = [];
      const foreign: MetricObjectWithValues<MetricValue<string>>[] = [];
      const registries = new Set<client.Registry>();
      for (const e of exporters) {
        // Collector-fed families apply their latest run first.
        await Promise.all(e.families().map((f) => f.collect?.()));
        families.push(...e.snapshot());
        registries.add(e.registry);
      }
      for (const r of registries) {
        for (const m of r.getMetricsAsArray() as unknown as { get(): Promise<MetricObjectWithValues<MetricValue<string>>> }[]) if (!(m instanceof Family)) foreign.push(await m.get());
      }
      return { type: ANSWER, id, families, foreign };
    })()
      .catch((err: unknown): Answer => ({ type: ANSWER, id, families: [], foreign: [], error: String(err) }))
      .then((answer) => process.send?.(answer));
  });
}

/** A family of the same kind as `f`, empty, to merge workers' series into. */
function emptyLike(f: AnyFamily): AnyFamily {
  const spec = f.spec;
  const labels = spec.type === 'enum' ? [{ name: spec.name, values: spec.states ?? [] }] : spec.labels;
  const guard = new LabelGuard(labels, () => undefined);
  if (f instanceof CounterFamily) return new CounterFamily(spec, guard);
  if (f instanceof HistogramFamily) return new HistogramFamily(spec, guard);
  if (f instanceof SummaryFamily) return new SummaryFamily(spec, guard);
  return new GaugeFamily(spec, guard);
}

/** Workers' series of one family merged into `into`, per the family's kind and aggregate. */
function merge(into: AnyFamily, spec: MetricSpec, all: readonly SeriesSnapshot[]): void {
  if (into instanceof HistogramFamily || into instanceof SummaryFamily) {
    for (const s of all) into.absorb(s);
    return;
  }
  const how = into instanceof CounterFamily ? 'sum' : spec.aggregate;
  const seen = new Map<string, number>();
  for (const s of all) {
    const key = JSON.stringify(s.labels);
    const v = s.value ?? 0;
    const before = seen.get(key);
    const next = before === undefined ? v : how === 'sum' ? before + v : how === 'max' ? Math.max(before, v) : how === 'min' ? Math.min(before, v) : before;
    seen.set(key, next);
    into.put(s.labels, next);
  }
}

export interface ClusterOptions extends MetricsServerOptions {
  /** How long the primary waits for each worker's answer, in milliseconds. Default 5000; a worker that does not answer is left out of that scrape. */
  workerTimeoutMs?: number;
}

let nextId = 0;

/** Asks every live worker for its series; resolves with the answers that came within the timeout. */
function askWorkers(timeoutMs: number): Promise<Answer[]> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is NonNullable<typeof w> => !!w && w.isConnected());
  const id = nextId++;
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<Answer | undefined>((resolve) => {
          const done = (a: Answer | undefined) => {
            clearTimeout(timer);
            w.off('message', onMessage);
            w.off('exit', onExit);
            resolve(a);
          };
          const onMessage = (m: unknown) => {
            if (m && typeof m === 'object' && (m as Answer).type === ANSWER && (m as Answer).id === id) done(m as Answer);
          };
          const onExit = () => done(undefined);
          const timer = setTimeout(() => done(undefined), timeoutMs);
          w.on('message', onMessage);
          w.on('exit', onExit);
          w.send({ type: ASK, id } satisfies Ask);
        }),
    ),
  ).then((answers) => answers.filter((a): a is Answer => !!a && !a.error));
}

/** The cluster's combined exposition, in the format the Accept header prefers. */
export async function clusterExposition(exporter: Exporter<object>, accept: string, timeoutMs = 5000): Promise<{ contentType: string; body: string }> {
  const answers = await askWorkers(timeoutMs);
  const byName = new Map<string, SeriesSnapshot[]>();
  for (const a of answers) for (const f of a.families) byName.set(f.name, [...(byName.get(f.name) ?? []), ...f.series]);
  // Shared collectors run here: their families come from the primary's own exporter, and so do their series of
  // the collector bookkeeping families (workers report only the collectors they run).
  const shared = new Set(exporter.spec.collectors.filter((c) => c.scope === 'shared').map((c) => c.id));
  await Promise.all(exporter.families().map((f) => (f.spec.collector && shared.has(f.spec.collector) ? f.collect?.() : undefined)));
  const ns = exporter.spec.namespace;
  for (const name of [`${ns}_scrape_collector_success`, `${ns}_scrape_collector_errors_total`, `${ns}_scrape_collector_duration_seconds`]) {
    const own = exporter.families().find((f) => f.name === name);
    const mine = own?.snapshot().series.filter((s) => shared.has(s.labels['collector'] ?? '')) ?? [];
    if (mine.length) byName.set(name, [...(byName.get(name) ?? []), ...mine]);
  }
  const json: MetricObjectWithValues<MetricValue<string>>[] = [];
  for (const f of exporter.families()) {
    if (f.spec.collector && shared.has(f.spec.collector)) {
      json.push(await f.get());
      continue;
    }
    if (f.aggregator === 'omit' && !(f instanceof SummaryFamily)) continue;
    const merged = emptyLike(f);
    merge(merged, f.spec, byName.get(f.name) ?? []);
    json.push(await merged.get());
  }
  const foreign = answers.map((a) => a.foreign);
  if (foreign.some((x) => x.length)) json.push(...(await client.AggregatorRegistry.aggregate(foreign).getMetricsAsJSON()));
  const om = wantsOpenMetrics(accept);
  return { contentType: om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, body: formatFamilies(json, om, exporter.kinds) };
}

/**
 * In the primary: serves the metrics path with every worker's metrics combined (text or OpenMetrics, as the
 * scraper asks). In a worker: undefined; workers answer the primary's requests.
 */
export function startClusterMetricsServer(exporter: Exporter<object>, opts: ClusterOptions = {}): Promise<Server> | undefined {
  if (!cluster.isPrimary) return undefined;
  return startMetricsServer(exporter, { ...opts, exposition: (accept) => clusterExposition(exporter, accept, opts.workerTimeoutMs) });
}

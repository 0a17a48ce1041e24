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
  /**
   * How long the primary waits for each worker's answer, in milliseconds. Default 5000. A worker that does not
   * answer in time (or answers with an error) is represented by its last answer, so sums do not dip.
   */
  workerTimeoutMs?: number;
  /**
   * Called when a live worker stops answering (once per answered -> missing change, with its cluster worker id).
   * Default: a Node process warning with code `DEVSKYY_MON_CLUSTER_WORKER_MISSING`.
   */
  onWorkerMissing?: (workerId: number, reason: string) => void;
}

const warnMissing = (workerId: number, reason: string): void =>
  process.emitWarning(`cluster worker ${workerId} did not answer the metrics request (${reason}); its last answer is served`, { code: 'DEVSKYY_MON_CLUSTER_WORKER_MISSING' });

let nextId = 0;

/** One live worker's answer to one request, or why there is none. */
type Reply = { workerId: number; answer: Answer } | { workerId: number; missing: string };

/** Asks every live worker for its series; resolves with each worker's answer or the reason it gave none. */
function askWorkers(timeoutMs: number): Promise<Reply[]> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is NonNullable<typeof w> => !!w && w.isConnected());
  const id = nextId++;
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<Reply>((resolve) => {
          const done = (r: Reply) => {
            clearTimeout(timer);
            w.off('message', onMessage);
            w.off('exit', onExit);
            resolve(r);
          };
          const onMessage = (m: unknown) => {
            if (!m || typeof m !== 'object' || (m as Answer).type !== ANSWER || (m as Answer).id !== id) return;
            const a = m as Answer;
            done(a.error === undefined ? { workerId: w.id, answer: a } : { workerId: w.id, missing: `error: ${a.error}` });
          };
          const onExit = () => done({ workerId: w.id, missing: 'exited' });
          const timer = setTimeout(() => done({ workerId: w.id, missing: `no answer within ${timeoutMs} ms` }), timeoutMs);
          w.on('message', onMessage);
          w.on('exit', onExit);
          w.send({ type: ASK, id } satisfies Ask);
        }),
    ),
  );
}

/**
 * What the primary remembers between scrapes, so the combined counters stay monotonic (a dip reads as a counter
 * reset to rate() and increase(), which then count the whole remaining total as new).
 * - `last`: each live worker's latest answer, served again while the worker does not answer.
 * - `retired`: the counter and histogram series of workers that exited, summed per label set, kept for the
 *   primary's lifetime (gauges and summary windows of a dead worker describe nothing any more and are dropped).
 */
class ClusterMemory {
  private readonly last = new Map<number, Answer>();
  private readonly missing = new Set<number>();
  private readonly retired = new Map<string, Map<string, SeriesSnapshot>>();

  constructor(
    private readonly cumulative: ReadonlySet<string>,
    private readonly onMissing: (workerId: number, reason: string) => void,
  ) {}

  /** The answers to serve for this scrape: fresh ones, and the last one of each worker that gave none. */
  answers(replies: readonly Reply[]): Answer[] {
    const out: Answer[] = [];
    for (const r of replies) {
      if ('answer' in r) {
        this.last.set(r.workerId, r.answer);
        this.missing.delete(r.workerId);
        out.push(r.answer);
        continue;
      }
      if (r.missing === 'exited') continue; // retire() takes its last answer
      if (!this.missing.has(r.workerId)) {
        this.missing.add(r.workerId);
        this.onMissing(r.workerId, r.missing);
      }
      const last = this.last.get(r.workerId);
      if (last) out.push(last);
    }
    return out;
  }

  /** A worker exited: its counters and histograms join the retired totals. */
  retire(workerId: number): void {
    const last = this.last.get(workerId);
    this.last.delete(workerId);
    this.missing.delete(workerId);
    if (!last) return;
    for (const f of last.families) {
      if (!this.cumulative.has(f.name)) continue;
      let byLabels = this.retired.get(f.name);
      if (!byLabels) this.retired.set(f.name, (byLabels = new Map()));
      for (const s of f.series) {
        const key = JSON.stringify(s.labels);
        byLabels.set(key, addCumulative(byLabels.get(key), s));
      }
    }
  }

  /** The retired series of one family, to merge with the live workers'. */
  retiredSeries(name: string): SeriesSnapshot[] {
    return [...(this.retired.get(name)?.values() ?? [])];
  }
}

/** Two snapshots of one counter or histogram series added up (value, or bucket counts, sum and count). */
function addCumulative(a: SeriesSnapshot | undefined, b: SeriesSnapshot): SeriesSnapshot {
  if (!a) return { ...b, ...(b.counts ? { counts: [...b.counts] } : {}) };
  const add = (x: number | undefined, y: number | undefined) => (x === undefined && y === undefined ? {} : { v: (x ?? 0) + (y ?? 0) });
  const buckets = Math.max(a.counts?.length ?? 0, b.counts?.length ?? 0);
  const value = add(a.value, b.value);
  const sum = add(a.sum, b.sum);
  const count = add(a.count, b.count);
  return {
    labels: a.labels,
    ...('v' in value ? { value: value.v } : {}),
    ...(buckets ? { counts: Array.from({ length: buckets }, (_, i) => (a.counts?.[i] ?? 0) + (b.counts?.[i] ?? 0)) } : {}),
    ...('v' in sum ? { sum: sum.v } : {}),
    ...('v' in count ? { count: count.v } : {}),
  };
}

const memories = new WeakMap<Exporter<object>, ClusterMemory>();

/** The primary's memory for this exporter, listening for worker exits from its first use on. */
function memoryOf(exporter: Exporter<object>, onMissing: (workerId: number, reason: string) => void): ClusterMemory {
  let m = memories.get(exporter);
  if (m) return m;
  const cumulative = new Set(exporter.families().filter((f) => f instanceof CounterFamily || f instanceof HistogramFamily).map((f) => f.name));
  m = new ClusterMemory(cumulative, onMissing);
  memories.set(exporter, m);
  const memory = m;
  cluster.on('exit', (w) => memory.retire(w.id));
  return memory;
}

/** The cluster's combined exposition, in the format the Accept header prefers. */
export async function clusterExposition(exporter: Exporter<object>, accept: string, timeoutMs = 5000, onWorkerMissing: (workerId: number, reason: string) => void = warnMissing): Promise<{ contentType: string; body: string }> {
  const memory = memoryOf(exporter, onWorkerMissing);
  const answers = memory.answers(await askWorkers(timeoutMs));
  const byName = new Map<string, SeriesSnapshot[]>();
  for (const f of exporter.families()) {
    const retired = memory.retiredSeries(f.name);
    if (retired.length) byName.set(f.name, retired);
  }
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
  memoryOf(exporter, opts.onWorkerMissing ?? warnMissing); // from now on, a worker's exit keeps its counts
  return startMetricsServer(exporter, { ...opts, exposition: (accept) => clusterExposition(exporter, accept, opts.workerTimeoutMs, opts.onWorkerMissing) });
}

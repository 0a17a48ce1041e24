// Metric families: the runtime's own series storage. Each family is keyed by the label guard's series key and
// renders its own sample lines. It also takes part in prom-client's public API (a Registry's registerMetric,
// metrics(), getMetricsAsJSON(), resetMetrics(), AggregatorRegistry) through get() and reset(), so a registry
// that mixes these with an application's own prom-client metrics keeps working, and registry.metrics() writes
// exactly the bytes the runtime's own renderer writes.
import cluster from 'node:cluster';
import type { Aggregator, MetricObjectWithValues, MetricValue, MetricValueWithName } from 'prom-client';
import type { LabelSet, SeriesKey } from './label-guard.js';
import { LabelGuard } from './label-guard.js';
import type { SketchData } from './quantiles.js';
import { QuantileWindow } from './quantiles.js';
import type { MetricSpec } from './spec.js';

/** prom-client's text writer: NaN is spelt "Nan" there (Prometheus reads any case), "NaN" in OpenMetrics. */
export function formatValue(v: number, nan = 'Nan'): string {
  return v === v ? (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`) : nan;
}

/** Text-format escaping of names and HELP: backslash and line feed (the format's only line end). */
export function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values (and OpenMetrics HELP) also escape double quotes. */
export function escapeLabel(v: string): string {
  return escapeText(v).replace(/"/g, '\\"');
}

/** `a="x",b="y"` for a label object, in its key order (prom-client's formatLabels). */
export function labelText(labels: Readonly<Record<string, string | number>>): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(String(labels[k]))}"`);
  // join() makes one flat string: a series keeps it for its lifetime, and a tree of concatenations costs more.
  return parts.join(',');
}

/**
 * One series, kept lean: its key (the label guard gives its labels back from it), its labels as exposition text
 * (escaped once, when the series is made), and its values. Lines are written afresh on each scrape that needs
 * them: keeping them would cost about the exposition's size again in heap for every format.
 */
interface Series {
  readonly key: SeriesKey;
  /** `a="x",b="y"`, escaped. */
  readonly labelText: string;
}

interface ScalarSeries extends Series {
  value: number;
}

interface HistogramSeries extends Series {
  /** Observations per bucket, not cumulative; the last is +Inf's. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface SummarySeries extends Series {
  readonly window: QuantileWindow;
  sum: number;
  count: number;
}

/** What a cluster worker sends the primary for one series. */
export interface SeriesSnapshot {
  labels: Record<string, string>;
  value?: number;
  counts?: number[];
  sum?: number;
  count?: number;
  sketch?: SketchData;
}

export interface FamilySnapshot {
  name: string;
  series: SeriesSnapshot[];
}

const AGGREGATORS: Record<MetricSpec['aggregate'], Aggregator> = { sum: 'sum', max: 'max', min: 'min', first: 'first', omit: 'omit' };

type PromType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A catalog metric's series, by series key. */
export abstract class Family<S extends Series = Series> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: PromType;
  /** How prom-client's AggregatorRegistry combines cluster workers' values. */
  readonly aggregator: Aggregator;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<SeriesKey, S>();
  /** Bumped by every write; renderers compare it with what they last rendered. */
  version = 0;
  /** Bumped by reset(): children bound to a series look it up again. */
  epoch = 0;
  /** Runs before the family is read (collector-fed families apply their collector's latest result). */
  collect: (() => Promise<void>) | undefined;

  constructor(
    readonly spec: MetricSpec,
    readonly guard: LabelGuard,
  ) {
    this.name = spec.name;
    this.help = spec.help;
    // prom-client's AggregatorRegistry can only add or pick per-worker quantiles, which no observation need
    // support: in a cluster worker a summary leaves that registry (startClusterMetricsServer merges sketches).
    this.aggregator = spec.type === 'summary' && cluster.isWorker ? 'omit' : AGGREGATORS[spec.aggregate];
    this.labelNames = spec.labels.map((l) => l.name);
  }

  protected abstract make(key: SeriesKey, text: string): S;

  /** The series these labels record into, made on first use. */
  protected at(labels: LabelSet | undefined): S {
    const key = this.guard.key(labels);
    return this.series.get(key) ?? this.add(key);
  }

  protected add(key: SeriesKey): S {
    const s = this.make(key, labelText(this.guard.labelsOf(key)));
    this.series.set(key, s);
    this.version++;
    return s;
  }

  /** Forgets the series of these labels (prom-client's remove()). */
  remove(labels: LabelSet | undefined): void {
    if (this.series.delete(this.guard.key(labels))) this.version++;
  }

  /**
   * A family without labels shows its one series from the start, at 0, as prom-client does (so a first increment
   * is seen by rate() and no absent() fires on a healthy process). Set by the exporter for application-written
   * families; a collector-fed one shows what its collector returned.
   */
  presetEmptySeries = false;

  /** Makes the family's one series when it has no labels and presets it. */
  preset(): void {
    this.presetEmptySeries = true;
    if (!this.labelNames.length) this.at(undefined);
  }

  /** Forgets every series (prom-client's reset()); a preset label-less series comes back at 0. */
  reset(): void {
    this.series.clear();
    this.version++;
    this.epoch++;
    if (this.presetEmptySeries && !this.labelNames.length) this.at(undefined);
  }


  /** Every series' sample lines, in insertion order, as pieces for the renderer. */
  *texts(openMetrics: boolean): Generator<string> {
    const nan = openMetrics ? 'NaN' : 'Nan';
    for (const s of this.series.values()) yield this.lines(s, nan);
  }

  /** A series' labels, as recorded. */
  protected labelsOf(s: S): Record<string, string> {
    return this.guard.labelsOf(s.key);
  }

  /** What the family's samples are a function of: equal stamps, equal samples. The version, where only writes move them. */
  stamp(): number | string {
    return this.version;
  }

  /** The series' sample lines, each after a newline, NaN spelt `nan`. */
  protected abstract lines(s: S, nan: string): string;

  /** prom-client's MetricObject for this family: what Registry.metrics() and AggregatorRegistry read. */
  async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    if (this.collect) await this.collect();
    const values: MetricValueWithName<string>[] = [];
    for (const s of this.series.values()) this.values(s, values);
    return { name: this.name, help: this.help, type: this.type as never, values, aggregator: this.aggregator, collect: () => undefined };
  }

  protected abstract values(s: S, out: MetricValueWithName<string>[]): void;

  /** This process's series as plain data, for the cluster primary. */
  snapshot(): FamilySnapshot {
    return { name: this.name, series: [...this.series.values()].map((s) => this.snap(s)) };
  }

  protected abstract snap(s: S): SeriesSnapshot;
}

/** Counters and gauges: one value per series. */
abstract class ScalarFamily extends Family<ScalarSeries> {
  private readonly start: string;

  constructor(spec: MetricSpec, guard: LabelGuard) {
    super(spec, guard);
    this.start = `\n${escapeText(spec.name)}`;
  }

  protected make(key: SeriesKey, text: string): ScalarSeries {
    return { key, labelText: text, value: 0 };
  }

  protected lines(s: ScalarSeries, nan: string): string {
    return `${this.start}${s.labelText ? `{${s.labelText}}` : ''} ${formatValue(s.value, nan)}`;
  }

  protected values(s: ScalarSeries, out: MetricValueWithName<string>[]): void {
    out.push({ value: s.value, labels: this.labelsOf(s) });
  }

  protected snap(s: ScalarSeries): SeriesSnapshot {
    return { labels: this.labelsOf(s), value: s.value };
  }

  /** Replaces every series by these samples (a collector's result); series that stay keep their rendering. */
  replace(samples: readonly { labels?: LabelSet; value: number }[]): void {
    const keep = new Set<SeriesKey>();
    for (const { labels, value } of samples) {
      const key = this.guard.key(labels);
      keep.add(key);
      const s = this.series.get(key) ?? this.add(key);
      if (!Object.is(s.value, value)) {
        s.value = value;
        this.version++;
      }
    }
    for (const key of this.series.keys()) {
      if (!keep.has(key)) {
        this.series.delete(key);
        this.version++;
      }
    }
  }

  /** Sets one series (bypassing the counter's monotonicity: for merged and collected values). */
  put(labels: LabelSet | undefined, value: number): void {
    const s = this.at(labels);
    s.value = value;
    this.version++;
  }
}

/** A child bound to one series: looks the series up again only after a reset. */
function bound<S>(family: { epoch: number }, find: () => S): () => S {
  let epoch = family.epoch;
  let s = find();
  return () => {
    if (epoch !== family.epoch) {
      epoch = family.epoch;
      s = find();
    }
    return s;
  };
}

function checkIncrement(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${name}: ${String(value)} is not a number`);
  if (!(value >= 0) || value === Infinity) throw new RangeError(`${name}: a counter increases by a finite, non-negative amount, not ${value}`);
}

/** Gauges take any number, NaN and the infinities included (prom-client's rule); anything else is a caller's bug. */
function checkGaugeValue(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${name}: ${String(value)} is not a number`);
}

export class CounterFamily extends ScalarFamily {
  readonly type = 'counter';

  /** Adds `value` (default 1) to the series of `labels`. Throws RangeError for a negative or non-finite value (a counter only goes up). */
  inc(labels: LabelSet | undefined, value?: number): void {
    // The value is checked before the series is looked up: a refused call leaves no series behind.
    if (value !== undefined) checkIncrement(this.name, value);
    const s = this.at(labels);
    if (value === undefined) s.value++;
    else s.value += value;
    this.version++;
  }

  child(labels: LabelSet | undefined): { inc(value?: number): void } {
    const series = bound(this, () => this.at(labels));
    return {
      inc: (value?: number) => {
        const s = series();
        if (value === undefined) s.value++;
        else {
          checkIncrement(this.name, value);
          s.value += value;
        }
        this.version++;
      },
    };
  }
}

export class GaugeFamily extends ScalarFamily {
  readonly type = 'gauge';

  /** Sets the series of `labels`. Throws TypeError for a value that is not a number. */
  set(labels: LabelSet | undefined, value: number): void {
    checkGaugeValue(this.name, value);
    const s = this.at(labels);
    s.value = value;
    this.version++;
  }

  /** Adds `value` (default 1; negative to decrease). Throws TypeError for a value that is not a number. */
  inc(labels: LabelSet | undefined, value = 1): void {
    checkGaugeValue(this.name, value);
    const s = this.at(labels);
    s.value += value;
    this.version++;
  }


  /** Every series' labels and value. */
  entries(): { labels: Readonly<Record<string, string>>; value: number }[] {
    return [...this.series.values()].map((s) => ({ labels: this.labelsOf(s), value: s.value }));
  }

  child(labels: LabelSet | undefined): { set(value: number): void; inc(value?: number): void; dec(value?: number): void } {
    const series = bound(this, () => this.at(labels));
    const add = (v: number) => {
      checkGaugeValue(this.name, v);
      const s = series();
      s.value += v;
      this.version++;
    };
    return {
      set: (v) => {
        checkGaugeValue(this.name, v);
        const s = series();
        s.value = v;
        this.version++;
      },
      inc: (v = 1) => add(v),
      dec: (v = 1) => add(-v),
    };
  }
}

function checkObservation(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name}: ${String(value)} is not a valid number to observe`);
}

/** Histograms and summaries: observations, each also added to the series' sum and count. */
abstract class ObserverFamily<S extends Series & { sum: number; count: number }> extends Family<S> {
  /** Records `value` (seconds, bytes, … as the metric's unit says). Throws TypeError for NaN or an infinity, as prom-client does. */
  observe(labels: LabelSet | undefined, value: number): void {
    // The value is checked before the series is looked up: a refused call leaves no series behind.
    checkObservation(this.name, value);
    this.record(this.at(labels), value);
  }

  child(labels: LabelSet | undefined): { observe(value: number): void } {
    const series = bound(this, () => this.at(labels));
    return { observe: (v) => this.record(series(), v) };
  }

  private record(s: S, value: number): void {
    checkObservation(this.name, value);
    this.count(s, value);
    s.sum += value;
    s.count++;
    this.version++;
  }

  /** Counts one finite observation into what the kind keeps besides sum and count. */
  protected abstract count(s: S, value: number): void;
}

export class HistogramFamily extends ObserverFamily<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;
  /** `\nname_bucket{le="b"` per bound, +Inf last. */
  private readonly bucketStarts: readonly string[];
  private readonly sumStart: string;
  private readonly countStart: string;
  private readonly leValues: readonly string[];

  constructor(spec: MetricSpec, guard: LabelGuard) {
    super(spec, guard);
    const name = escapeText(spec.name);
    this.bounds = Float64Array.from(spec.buckets ?? []);
    this.leValues = [...[...this.bounds].map((b) => `${b}`), '+Inf'];
    this.bucketStarts = this.leValues.map((le) => `\n${name}_bucket{le="${le}"`);
    this.sumStart = `\n${name}_sum`;
    this.countStart = `\n${name}_count`;
  }

  protected make(key: SeriesKey, text: string): HistogramSeries {
    return { key, labelText: text, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  /** Counts `value` into the first bucket whose upper bound is >= it (le is inclusive). */
  protected count(s: HistogramSeries, value: number): void {
    const b = this.bounds;
    const n = b.length;
    let i = 0;
    if (n > 8) {
      // Binary search for the first bound >= value.
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (b[mid]! < value) i = mid + 1;
        else hi = mid;
      }
    } else while (i < n && !(value <= b[i]!)) i++;
    s.counts[i]!++;
  }

  protected lines(s: HistogramSeries, nan: string): string {
    const tail = s.labelText ? `,${s.labelText}} ` : '} ';
    const plain = s.labelText ? `{${s.labelText}} ` : ' ';
    let out = '';
    let acc = 0;
    for (let i = 0; i < this.bucketStarts.length; i++) {
      acc += s.counts[i]!;
      out += this.bucketStarts[i]! + tail + acc;
    }
    return `${out}${this.sumStart}${plain}${formatValue(s.sum, nan)}${this.countStart}${plain}${s.count}`;
  }

  protected values(s: HistogramSeries, out: MetricValueWithName<string>[]): void {
    const labels = this.labelsOf(s);
    let acc = 0;
    for (let i = 0; i < this.leValues.length; i++) {
      acc += s.counts[i]!;
      const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
      out.push({ value: acc, labels: { le, ...labels }, metricName: `${this.name}_bucket` });
    }
    out.push({ value: s.sum, labels: { ...labels }, metricName: `${this.name}_sum` }, { value: s.count, labels: { ...labels }, metricName: `${this.name}_count` });
  }

  protected snap(s: HistogramSeries): SeriesSnapshot {
    return { labels: this.labelsOf(s), counts: [...s.counts], sum: s.sum, count: s.count };
  }

  /** Adds another process's series (cluster aggregation). */
  absorb(snap: SeriesSnapshot): void {
    const s = this.at(snap.labels);
    snap.counts?.forEach((c, i) => {
      if (i < s.counts.length) s.counts[i]! += c;
    });
    s.sum += snap.sum ?? 0;
    s.count += snap.count ?? 0;
    this.version++;
  }
}

export class SummaryFamily extends ObserverFamily<SummarySeries> {
  readonly type = 'summary';
  private readonly quantiles: readonly number[];
  private readonly quantileStarts: readonly string[];
  private readonly sumStart: string;
  private readonly countStart: string;

  constructor(
    spec: MetricSpec,
    guard: LabelGuard,
    private readonly now: () => number = Date.now,
  ) {
    super(spec, guard);
    const name = escapeText(spec.name);
    this.quantiles = spec.percentiles ?? [];
    this.quantileStarts = this.quantiles.map((q) => `\n${name}{quantile="${q}"`);
    this.sumStart = `\n${name}_sum`;
    this.countStart = `\n${name}_count`;
  }

  protected make(key: SeriesKey, text: string): SummarySeries {
    const window = new QuantileWindow(this.spec.maxAgeSeconds ?? 600, this.spec.ageBuckets ?? 5, this.now);
    return { key, labelText: text, window, sum: 0, count: 0 };
  }

  protected count(s: SummarySeries, value: number): void {
    s.window.observe(value);
  }

  /** Writes and window rotations both move quantiles. */
  override stamp(): string {
    let rotations = 0;
    for (const s of this.series.values()) {
      s.window.rotate();
      rotations += s.window.rotations;
    }
    return `${this.version}:${rotations}`;
  }

  private quantileValues(s: SummarySeries): number[] {
    const sketch = s.window.current();
    return this.quantiles.map((q) => sketch.quantile(q));
  }

  protected lines(s: SummarySeries, nan: string): string {
    const tail = s.labelText ? `,${s.labelText}} ` : '} ';
    const plain = s.labelText ? `{${s.labelText}} ` : ' ';
    const qs = this.quantileValues(s);
    let out = '';
    for (let i = 0; i < qs.length; i++) out += this.quantileStarts[i]! + tail + formatValue(qs[i]!, nan);
    return `${out}${this.sumStart}${plain}${formatValue(s.sum, nan)}${this.countStart}${plain}${s.count}`;
  }

  protected values(s: SummarySeries, out: MetricValueWithName<string>[]): void {
    const qs = this.quantileValues(s);
    const labels = this.labelsOf(s);
    this.quantiles.forEach((q, i) => out.push({ value: qs[i]!, labels: { quantile: q, ...labels } }));
    out.push({ value: s.sum, labels: { ...labels }, metricName: `${this.name}_sum` }, { value: s.count, labels: { ...labels }, metricName: `${this.name}_count` });
  }

  protected snap(s: SummarySeries): SeriesSnapshot {
    return { labels: this.labelsOf(s), sum: s.sum, count: s.count, sketch: s.window.current().data() };
  }

  /** Adds another process's series: its window's sketch merged, sum and count added (cluster aggregation). */
  absorb(snap: SeriesSnapshot): void {
    const s = this.at(snap.labels);
    if (snap.sketch) s.window.current().merge(snap.sketch);
    s.sum += snap.sum ?? 0;
    s.count += snap.count ?? 0;
    this.version++;
  }
}

export type AnyFamily = CounterFamily | GaugeFamily | HistogramFamily | SummaryFamily;

import type { Catalog, Label, Metric } from '../model/catalog.js';
import { exposedSeriesNames } from '../model/catalog.js';

export type SeriesSuffix = '' | '_bucket' | '_sum' | '_count' | '_created';

export interface SeriesRef {
  metric: Metric;
  suffix: SeriesSuffix;
}

/** Labels Prometheus attaches to every scraped series, and series it makes itself. */
export const TARGET_LABELS = ['job', 'instance'];
export const PROMETHEUS_SERIES = new Set([
  'up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added', 'ALERTS', 'ALERTS_FOR_STATE',
]);

/** Maps every series name the catalog exposes to its metric, and knows the records its rules produce. */
export class SeriesIndex {
  private readonly series = new Map<string, SeriesRef>();
  readonly records = new Set<string>();

  constructor(
    readonly namespace: string,
    metrics: readonly Metric[],
    records: Iterable<string> = [],
  ) {
    for (const m of metrics) {
      for (const name of exposedSeriesNames(m)) {
        const suffix = (name === m.fullName ? '' : name.slice(m.fullName.replace(/_total$/, '').length)) as SeriesSuffix;
        this.series.set(name, { metric: m, suffix: m.type === 'counter' && name.endsWith('_created') ? '_created' : suffix });
      }
    }
    for (const r of records) this.records.add(r);
  }

  static of(catalog: Catalog, extraRecords: Iterable<string> = []): SeriesIndex {
    return new SeriesIndex(catalog.namespace, [...catalog.metrics, ...catalog.runtimeMetrics], [...catalog.recordingRules.map((r) => r.record), ...extraRecords]);
  }

  get(name: string): SeriesRef | undefined {
    return this.series.get(name);
  }

  isKnown(name: string): boolean {
    return this.series.has(name) || this.records.has(name) || PROMETHEUS_SERIES.has(name);
  }

  names(): string[] {
    return [...this.series.keys(), ...this.records];
  }

  /** Label names a series carries once scraped (declared labels, le/quantile, the enum's own label, target labels). */
  labelsOf(ref: SeriesRef): Set<string> {
    const out = new Set<string>(TARGET_LABELS);
    for (const l of ref.metric.labels) out.add(l.name);
    if (ref.metric.type === 'histogram' && ref.suffix === '_bucket') out.add('le');
    if (ref.metric.type === 'summary' && ref.suffix === '') out.add('quantile');
    if (ref.metric.type === 'enum') out.add(ref.metric.fullName);
    return out;
  }

  labelDef(ref: SeriesRef, name: string): Label | undefined {
    return ref.metric.labels.find((l) => l.name === name);
  }
}

// The catalog as the runtime sees it: generated into each exporter's spec.ts by `devskyy-mon generate`, or
// built in memory by `devskyy-mon serve`. Plain data, so it can be written as JSON.

/** The six metric kinds of a catalog. `info` and `enum` are gauges in the text format 0.0.4; OpenMetrics gives them their own types (info, stateset). */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'enum';

/**
 * What the runtime fills a request label with, whatever the label is called:
 * - `method`: the HTTP method (`GET`);
 * - `route`: the route template, normalised (`/users/{id}`; unmatched requests `/__unmatched__`);
 * - `status_code`: the response status code (`503`);
 * - `status_class`: the status class (`5xx`), so an alert on server errors never depends on listing every code;
 * - `error_type`: a class of failure derived from the status code (`dependency` for 502/503, …; see errorTypeOf).
 */
export const LABEL_MEANINGS = ['method', 'route', 'status_code', 'status_class', 'error_type'] as const;
export type LabelMeaning = (typeof LABEL_MEANINGS)[number];

export interface LabelSpec {
  name: string;
  /** The label's whole domain (an enum); any other value is recorded as the overflow value. */
  values?: readonly string[];
  /** A bound on the distinct values a label without an enum may take; later new values are recorded as the overflow value. Absent: unbounded. */
  maxValues?: number;
  /** For metrics the runtime records itself (HTTP roles): what the label holds. */
  meaning?: LabelMeaning;
}

/** How cluster workers' values of a gauge combine on the primary (prom-client's aggregator names). */
export type Aggregate = 'sum' | 'max' | 'min' | 'first' | 'omit';

export interface MetricSpec {
  /** Exposed name, e.g. devskyy_requests_total. */
  name: string;
  /** Property name in the generated API, e.g. requestsTotal. */
  key: string;
  type: MetricType;
  help: string;
  labels: readonly LabelSpec[];
  /** Histogram: upper bounds, ascending, without +Inf. */
  buckets?: readonly number[];
  /** Summary: quantiles in (0, 1). */
  percentiles?: readonly number[];
  /** Summary: length of the sliding window, in seconds. */
  maxAgeSeconds?: number;
  /** Summary: how many parts the window rotates in. */
  ageBuckets?: number;
  /** Enum: the states; the first is the initial one. */
  states?: readonly string[];
  /** Filled by this collector at scrape time instead of by the application. */
  collector?: string;
  /** What the runtime records into it itself (http_requests, http_duration, health_status, …). */
  role?: string;
  aggregate: Aggregate;
}

export interface CollectorSpec {
  id: string;
  /** Results are served from cache for this long, in seconds. */
  ttlSeconds: number;
  /** A run is abandoned (and counted as failed) after this long, in seconds. */
  timeoutSeconds: number;
  /** Filled by the runtime itself from Node's APIs. */
  builtin?: 'system' | 'process';
  /**
   * `process` (default): the collector reads this process's own state; in a Node cluster every worker runs it and
   * the primary combines their values per metric. `shared`: it reads state every process sees alike (a queue depth
   * in Redis); in a cluster only the primary runs it, so the value is not counted once per worker.
   */
  scope?: 'process' | 'shared';
}

export interface ExporterSpec {
  namespace: string;
  title: string;
  metrics: readonly MetricSpec[];
  collectors: readonly CollectorSpec[];
}

/** Meaning by conventional label name, for specs that do not declare it. */
const MEANING_BY_NAME: Record<string, LabelMeaning> = {
  method: 'method',
  endpoint: 'route',
  route: 'route',
  path: 'route',
  handler: 'route',
  status: 'status_code',
  status_code: 'status_code',
  code: 'status_code',
  status_class: 'status_class',
  error_type: 'error_type',
};

/** What a request label holds: its declared meaning, else the one its conventional name implies. */
export function labelMeaning(label: { name: string; meaning?: LabelMeaning }): LabelMeaning | undefined {
  return label.meaning ?? (Object.hasOwn(MEANING_BY_NAME, label.name) ? MEANING_BY_NAME[label.name] : undefined);
}

/** The label value recorded instead of a value outside the label's declared domain. */
export const OVERFLOW_VALUE = '__overflow__';

/**
 * The values the package's main entry exports. A generated exporter module re-exports them all
 * (`export * from '@devskyy-mon/runtime'`), so a metric handle of the same name would silently shadow one;
 * `devskyy-mon validate` refuses such metric names. Kept equal to the entry's exports by a test.
 */
export const RUNTIME_VALUE_EXPORTS: readonly string[] = [
  'CLIENT_CLOSED', 'Exporter', 'GZIP_THREAD', 'GzipThread', 'LABEL_MEANINGS', 'OPENMETRICS_CONTENT_TYPE', 'OVERFLOW_VALUE', 'QUANTILE_RELATIVE_ERROR',
  'TEXT_CONTENT_TYPE', 'UNMATCHED_ROUTE', 'clusterExposition', 'errorTypeOf', 'exceptionMiddleware', 'exposition', 'formatFamilies', 'httpHandler',
  'labelMeaning', 'metricsHandler', 'normalizePath', 'readSystem', 'setupPrometheus', 'startClusterMetricsServer', 'startMetricsServer',
  'statusClassOf', 'trackDuration', 'trackOperation', 'wantsOpenMetrics',
];

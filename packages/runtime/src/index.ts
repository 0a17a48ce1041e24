// @devskyy-mon/runtime: what devskyy-mon's generated exporters import. See README.md for the API.
// The declarations use Node's types (http, Buffer): a project whose tsconfig lists no `types` still gets them.
/// <reference types="node" preserve="true" />
export type { Aggregate, CollectorSpec, ExporterSpec, LabelMeaning, LabelSpec, MetricSpec, MetricType } from './spec.js';
export { LABEL_MEANINGS, labelMeaning, OVERFLOW_VALUE } from './spec.js';
export type { LabelSet } from './label-guard.js';
export type { AnyMetric, CounterMetric, EnumMetric, GaugeMetric, HistogramMetric, InfoMetric, ObserverMetric, SummaryMetric } from './handles.js';
export type { CollectorFn, CollectorResult, CollectorSample } from './collectors.js';
export type { ExporterOptions, HealthReport } from './exporter.js';
export { Exporter } from './exporter.js';
export { exposition, formatFamilies, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, wantsOpenMetrics } from './exposition.js';
export { ALPHA as QUANTILE_RELATIVE_ERROR } from './quantiles.js';
export type { MetricsServerOptions } from './http.js';
export { metricsHandler, startMetricsServer } from './http.js';
export type { SetupOptions } from './frameworks.js';
export { exceptionMiddleware, httpHandler, setupPrometheus } from './frameworks.js';
export { CLIENT_CLOSED, errorTypeOf, normalizePath, statusClassOf, UNMATCHED_ROUTE } from './paths.js';
export { readSystem } from './system.js';
export { trackDuration, trackOperation } from './track.js';
export type { ClusterOptions } from './cluster.js';
export { clusterExposition, startClusterMetricsServer } from './cluster.js';
export { GzipThread, GZIP_THREAD } from './gzip.js';

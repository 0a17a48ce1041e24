// The catalog as the exporter runtime reads it: one builder for the generated spec.ts and for `serve`.
import type { ExporterSpec, MetricSpec } from '@devskyy-mon/runtime';
import type { Catalog, Metric } from '../model/catalog.js';
import { camel } from '../model/identifiers.js';

export function metricSpec(m: Metric): MetricSpec {
  return {
    name: m.fullName,
    key: camel(m.name),
    type: m.type,
    help: m.help,
    labels: m.labels.map((l) => ({
      name: l.name,
      ...(l.values ? { values: [...l.values] } : {}),
      ...(l.maxValues !== undefined ? { maxValues: l.maxValues } : {}),
      ...(l.meaning ? { meaning: l.meaning } : {}),
    })),
    ...(m.buckets ? { buckets: [...m.buckets] } : {}),
    ...(m.percentiles ? { percentiles: [...m.percentiles], maxAgeSeconds: m.maxAgeSeconds!, ageBuckets: m.ageBuckets! } : {}),
    ...(m.states ? { states: [...m.states] } : {}),
    ...(m.collector ? { collector: m.collector } : {}),
    ...(m.role ? { role: m.role } : {}),
    aggregate: m.aggregate,
  };
}

export function exporterSpec(catalog: Catalog): ExporterSpec {
  return {
    namespace: catalog.namespace,
    title: catalog.title,
    metrics: catalog.metrics.map(metricSpec),
    collectors: [...catalog.collectors.values()].map((c) => ({
      id: c.id,
      ttlSeconds: c.ttlSeconds,
      timeoutSeconds: c.timeoutSeconds,
      ...(c.builtin ? { builtin: c.builtin } : {}),
      ...(c.scope ? { scope: c.scope } : {}),
    })),
  };
}

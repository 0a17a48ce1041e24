/// <reference types="node" preserve="true" />
// Demo traffic (the subpath export "@devskyy-mon/runtime/demo"): realistic synthetic values for every metric, so a
// scrape shows every family with data. What `devskyy-mon serve --demo` and the generated demo server run.
import type { CollectorResult, CollectorSample } from './collectors.js';
import type { Exporter } from './exporter.js';
import { labelMeaning } from './spec.js';
import type { CounterMetric, EnumMetric, GaugeMetric, InfoMetric, ObserverMetric } from './handles.js';
import type { LabelSet } from './label-guard.js';
import type { LabelSpec, MetricSpec } from './spec.js';

function pick<T>(xs: readonly T[], rnd: () => number): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function demoValue(label: LabelSpec, rnd: () => number): string {
  if (label.values) return pick(label.values, rnd);
  if (labelMeaning(label) === 'route') return pick(['/api/v1/items/{id}', '/api/v1/orders', '/api/v1/users/{id}', '/api/v1/ml/predict', '/health'], rnd);
  return `${label.name}-${1 + Math.floor(rnd() * Math.min(3, label.maxValues ?? 3))}`;
}

function demoLabels(spec: MetricSpec, rnd: () => number): LabelSet {
  const out: Record<string, string> = {};
  for (const l of spec.labels) out[l.name] = demoValue(l, rnd);
  return out;
}

/** A value in a metric's natural range: around its buckets, 0-100 for percents, 0-1 for ratios and scores. */
function demoNumber(spec: MetricSpec, rnd: () => number): number {
  if (spec.buckets?.length) {
    const b = spec.buckets;
    const i = Math.min(b.length - 1, Math.floor(rnd() ** 2 * b.length));
    return b[i]! * (0.5 + rnd() * 0.5);
  }
  if (/_percent$/.test(spec.name)) return 5 + rnd() * 60;
  if (/(_ratio|_score|_accuracy|_utilization)$/.test(spec.name)) return 0.6 + rnd() * 0.39;
  if (/_usd/.test(spec.name)) return 5 + rnd() * 200;
  if (/_seconds$/.test(spec.name)) return rnd() * 2;
  if (/_bytes/.test(spec.name)) return Math.round(1e3 + rnd() * 1e6);
  return Math.round(1 + rnd() * 50);
}

export interface DemoHandle {
  stop(): void;
}

/** Starts synthetic traffic; `seed` makes it repeatable for tests. */
export function startDemoTraffic(exporter: Exporter<object>, opts: { intervalMs?: number; seed?: number } = {}): DemoHandle {
  let state = opts.seed ?? 42;
  const rnd = () => {
    // mulberry32: small, fast, repeatable
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const spec = exporter.spec;
  const totals = new Map<string, number>();
  // Collectors without a user function get a demo one.
  for (const c of spec.collectors) {
    if (c.builtin) continue;
    exporter.setCollector(c.id, () => {
      const out: CollectorResult = {};
      for (const m of spec.metrics.filter((x) => x.collector === c.id)) {
        const combos = m.labels.length ? Array.from({ length: 3 }, () => demoLabels(m, rnd)) : [{}];
        const unique = [...new Map(combos.map((l) => [JSON.stringify(l), l])).values()];
        out[m.key] = unique.map((labels) => {
          if (m.type !== 'counter') return { labels, value: demoNumber(m, rnd) };
          // A collector reports running totals: counters only grow.
          const key = `${m.key}${JSON.stringify(labels)}`;
          const total = (totals.get(key) ?? 0) + Math.round(rnd() * 100);
          totals.set(key, total);
          return { labels, value: total };
        });
      }
      if (out['dbConnectionsActive'] && out['dbPoolSize']) {
        // keep the pool picture consistent: active <= pool size
        const pool = out['dbPoolSize'] as CollectorSample[];
        out['dbConnectionsActive'] = pool.map((p) => ({ labels: p.labels ?? {}, value: Math.floor(p.value * (0.2 + rnd() * 0.6)) }));
      }
      return out;
    });
  }
  let ticks = 0;
  const tick = () => {
    for (const m of spec.metrics) {
      if (m.collector) continue;
      const h = exporter.handle(m.key);
      switch (m.type) {
        case 'counter':
          if (m.role === 'http_requests' || m.role === 'http_errors') break;
          (h as CounterMetric<LabelSet>).inc(demoLabels(m, rnd), Math.ceil(rnd() * 3));
          break;
        case 'gauge':
          if (m.role === 'http_in_flight') {
            // Requests in flight for a moment, as real traffic would leave them.
            exporter.inFlight(1);
            setTimeout(() => exporter.inFlight(-1), Math.floor(rnd() * 400)).unref();
          } else if (m.role === 'component_health') exporter.setComponentHealth(demoValue(m.labels[0]!, rnd), rnd() > 0.05);
          else (h as GaugeMetric<LabelSet>).set(demoLabels(m, rnd), demoNumber(m, rnd));
          break;
        case 'histogram':
        case 'summary':
          if (m.role?.startsWith('http_')) break;
          (h as ObserverMetric<LabelSet>).observe(demoLabels(m, rnd), demoNumber(m, rnd));
          break;
        case 'info':
          (h as InfoMetric<LabelSet>).info(Object.fromEntries(m.labels.map((l) => [l.name, l.name === 'node_version' ? process.version : l.name === 'version' ? '2.0.0' : demoValue(l, rnd)])));
          break;
        case 'enum':
          (h as EnumMetric<string>).state(rnd() > 0.1 ? m.states![0]! : pick(m.states!, rnd));
          break;
      }
    }
    for (let i = 0; i < 5; i++) {
      // The first tick always includes a failed request, so error families have data from the first scrape.
      const status = (ticks === 0 && i === 0) || rnd() > 0.9 ? pick([400, 404, 500, 503], rnd) : 200;
      exporter.recordRequest(pick(['GET', 'GET', 'POST', 'PUT', 'DELETE'], rnd), pick(['/api/v1/items/{id}', '/api/v1/orders', '/api/v1/ml/predict'], rnd), status, 0.005 + rnd() ** 3 * 1.5, Math.round(rnd() * 5000), Math.round(rnd() * 50000));
    }
    if (ticks === 0 || rnd() > 0.7) exporter.recordException(new TypeError('demo'));
    ticks++;
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

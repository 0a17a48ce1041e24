// Exporter benchmarks: scrape cost (generated vs hand-written prom-client vs a static body), the labelled hot
// path, a slow collector behind its cache, and HTTP middleware against express-prom-bundle.
import { readFileSync } from 'node:fs';
import * as client from 'prom-client';
import express from 'express';
import promBundle from 'express-prom-bundle';
import inject from 'light-my-request';
import type { ExporterSpec, MetricSpec } from '@devskyy-mon/runtime';
import { Exporter, setupPrometheus, startMetricsServer } from '@devskyy-mon/runtime';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exporterSpec } from '../src/emit/exporter-spec.js';
import { validateCatalog } from '../src/load/load-catalog.js';
import { fmt, nsPerOp, nsPerOpSideBySide, percentile, sample, table } from './util.js';

type Handle = { inc(l: object, v?: number): void; observe(l: object, v: number): void; set(l: object, v: number): void };

/** Every combination of a metric's label values (bounded labels take `bounded` made-up values), capped. */
function combos(m: MetricSpec, bounded: number, cap: number): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const l of m.labels) {
    const values = l.values ?? Array.from({ length: Math.min(bounded, l.maxValues ?? bounded) }, (_, i) => `v${i}`);
    out = out.flatMap((c) => values.map((v) => ({ ...c, [l.name]: v })));
    if (out.length > cap) out = out.slice(0, cap);
  }
  return out;
}

/** Fills an exporter through the generated API and a hand-written prom-client registry with the same data (or only one side). */
function populate(spec: ExporterSpec, bounded: number, cap: number, sides: { generated?: boolean; hand?: boolean } = { generated: true, hand: true }) {
  const generated = new Exporter(spec);
  const hand = new client.Registry();
  let series = 0;
  /** One write per labelled series, to both exporters: what traffic between scrapes does. */
  const writes: (() => void)[] = [];
  for (const m of spec.metrics) {
    if (m.collector || m.type === 'info' || m.type === 'enum') continue;
    const labelNames = m.labels.map((l) => l.name);
    const h = sides.generated ? (generated.handle(m.key) as unknown as Handle) : undefined;
    const raw = !sides.hand
      ? undefined
      : m.type === 'counter'
        ? new client.Counter({ name: m.name, help: m.help, labelNames, registers: [hand] })
        : m.type === 'gauge'
          ? new client.Gauge({ name: m.name, help: m.help, labelNames, registers: [hand] })
          : m.type === 'histogram'
            ? new client.Histogram({ name: m.name, help: m.help, labelNames, buckets: [...m.buckets!], registers: [hand] })
            : new client.Summary({ name: m.name, help: m.help, labelNames, percentiles: [...m.percentiles!], registers: [hand] });
    const write = (labels: Record<string, string>, v: number) => {
      if (m.type === 'counter') {
        h?.inc(labels, 1);
        (raw as client.Counter | undefined)?.inc(labels, 1);
      } else if (m.type === 'gauge') {
        h?.set(labels, v);
        (raw as client.Gauge | undefined)?.set(labels, v);
      } else {
        h?.observe(labels, v);
        (raw as client.Histogram | undefined)?.observe(labels, v);
      }
    };
    for (const labels of combos(m, bounded, cap)) {
      writes.push(() => write(labels, Math.random()));
      write(labels, m.type === 'gauge' ? 1 : 0.1);
      series += m.type === 'histogram' ? m.buckets!.length + 3 : m.type === 'summary' ? m.percentiles!.length + 2 : 1;
    }
  }
  return { generated, hand, series, writes };
}

/**
 * Heap held by each side for the same series, after a full collection: the exporter after one scrape in each
 * format (its renderer keeps each series' lines), prom-client's registry after one scrape. Needs --expose-gc.
 */
async function heapRow(spec: ExporterSpec, bounded: number): Promise<{ ours: number; theirs: number } | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const held = async (build: () => Promise<unknown>) => {
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = await build();
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    return { bytes: after - before, kept };
  };
  const ours = await held(async () => {
    const { generated } = populate(spec, bounded, 1e9, { generated: true });
    await generated.exposition();
    await generated.exposition('application/openmetrics-text');
    return generated;
  });
  const theirs = await held(async () => {
    const { hand } = populate(spec, bounded, 1e9, { hand: true });
    await hand.metrics();
    return hand;
  });
  return { ours: ours.bytes, theirs: theirs.bytes };
}

function syntheticSpec(families: number): ExporterSpec {
  const metrics: MetricSpec[] = Array.from({ length: families }, (_, i) => ({
    name: `bench_requests_${i}_total`,
    key: `requests${i}Total`,
    type: 'counter',
    help: 'Bench counter.',
    labels: [{ name: 'method', values: ['GET', 'POST', 'PUT', 'DELETE'] }, { name: 'endpoint', maxValues: 1000 }, { name: 'status', values: ['200', '404', '500'] }],
    aggregate: 'sum',
  }));
  return { namespace: 'bench', title: 'bench', metrics, collectors: [] };
}

/** Scrapes before measuring: V8 compiles the render loop over the first few (the cold first one is reported apart). */
const WARM_UP = 10;

/**
 * Times `scrape` n times after WARM_UP unmeasured ones, with `traffic` before each. Each exporter is measured in
 * its own block, one after the other in the same process run: interleaved one scrape at a time, the ~30 MB a
 * prom-client scrape of 37k series leaves behind would be collected during the next scrape of the other one.
 */
async function block(n: number, traffic: () => void, scrape: () => unknown): Promise<number[]> {
  // `npm run bench` runs node with --expose-gc: each block starts without the previous block's garbage.
  (globalThis as { gc?: () => void }).gc?.();
  for (let i = 0; i < WARM_UP; i++) {
    traffic();
    await scrape();
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    traffic();
    out.push(...(await sample(1, scrape)));
  }
  return out.sort((a, b) => a - b);
}

async function scrapeRow(label: string, spec: ExporterSpec, bounded: number, cap: number, n: number, churn = 0) {
  const { generated, hand, series, writes } = populate(spec, bounded, cap);
  const staticBody = await hand.metrics();
  const traffic = () => {
    // Traffic between scrapes: `churn` of the series get a write (the same ones in both exporters).
    for (let k = 0; k < writes.length * churn; k++) writes[Math.floor(Math.random() * writes.length)]!();
  };
  const cold = (await sample(1, () => generated.exposition()))[0]!;
  const g = await block(n, traffic, () => generated.exposition());
  const h = await block(n, traffic, () => hand.metrics());
  const s = await block(n, () => undefined, () => Buffer.from(staticBody));
  return { label: churn ? `${label}, ${Math.round(churn * 100)}% of series written between scrapes` : label, series, cold, g50: percentile(g, 50), g95: percentile(g, 95), h50: percentile(h, 50), h95: percentile(h, 95), s50: percentile(s, 50), ratio: percentile(g, 50) / percentile(h, 50) };
}

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function fetchOnce(port: number, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = httpRequest({ host: '127.0.0.1', port, path: '/metrics', agent, headers: { accept: PROMETHEUS_ACCEPT, 'accept-encoding': 'gzip' } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The generated exporter's server against a typical hand-written prom-client endpoint (text, no gzip). */
async function httpScrapeRow(spec: ExporterSpec, churn: number, n: number) {
  const { generated, hand, series, writes } = populate(spec, 100, 1e9);
  const ours = await startMetricsServer(generated, { port: 0 });
  const theirs = createServer((_req, res) => {
    void hand.metrics().then((body) => res.writeHead(200, { 'content-type': hand.contentType }).end(body));
  });
  await new Promise<void>((r) => theirs.listen(0, '127.0.0.1', r));
  const agent = new Agent({ keepAlive: true });
  const portOf = (srv: { address(): unknown }) => (srv.address() as AddressInfo).port;
  const traffic = () => {
    for (let k = 0; k < writes.length * churn; k++) writes[Math.floor(Math.random() * writes.length)]!();
  };
  const cold = await fetchOnce(portOf(ours), agent);
  const g = await block(n, traffic, () => fetchOnce(portOf(ours), agent));
  const h = await block(n, traffic, () => fetchOnce(portOf(theirs), agent));
  agent.destroy();
  ours.close();
  theirs.close();
  return { series, cold, g50: percentile(g, 50), g95: percentile(g, 95), g99: percentile(g, 99), h50: percentile(h, 50), h95: percentile(h, 95) };
}

export async function benchExporter(devskyyCatalog: string): Promise<string> {
  const out: string[] = [];
  const catalog = validateCatalog(devskyyCatalog, readFileSync(devskyyCatalog)).catalog!;
  const devskyy = exporterSpec(catalog);

  // Scrape cost.
  const rows = [
    await scrapeRow('~1k series', syntheticSpec(1), 84, 1e9, 200),
    await scrapeRow('~10k series', syntheticSpec(10), 84, 1e9, 60),
    await scrapeRow('~100k series', syntheticSpec(100), 84, 1e9, 12),
    await scrapeRow('~100k series', syntheticSpec(100), 84, 1e9, 12, 0.1),
    await scrapeRow('DevSkyy, declared cardinality', devskyy, 100, 1e9, 100),
    await scrapeRow('DevSkyy, declared cardinality', devskyy, 100, 1e9, 100, 0.1),
    await scrapeRow('DevSkyy, declared cardinality', devskyy, 100, 1e9, 100, 1),
    await scrapeRow('DevSkyy, 10 values per bounded label', devskyy, 10, 1e9, 100),
    await scrapeRow('DevSkyy, 10 values per bounded label', devskyy, 10, 1e9, 100, 1),
  ];
  out.push('### Scrape (text format 0.0.4, in-process, ms)\n');
  out.push(
    table(
      ['catalog', 'series', 'generated p50', 'generated p95', 'generated cold (first scrape)', 'hand-written prom-client p50', 'prom-client p95', 'static body p50', 'generated / prom-client (p50)'],
      rows.map((r) => [r.label, r.series, fmt(r.g50), fmt(r.g95), fmt(r.cold), fmt(r.h50), fmt(r.h95), fmt(r.s50, 3), fmt(r.ratio)]),
    ),
  );

  // Over HTTP, as Prometheus scrapes: its Accept header (OpenMetrics preferred) and gzip.
  out.push('\n### Scrape over HTTP on 127.0.0.1, as Prometheus asks (OpenMetrics, gzip), DevSkyy at the full declared product, ms\n');
  const httpRows: (string | number)[][] = [];
  for (const churn of [0, 0.1, 1]) {
    const r = await httpScrapeRow(devskyy, churn, 100);
    httpRows.push([`${Math.round(churn * 100)} % of series written between scrapes`, r.series, fmt(r.g50), fmt(r.g95), fmt(r.g99), fmt(r.cold), fmt(r.h50), fmt(r.h95), fmt(r.g50 / r.h50)]);
  }
  out.push(table(['scrapes', 'series', 'generated p50', 'generated p95', 'generated p99', 'generated cold (first scrape)', 'prom-client server p50', 'prom-client p95', 'ratio (p50)'], httpRows));

  // Memory.
  const heap = await heapRow(devskyy, 100);
  if (heap) {
    out.push('\n### Heap after a full GC, DevSkyy at the full declared product (MB)\n');
    out.push(table(['side', 'heap held'], [['generated (after one text and one OpenMetrics scrape)', fmt(heap.ours / 1e6)], ['hand-written prom-client (after one scrape)', fmt(heap.theirs / 1e6)], ['ratio', fmt(heap.ours / heap.theirs)]]));
  }

  // Hot path.
  const { generated, hand } = populate(syntheticSpec(1), 20, 1e9);
  const gen = generated.handle('requests0Total') as unknown as Handle & { labels(l: object): { inc(): void } };
  const raw = hand.getSingleMetric('bench_requests_0_total') as client.Counter;
  const labels = [0, 1, 2, 3].map((i) => ({ method: ['GET', 'POST', 'PUT', 'DELETE'][i]!, endpoint: `v${i}`, status: '200' }));
  const N = 1_000_000;
  const [genInc, rawInc] = nsPerOpSideBySide(N, 7, [(i) => gen.inc(labels[i & 3]!), (i) => raw.inc(labels[i & 3]!)]);
  const hot = { genInc: genInc!, rawInc: rawInc! };
  const genChild = gen.labels(labels[0]!);
  const rawChild = raw.labels(labels[0]!);
  const [genChildInc, rawChildInc] = nsPerOpSideBySide(N, 7, [() => genChild.inc(), () => rawChild.inc()]);
  const child = { gen: genChildInc!, raw: rawChildInc! };
  out.push('\n### Hot path (ns/op, best of 7 runs of 1M calls each, the two sides taking turns)\n');
  out.push(
    table(
      ['operation', 'generated API', 'raw prom-client', 'ratio'],
      [
        ['counter.inc(labels) (3 labels)', fmt(hot.genInc, 1), fmt(hot.rawInc, 1), fmt(hot.genInc / hot.rawInc)],
        ['child = labels(...); child.inc()', fmt(child.gen, 1), fmt(child.raw, 1), fmt(child.gen / child.raw)],
      ],
    ),
  );

  // A 200 ms collector behind a fresh cache.
  const slowSpec: ExporterSpec = { ...devskyy, collectors: devskyy.collectors.map((c) => ({ ...c, ttlSeconds: 3600 })) };
  const withCollector = new Exporter(slowSpec);
  for (const c of slowSpec.collectors) if (!c.builtin) withCollector.setCollector(c.id, () => new Promise((r) => setTimeout(() => r({}), 200)));
  const without = new Exporter({ ...devskyy, metrics: devskyy.metrics.filter((m) => !m.collector || m.collector === 'system'), collectors: devskyy.collectors.filter((c) => c.builtin) });
  await withCollector.exposition(); // warms the caches (takes the 200 ms once)
  await without.exposition();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 300; i++) {
    a.push(...(await sample(1, () => withCollector.exposition())));
    b.push(...(await sample(1, () => without.exposition())));
  }
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  out.push('\n### Collector taking 200 ms, cache fresh (DevSkyy, ms)\n');
  out.push(table(['scrape', 'p50', 'p95'], [[`with the ${slowSpec.collectors.filter((c) => !c.builtin).length} slow collectors`, fmt(percentile(a, 50), 3), fmt(percentile(a, 95), 3)], ['without them', fmt(percentile(b, 50), 3), fmt(percentile(b, 95), 3)], ['added', fmt(percentile(a, 50) - percentile(b, 50), 3), '']]));

  // Middleware on the same Express app.
  const mwSpec: ExporterSpec = { namespace: 'mw', title: 'mw', collectors: [], metrics: devskyy.metrics.filter((m) => m.role?.startsWith('http_')).map((m) => ({ ...m, name: m.name.replace(/^devskyy_/, 'mw_') })) };
  const apps = {
    none: express(),
    'devskyy-mon': express(),
    'express-prom-bundle': express(),
  };
  setupPrometheus(apps['devskyy-mon'] as never, new Exporter(mwSpec));
  apps['express-prom-bundle'].use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true, promRegistry: new client.Registry(), autoregister: true }));
  for (const app of Object.values(apps)) app.get('/api/items/:id', (_req, res) => void res.send('ok'));
  // Requests alternate between the three apps one by one, so GC pauses and CPU frequency hit all alike.
  const perRequest: Record<string, number[]> = { none: [], 'devskyy-mon': [], 'express-prom-bundle': [] };
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const REQ = 3000;
  const names = Object.keys(apps) as (keyof typeof apps)[];
  for (let i = 0; i < 300; i++) for (const n of names) await inject(apps[n] as never, { method: 'GET', url: `/api/items/${i % 50}` }); // warm-up
  // Each request is timed on its own and a round reports the median: a GC pause or a timer firing lands on a few
  // requests, where it moves a mean by microseconds and a median not at all.
  for (let round = 0; round < 7; round++) {
    const times: Record<string, number[]> = { none: [], 'devskyy-mon': [], 'express-prom-bundle': [] };
    for (let i = 0; i < REQ; i++) {
      for (const n of names) {
        const t0 = process.hrtime.bigint();
        await inject(apps[n] as never, { method: 'GET', url: `/api/items/${i % 50}` });
        times[n]!.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
    for (const n of names) perRequest[n]!.push(med(times[n]!));
  }
  out.push('\n### HTTP middleware on the same Express app (µs per request: median request of each of 7 rounds of 3,000 injected requests per app, interleaved; median over rounds)\n');
  out.push(
    table(
      ['middleware', 'per request', 'overhead vs no middleware', 'overhead in each round'],
      names.map((k) => {
        const overhead = perRequest[k]!.map((x, i) => x - perRequest['none']![i]!);
        return [k, fmt(med(perRequest[k]!)), k === 'none' ? '—' : fmt(med(overhead)), k === 'none' ? '—' : overhead.map((x) => fmt(x, 1)).join(', ')];
      }),
    ),
  );
  // The instrumentation's own work per request, without HTTP: what the noisy end-to-end numbers above bound.
  const rec = new Exporter(mwSpec);
  const recordNs = nsPerOp(200_000, 5, () => {
    rec.inFlight(1);
    rec.inFlight(-1);
    rec.recordRequest('GET', '/api/items/:id', 200, 0.012, 120, 2048);
  });
  out.push(`\nRecording one request in-process (in-flight ±1, counter, 3 histograms; no HTTP): ${fmt(recordNs / 1000)} µs.`);
  return out.join('\n') + '\n';
}

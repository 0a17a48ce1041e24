// What a skeptical reviewer of the packed runtime found (values, specs, label-less series, HTTP details): each a
// test that failed before its fix.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Exporter } from '../src/exporter.js';
import { startMetricsServer } from '../src/http.js';
import type { ExporterSpec, MetricSpec } from '../src/spec.js';

const m = (p: Partial<MetricSpec> & Pick<MetricSpec, 'name' | 'type'>): MetricSpec => ({ key: p.name, help: 'h', labels: [], aggregate: 'sum', ...p });
const spec = (metrics: MetricSpec[], collectors: ExporterSpec['collectors'] = []): ExporterSpec => ({ namespace: 'a', title: 'A', metrics, collectors });
type Any = Record<string, (...args: unknown[]) => void>;

describe('values that are not numbers', () => {
  it('are refused with a TypeError, leave no series behind, and the body stays what prom-client writes', async () => {
    const e = new Exporter(spec([m({ name: 'a_c_total', type: 'counter', labels: [{ name: 'v', maxValues: 5 }] }), m({ name: 'a_g', type: 'gauge' }), m({ name: 'a_h_seconds', type: 'histogram', buckets: [1], labels: [{ name: 'k', maxValues: 5 }] })]));
    const c = e.handle('a_c_total') as unknown as Any;
    const g = e.handle('a_g') as unknown as Any;
    const h = e.handle('a_h_seconds') as unknown as Any;
    expect(() => c.inc!({ v: 'x' }, '5')).toThrow(TypeError);
    expect(() => c.inc!({ v: 'x' }, null)).toThrow(TypeError);
    expect(() => g.set!('abc')).toThrow(TypeError);
    expect(() => g.set!()).toThrow(TypeError);
    expect(() => g.inc!('2')).toThrow(TypeError);
    expect(() => h.observe!({ k: 'y' }, NaN)).toThrow(TypeError);
    g.set!(NaN); // a gauge may hold NaN, as in prom-client
    const body = (await e.exposition()).body;
    expect(body).toBe(await e.registry.metrics());
    expect(body).not.toContain('v="x"');
    expect(body).not.toContain('k="y"');
    expect(body).toContain('\na_g Nan');
  });

  it('a collector returning a value that is not a number fails its run (success 0, an error counted) and writes nothing of it', async () => {
    const e = new Exporter(spec([m({ name: 'a_depth', type: 'gauge', collector: 'q' })], [{ id: 'q', ttlSeconds: 10, timeoutSeconds: 1 }]));
    e.setCollector('q', () => ({ a_depth: 'oops' }) as never);
    const body = (await e.exposition()).body;
    expect(body).toContain('a_scrape_collector_success{collector="q"} 0');
    expect(body).toContain('a_scrape_collector_errors_total{collector="q"} 1');
    expect(body).not.toContain('oops');
  });
});

describe('specs that would make the exposition wrong are refused', () => {
  it.each([
    ['le on a histogram', m({ name: 'a_h', type: 'histogram', buckets: [1], labels: [{ name: 'le', maxValues: 2 }] }), '"le"'],
    ['quantile on a summary', m({ name: 'a_s', type: 'summary', percentiles: [0.5], labels: [{ name: 'quantile', maxValues: 2 }] }), '"quantile"'],
    ['unsorted buckets', m({ name: 'a_h', type: 'histogram', buckets: [5, 1] }), 'ascending'],
    ['a percentile of 1.5', m({ name: 'a_s', type: 'summary', percentiles: [1.5] }), 'between 0 and 1'],
    ['ageBuckets 0', m({ name: 'a_s', type: 'summary', percentiles: [0.5], ageBuckets: 0 }), 'ageBuckets'],
    ['maxAgeSeconds 0', m({ name: 'a_s', type: 'summary', percentiles: [0.5], maxAgeSeconds: 0 }), 'maxAgeSeconds'],
    ['an enum without states', m({ name: 'a_e', type: 'enum', states: [] }), 'states'],
    ['an enum with labels', m({ name: 'a_e', type: 'enum', states: ['x'], labels: [{ name: 'shard', maxValues: 2 }] }), 'no labels'],
    ['an enum of values holding the overflow value', m({ name: 'a_c_total', type: 'counter', labels: [{ name: 'v', values: ['x', '__overflow__'] }] }), '__overflow__'],
    ['a label declared twice', m({ name: 'a_c_total', type: 'counter', labels: [{ name: 'v', maxValues: 2 }, { name: 'v', maxValues: 2 }] }), 'twice'],
  ])('%s', (_what, metric, message) => {
    expect(() => new Exporter(spec([metric]))).toThrow(message);
  });
});

describe('label-less metrics', () => {
  it('show 0 from the start and again after a reset, as prom-client does; collector-fed ones show their collector\'s values', async () => {
    const e = new Exporter(spec([m({ name: 'a_jobs_total', type: 'counter' }), m({ name: 'a_g', type: 'gauge' }), m({ name: 'a_h_seconds', type: 'histogram', buckets: [1] }), m({ name: 'a_s_seconds', type: 'summary', percentiles: [0.5] }), m({ name: 'a_depth', type: 'gauge', collector: 'q' })], [{ id: 'q', ttlSeconds: 10, timeoutSeconds: 1 }]));
    e.setCollector('q', () => ({}));
    let body = (await e.exposition()).body;
    expect(body).toMatch(/^a_jobs_total 0$/m);
    expect(body).toMatch(/^a_g 0$/m);
    expect(body).toMatch(/^a_h_seconds_count 0$/m);
    expect(body).toMatch(/^a_s_seconds_count 0$/m);
    expect(body).not.toMatch(/^a_depth /m);
    (e.handle('a_jobs_total') as unknown as Any).inc!(3);
    e.registry.resetMetrics();
    body = (await e.exposition()).body;
    expect(body).toMatch(/^a_jobs_total 0$/m);
    expect(body).toBe(await e.registry.metrics());
  });
});

function get(port: number, headers: Record<string, string>): Promise<{ status: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP details', () => {
  it('basic auth reads the scheme name in any case; Accept-Encoding that prefers identity gets no gzip', async () => {
    const e = new Exporter(spec([m({ name: 'a_g', type: 'gauge' })]));
    const s = await startMetricsServer(e, { port: 0, basicAuth: { username: 'u', password: 'p:w' } });
    try {
      const port = (s.address() as AddressInfo).port;
      const cred = Buffer.from('u:p:w').toString('base64');
      expect((await get(port, { authorization: `basic ${cred}` })).status).toBe(200);
      expect((await get(port, { authorization: `BASIC  ${cred} ` })).status).toBe(200);
      expect((await get(port, { authorization: `Basic ${Buffer.from('u:x').toString('base64')}` })).status).toBe(401);
      expect((await get(port, { authorization: `Basic ${cred}`, 'accept-encoding': 'gzip;q=0.5, identity;q=1' })).encoding).toBeUndefined();
      expect((await get(port, { authorization: `Basic ${cred}`, 'accept-encoding': 'gzip, identity;q=0.5' })).encoding).toBe('gzip');
    } finally {
      s.close();
    }
  });
});

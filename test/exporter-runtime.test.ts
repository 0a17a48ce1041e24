import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './support/helpers.js';
import express from 'express';
import * as client from 'prom-client';
import Fastify from 'fastify';
import type { ExporterSpec, MetricSpec } from '@devskyy-mon/runtime';
import { Exporter, formatFamilies, OVERFLOW_VALUE, UNMATCHED_ROUTE, httpHandler, normalizePath, setupPrometheus, startMetricsServer, trackDuration, trackOperation } from '@devskyy-mon/runtime';

// Copies of ../shared/reference (see test/fixtures/python-reference/README.md).
const REFERENCE = join(ROOT, 'test', 'fixtures', 'python-reference');
const SHARED = join(ROOT, '..', 'shared', 'reference');
const ref = (name: string) => readFileSync(join(REFERENCE, name), 'utf8');

function m(partial: Partial<MetricSpec> & Pick<MetricSpec, 'name' | 'type'>): MetricSpec {
  return { key: partial.name.replace(/^t_/, '').replace(/_([a-z])/g, (_x, c: string) => c.toUpperCase()), help: 'help', labels: [], aggregate: 'sum', ...partial };
}

function spec(metrics: MetricSpec[], collectors: ExporterSpec['collectors'] = []): ExporterSpec {
  return { namespace: 't', title: 'T', metrics, collectors };
}

const servers: { close(): void }[] = [];
afterEach(() => {
  while (servers.length) servers.pop()!.close();
});

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('path normalisation', () => {
  it.each([
    ['/users/42', '/users/{id}'],
    ['/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items', '/orders/{id}/items'],
    ['/tokens/deadbeefdeadbeefdeadbeef', '/tokens/{id}'],
    ['/api/v1/items?page=2', '/api/v1/items'],
    ['/', '/'],
    ['/health/', '/health'],
    ['/v1/users/abc', '/v1/users/abc'],
  ])('%s -> %s', (input, want) => expect(normalizePath(input)).toBe(want));
});

describe('cardinality guard', () => {
  it('folds values outside an enum into one overflow value and counts them', async () => {
    const e = new Exporter(spec([m({ name: 't_requests_total', type: 'counter', labels: [{ name: 'method', values: ['GET', 'POST'] }] })]));
    const c = e.handle('requestsTotal') as { inc(l: object, v?: number): void };
    c.inc({ method: 'GET' });
    for (let i = 0; i < 100; i++) c.inc({ method: `X${i}` });
    const body = (await e.exposition()).body;
    expect(body).toContain('t_requests_total{method="GET"} 1');
    expect(body).toContain(`t_requests_total{method="${OVERFLOW_VALUE}"} 100`);
    expect(body).toContain('t_metrics_overflow_total{metric="t_requests_total",label="method"} 100');
  });

  it('allows up to max_values distinct values, then overflows', async () => {
    const e = new Exporter(spec([m({ name: 't_hits_total', type: 'counter', labels: [{ name: 'path', maxValues: 3 }] })]));
    const c = e.handle('hitsTotal') as { inc(l: object): void };
    for (let i = 0; i < 10; i++) c.inc({ path: `/p${i}` });
    c.inc({ path: '/p1' });
    const body = (await e.exposition()).body;
    expect(body.match(/^t_hits_total\{/gm)).toHaveLength(4);
    expect(body).toContain('t_hits_total{path="/p1"} 2');
    expect(body).toContain(`t_hits_total{path="${OVERFLOW_VALUE}"} 7`);
  });

  it('remembering the last accepted value never lets a missing, non-string or outside value through', async () => {
    const e = new Exporter(spec([m({ name: 't_req_total', type: 'counter', labels: [{ name: 'method', values: ['GET'] }, { name: 'path', maxValues: 2 }] })]));
    const c = e.handle('reqTotal') as { inc(l: object): void };
    // Missing labels first: the remembered values start as something no label can equal.
    c.inc({});
    c.inc({ method: 'GET', path: '/a' });
    c.inc({ method: 'GET', path: '/a' });
    c.inc({ method: 'GET' });
    c.inc({ method: 'PUT', path: '/a' });
    c.inc({ method: 'GET', path: '/b' });
    c.inc({ method: 'GET', path: '/c' });
    c.inc({ method: 'GET', path: 7 });
    const body = (await e.exposition()).body;
    const o = OVERFLOW_VALUE;
    expect(body).toContain(`t_req_total{method="${o}",path=""} 1`); // {}: "" is no method; "" takes a path slot
    expect(body).toContain('t_req_total{method="GET",path="/a"} 2');
    expect(body).toContain(`t_req_total{method="GET",path=""} 1`);
    expect(body).toContain(`t_req_total{method="${o}",path="/a"} 1`);
    expect(body).toContain(`t_req_total{method="GET",path="${o}"} 3`); // /b, /c and 7: both path slots are taken
    expect(body).toContain(`t_metrics_overflow_total{metric="t_req_total",label="method"} 2`);
    expect(body).toContain(`t_metrics_overflow_total{metric="t_req_total",label="path"} 3`);
  });
});

describe("the runtime's own series storage, through prom-client's public API", () => {
  const labels = [{ name: 'zeta', values: ['a', 'b'] }, { name: 'alpha', maxValues: 10 }];

  it('counter inc: one series whatever the key order, undeclared names dropped, odd increments refused', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels })]));
    const gen = e.handle('cTotal') as { inc(l: object, v?: number): void };
    const family = e.registry.getSingleMetric('t_c_total')!;
    gen.inc({ zeta: 'a', alpha: 'x' });
    gen.inc({ zeta: 'a', alpha: 'x' }, 2);
    gen.inc({ alpha: 'x', zeta: 'a' }, 3); // other key order, same series
    gen.inc({ zeta: 'a', alpha: 'x', extra: 'dropped' } as object, 2); // an undeclared name is dropped, not thrown
    gen.inc({ zeta: 'b', alpha: 'x', extra: 'dropped' } as object); // also when it creates the series
    expect((await family.get()).values.map((v) => [v.labels, v.value])).toEqual([
      [{ zeta: 'a', alpha: 'x' }, 8],
      [{ zeta: 'b', alpha: 'x' }, 1],
    ]);
    for (const bad of [-1, Infinity, NaN]) expect(() => gen.inc({ zeta: 'a', alpha: 'x' }, bad)).toThrow(RangeError);
    gen.inc({ zeta: 'a', alpha: 'x' }, 0);
    expect((await family.get()).values[0]!.value).toBe(8);
  });

  it('a label named like an Object.prototype member is a label like any other', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels: [{ name: 'constructor', maxValues: 3 }, { name: 'toString', values: ['x'] }] })]));
    const c = e.handle('cTotal') as { inc(l: object): void };
    c.inc({}); // both missing: "" and the overflow value, never the inherited functions
    c.inc({ constructor: 'k', toString: 'x' });
    const body = (await e.exposition()).body;
    expect(body).toContain('t_c_total{constructor="",toString="__overflow__"} 1');
    expect(body).toContain('t_c_total{constructor="k",toString="x"} 1');
    expect(body).not.toContain('function');
  });

  it('bound children write the same series; a folded child counts its overflow once', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels }), m({ name: 't_h_seconds', type: 'histogram', buckets: [1], labels })]));
    const c = e.handle('cTotal') as { inc(l: object): void; labels(l: object): { inc(v?: number): void }; reset(): void };
    const h = e.handle('hSeconds') as { labels(l: object): { observe(v: number): void } };
    const child = c.labels({ zeta: 'a', alpha: 'x' });
    for (let i = 0; i < 3; i++) child.inc();
    child.inc(4);
    c.inc({ zeta: 'a', alpha: 'x' });
    const bad = c.labels({ zeta: 'nope', alpha: 'x' });
    for (let i = 0; i < 5; i++) bad.inc();
    const hc = h.labels({ zeta: 'b', alpha: 'y' });
    hc.observe(0.5);
    hc.observe(2);
    const body = (await e.exposition()).body;
    expect(body).toContain('t_c_total{zeta="a",alpha="x"} 8');
    expect(body).toContain(`t_c_total{zeta="${OVERFLOW_VALUE}",alpha="x"} 5`);
    expect(body).toContain('t_metrics_overflow_total{metric="t_c_total",label="zeta"} 1');
    expect(body).toContain('t_h_seconds_bucket{le="1",zeta="b",alpha="y"} 1');
    expect(body).toContain('t_h_seconds_count{zeta="b",alpha="y"} 2');
    // After a reset a bound child writes a new series instead of a forgotten one.
    c.reset();
    child.inc();
    expect((await e.exposition()).body).toContain('t_c_total{zeta="a",alpha="x"} 1');
  });

  it("histogram observe: the same values as prom-client's own Histogram for the same observations", async () => {
    const buckets = [0.1, 0.5, 1, 5];
    const e = new Exporter(spec([m({ name: 't_h_seconds', type: 'histogram', buckets, labels })]));
    const gen = e.handle('hSeconds') as { observe(l: object, v: number): void };
    const mine = e.registry.getSingleMetric('t_h_seconds')!;
    const reference = new client.Histogram({ name: 't_h_seconds', help: 'help', labelNames: ['zeta', 'alpha'], buckets, registers: [] });
    const values = [0.05, 0.1, 0.1000001, 0.5, 0.7, 1, 4.99, 5, 5.01, 1e9, -3, 0, 0.3];
    for (const v of values) {
      gen.observe({ zeta: 'b', alpha: 'y' }, v);
      reference.observe({ zeta: 'b', alpha: 'y' }, v);
    }
    const strip = (vs: { labels: object; value: number; metricName?: string }[]) => vs.map(({ labels: l, value, metricName }) => ({ labels: l, value, metricName }));
    expect(strip((await mine.get()).values)).toEqual(strip((await reference.get()).values));
    const ref = new client.Registry();
    ref.registerMetric(reference);
    expect((await e.registry.getSingleMetricAsString('t_h_seconds'))).toBe(await ref.getSingleMetricAsString('t_h_seconds'));
    for (const bad of [NaN, Infinity]) expect(() => gen.observe({ zeta: 'b', alpha: 'y' }, bad)).toThrow('not a valid number');
  });

  it("live beside the application's own prom-client metrics, default metrics and default labels in one registry", async () => {
    const registry = new client.Registry();
    const own = new client.Counter({ name: 'app_jobs_total', help: 'Jobs.', registers: [registry] });
    own.inc(2);
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels })]), { registry });
    (e.handle('cTotal') as { inc(l: object): void }).inc({ zeta: 'a', alpha: 'x' });
    let body = (await e.exposition()).body;
    expect(body).toBe(await registry.metrics());
    expect(body).toContain('app_jobs_total 2');
    const withDefaults = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels })]), { defaultMetrics: true });
    expect((await withDefaults.exposition()).body).toContain('process_cpu_user_seconds_total');
    registry.setDefaultLabels({ region: 'eu' });
    body = (await e.exposition()).body;
    expect(body).toContain('t_c_total{zeta="a",alpha="x",region="eu"} 1');
    expect(body).toContain('app_jobs_total{region="eu"} 2');
    expect((await registry.metrics()).includes('devskyy_mon')).toBe(false);
    registry.resetMetrics();
    expect((await e.exposition()).body).not.toContain('t_c_total{');
  });
});

describe('collectors', () => {
  const collectorSpec = spec([m({ name: 't_pool_size', type: 'gauge', collector: 'db', labels: [{ name: 'db', values: ['a', 'b'] }] })], [{ id: 'db', ttlSeconds: 10, timeoutSeconds: 0.2 }]);

  it('caches results for the TTL', async () => {
    const e = new Exporter(collectorSpec);
    let calls = 0;
    e.setCollector('db', () => ({ poolSize: [{ labels: { db: 'a' }, value: ++calls }] }));
    await e.exposition();
    const body = (await e.exposition()).body;
    expect(calls).toBe(1);
    expect(body).toContain('t_pool_size{db="a"} 1');
    expect(body).toContain('t_scrape_collector_success{collector="db"} 1');
  });

  it('a failing collector never fails the scrape: values dropped, success 0, error counted', async () => {
    const e = new Exporter(collectorSpec);
    e.setCollector('db', () => {
      throw new Error('pool gone');
    });
    const body = (await e.exposition()).body;
    expect(body).not.toMatch(/^t_pool_size\{/m);
    expect(body).toContain('t_scrape_collector_success{collector="db"} 0');
    expect(body).toContain('t_scrape_collector_errors_total{collector="db"} 1');
  });

  it('a collector that hangs is cut off by its timeout', async () => {
    const e = new Exporter(collectorSpec);
    e.setCollector('db', () => new Promise(() => undefined));
    const t0 = performance.now();
    const body = (await e.exposition()).body;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(body).toContain('t_scrape_collector_success{collector="db"} 0');
  });

  it('rejects a collector the catalog does not have', () => {
    expect(() => new Exporter(collectorSpec).setCollector('nope', () => ({}))).toThrow(/not in the catalog/);
  });
});

describe('trackDuration and trackOperation', () => {
  const histSpec = spec([m({ name: 't_op_seconds', type: 'histogram', buckets: [0.01, 0.1, 1], labels: [{ name: 'op', values: ['a'] }] })]);

  it('time sync and async functions, and failures too', async () => {
    const e = new Exporter(histSpec);
    const h = e.handle('opSeconds') as never;
    const sync = trackDuration(h, { op: 'a' })((x: number) => x * 2);
    expect(sync(2)).toBe(4);
    const asyncFn = trackDuration(h, { op: 'a' })(async (x: number) => x + 1);
    expect(await asyncFn(1)).toBe(2);
    const failing = trackDuration(h, { op: 'a' })(async () => {
      throw new Error('boom');
    });
    await expect(failing()).rejects.toThrow('boom');
    expect(await trackOperation(h, { op: 'a' }, async () => 'ok')).toBe('ok');
    expect((await e.exposition()).body).toContain('t_op_seconds_count{op="a"} 4');
  });

  it('time a thenable that is not a native Promise (a query builder) until it settles, calling its then once', async () => {
    const e = new Exporter(histSpec);
    const h = e.handle('opSeconds') as never;
    let settle: (v: string) => void = () => undefined;
    let thenCalls = 0;
    const builder = {
      then<T>(onFulfilled: (v: string) => T, onRejected?: (err: unknown) => T): void {
        thenCalls++;
        settle = (v) => void onFulfilled(v);
        void onRejected;
      },
    };
    const query = trackDuration(h, { op: 'a' })(() => builder);
    const pending = query();
    await new Promise((r) => setImmediate(r));
    expect((await e.exposition()).body).toContain('t_op_seconds_count{op="a"} 0');
    settle('rows');
    expect(await pending).toBe('rows');
    expect((await e.exposition()).body).toContain('t_op_seconds_count{op="a"} 1');
    expect(thenCalls).toBe(1);
  });
});

describe('exposition matches Prometheus\' Python client', () => {
  const pySpec: ExporterSpec = {
    namespace: 'devskyy',
    title: 'ref',
    collectors: [],
    metrics: [
      { name: 'devskyy_webhook_retry_count_total', key: 'retry', type: 'counter', help: 'Retry attempts', labels: [{ name: 'endpoint', maxValues: 5 }], aggregate: 'sum' },
      { name: 'devskyy_platform_info', key: 'platform', type: 'info', help: 'Platform info', labels: [{ name: 'version', maxValues: 2 }, { name: 'environment', maxValues: 2 }], aggregate: 'first' },
      { name: 'devskyy_health_status', key: 'health', type: 'enum', help: 'Overall health status', labels: [], states: ['healthy', 'degraded', 'unhealthy'], aggregate: 'first' },
      { name: 'devskyy_escape_example', key: 'esc', type: 'gauge', help: 'Help with a backslash \\ and a\nnewline', labels: [{ name: 'path', maxValues: 5 }], aggregate: 'sum' },
    ],
  };

  function build() {
    const e = new Exporter(pySpec);
    (e.handle('retry') as { inc(l: object, v: number): void }).inc({ endpoint: '/hooks/order' }, 3);
    (e.handle('platform') as { info(l: object): void }).info({ version: '2.0.0', environment: 'production' });
    (e.handle('health') as { state(s: string): void }).state('healthy');
    (e.handle('esc') as { set(l: object, v: number): void }).set({ path: 'a "quoted" \\ value\nnext' }, 1);
    return e;
  }

  /** The lines of the families we share, labels sorted and numbers normalised (Python writes 1.0). */
  function normalise(text: string, families: string[]): string[] {
    return text
      .split('\n')
      .filter((l) => families.some((f) => l.startsWith(`${f}{`) || l.startsWith(`${f} `) || l.startsWith(`# HELP ${f} `) || l.startsWith(`# TYPE ${f} `)))
      .filter((l) => !/_created/.test(l))
      .map((l) => {
        if (l.startsWith('#')) return l;
        const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(l)!;
        const labels = (m[2] ?? '').match(/\w+="(?:[^"\\]|\\.)*"/g) ?? [];
        return `${m[1]}{${labels.sort().join(',')}} ${Number(m[3])}`;
      });
  }

  it('the reference copies equal the shared originals', () => {
    for (const f of ['python-client-0.16-text-0.0.4.txt', 'python-client-0.16-openmetrics.txt']) {
      if (existsSync(join(SHARED, f))) expect(ref(f)).toBe(readFileSync(join(SHARED, f), 'utf8'));
    }
  });

  it('text format 0.0.4: names, HELP/label escaping, info and enum series', async () => {
    const fams = ['devskyy_webhook_retry_count_total', 'devskyy_platform_info', 'devskyy_health_status', 'devskyy_escape_example'];
    const ours = normalise((await build().exposition()).body, fams);
    const python = normalise(ref('python-client-0.16-text-0.0.4.txt'), fams);
    expect(ours.sort()).toEqual(python.sort());
  });

  it('OpenMetrics: counter family without _total, info and stateset types, # EOF', async () => {
    const om = (await build().exposition('application/openmetrics-text; version=1.0.0')).body;
    const fams = ['devskyy_webhook_retry_count', 'devskyy_webhook_retry_count_total', 'devskyy_platform', 'devskyy_platform_info', 'devskyy_health_status', 'devskyy_escape_example'];
    const python = normalise(ref('python-client-0.16-openmetrics.txt'), fams);
    expect(normalise(om, fams).sort()).toEqual(python.sort());
    expect(om.endsWith('# EOF\n')).toBe(true);
  });
});

describe('metrics server', () => {
  async function server(opts: Parameters<typeof startMetricsServer>[1] = {}) {
    const e = new Exporter(spec([m({ name: 't_x_total', type: 'counter' })]));
    (e.handle('xTotal') as { inc(): void }).inc();
    const s = await startMetricsServer(e, { port: 0, ...opts });
    servers.push(s);
    return { e, port: (s.address() as AddressInfo).port, address: (s.address() as AddressInfo).address };
  }

  it('binds to loopback by default, serves GET and HEAD, refuses other methods', async () => {
    const { port, address } = await server();
    expect(address).toBe('127.0.0.1');
    const r = await get(port, '/metrics');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-type'])).toContain('text/plain; version=0.0.4');
    expect(r.body.toString()).toContain('t_x_total 1');
    expect((await get(port, '/metrics', {}, 'HEAD')).body.length).toBe(0);
    expect((await get(port, '/metrics', {}, 'POST')).status).toBe(405);
    expect((await get(port, '/nope')).status).toBe(404);
  });

  it('negotiates OpenMetrics and gzip', async () => {
    const { port } = await server();
    for (const [header, gzip] of [['gzip;q=0', false], ['gzip;q=0, *', false], ['*', true], ['br, gzip;q=0.5', true], ['identity', false], ['GZIP', true]] as const) {
      expect((await get(port, '/metrics', { 'accept-encoding': header })).headers['content-encoding'], header).toBe(gzip ? 'gzip' : undefined);
    }
    const r = await get(port, '/metrics', { accept: 'application/openmetrics-text; version=1.0.0', 'accept-encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(String(r.headers['content-type'])).toContain('application/openmetrics-text');
    expect(gunzipSync(r.body).toString()).toContain('# TYPE t_x counter');
  });

  it('basic auth when asked', async () => {
    const { port } = await server({ basicAuth: { username: 'u', password: 'p' } });
    expect((await get(port, '/metrics')).status).toBe(401);
    expect((await get(port, '/metrics', { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` })).status).toBe(200);
    expect((await get(port, '/metrics', { authorization: `Basic ${Buffer.from('u:x').toString('base64')}` })).status).toBe(401);
  });
});

const httpSpec = spec([
  m({ name: 't_requests_total', type: 'counter', role: 'http_requests', labels: [{ name: 'method', values: ['GET', 'POST'] }, { name: 'endpoint', maxValues: 20 }, { name: 'status', maxValues: 20 }] }),
  m({ name: 't_request_duration_seconds', type: 'histogram', role: 'http_duration', buckets: [0.1, 1], labels: [{ name: 'method', values: ['GET', 'POST'] }, { name: 'endpoint', maxValues: 20 }] }),
  m({ name: 't_in_flight', type: 'gauge', role: 'http_in_flight' }),
  m({ name: 't_errors_total', type: 'counter', role: 'http_errors', labels: [{ name: 'error_type', values: ['not_found', 'internal', 'validation'] }, { name: 'endpoint', maxValues: 20 }] }),
  m({ name: 't_exceptions_total', type: 'counter', role: 'exceptions', labels: [{ name: 'exception_type', maxValues: 10 }] }),
  m({ name: 't_health', type: 'enum', role: 'health_status', states: ['healthy', 'degraded'] }),
]);

describe('HTTP middleware', () => {
  it('Express: route templates as endpoint, unmatched routes collapsed, errors and exceptions counted, /metrics served', async () => {
    const e = new Exporter(httpSpec);
    const app = express();
    setupPrometheus(app as never, e, { health: true });
    app.get('/users/:id', (_req, res) => void res.json({ ok: true }));
    app.get('/boom', () => {
      throw new RangeError('boom');
    });
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      e.recordException(err);
      res.status(500).end();
    });
    const s = app.listen(0, '127.0.0.1');
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as AddressInfo).port;
    await get(port, '/users/42');
    await get(port, '/users/43');
    await get(port, '/missing/12345');
    await get(port, '/boom');
    const body = (await get(port, '/metrics')).body.toString();
    expect(body).toContain('t_requests_total{method="GET",endpoint="/users/:id",status="200"} 2');
    expect(body).toContain(`t_requests_total{method="GET",endpoint="${UNMATCHED_ROUTE}",status="404"} 1`);
    expect(body).toContain('t_errors_total{error_type="internal",endpoint="/boom"} 1');
    expect(body).toContain('t_exceptions_total{exception_type="RangeError"} 1');
    expect(body).toContain('t_request_duration_seconds_count{method="GET",endpoint="/users/:id"} 2');
    expect(body).toContain('t_in_flight 0');
    expect((await get(port, '/health')).body.toString()).toBe('{"status":"healthy","components":{}}');
  });

  it('Express: a request no route took (a param Express cannot decode, a middleware answering first) is unmatched, never its raw path', async () => {
    const e = new Exporter(httpSpec);
    const app = express();
    setupPrometheus(app as never, e);
    app.use('/private', (_req, res) => void res.status(401).end());
    app.get('/api/items/:id', (_req, res) => void res.json({ ok: true }));
    const s = app.listen(0, '127.0.0.1');
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as AddressInfo).port;
    for (let i = 0; i < 30; i++) await get(port, `/api/items/%ZZ${i}`);
    await get(port, '/private/x9');
    const body = (await get(port, '/metrics')).body.toString();
    expect(body).toContain(`t_requests_total{method="GET",endpoint="${UNMATCHED_ROUTE}",status="400"} 30`);
    expect(body).toContain(`t_requests_total{method="GET",endpoint="${UNMATCHED_ROUTE}",status="401"} 1`);
    expect(body).not.toContain('%ZZ');
    expect(body).not.toMatch(/t_metrics_overflow_total\{[^}]*label="endpoint"/);
  });

  it("takes nothing of the app's route space but the metrics path unless asked (the app's own /health stays its own)", async () => {
    const e = new Exporter(httpSpec);
    const app = express();
    setupPrometheus(app as never, e);
    app.get('/health', (_req, res) => void res.json({ app: 'ready' }));
    const s = app.listen(0, '127.0.0.1');
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as AddressInfo).port;
    expect((await get(port, '/health')).body.toString()).toBe('{"app":"ready"}');
    expect((await get(port, '/metrics')).body.toString()).toContain('t_requests_total{method="GET",endpoint="/health",status="200"} 1');
  });

  it('Fastify: a request the client aborts counts as 499 and leaves the in-flight gauge at 0', async () => {
    const e = new Exporter(httpSpec);
    const app = Fastify();
    setupPrometheus(app as never, e);
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 's';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push({ close: () => void app.close() });
    const port = (app.server.address() as AddressInfo).port;
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/slow' });
        req.on('error', () => resolve());
        req.on('socket', () => setTimeout(() => req.destroy(), 50));
        req.end();
      });
    }
    // Wait for the condition (the server sees each close when its handler ends), up to a limit.
    let body = '';
    for (let i = 0; i < 100 && !/status="499"\} 3/.test(body); i++) {
      await new Promise((r) => setTimeout(r, 100));
      body = (await get(port, '/metrics')).body.toString();
    }
    expect(body).toContain('t_requests_total{method="GET",endpoint="/slow",status="499"} 3');
    expect(body).toMatch(/^t_in_flight 0$/m);
  });

  it('Express: only GET and HEAD of the metrics path are the exporter\'s; the app\'s own POST /metrics stays the app\'s', async () => {
    const e = new Exporter(httpSpec);
    const app = express();
    setupPrometheus(app as never, e);
    app.post('/metrics', (_req, res) => void res.status(202).send('the app\'s'));
    const s = app.listen(0, '127.0.0.1');
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as AddressInfo).port;
    const posted = await get(port, '/metrics', {}, 'POST');
    expect(posted.status).toBe(202);
    expect(posted.body.toString()).toBe("the app's");
    expect((await get(port, '/metrics')).body.toString()).toContain('# TYPE t_requests_total counter');
  });

  it('Fastify: hooks record requests with the route template', async () => {
    const e = new Exporter(httpSpec);
    const app = Fastify();
    setupPrometheus(app as never, e);
    app.get('/items/:id', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push({ close: () => void app.close() });
    const port = (app.server.address() as AddressInfo).port;
    await get(port, '/items/7');
    const body = (await get(port, '/metrics')).body.toString();
    expect(body).toContain('t_requests_total{method="GET",endpoint="/items/:id",status="200"} 1');
  });

  it('node:http: normalises raw paths', async () => {
    const e = new Exporter(httpSpec);
    const { createServer } = await import('node:http');
    const s = createServer(httpHandler(e, (_req, res) => res.end('ok')));
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await get(port, '/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    expect((await get(port, '/metrics')).body.toString()).toContain('t_requests_total{method="GET",endpoint="/orders/{id}",status="200"} 1');
  });
});

describe('fast text exposition', () => {
  const catalogs = ['stacks/devskyy/catalog.yaml', 'test/fixtures/escaping/catalog.yaml'];

  it.each(catalogs)('is byte-identical to prom-client for %s, scrape after scrape, as series change', async (file) => {
    const { validateCatalog } = await import('../src/load/load-catalog.js');
    const { exporterSpec } = await import('../src/emit/exporter-spec.js');
    const { startDemoTraffic: demo } = await import('@devskyy-mon/runtime/demo');
    const catalog = validateCatalog(file, readFileSync(join(ROOT, file))).catalog!;
    const e = new Exporter(exporterSpec(catalog));
    for (let i = 0; i < 3; i++) {
      // One tick of demo traffic per round (start ticks once; stop cancels the timer); then wait out the
      // demo's in-flight timers (< 400 ms), so nothing changes between the two renderings.
      demo(e, { seed: 11 + i }).stop();
      await new Promise((r) => setTimeout(r, 450));
      const ours = (await e.exposition()).body;
      const theirs = await e.registry.metrics();
      expect(ours).toBe(theirs);
      const om = (await e.exposition('application/openmetrics-text; version=1.0.0')).body;
      expect(om).toBe(formatFamilies(await e.registry.getMetricsAsJSON(), true, e.kinds));
    }
  });

  it('renders special values and label-less series like prom-client', async () => {
    const e = new Exporter(spec([m({ name: 't_g', type: 'gauge', labels: [{ name: 'k', maxValues: 5 }] }), m({ name: 't_h_seconds', type: 'histogram', buckets: [0.5, 1] }), m({ name: 't_s', type: 'summary', percentiles: [0.5], maxAgeSeconds: 60, ageBuckets: 2 })]));
    const g = e.handle('g') as { set(l: object, v: number): void };
    g.set({ k: 'nan' }, NaN);
    g.set({ k: 'inf' }, Infinity);
    g.set({ k: 'neg' }, -Infinity);
    (e.handle('hSeconds') as { observe(v: number): void }).observe(0.7);
    (e.handle('s') as { observe(v: number): void }).observe(3);
    expect((await e.exposition()).body).toBe(await e.registry.metrics());
    expect((await e.exposition('application/openmetrics-text')).body).toBe(formatFamilies(await e.registry.getMetricsAsJSON(), true, e.kinds));
  });

  /** Both formats, ours against prom-client's own writer and formatOpenMetrics. */
  async function expectPromClientOutput(e: Exporter) {
    expect((await e.exposition()).body).toBe(await e.registry.metrics());
    expect((await e.exposition('application/openmetrics-text')).body).toBe(formatFamilies(await e.registry.getMetricsAsJSON(), true, e.kinds));
  }

  it('follows series added, removed and reset between scrapes', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels: [{ name: 'k', maxValues: 50 }] }), m({ name: 't_h_seconds', type: 'histogram', buckets: [0.5, 1], labels: [{ name: 'k', maxValues: 50 }] })]));
    const c = e.registry.getSingleMetric('t_c_total') as unknown as { inc(l: object): void; remove(l: object): void; reset(): void };
    const h = e.registry.getSingleMetric('t_h_seconds') as unknown as { observe(l: object, v: number): void; remove(l: object): void };
    // (The families registered in the registry are the runtime's own: inc/observe/remove/reset as prom-client's.)
    for (let i = 0; i < 5; i++) c.inc({ k: `v${i}` });
    h.observe({ k: 'a' }, 0.7);
    await expectPromClientOutput(e);
    c.inc({ k: 'new' }); // added after the first listing
    h.observe({ k: 'b' }, 0.2);
    await expectPromClientOutput(e);
    c.remove({ k: 'v2' });
    h.remove({ k: 'a' });
    await expectPromClientOutput(e);
    expect((await e.exposition()).body).not.toContain('k="v2"');
    c.inc({ k: 'v2' }); // back, now at the end of prom-client's map
    await expectPromClientOutput(e);
    c.reset(); // a new map: watched again
    c.inc({ k: 'after-reset' });
    await expectPromClientOutput(e);
    c.inc({ k: 'after-reset-2' });
    await expectPromClientOutput(e);
  });

  it('summaries: quantiles change when the window rotates, without an observation', async () => {
    const e = new Exporter(spec([m({ name: 't_s', type: 'summary', percentiles: [0.5, 0.9], maxAgeSeconds: 0.3, ageBuckets: 1, labels: [{ name: 'k', maxValues: 5 }] })]));
    const s = e.handle('s') as { observe(l: object, v: number): void };
    for (let i = 1; i <= 20; i++) s.observe({ k: 'a' }, i);
    const before = (await e.exposition()).body;
    expect(before).toMatch(/t_s\{quantile="0.5",k="a"\} (?!0\n)/);
    await expectPromClientOutput(e);
    await new Promise((r) => setTimeout(r, 400));
    const after = (await e.exposition()).body;
    // An empty window has no quantiles: NaN, as Prometheus' Go client writes (prom-client wrote 0, a value nobody observed).
    expect(after).toContain('t_s{quantile="0.5",k="a"} Nan\n');
    await expectPromClientOutput(e);
  });

  it('serves a multi-piece gzip stream that decodes to the exposition, scrape after scrape', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels: [{ name: 'endpoint', maxValues: 20000 }, { name: 'note', maxValues: 3 }] })]));
    const c = e.handle('cTotal') as { inc(l: object, v?: number): void };
    // ~1.3 MB of text: several compressed pieces, and a non-ASCII label value so UTF-8 lengths differ from string lengths.
    for (let i = 0; i < 16000; i++) c.inc({ endpoint: `/api/v1/items/${i}/détails`, note: i % 2 ? 'ü "quoted"' : 'x\\y' }, i);
    const s = await startMetricsServer(e, { port: 0 });
    servers.push(s);
    const port = (s.address() as AddressInfo).port;
    for (const accept of ['', 'application/openmetrics-text; version=1.0.0']) {
      for (let round = 0; round < 3; round++) {
        c.inc({ endpoint: `/api/v1/items/${round}/détails`, note: 'x\\y' });
        const r = await get(port, '/metrics', { accept, 'accept-encoding': 'gzip' });
        expect(r.headers['content-encoding']).toBe('gzip');
        const text = gunzipSync(r.body).toString();
        expect(text.length).toBeGreaterThan(1_000_000);
        expect(text).toBe((await e.exposition(accept)).body);
        // Unchanged since: the kept compressed body, with its length.
        const again = await get(port, '/metrics', { accept, 'accept-encoding': 'gzip' });
        expect(again.headers['content-length']).toBe(String(again.body.length));
        expect(gunzipSync(again.body).toString()).toBe(text);
      }
      const plain = await get(port, '/metrics', { accept });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toBe((await e.exposition(accept)).body);
    }
    // GNU gzip reads it as one ordinary member too.
    const r = await get(port, '/metrics', { 'accept-encoding': 'gzip' });
    // A child process with the permission flags, running the built runtime (npm test builds before it tests).
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('gzip', ['-dc'], { input: r.body, maxBuffer: 1 << 26 }).toString()).toBe((await e.exposition()).body);
  });

  it('a client leaving mid-body does not hurt the server', async () => {
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels: [{ name: 'k', maxValues: 20000 }] })]));
    const c = e.handle('cTotal') as { inc(l: object): void };
    for (let i = 0; i < 20000; i++) c.inc({ k: `value-${i}` });
    const s = await startMetricsServer(e, { port: 0 });
    servers.push(s);
    const port = (s.address() as AddressInfo).port;
    for (const encoding of ['gzip', 'identity']) {
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { 'accept-encoding': encoding } }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
      c.inc({ k: 'value-1' });
    }
    const r = await get(port, '/metrics', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(r.body).toString()).toBe((await e.exposition()).body);
  });

  it('without zlib.crc32 (Node before 20.15) gzips the whole body instead', async () => {
    const { createRequire, syncBuiltinESMExports } = await import('node:module');
    const zlib = createRequire(import.meta.url)('node:zlib') as { crc32?: unknown };
    const crc32 = zlib.crc32;
    const e = new Exporter(spec([m({ name: 't_c_total', type: 'counter', labels: [{ name: 'k', maxValues: 9000 }] })]));
    const c = e.handle('cTotal') as { inc(l: object): void };
    for (let i = 0; i < 8000; i++) c.inc({ k: `value-${i}` });
    const s = await startMetricsServer(e, { port: 0 });
    servers.push(s);
    zlib.crc32 = undefined;
    syncBuiltinESMExports();
    try {
      const r = await get((s.address() as AddressInfo).port, '/metrics', { 'accept-encoding': 'gzip' });
      expect(r.headers['content-encoding']).toBe('gzip');
      // One gzip member of the whole body, as zlib writes it: not the compression thread's pieces.
      expect(r.body.equals(gzipSync((await e.exposition()).body, { level: 1 }))).toBe(true);
    } finally {
      zlib.crc32 = crc32;
      syncBuiltinESMExports();
    }
  });
});

describe('gzip thread', () => {
  it('a thread that dies fails the scrape it was compressing, and the next scrape starts a new one', async () => {
    const { GzipThread, GZIP_THREAD } = await import('@devskyy-mon/runtime');
    // The real thread's code, behind a listener that exits when handed a chunk saying so.
    const thread = new GzipThread(`require('node:worker_threads').parentPort.on('message', (m) => { if (m.chunk === 'die') process.exit(3); });\n${GZIP_THREAD}`);
    await expect(thread.compress((sink) => ['a', 'die', 'b'].forEach(sink), () => undefined)).rejects.toThrow('gzip thread exited with code 3');
    const text = `${'line of text\n'.repeat(60_000)}é`;
    const written: Buffer[] = [];
    const kept = await thread.compress((sink) => {
      for (let i = 0; i < text.length; i += 65_536) sink(text.slice(i, i + 65_536));
    }, (b) => written.push(b));
    expect(gunzipSync(Buffer.concat(written)).toString()).toBe(text);
    expect(Buffer.concat(kept).equals(Buffer.concat(written))).toBe(true);
  });

  it('where no thread may start, says so once and is not asked again', async () => {
    const { GzipThread } = await import('@devskyy-mon/runtime');
    let tries = 0;
    const thread = new GzipThread(undefined, () => {
      tries++;
      throw new Error('ERR_ACCESS_DENIED: worker threads are not allowed');
    });
    expect(thread.usable()).toBe(false);
    expect(thread.usable()).toBe(false);
    expect(tries).toBe(1);
  });

  it("under Node's permission model without --allow-worker, gzip scrapes still work (the body is compressed whole)", async () => {
    // A child process with the permission flags, running the built runtime (npm test builds before it tests).
    const { execFileSync } = await import('node:child_process');
    const { tempDir } = await import('./support/helpers.js');
    const script = join(tempDir('perm-'), 'scrape.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      script,
      `const { Exporter, startMetricsServer } = await import(${JSON.stringify(join(ROOT, 'packages', 'runtime', 'dist', 'esm', 'index.js'))});
const e = new Exporter({ namespace: 't', title: 't', collectors: [], metrics: [{ name: 't_c_total', key: 'c', type: 'counter', help: 'h', labels: [{ name: 'k', maxValues: 9000 }], aggregate: 'sum' }] });
for (let i = 0; i < 8000; i++) e.handle('c').inc({ k: 'v' + i });
const s = await startMetricsServer(e, { port: 0 });
const r = await fetch('http://127.0.0.1:' + s.address().port + '/metrics', { headers: { 'accept-encoding': 'gzip' } });
console.log(JSON.stringify({ status: r.status, encoding: r.headers.get('content-encoding'), same: (await r.text()) === (await e.exposition()).body }));
s.close();
`,
    );
    const out = execFileSync(process.execPath, ['--experimental-permission', '--allow-fs-read=*', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(JSON.parse(out)).toEqual({ status: 200, encoding: 'gzip', same: true });
  });
});


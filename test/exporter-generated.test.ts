import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEVSKYY, MINIMAL } from './support/helpers.js';
import { tsc, writeExporter } from './support/exporter-build.js';
import { parseExposition } from './support/exposition.js';
import { Exporter } from '@devskyy-mon/runtime';
import { startDemoTraffic } from '@devskyy-mon/runtime/demo';
import { exporterSpec } from '../src/emit/exporter-spec.js';
import { validateCatalog } from '../src/load/load-catalog.js';
import { readFileSync } from 'node:fs';

const TYPES_OK = `
import { requestsTotal, requestDurationSeconds, activeRequests, healthStatus, platformInfo, setupCollectors } from './metrics.js';
requestsTotal.inc({ method: 'GET', endpoint: '/api/v1/items/{id}', status: '200' });
requestsTotal.labels({ method: 'POST', endpoint: '/x', status: '500' }).inc(2);
requestDurationSeconds.observe({ method: 'GET', endpoint: '/x' }, 0.2);
activeRequests.inc();
activeRequests.set(3);
healthStatus.state('degraded');
platformInfo.info({ version: '2.0.0', environment: 'production', node_version: 'v20' });
setupCollectors({ db_pool: async () => ({ dbPoolSize: [{ labels: { database: 'devskyy' }, value: 10 }] }) });
// @ts-expect-error: "verb" is not a label of requests_total
requestsTotal.inc({ verb: 'GET', endpoint: '/x', status: '200' });
// @ts-expect-error: FETCH is not a declared method
requestsTotal.inc({ method: 'FETCH', endpoint: '/x', status: '200' });
// @ts-expect-error: status is missing
requestsTotal.inc({ method: 'GET', endpoint: '/x' });
// @ts-expect-error: not a state of health_status
healthStatus.state('broken');
// @ts-expect-error: a label-less gauge takes no labels
activeRequests.set({ method: 'GET' }, 1);
// @ts-expect-error: analytics_db is not a declared database
setupCollectors({ db_pool: async () => ({ dbPoolSize: [{ labels: { database: 'analytics_db' }, value: 10 }] }) });
`;

describe('generated exporter (DevSkyy)', () => {
  it('compiles under tsc --strict with noUncheckedIndexedAccess, and wrong label names or values do not', async () => {
    const dir = await writeExporter(DEVSKYY, { 'types-test.ts': TYPES_OK });
    const ok = await tsc(dir, ['--noEmit']);
    expect(ok.output).toBe('');
    expect(ok.code).toBe(0);
    // The same misuse without @ts-expect-error must fail: the expectations above are not vacuous.
    writeFileSync(join(dir, 'types-test.ts'), TYPES_OK.replace(/\/\/ @ts-expect-error.*\n/g, ''));
    const bad = await tsc(dir, ['--noEmit']);
    expect(bad.code).not.toBe(0);
    expect(bad.output.match(/types-test\.ts\(\d+,\d+\): error/g)?.length).toBe(6);
  });

  it('serve (the CLI runtime) and the compiled module expose the same families, types and label names', async () => {
    const dir = await writeExporter(DEVSKYY);
    const built = await tsc(dir);
    expect(built.output).toBe('');
    const mod = (await import(join(dir, 'dist', 'metrics.js'))) as { exporter: Exporter<object> };
    const demo = startDemoTraffic(mod.exporter, { seed: 7 });
    demo.stop();
    const compiled = parseExposition((await mod.exporter.exposition()).body);

    const catalog = validateCatalog(DEVSKYY, readFileSync(DEVSKYY)).catalog!;
    const served = new Exporter(exporterSpec(catalog));
    startDemoTraffic(served, { seed: 7 }).stop();
    const cli = parseExposition((await served.exposition()).body);

    expect(Object.keys(compiled).sort()).toEqual(Object.keys(cli).sort());
    for (const [name, fam] of Object.entries(cli)) {
      expect(compiled[name]!.type, name).toBe(fam.type);
      expect(compiled[name]!.help, name).toBe(fam.help);
      expect([...compiled[name]!.labelNames].sort(), name).toEqual([...fam.labelNames].sort());
    }
    // Every catalog family has data once demo traffic ran (collectors fill on scrape).
    for (const m of catalog.metrics) expect(cli[m.fullName]?.samples ?? 0, m.fullName).toBeGreaterThan(0);
    expect(Object.keys(cli).filter((n) => n.startsWith('devskyy_'))).toHaveLength(62 + 4);
  });

  it('passes promtool check metrics for every devskyy_ series', async () => {
    const catalog = validateCatalog(DEVSKYY, readFileSync(DEVSKYY)).catalog!;
    const e = new Exporter(exporterSpec(catalog));
    startDemoTraffic(e, { seed: 3 }).stop();
    const body = (await e.exposition()).body;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the example server and the minimal catalog compile too', async () => {
    const dir = await writeExporter(MINIMAL);
    const r = await tsc(dir, ['--noEmit']);
    expect(r.output).toBe('');
  });

  it('the generated example and demo servers run under node --disallow-code-generation-from-strings (gzip, OpenMetrics, /health)', async () => {
    const dir = await writeExporter(DEVSKYY);
    expect((await tsc(dir)).output).toBe('');
    const scrape = async (port: number, path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
      return { status: r.status, type: r.headers.get('content-type') ?? '', encoding: r.headers.get('content-encoding'), body: await r.text() };
    };
    const started = async (args: string[], pattern: RegExp) => {
      const child = execa(process.execPath, ['--disallow-code-generation-from-strings', ...args], { cwd: dir, reject: false, all: true });
      let out = '';
      const ports = await new Promise<number[]>((resolve, reject) => {
        child.all!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = pattern.exec(out);
          if (m) resolve(m.slice(1).map(Number));
        });
        void child.then(() => reject(new Error(`exited: ${out}`)));
      });
      return { child, ports };
    };
    // The demo server, on a port the OS picks (it prints the address it listens on).
    const demo = await started(['dist/demo-server.js', '--port', '0'], /demo exporter on http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
    try {
      const [port] = demo.ports as [number];
      const gz = await scrape(port, '/metrics', { 'accept-encoding': 'gzip' });
      expect(gz.status).toBe(200);
      expect(gz.encoding).toBe('gzip');
      expect(gz.body).toContain('devskyy_requests_total{');
      const om = await scrape(port, '/metrics', { accept: 'application/openmetrics-text; version=1.0.0' });
      expect(om.type).toContain('application/openmetrics-text');
      expect(om.body.endsWith('# EOF\n')).toBe(true);
      // The demo moves the health state too: 503 is its answer while "unhealthy".
      const health = await scrape(port, '/health');
      expect(JSON.parse(health.body)).toHaveProperty('status');
      expect([200, 503]).toContain(health.status);
    } finally {
      demo.child.kill('SIGTERM');
    }
    // The example server: the application on one port, metrics on another (both chosen by the OS here).
    const example = await started(['dist/example-server.js', '--port', '0', '--metrics-port', '0'], /app on http:\/\/127\.0\.0\.1:(\d+), metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
    try {
      const [app, metrics] = example.ports as [number, number];
      expect((await scrape(app, '/api/v1/items/42')).status).toBe(200);
      const body = (await scrape(metrics, '/metrics', { 'accept-encoding': 'gzip' })).body;
      expect(body).toContain('devskyy_requests_total{method="GET",endpoint="/api/v1/items/{id}",status="200"} 1');
    } finally {
      example.child.kill('SIGTERM');
    }
  });
});

// Two catalogs in one Prometheus: SLO series and alerts stay apart (namespace, service and slo labels), in promtool
// and in a real Prometheus scraping both demo exporters.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/runtime/processes.js';
import { validateCatalog } from '../src/load/load-catalog.js';
import { dashboardPlans } from '../src/emit/grafana/layout.js';
import { BIN, DEVSKYY, ROOT, runInProcess, tempDir } from './support/helpers.js';

const ORDERS = join(ROOT, 'test', 'fixtures', 'shared', 'orders.yaml');

async function generateBoth(): Promise<{ devskyy: string; orders: string }> {
  const dir = tempDir('shared-prom-');
  const out = { devskyy: join(dir, 'devskyy'), orders: join(dir, 'orders') };
  for (const [catalog, to] of [[DEVSKYY, out.devskyy], [ORDERS, out.orders]] as const) {
    const r = await runInProcess(['generate', '--catalog', catalog, '--out', to]);
    expect(r.code, r.stderr).toBe(0);
  }
  return out;
}

interface TestFile {
  evaluation_interval: string;
  tests: { name: string; interval?: string; input_series: unknown[]; promql_expr_test?: unknown[]; alert_rule_test?: unknown[] }[];
}

const ruleFiles = (dirs: string[]) => dirs.flatMap((d) => [join(d, 'prometheus', 'alerts.yml'), join(d, 'prometheus', 'recording_rules.yml')]);

describe('two catalogs in one Prometheus', () => {
  it('pass one promtool test rules run with both catalogs\' rules loaded, and a healthy test of both at once', async () => {
    const out = await generateBoth();
    const dirs = [out.devskyy, out.orders];
    const read = (d: string, f: string) => parse(readFileSync(join(d, 'prometheus', 'tests', f), 'utf8')) as TestFile;
    const combined = tempDir('shared-tests-');
    const files: string[] = [];
    for (const f of ['alerts.test.yml', 'slo.test.yml']) {
      const parts = dirs.map((d) => read(d, f));
      const tests = parts.flatMap((p) => p.tests);
      if (f === 'slo.test.yml') {
        // Both services healthy at once: each catalog's SLI records are 0, side by side, with no duplicate samples.
        const healthy = parts.map((p) => p.tests.filter((t) => t.name.includes('a healthy service')));
        expect(healthy.map((h) => h.length)).toEqual([2, 2]);
        const all = healthy.flat();
        tests.push({
          name: 'both catalogs healthy at once',
          input_series: all.flatMap((t) => t.input_series),
          promql_expr_test: all.flatMap((t) => t.promql_expr_test ?? []),
          alert_rule_test: all.flatMap((t) => t.alert_rule_test ?? []),
          interval: '60s',
        });
      }
      const file = join(combined, f);
      writeFileSync(file, stringify({ rule_files: ruleFiles(dirs), evaluation_interval: parts[0]!.evaluation_interval, tests }));
      files.push(file);
    }
    const r = spawnSync('promtool', ['test', 'rules', ...files], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 180_000);

  it('one catalog with two services: each SLO counts only its own service\'s series (job)', async () => {
    const dir = tempDir('two-services-');
    const catalog = join(dir, 'catalog.yaml');
    const text = readFileSync(ORDERS, 'utf8')
      .replace('  - name: orders-api\n    port: 8101\n    exporter: demo\n', '  - name: orders-api\n    port: 8101\n    exporter: demo\n  - name: orders-worker\n    port: 8102\n    exporter: demo\n')
      .replace('slos:\n', 'slos:\n  - name: worker_availability\n    service: orders-worker\n    description: Worker requests without a server error\n    objective: 99\n    sli:\n      errors: orders_http_requests_total{status=~"5.."}\n      total: orders_http_requests_total\n');
    writeFileSync(catalog, text);
    const out = join(dir, 'out');
    const r = await runInProcess(['generate', '--catalog', catalog, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const recording = readFileSync(join(out, 'prometheus', 'recording_rules.yml'), 'utf8');
    expect(recording).toContain('sum(rate(orders_http_requests_total{job="orders-api",status=~"5.."}[5m]))');
    expect(recording).toContain('sum(rate(orders_http_requests_total{job="orders-worker",status=~"5.."}[5m]))');
    expect(recording).toContain('orders_http_request_duration_seconds_count{job="orders-api",method="GET"}');
    // The API healthy, the worker failing every request: each SLO sees its own.
    const sel = (service: string, slo: string) => `{namespace="orders", service="${service}", slo="${slo}"}`;
    const test = {
      rule_files: ruleFiles([out]),
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'orders_http_requests_total{job="orders-api", instance="a", method="GET", route="/", status="200"}', values: '0+60x30' },
            { series: 'orders_http_requests_total{job="orders-worker", instance="w", method="GET", route="/", status="500"}', values: '0+60x30' },
          ],
          promql_expr_test: [
            { expr: 'slo:sli_error:ratio_rate5m{slo="availability"}', eval_time: '20m', exp_samples: [{ labels: `slo:sli_error:ratio_rate5m${sel('orders-api', 'availability')}`, value: 0 }] },
            { expr: 'slo:sli_error:ratio_rate5m{slo="worker_availability"}', eval_time: '20m', exp_samples: [{ labels: `slo:sli_error:ratio_rate5m${sel('orders-worker', 'worker_availability')}`, value: 1 }] },
          ],
        },
      ],
    };
    const file = join(dir, 'two-services.test.yml');
    writeFileSync(file, stringify(test));
    const p = spawnSync('promtool', ['test', 'rules', file, join(out, 'prometheus', 'tests', 'slo.test.yml')], { encoding: 'utf8' });
    expect(p.status, p.stdout + p.stderr).toBe(0);
  }, 180_000);

  it('load into one real Prometheus: every rule evaluates without error and each SLO has its own series', async () => {
    const out = await generateBoth();
    const dir = tempDir('shared-live-');
    const [promPort, devskyyPort, ordersPort] = [await freePort(), await freePort(), await freePort()];
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles([out.devskyy, out.orders]),
      scrape_configs: [
        { job_name: 'devskyy', static_configs: [{ targets: [`127.0.0.1:${devskyyPort}`] }] },
        { job_name: 'orders-api', static_configs: [{ targets: [`127.0.0.1:${ordersPort}`] }] },
      ],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const children = [
      spawn(process.execPath, [BIN, 'serve', '--catalog', DEVSKYY, '--demo', '--port', String(devskyyPort)], { stdio: 'ignore' }),
      spawn(process.execPath, [BIN, 'serve', '--catalog', ORDERS, '--demo', '--port', String(ordersPort)], { stdio: 'ignore' }),
    ];
    const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    prom.stderr.on('data', (d: Buffer) => void (log += d.toString()));
    children.push(prom);
    const api = async <T>(path: string): Promise<T | undefined> => {
      try {
        return ((await (await fetch(`http://127.0.0.1:${promPort}${path}`)).json()) as { data: T }).data;
      } catch {
        return undefined;
      }
    };
    type Series = { metric: Record<string, string>; value: [number, string] };
    const sloSeries = () => api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent('{__name__=~"slo:.+"}')}`).then((d) => d?.result ?? []);
    try {
      // Wait for four scrapes of both exporters (the 5m rates need two), then for every group to evaluate after that.
      const scrapes = () => api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m]) >= 4')}`).then((d) => d?.result.length ?? 0);
      while ((await scrapes()) < 2) {
        expect(prom.exitCode, log).toBeNull();
        await sleep(500);
      }
      const since = Date.now();
      type Groups = { groups: { name: string; file: string; rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] };
      let groups: Groups['groups'] = [];
      for (;;) {
        groups = (await api<Groups>('/api/v1/rules'))?.groups ?? [];
        if (groups.length && groups.every((g) => g.rules.every((r) => Date.parse(r.lastEvaluation) > since))) break;
        await sleep(500);
      }
      const series = await sloSeries();
      const keys = series.map((s) => `${s.metric['__name__']}{namespace=${s.metric['namespace']},service=${s.metric['service']},slo=${s.metric['slo']}}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(36);
      const perCatalog = (ns: string) => new Set(series.filter((s) => s.metric['namespace'] === ns).map((s) => `${s.metric['service']}/${s.metric['slo']}`));
      expect([...perCatalog('devskyy')].sort()).toEqual(['devskyy/availability', 'devskyy/latency']);
      expect([...perCatalog('orders')].sort()).toEqual(['orders-api/availability', 'orders-api/latency']);
      // No rule reports an error (a duplicate labelset would).
      expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['devskyy_devskyy_slo_availability', 'orders_orders-api_slo_availability', 'devskyy_slo_alerts', 'orders_slo_alerts']));
      expect(groups.flatMap((g) => g.rules.filter((r) => r.health !== 'ok' || r.lastError).map((r) => `${g.name}/${r.name}: ${r.lastError}`))).toEqual([]);
      expect(log).not.toMatch(/duplicate sample|same labelset|out of order/i);
      // The SLO dashboards' queries (what verify runs, read from the same model) return each catalog's own series.
      for (const file of [DEVSKYY, ORDERS]) {
        const catalog = validateCatalog(file, readFileSync(file, 'utf8')).catalog!;
        const slo = dashboardPlans(catalog).filter((d) => d.tags.includes('slo'));
        expect(slo).toHaveLength(2);
        for (const d of slo) {
          for (const t of d.panels.flatMap((p) => p.targets)) {
            const result = (await api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(t.expr)}`))?.result ?? [];
            expect(result.map((r) => r.metric['namespace']), `${d.title}: ${t.expr}`).toEqual([catalog.namespace]);
          }
        }
      }
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  }, 180_000);
});

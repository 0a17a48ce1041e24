// devskyy-mon import: expositions from Prometheus' Python client, the DevSkyy demo exporter and node_exporter;
// rule files and dashboards, including the ones generate writes, back into a catalog.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertRuleFile, recordingRuleFile } from '../src/emit/rules.js';
import { parseExposition } from '../src/import/exposition.js';
import { importCatalog } from '../src/import/import-catalog.js';
import { shapeLabel } from '../src/import/label-shape.js';
import { withoutVariables } from '../src/import/grafana-dashboards.js';
import { loadCatalog, validateCatalog } from '../src/load/load-catalog.js';
import type { Catalog } from '../src/model/catalog.js';
import type { RawCatalog } from '../src/model/raw.js';
import { freePort } from '../src/runtime/processes.js';
import { BIN, DEVSKYY, ROOT, runBin, runInProcess, tempDir } from './support/helpers.js';

const REFERENCE = resolve(ROOT, '..', 'shared', 'reference');
const service = { port: 8000, exporter: 'external' as const };

const children: ChildProcess[] = [];
const stacks: string[] = [];
afterEach(async () => {
  while (stacks.length) await runBin(['down', '--catalog', stacks.pop()!], { env: { PATH: process.env['PATH']! } });
  while (children.length) {
    const c = children.pop()!;
    if (c.exitCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
});

function importText(text: string, opts: { rules?: { file: string; text: string }[]; dashboards?: { file: string; text: string }[]; contentType?: string } = {}) {
  const r = importCatalog(parseExposition(text, opts.contentType), opts.rules ?? [], opts.dashboards ?? [], { source: 'test', file: 'catalog.yaml', service });
  return { ...r, catalog: validateCatalog('catalog.yaml', r.text) };
}

/** Waits until a URL answers 200: no fixed sleeps. */
async function until(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startDemo(catalog: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--demo', '--catalog', catalog, '--port', String(port)], { stdio: 'ignore' });
  children.push(child);
  await until(`http://127.0.0.1:${port}/metrics`, child);
  return `http://127.0.0.1:${port}/metrics`;
}

/** What the round trip must keep: each family's type and label names. */
function shapeOf(c: Catalog): Record<string, { type: string; labels: string[] }> {
  return Object.fromEntries(c.metrics.map((m) => [m.fullName, { type: m.type, labels: m.labels.map((l) => l.name).sort() }]));
}

describe('exposition parsing', () => {
  it('a family of 200,000 samples (push(...) of that many overflowed the stack)', () => {
    const n = 200_000;
    const text = `# TYPE app_requests_total counter\n${Array.from({ length: n }, (_, i) => `app_requests_total{id="${i}"} 1`).join('\n')}\n`;
    const e = parseExposition(text);
    expect(e.families.find((f) => f.name === 'app_requests')?.samples.length ?? e.families[0]?.samples.length).toBe(n);
  });

  it('reads OpenMetrics families whole: _total/_created counters, UNIT, info, stateset, labelled histograms, escapes', () => {
    const e = parseExposition(readFileSync(join(REFERENCE, 'python-client-0.16-openmetrics.txt'), 'utf8'));
    expect(e.format).toBe('openmetrics');
    const byName = Object.fromEntries(e.families.map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['devskyy_webhook_retry_count', 'devskyy_requests', 'devskyy_active_requests', 'devskyy_request_duration_seconds', 'devskyy_order_value_usd', 'devskyy_platform', 'devskyy_health_status', 'devskyy_escape_example']);
    expect(byName['devskyy_webhook_retry_count']!.type).toBe('counter');
    expect(byName['devskyy_webhook_retry_count']!.samples.map((s) => s.name)).toEqual(['devskyy_webhook_retry_count_total', 'devskyy_webhook_retry_count_created']);
    const hist = byName['devskyy_request_duration_seconds']!;
    expect(hist.samples.filter((s) => s.name.endsWith('_bucket')).every((s) => s.labels['method'] === 'GET' && s.labels['endpoint'] === '/api/v1/items/{id}')).toBe(true);
    expect(byName['devskyy_platform']!.type).toBe('info');
    expect(byName['devskyy_health_status']!.type).toBe('stateset');
    expect(byName['devskyy_escape_example']!.help).toBe('Help with a backslash \\ and a\nnewline');
    expect(byName['devskyy_escape_example']!.samples[0]!.labels['path']).toBe('a "quoted" \\ value\nnext');
    const unit = parseExposition('# TYPE app_latency_seconds histogram\n# UNIT app_latency_seconds seconds\n# HELP app_latency_seconds Latency.\napp_latency_seconds_bucket{le="1"} 1\napp_latency_seconds_bucket{le="+Inf"} 1\napp_latency_seconds_count 1\napp_latency_seconds_sum 0.5\n# EOF');
    expect(unit.families[0]).toMatchObject({ name: 'app_latency_seconds', type: 'histogram', unit: 'seconds', help: 'Latency.' });
    // An exemplar after the value does not disturb the sample.
    const ex = parseExposition('# TYPE a_seconds histogram\na_seconds_bucket{le="1",path="/x"} 3 # {trace_id="abc def"} 0.5 1.6e9\na_seconds_bucket{le="+Inf",path="/x"} 4\na_seconds_count{path="/x"} 4\na_seconds_sum{path="/x"} 2\n# EOF\n');
    expect(ex.families[0]!.samples[0]).toEqual({ name: 'a_seconds_bucket', labels: { le: '1', path: '/x' }, value: 3 });
  });

  it('keeps U+2028/U+2029 in HELP and label values (ordinary characters in an exposition; JavaScript patterns stop at them)', () => {
    const e = parseExposition('# HELP shop_orders_total Orders\u2028placed \u2029 today\n# TYPE shop_orders_total counter\nshop_orders_total{path="/a\u2028b"} 3\n');
    expect(e.families[0]).toMatchObject({ name: 'shop_orders_total', type: 'counter', help: 'Orders\u2028placed \u2029 today' });
    expect(e.families[0]!.samples[0]).toEqual({ name: 'shop_orders_total', labels: { path: '/a\u2028b' }, value: 3 });
    // The private-use stand-ins never collide with the text's own characters.
    const own = parseExposition('# HELP x_total a\ue000b\u2028c\n# TYPE x_total counter\nx_total 1\n');
    expect(own.families[0]!.help).toBe('a\ue000b\u2028c');
  });

  it('folds the Python client text 0.0.4 _created gauges into their counters and keeps the last sample without a newline', () => {
    const e = parseExposition(readFileSync(join(REFERENCE, 'python-client-0.16-text-0.0.4.txt'), 'utf8'));
    expect(e.format).toBe('text');
    expect(e.families.map((f) => f.name)).not.toContain('devskyy_requests_created');
    const last = parseExposition('# TYPE a_b gauge\na_b 1\na_c 2');
    expect(last.families.map((f) => [f.name, f.samples.length])).toEqual([['a_b', 1], ['a_c', 1]]);
  });
});

describe('label inference', () => {
  it('declares few values an enum, many a bound with headroom, and warns about ids', () => {
    const twelve = shapeLabel('route', Array.from({ length: 12 }, (_, i) => `/r${i}`));
    expect(twelve.values).toHaveLength(12);
    expect(twelve.comment).toContain('12 values seen; declared as an enum');
    const many = shapeLabel('route', Array.from({ length: 150 }, (_, i) => `/r${i}/x`));
    expect(many.maxValues).toBe(300);
    expect(many.unbounded).toBeUndefined();
    expect(shapeLabel('request', ['0b6a2f4e-8c1d-4e3a-9f2b-1c2d3e4f5a6b', 'a3f1c2d4-0000-4e3a-9f2b-1c2d3e4f5a6b']).unbounded).toContain('UUIDs');
    expect(shapeLabel('path', ['/users/123/orders', '/users/456/orders']).unbounded).toContain('URLs with ids');
    expect(shapeLabel('at', ['1764451200', '1764451260']).unbounded).toContain('timestamps');
    expect(shapeLabel('status', ['200', '404', '500']).values).toEqual(['200', '404', '500']);
  });

  it('writes the inferred choices as comments, and the warnings into the report', () => {
    const lines = ['# HELP app_hits_total Hits.', '# TYPE app_hits_total counter'];
    for (let i = 0; i < 40; i++) lines.push(`app_hits_total{user_id="${100000 + i}",code="${[200, 404][i % 2]}"} 1`);
    const r = importText(lines.join('\n') + '\n');
    expect(r.catalog.diagnostics).toEqual([]);
    expect(r.text).toContain('# 2 values seen; declared as an enum');
    expect(r.text).toMatch(/# 40 values seen; looks unbounded: its values look like numeric ids .*Bound set to 80/);
    expect(r.report.findings.some((f) => f.subject === 'label user_id' && f.severity === 'warning')).toBe(true);
  });
});

describe('import from the Python client expositions (../shared/reference)', () => {
  for (const file of ['python-client-0.16-openmetrics.txt', 'python-client-0.16-text-0.0.4.txt']) {
    it(`${file}: every family imported with its type, HELP and labels; the catalog validates cleanly`, () => {
      const r = importText(readFileSync(join(REFERENCE, file), 'utf8'));
      expect(r.diagnostics).toEqual([]);
      expect(r.catalog.diagnostics).toEqual([]);
      const c = r.catalog.catalog!;
      const shape = shapeOf(c);
      expect(shape).toEqual({
        devskyy_webhook_retry_count_total: { type: 'counter', labels: ['endpoint'] },
        devskyy_requests_total: { type: 'counter', labels: ['endpoint', 'method', 'status'] },
        devskyy_active_requests: { type: 'gauge', labels: [] },
        devskyy_request_duration_seconds: { type: 'histogram', labels: ['endpoint', 'method'] },
        devskyy_order_value_usd: { type: 'summary', labels: [] },
        devskyy_platform_info: { type: 'info', labels: ['environment', 'version'] },
        devskyy_health_status: { type: 'enum', labels: [] },
        devskyy_escape_example: { type: 'gauge', labels: ['path'] },
      });
      const m = (n: string) => c.metrics.find((x) => x.fullName === n)!;
      expect(m('devskyy_request_duration_seconds').buckets).toEqual([0.05, 0.1, 0.5, 1]);
      expect(m('devskyy_request_duration_seconds').unit).toBe('seconds');
      expect(m('devskyy_health_status').states).toEqual(['healthy', 'degraded', 'unhealthy']);
      expect(m('devskyy_escape_example').help).toBe('Help with a backslash \\ and a\nnewline');
      expect(m('devskyy_escape_example').labels[0]!.values).toEqual(['a "quoted" \\ value\nnext']);
      // Info labels change with each release: a bound, not an enum of the one version seen.
      expect(c.labels.get('version')).toMatchObject({ maxValues: 20 });
      expect(r.text).toContain('an info label (a version, a build) changes with each release');
      if (file.includes('openmetrics')) {
        // OpenMetrics families name a counter without _total and an info without _info: seed_name keeps them.
        expect(m('devskyy_webhook_retry_count_total').seedName).toBe('webhook_retry_count');
        expect(m('devskyy_platform_info').seedName).toBe('platform');
      } else {
        expect(r.text).toContain('a gauge named _info, always 1, with labels: declared an info metric');
        expect(r.text).toContain('a 0/1 gauge labelled with its own name: declared an enum');
      }
    });
  }

  it('summarises process/runtime families instead of copying them, and names them when asked', async () => {
    const text = '# HELP process_cpu_seconds_total CPU.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n# HELP go_goroutines G.\n# TYPE go_goroutines gauge\ngo_goroutines 5\n# HELP app_up Up.\n# TYPE app_up gauge\napp_up 1\n';
    const r = importText(text);
    expect(r.raw.metrics.map((m) => m.name)).toEqual(['up']);
    expect(r.report.summarised).toEqual([
      { prefix: 'process_*', count: 1 },
      { prefix: 'go_*', count: 1 },
    ]);
    const dir = tempDir('import-');
    writeFileSync(join(dir, 'm.txt'), text);
    const cli = await runInProcess(['import', '--from-metrics', 'm.txt', '--list-standard', '--format', 'json'], dir);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { summarised: unknown }).summarised).toEqual([
      { prefix: 'process_*', count: 1, families: ['process_cpu_seconds_total'] },
      { prefix: 'go_*', count: 1, families: ['go_goroutines'] },
    ]);
    expect((await loadCatalog(join(dir, 'catalog.yaml'))).diagnostics).toEqual([]);
  });
});

describe('import from rule files and dashboards', () => {
  const expo = '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total{code="200"} 1\napp_requests_total{code="500"} 1\n';

  it('carries alerts and records from plain files and PrometheusRule objects, and reports expressions that do not fit the metrics', () => {
    const plain = 'groups:\n  - name: app\n    interval: 1m\n    limit: 10\n    rules:\n      - alert: Errors\n        expr: sum(rate(app_requests_total{code="500"}[5m])) > 1\n        for: 10m\n        labels: { severity: critical, team: web }\n        annotations: { summary: Errors, description: "{{ $value }} errors/s", runbook_url: "https://runbooks.example/errors", owner: web }\n      - alert: Typo\n        expr: rate(app_reqests_total[5m]) > 1\n      - record: app:requests:rate5m\n        expr: sum(rate(app_requests_total[5m]))\n';
    const operator = 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: { name: app }\nspec:\n  groups:\n    - name: app-extra\n      rules:\n        - alert: NoTraffic\n          expr: app:requests:rate5m == 0\n          annotations: { message: No traffic }\n';
    const r = importText(expo, { rules: [{ file: 'plain.yml', text: plain }, { file: 'op.yaml', text: operator }] });
    // Valid; what the catalog's own checks say about the imported rules is passed on.
    expect(r.catalog.diagnostics.map((d) => `${d.severity} ${d.check}`)).toEqual(['warning alert/for-missing']);
    expect(r.raw.alerts!.map((a) => a.name)).toEqual(['Errors', 'NoTraffic']);
    expect(r.raw.alerts![0]).toMatchObject({ for: '10m', severity: 'critical', summary: 'Errors', runbook: 'https://runbooks.example/errors', labels: { team: 'web' } });
    expect(r.raw.alerts![1]).toMatchObject({ group: 'app-extra', severity: 'warning', summary: 'No traffic' });
    expect(r.raw.alerting).toMatchObject({ group: 'app', interval: '1m' });
    expect(r.raw.recording_rules!.map((x) => x.record)).toEqual(['app:requests:rate5m']);
    expect(r.report.notCarried.find((n) => n.what === 'alert Typo')?.reason).toMatch(/app_reqests_total.*did you mean app_requests_total/);
    expect(r.report.notCarried.some((n) => n.what === 'annotation owner of alert Errors')).toBe(true);
    expect(r.report.notCarried.some((n) => n.what === 'limit of group app')).toBe(true);
    expect(r.text).toContain('no severity label: declared warning');

    // What generate writes from this catalog imports back to the same alerts and recording rules.
    const c = r.catalog.catalog!;
    const back = importText(expo, { rules: [{ file: 'alerts.yml', text: stringify(alertRuleFile(c)) }, { file: 'recording_rules.yml', text: stringify(recordingRuleFile(c)) }] });
    const again = back.catalog.catalog!;
    const strip = (x: Catalog) => ({ alerts: x.alerts.map(({ path: _p, ...a }) => a), records: x.recordingRules.map(({ path: _p, ...rec }) => rec), alerting: x.alerting });
    expect(strip(again)).toEqual(strip(c));
    expect(again.recordingRules).toHaveLength(1);
  });

  it('reads rule files as lint-alerts and Prometheus do: merge keys carry the shared fields, a YAML error names its line', () => {
    const merged = 'groups:\n  - name: app\n    rules:\n      - &base\n        alert: Errors\n        expr: sum(rate(app_requests_total{code="500"}[5m])) > 1\n        for: 10m\n        labels: { severity: critical, team: web }\n        annotations: { summary: Errors, description: errors }\n      - <<: *base\n        alert: MoreErrors\n        expr: sum(rate(app_requests_total{code="500"}[5m])) > 10\n';
    const r = importText(expo, { rules: [{ file: 'merged.yml', text: merged }] });
    expect(r.raw.alerts!.map((a) => a.name)).toEqual(['Errors', 'MoreErrors']);
    expect(r.raw.alerts![1]).toMatchObject({ for: '10m', severity: 'critical', summary: 'Errors', labels: { team: 'web' } });
    expect(r.report.notCarried.some((n) => n.what.startsWith('<<'))).toBe(false);
    expect(() => importText(expo, { rules: [{ file: 'bad.yml', text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        alert: B\n' }] })).toThrow(/^bad\.yml:5:9: /);
  });

  it('takes Grafana variables out of a query, or says it cannot', () => {
    expect(withoutVariables('rate(x_total{job=~"$job", code="500"}[$__rate_interval])')).toEqual({ expr: 'rate(x_total{code="500"}[5m])', changed: true });
    expect(withoutVariables('sum(rate(x_total{instance="${instance}"}[${__interval}]))')).toEqual({ expr: 'sum(rate(x_total[5m]))', changed: true });
    expect(withoutVariables('topk($n, x)')).toBeUndefined();
    expect(withoutVariables('up')).toEqual({ expr: 'up', changed: false });
  });

  it('carries Grafana panels over where the catalog can say the same, and lists the rest', () => {
    const dashboard = {
      title: 'App',
      templating: { list: [{ name: 'code' }] },
      panels: [
        { type: 'row', title: 'Traffic', collapsed: true, panels: [{ type: 'graph', title: 'Rate', yaxes: [{ format: 'reqps' }], targets: [{ refId: 'A', expr: 'sum by (code) (rate(app_requests_total{code=~"$code"}[$__rate_interval]))', legendFormat: '{{code}}' }] }] },
        { type: 'stat', title: 'Two', fieldConfig: { defaults: { unit: 'short' } }, targets: [{ refId: 'A', expr: 'sum(app_requests_total)' }, { refId: 'B', expr: 'count(app_requests_total)' }] },
        { type: 'text', title: 'Notes' },
        { type: 'timeseries', title: 'Logs', datasource: { type: 'loki', uid: 'l' }, targets: [{ refId: 'A', expr: 'sum(rate({app="shop"}[5m]))' }] },
        { type: 'timeseries', title: 'Other app', targets: [{ refId: 'A', expr: 'rate(other_thing_total[5m])' }] },
      ],
    };
    const r = importText(expo, { dashboards: [{ file: 'dash/app.json', text: JSON.stringify({ dashboard }) }] });
    expect(r.catalog.diagnostics.map((d) => `${d.severity} ${d.check}`)).toEqual(['warning promql/counter-without-rate']);
    expect(r.report.findings.some((f) => f.subject === 'panel "Two (A)" of "App"' && f.message.includes('counter-without-rate'))).toBe(true);
    expect(r.raw.dashboards).toEqual([
      {
        id: 'app',
        title: 'App',
        panels: [
          { title: 'Rate', expr: 'sum by (code) (rate(app_requests_total[5m]))', unit: 'reqps', legend: '{{code}}' },
          { title: 'Two (A)', expr: 'sum(app_requests_total)', type: 'stat', unit: 'short' },
          { title: 'Two (B)', expr: 'count(app_requests_total)', type: 'stat', unit: 'short' },
        ],
      },
    ]);
    const what = r.report.notCarried.map((n) => n.what);
    expect(what).toContain('panel "Notes" of "App"');
    expect(r.report.notCarried.find((n) => n.what === '1 query(ies) of panel "Logs" of "App"')?.reason).toBe('data source loki is not Prometheus');
    expect(what).toContain('panel "Other app" of "App"');
    expect(what).toContain('1 template variable(s) of "App"');
    expect(r.text).toContain('Grafana variables removed');
  });
});

describe('round trips', () => {
  it('the DevSkyy demo exporter imports back to the reference catalog (families, types, label names), generate\'s rules and dashboards import back to the same alerts, records and panels, and verify passes against the source', async () => {
    const reference = (await loadCatalog(DEVSKYY)).catalog!;
    const url = await startDemo(DEVSKYY);
    const dir = tempDir('import-rt-');
    const gen = join(dir, 'ref-generated');
    expect((await runBin(['generate', '--catalog', DEVSKYY, '--out', gen])).code).toBe(0);
    const dashboards = readdirSync(join(gen, 'grafana', 'dashboards')).map((f) => join(gen, 'grafana', 'dashboards', f));
    const out = join(dir, 'catalog.yaml');
    const r = await runBin(['import', '--from-metrics', url, '--from-rules', join(gen, 'prometheus', 'alerts.yml'), join(gen, 'prometheus', 'recording_rules.yml'), '--from-dashboards', ...dashboards, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const loaded = await loadCatalog(out);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const imported = loaded.catalog!;
    expect(shapeOf(imported)).toEqual(shapeOf(reference));

    // Alerts, records and panels as the catalog holds them (runbooks resolved as generate resolves them).
    const runbook = (c: Catalog, a: Catalog['alerts'][number]) => a.runbook ?? `${c.alerting.runbookBaseUrl}/${a.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
    // The overflow alert is generated (not imported) on both sides; the imported catalog has no runbook_base_url for it.
    const alerts = (c: Catalog) => c.alerts.map((a) => ({ name: a.name, group: a.group, expr: a.expr, for: a.for, severity: a.severity, summary: a.summary, description: a.description, runbook: a.path[0] === 'alerting' ? undefined : runbook(c, a), labels: a.labels }));
    expect(alerts(imported)).toEqual(alerts(reference));
    expect(imported.recordingRules.map((x) => [x.record, x.expr])).toEqual(reference.recordingRules.map((x) => [x.record, x.expr]));
    const panels = (c: Catalog) => c.dashboards.map((d) => ({ title: d.title, panels: d.panels.map((p) => ({ title: p.title, expr: p.expr, type: p.type, unit: p.unit, legend: p.legend })) }));
    expect(panels(imported)).toEqual(panels(reference));
    expect(r.stdout).toMatch(/not carried over: group devskyy_slo_alerts .*SLO/);

    // The source itself, scraped as the catalog's external service, passes every verify check.
    expect((parse(readFileSync(out, 'utf8')) as RawCatalog).services[0]).toMatchObject({ name: 'devskyy', exporter: 'external', port: Number(new URL(url).port) });
    expect((await runBin(['generate', '--catalog', out])).code).toBe(0);
    stacks.push(out);
    const up = await runBin(['up', '--catalog', out, '--runtime', 'native', '--ports', 'auto', '--fast', '--timeout', '90'], { env: { PATH: process.env['PATH']! } });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/verify: all \d+ checks passed/);
    await runBin(['down', '--catalog', stacks.pop()!], { env: { PATH: process.env['PATH']! } });

    // The imported catalog's own exporter exposes the same families, types and label names as the source.
    const again = await startDemo(out);
    const expose = async (u: string) => {
      const e = parseExposition(await (await fetch(u, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })).text(), 'application/openmetrics-text');
      return Object.fromEntries(e.families.map((f) => [f.name, { type: f.type, labels: [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))].sort() }]));
    };
    const [source, copy] = await Promise.all([expose(url), expose(again)]);
    // Except the runtime's collector families: which metrics a collector polls is not in an exposition, so the
    // imported catalog has no collectors and those families carry no series.
    const own = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => !k.startsWith('devskyy_scrape_collector_')));
    expect(own(copy)).toEqual(own(source));
    expect(Object.keys(copy).sort()).toEqual(Object.keys(source).sort());
  });

  it('node_exporter (Debian prometheus-node-exporter) imports, validates, generates, and verify passes against it as an external service', async () => {
    const bin = ['prometheus-node-exporter', 'node_exporter'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
    expect(bin, 'node_exporter is not installed: apt-get install -y prometheus-node-exporter').toBeDefined();
    const port = await freePort();
    const child = spawn(bin!, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    children.push(child);
    await until(`http://127.0.0.1:${port}/metrics`, child);
    const dir = tempDir('import-ne-');
    const out = join(dir, 'catalog.yaml');
    const imp = await runBin(['import', '--from-metrics', `http://127.0.0.1:${port}/metrics`, '--out', out]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/summarised, not copied: \d+ go_\* families/);
    const raw = parse(readFileSync(out, 'utf8')) as RawCatalog;
    expect(raw.namespace).toBe('node');
    expect(raw.services[0]).toMatchObject({ name: 'node', port, exporter: 'external' });
    expect(raw.metrics.find((m) => m.name === 'cpu_seconds_total')).toMatchObject({ type: 'counter', unit: 'seconds', labels: ['cpu', 'mode'] });
    const validate = await runBin(['validate', '--catalog', out]);
    expect(validate.code, validate.stderr).toBe(0);
    // node_exporter's own names break promtool's naming lints (node_entropy_available_bits, node_memory_AnonPages_bytes):
    // true findings, warnings only, since an external exporter's names are not the catalog's to change.
    const findings = validate.stderr.split('\n').filter((l) => /: (error|warning) \[/.test(l));
    expect(findings.filter((l) => !/: warning \[(base-unit|snake-case|unit-abbreviated|metric-type-in-name)\]/.test(l))).toEqual([]);
    expect((await runBin(['generate', '--catalog', out])).code).toBe(0);
    stacks.push(out);
    const up = await runBin(['up', '--catalog', out, '--runtime', 'native', '--ports', 'auto', '--fast', '--timeout', '90'], { env: { PATH: process.env['PATH']! } });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    for (const id of ['targets-up', 'metric-families', 'metric-labels', 'panel-queries']) expect(up.stdout).toMatch(new RegExp(`PASS {2}${id}`));
  });
});

describe('import command', () => {
  it('writes through the safe writer: never over a catalog it did not write, and nothing when the input is bad', async () => {
    const dir = tempDir('import-cli-');
    writeFileSync(join(dir, 'm.txt'), '# HELP app_up Up.\n# TYPE app_up gauge\napp_up 1\n');
    writeFileSync(join(dir, 'catalog.yaml'), 'mine\n');
    const refused = await runInProcess(['import', '--from-metrics', 'm.txt'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not generated by devskyy-mon');
    expect(readFileSync(join(dir, 'catalog.yaml'), 'utf8')).toBe('mine\n');
    expect((await runInProcess(['import', '--from-metrics', 'm.txt', '--force'], dir)).code).toBe(0);
    expect((await runInProcess(['import', '--from-metrics', 'm.txt'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'bad.txt'), '# TYPE app_x sometype\napp_x 1\n');
    const bad = await runInProcess(['import', '--from-metrics', 'bad.txt', '--out', 'other.yaml'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad.txt:1:1: error [import/exposition] unknown metric type "sometype"');
    writeFileSync(join(dir, 'broken.txt'), '# TYPE a gauge\na{x="1" 1\n');
    const broken = await runInProcess(['import', '--from-metrics', 'broken.txt', '--out', 'other.yaml'], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.txt:2:1: error [import/exposition] cannot read "a{x="1" 1"');
    const missing = await runInProcess(['import', '--from-metrics', 'nope.txt', '--out', 'other.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['.devskyy-mon-manifest.import.catalog.yaml.json', 'bad.txt', 'broken.txt', 'catalog.yaml', 'm.txt']);
  });
});

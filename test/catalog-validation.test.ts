import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { MINIMAL, positionOf, runInProcess, tempDir } from './support/helpers.js';

const BASE = readFileSync(MINIMAL, 'utf8');

function edit(from: string, to: string): string {
  if (!BASE.includes(from)) throw new Error(`base catalog lacks ${from}`);
  return BASE.replace(from, to);
}

interface BadCase {
  name: string;
  yaml: string | Uint8Array;
  check: string;
  /** Text where the caret must start (first occurrence, or the nth). */
  at?: string;
  nth?: number;
  line?: number;
  column?: number;
}

const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);

const CASES: BadCase[] = [
  { name: 'invalid metric name', yaml: edit('name: http_requests_in_flight', 'name: http-requests-in-flight'), check: 'metric-name', at: 'http-requests-in-flight' },
  { name: 'counter without _total', yaml: edit('name: http_requests_total', 'name: http_requests'), check: 'counter-suffix', at: 'http_requests\n' },
  { name: 'gauge ending in _total', yaml: edit('name: http_requests_in_flight', 'name: http_requests_in_flight_total'), check: 'counter-suffix', at: 'http_requests_in_flight_total' },
  { name: 'unit without suffix', yaml: edit('name: http_request_duration_seconds\n    type: histogram', 'name: http_request_duration\n    type: histogram'), check: 'unit-suffix', at: 'http_request_duration\n' },
  { name: 'unknown label reference', yaml: edit('labels: [method, route]', 'labels: [method, rout]'), check: 'label-unknown', at: 'rout]' },
  { name: 'reserved le on histogram', yaml: edit('  route:\n    description: Route template of the request path.', '  le:\n    description: Route template of the request path.').replace(/route\]/g, 'le]').replace('[method, route, status]', '[method, le, status]').replace(/\(route\)/g, '(le)').replace('"{{route}}"', '"{{le}}"'), check: 'label-reserved', at: 'le]', nth: 0 },
  { name: 'label with __ prefix', yaml: edit('  route:\n', '  __route:\n').replace(/\broute\b/g, '__route').replace('  ____route:', '  __route:').replace('meaning: __route', 'meaning: route'), check: 'label-reserved', at: '__route:' },
  { name: 'invalid label name', yaml: edit('  status:\n    description', '  http-status:\n    description').replace('[method, route, status]', '[method, route, http-status]'), check: 'label-name', at: 'http-status:' },
  { name: 'unsorted buckets', yaml: edit('    role: http_duration', '    role: http_duration\n    buckets: [0.1, 0.5, 0.25]'), check: 'buckets', at: '0.25' },
  { name: 'duplicate bucket', yaml: edit('    role: http_duration', '    role: http_duration\n    buckets: [0.1, 0.1]'), check: 'buckets', at: '0.1]' },
  { name: 'buckets on a gauge', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n    buckets: [1, 2]'), check: 'field-type', at: 'buckets: [1, 2]' },
  { name: 'percentile out of range', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n  - name: payload_bytes\n    type: summary\n    unit: bytes\n    category: http\n    help: Payload.\n    percentiles: [0.5, 1.5]'), check: 'percentiles', at: '1.5' },
  { name: 'enum without states', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n  - name: mode\n    type: enum\n    category: http\n    help: Mode.\n    states: []'), check: 'enum-states', at: '[]' },
  { name: 'info without _info', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n  - name: build\n    type: info\n    category: http\n    help: Build.'), check: 'info-suffix', at: 'build\n' },
  { name: 'series collision (_count)', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n  - name: http_request_duration_seconds_count\n    type: gauge\n    category: http\n    help: Clash.'), check: 'metric-collision', at: 'http_request_duration_seconds_count' },
  { name: 'duplicate metric', yaml: edit('    role: http_in_flight', '    role: http_in_flight\n  - name: http_requests_in_flight\n    type: gauge\n    category: http\n    help: Again.'), check: 'metric-collision', at: 'http_requests_in_flight', nth: 1 },
  { name: 'unknown category', yaml: edit('    category: http\n    help: HTTP requests being served.', '    category: htp\n    help: HTTP requests being served.'), check: 'category-unknown', at: 'htp' },
  { name: 'duplicate YAML key', yaml: edit('    help: HTTP requests handled.', '    help: HTTP requests handled.\n    help: Again.'), check: 'yaml-duplicate-key', at: 'help: Again', line: undefined },
  { name: 'unknown key with suggestion', yaml: edit('    help: HTTP requests handled.', '    hlep: HTTP requests handled.'), check: 'schema-unknown-key', at: 'hlep' },
  { name: 'missing required key', yaml: edit('    help: HTTP requests being served.\n', ''), check: 'schema-required', at: 'name: http_requests_in_flight' },
  { name: 'bad type value', yaml: edit('type: gauge', 'type: gage'), check: 'schema-enum', at: 'gage' },
  { name: 'bad duration', yaml: edit('scrape_interval: 15s', 'scrape_interval: 15 seconds'), check: 'schema-duration', at: '15 seconds' },
  { name: 'number where a string is needed (YAML 1.1 trap)', yaml: edit('values: [GET, HEAD', 'values: [200, HEAD'), check: 'schema-type', at: '200, ' },
  { name: 'wrong apiVersion', yaml: edit('apiVersion: devskyy-mon/v1', 'apiVersion: devskyy-mon/v2'), check: 'schema-const', at: 'devskyy-mon/v2' },
  { name: 'unknown YAML tag', yaml: edit('namespace: myapp', 'namespace: !custom myapp'), check: 'yaml-unknown-tag', at: '!custom' },
  { name: '__proto__ key', yaml: edit('title: My App', 'title: My App\n__proto__:\n  polluted: true'), check: 'yaml-unsafe-key', at: '__proto__' },
  { name: 'YAML syntax error', yaml: edit('title: My App', 'title: [My App'), check: 'yaml-syntax' },
  { name: 'two documents', yaml: BASE + '---\nnamespace: other\n', check: 'yaml-syntax' },
  { name: 'not UTF-8', yaml: new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x3a, 0x00]), check: 'yaml-encoding' },
  { name: 'alias bomb', yaml: bomb.join('\n') + '\n', check: 'yaml-alias-limit' },
  { name: 'file over the size cap', yaml: BASE + `# ${'x'.repeat(3 * 1024 * 1024)}\n`, check: 'yaml-size' },
  { name: 'alert references an unknown metric', yaml: edit('rate(myapp_http_request_duration_seconds_bucket[5m]))) > 0.5', 'rate(myapp_http_request_duraton_seconds_bucket[5m]))) > 0.5'), check: 'promql/unknown-metric', at: 'myapp_http_request_duraton_seconds_bucket' },
  { name: 'panel references an unknown metric', yaml: edit('expr: sum by (route) (rate(myapp_http_requests_total[5m]))', 'expr: sum by (route) (rate(myapp_http_request_total[5m]))'), check: 'promql/unknown-metric', at: 'myapp_http_request_total' },
  { name: 'alert expression syntax error', yaml: edit('[5m]))) > 0.5', '[5m])) > 0.5'), check: 'promql/syntax' },
  { name: 'histogram_quantile drops le', yaml: edit('histogram_quantile(0.95, sum by (le) (rate(myapp_http_request_duration_seconds_bucket[5m]))) > 0.5', 'histogram_quantile(0.95, sum(rate(myapp_http_request_duration_seconds_bucket[5m]))) > 0.5'), check: 'promql/histogram-quantile-le', at: 'sum(rate(myapp_http_request_duration_seconds_bucket' },
  { name: 'severity outside the set', yaml: edit('severity: warning', 'severity: warn'), check: 'alert/severity-unknown', at: 'warn\n' },
  { name: 'enum with labels of its own', yaml: edit('\nalerts:\n', '  - { name: state, type: enum, category: http, help: State., states: [a, b], labels: [method] }\n\nalerts:\n'), check: 'enum-labels', at: '[method] }' },
  { name: 'HTTP-role metric with a label the runtime cannot fill', yaml: edit('    meaning: route\n', '    name: where\n'), check: 'role-label', at: 'route, status]' },
  { name: 'scrape timeout longer than interval', yaml: edit('scrape_timeout: 10s', 'scrape_timeout: 20s'), check: 'scrape-timeout', at: '20s' },
];

describe('bad catalogs', () => {
  it('has at least 25 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(25));

  it.each(CASES)('$name -> [$check]', async (c) => {
    const result = validateCatalog('catalog.yaml', c.yaml);
    expect(result.catalog).toBeUndefined();
    const d = result.diagnostics.find((x) => x.check === c.check && x.severity === 'error');
    expect(d, `expected [${c.check}], got ${JSON.stringify(result.diagnostics.map((x) => `${x.check}@${x.start?.line}:${x.start?.column} ${x.message}`))}`).toBeDefined();
    if (typeof c.yaml === 'string' && c.at) {
      const want = positionOf(c.yaml, c.at, c.nth ?? 0);
      expect(d!.start).toEqual(want);
    } else if (!['yaml-encoding', 'yaml-alias-limit', 'yaml-size'].includes(c.check)) {
      expect(d!.start?.line).toBeGreaterThan(0);
    }

    // Through the CLI: exit 1, the position printed, nothing written.
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), c.yaml);
    const r = await runInProcess(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[${c.check}]`);
    if (d!.start) expect(r.stderr).toContain(`catalog.yaml:${d!.start.line}:${d!.start.column}: error [${c.check}]`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['catalog.yaml']);
  });

  it('reports every problem of a file in one run', () => {
    const yaml = edit('name: http_requests_in_flight', 'name: http-requests-in-flight').replace('labels: [method, route]', 'labels: [method, rout]');
    const checks = validateCatalog('catalog.yaml', yaml).diagnostics.map((d) => d.check);
    expect(checks).toEqual(expect.arrayContaining(['metric-name', 'label-unknown']));
  });

  it('warns where a status matcher selects codes the enum cannot hold (they would fold into __overflow__)', () => {
    const yaml = BASE.replace(/    meaning: status_code\n(    #.*\n)*    max_values: 63/, '    values: ["200", "500", "503"]').replace(
      'alerts:\n',
      'alerts:\n  - { name: ServerErrors, expr: \'sum(rate(myapp_http_requests_total{status=~"5.."}[5m])) > 1\', for: 5m, severity: warning, summary: Server errors, description: Too many. }\n',
    );
    const r = validateCatalog('catalog.yaml', yaml);
    expect(r.catalog).toBeDefined();
    const w = r.diagnostics.find((d) => d.check === 'status-domain');
    expect(w?.severity).toBe('warning');
    expect(w?.message).toContain('501, 502, 504');
    expect(w?.start).toEqual(positionOf(yaml, 'status=~"5.."', 0));
    // A bounded label (the shipped catalogs) or a list that holds every selected code: no warning.
    expect(validateCatalog('catalog.yaml', edit('alerts:\n', 'alerts:\n  - { name: ServerErrors, expr: \'sum(rate(myapp_http_requests_total{status=~"5.."}[5m])) > 1\', for: 5m, severity: warning, summary: Server errors, description: Too many. }\n')).diagnostics.filter((d) => d.check === 'status-domain')).toEqual([]);
  });

  it('suggests the key that was meant', () => {
    const d = validateCatalog('catalog.yaml', edit('    help: HTTP requests handled.', '    hlep: HTTP requests handled.')).diagnostics.find((x) => x.check === 'schema-unknown-key')!;
    expect(d.message).toContain('did you mean help?');
  });

  it('fails an alias bomb quickly', () => {
    const t0 = performance.now();
    validateCatalog('catalog.yaml', bomb.join('\n') + '\n');
    // A generous bound: the point is that expansion is cut off, not how fast the machine is.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('caret text quotes the source line', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), edit('name: http_requests_in_flight', 'name: http-requests-in-flight'));
    const r = await runInProcess(['validate'], dir);
    expect(r.stderr).toMatch(/\| {3}- name: http-requests-in-flight\n\s+\| {11}\^{23}\n/);
    expect(r.stderr).toMatch(/1 error, 0 warnings/);
  });

  it('json output for machines', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), edit('type: gauge', 'type: gage'));
    const r = await runInProcess(['validate', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.stdout) as { errors: number; diagnostics: { check: string; start: { line: number } }[] };
    expect(parsed.errors).toBe(1);
    expect(parsed.diagnostics[0]!.check).toBe('schema-enum');
  });
});

describe('the shipped catalogs', () => {
  it.each(['devskyy', 'minimal'])('%s validates without problems', (name) => {
    const file = join(import.meta.dirname, '..', 'stacks', name, 'catalog.yaml');
    const r = validateCatalog(file, readFileSync(file));
    expect(r.diagnostics).toEqual([]);
    expect(r.catalog).toBeDefined();
  });

  it('devskyy carries the guide: 62 metrics in 9 categories with the guide\'s type counts', () => {
    const file = join(import.meta.dirname, '..', 'stacks', 'devskyy', 'catalog.yaml');
    const c = validateCatalog(file, readFileSync(file)).catalog!;
    expect(c.metrics).toHaveLength(62);
    expect(c.categories).toHaveLength(9);
    const counts: Record<string, number> = {};
    for (const m of c.metrics) counts[m.type] = (counts[m.type] ?? 0) + 1;
    expect(counts).toEqual({ counter: 24, gauge: 21, histogram: 12, summary: 3, info: 1, enum: 1 });
    expect(c.alerts.map((a) => a.name)).toEqual(['HighErrorRate', 'SlowRequests', 'HighCPU', 'HighMemory', 'DatabasePoolExhaustion', 'GDPRProcessingDelay', 'DevskyyLabelValuesOverflow']);
    expect(c.dashboards.find((d) => d.id === 'overview')!.panels).toHaveLength(8);
    expect(c.metrics.find((m) => m.seedName === 'webhook_retry_count')!.fullName).toBe('devskyy_webhook_retry_count_total');
    expect(c.metrics.find((m) => m.seedName === 'platform')!.fullName).toBe('devskyy_platform_info');
  });

  it('flags the guide\'s own error-rate query, whose label sets do not match', () => {
    const file = join(import.meta.dirname, '..', 'stacks', 'devskyy', 'catalog.yaml');
    const text = readFileSync(file, 'utf8').replace(
      'expr: sum(rate(devskyy_errors_total[5m])) / sum(rate(devskyy_requests_total[5m]))\n        unit: percentunit',
      'expr: rate(devskyy_errors_total[5m]) / rate(devskyy_requests_total[5m])\n        unit: percentunit',
    );
    const d = validateCatalog(file, text).diagnostics;
    expect(d.map((x) => x.check)).toContain('promql/vector-matching');
  });
});

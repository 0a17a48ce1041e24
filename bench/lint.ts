// lint-alerts' own checks (no promtool) on 1,000 rules: wall time, median of 5.
import { readFileSync } from 'node:fs';
import { validateCatalog } from '../src/load/load-catalog.js';
import { readRuleFile } from '../src/lint/rule-file.js';
import { checkRuleFiles } from '../src/lint/lint-alerts.js';
import { fmt, table } from './util.js';

const EXPRS = [
  'sum(rate(devskyy_errors_total[5m])) / sum(rate(devskyy_requests_total[5m])) > 0.05',
  'histogram_quantile(0.95, sum by (le, endpoint) (rate(devskyy_request_duration_seconds_bucket{method="GET"}[5m]))) > 1',
  'devskyy_db_connections_active / devskyy_db_pool_size > 0.9',
  'devskyy_system_cpu_usage_percent > 80',
  'sum by (model_name) (rate(devskyy_ml_predictions_total{status="error"}[10m])) > 1',
];

export function ruleFileText(n: number): string {
  const lines = ['groups:'];
  for (let g = 0; g < n / 100; g++) {
    lines.push(`  - name: group_${g}`, '    rules:');
    for (let r = 0; r < 100; r++) {
      const i = g * 100 + r;
      lines.push(
        `      - alert: Alert${i}`,
        `        expr: ${EXPRS[i % EXPRS.length]}`,
        '        for: 5m',
        '        labels: { severity: warning }',
        `        annotations: { summary: "alert ${i}", description: "value {{ $value }} on {{ $labels.instance }}" }`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function benchLint(catalogFile: string): string {
  const catalog = validateCatalog(catalogFile, readFileSync(catalogFile)).catalog!;
  const text = ruleFileText(1000);
  const times: number[] = [];
  let problems = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const f = readRuleFile('bench.yml', text);
    problems = checkRuleFiles([f.ruleFile!], catalog).length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return '### lint-alerts own checks, 1,000 rules (parse + all checks, ms, median of 5)\n\n' + table(['rules', 'median', 'runs', 'findings'], [[1000, fmt(sorted[2]!, 0), times.map((t) => fmt(t, 0)).join(', '), problems]]) + '\n';
}

// lint-alerts' own checks against `promtool check rules` on the same generated file, in the same run.
// Half of the rules read catalog metrics (alerts), half read metrics outside the catalog (recording rules of the
// shape SLO generators emit), so the costs of both paths, and of reporting unknown metrics, are in the figure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** n rules in groups of 100: even rules alerts on catalog metrics, odd rules records over metrics outside it. */
export function ruleFileText(n: number): string {
  const lines = ['groups:'];
  for (let g = 0; g < n / 100; g++) {
    lines.push(`  - name: group_${g}`, '    rules:');
    for (let r = 0; r < 100; r++) {
      const i = g * 100 + r;
      if (i % 2) {
        lines.push(`      - record: job:some_metric_${g}_${r}:rate5m`, `        expr: sum by (job) (rate(some_metric_${g}_${r}_total{job=~"a|b|c", instance!="x"}[5m]))`);
        continue;
      }
      lines.push(
        `      - alert: Alert${i}`,
        `        expr: ${EXPRS[(i / 2) % EXPRS.length]}`,
        '        for: 5m',
        '        labels: { severity: warning }',
        `        annotations: { summary: "alert ${i}", description: "value {{ $value }} on {{ $labels.instance }}" }`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Wall time and CPU time (user + sys, from the shell's `times`) of one process. On a shared machine CPU time is
 * the steadier measure: promtool's Go runtime spreads its work over several threads, node runs on one.
 */
function timeProcess(cmd: string, args: string[]): { ms: number; cpuMs: number; status: number | null } {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `${quoted} >/dev/null 2>&1; s=$?; times; exit $s`], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const child = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  const secs = [...child.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { ms, cpuMs: secs * 1000, status: r.status };
}

/**
 * `baselineRoot`: another build of devskyy-mon (a `git archive` of an older commit, compiled), timed in the same
 * turns with the catalog, so a change is measured against what it replaces under the same load.
 */
export function benchLint(catalogFile: string, root: string, sizes = [1000, 10000], runs = 5, baselineRoot?: string): string {
  const catalog = validateCatalog(catalogFile, readFileSync(catalogFile)).catalog!;
  const dir = mkdtempSync(join(tmpdir(), 'devskyy-mon-bench-lint-'));
  const bin = join(root, 'bin', 'devskyy-mon.js');
  const promtool = process.env['PROMTOOL'] || 'promtool';
  const rows: (string | number)[][] = [];
  const loads: number[] = [];
  try {
    for (const n of sizes) {
      const file = join(dir, `rules-${n}.yml`);
      const text = ruleFileText(n);
      writeFileSync(file, text);
      const inProc: number[] = [];
      const cli: number[] = [];
      const cliCpu: number[] = [];
      const cliNoCatalog: number[] = [];
      const cliNoCatalogCpu: number[] = [];
      const prom: number[] = [];
      const promCpu: number[] = [];
      const base: number[] = [];
      const baseCpu: number[] = [];
      const cliText: number[] = [];
      const cliTextCpu: number[] = [];
      let findings = 0;
      for (let i = 0; i < runs; i++) {
        loads.push(loadavg()[0]!);
        // Taking turns, so a busy moment of the shared machine lands on one run of one side.
        const t0 = process.hrtime.bigint();
        const f = readRuleFile(file, text);
        findings = checkRuleFiles([f.ruleFile!], catalog).length;
        inProc.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const c = timeProcess(process.execPath, [bin, 'lint-alerts', '--no-promtool', '--catalog', catalogFile, '--format', 'json', file]);
        cli.push(c.ms);
        cliCpu.push(c.cpuMs);
        // The default text output quotes each finding's line: its cost is part of what a user waits for.
        const ct = timeProcess(process.execPath, [bin, 'lint-alerts', '--no-promtool', '--catalog', catalogFile, file]);
        cliText.push(ct.ms);
        cliTextCpu.push(ct.cpuMs);
        const nc = timeProcess(process.execPath, [bin, 'lint-alerts', '--no-promtool', '--format', 'json', file]);
        cliNoCatalog.push(nc.ms);
        cliNoCatalogCpu.push(nc.cpuMs);
        const p = timeProcess(promtool, ['check', 'rules', file]);
        if (p.status !== 0) throw new Error(`promtool check rules failed on the bench file (exit ${p.status})`);
        prom.push(p.ms);
        promCpu.push(p.cpuMs);
        if (baselineRoot) {
          const b = timeProcess(process.execPath, [join(baselineRoot, 'bin', 'devskyy-mon.js'), 'lint-alerts', '--no-promtool', '--catalog', catalogFile, '--format', 'json', file]);
          base.push(b.ms);
          baseCpu.push(b.cpuMs);
        }
      }
      const m = (xs: number[]) => median(xs);
      rows.push([
        n.toLocaleString('en'),
        `${fmt(m(prom), 0)} / ${fmt(m(promCpu), 0)}`,
        `${fmt(m(cli), 0)} / ${fmt(m(cliCpu), 0)}`,
        `${fmt(m(cli) / m(prom), 2)} / ${fmt(m(cliCpu) / m(promCpu), 2)}`,
        `${fmt(m(cliNoCatalog), 0)} / ${fmt(m(cliNoCatalogCpu), 0)}`,
        `${fmt(m(cliNoCatalog) / m(prom), 2)} / ${fmt(m(cliNoCatalogCpu) / m(promCpu), 2)}`,
        `${fmt(m(cliText), 0)} / ${fmt(m(cliTextCpu), 0)}`,
        fmt(m(inProc), 0),
        findings,
        ...(baselineRoot ? [`${fmt(m(base), 0)} / ${fmt(m(baseCpu), 0)}`, `${fmt(m(base) / m(prom), 2)} / ${fmt(m(baseCpu) / m(promCpu), 2)}`] : []),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const header = ['rules', 'promtool check rules', 'lint-alerts --no-promtool, catalog', 'ratio (wall / CPU)', 'lint-alerts --no-promtool, no catalog', 'ratio (wall / CPU)', 'catalog, text output', 'own checks in-process, catalog (ms)', 'findings'];
  if (baselineRoot) header.push('baseline build, catalog', 'baseline ratio (wall / CPU)');
  return (
    `### lint-alerts own checks vs promtool check rules (whole processes, wall / CPU ms, median of ${runs}, same file, same run)\n\n` +
    `1-minute load average during the run: ${fmt(Math.min(...loads), 1)} to ${fmt(Math.max(...loads), 1)} on ${cpus().length} CPUs.\n\n` +
    table(header, rows) +
    '\n'
  );
}

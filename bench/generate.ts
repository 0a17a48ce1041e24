// generate on the DevSkyy catalog and on a 2,000-metric synthetic catalog: wall time, median of 5.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fmt, table } from './util.js';

export function syntheticCatalog(metrics: number): string {
  const lines = [
    'apiVersion: devskyy-mon/v1',
    'namespace: synth',
    'services: [{ name: synth, port: 8000 }]',
    'categories:',
    ...Array.from({ length: 20 }, (_, i) => `  - { id: c${i}, title: Category ${i} }`),
    'labels:',
    '  method: { description: m, values: [GET, POST, PUT, DELETE] }',
    '  status: { description: s, values: ["200", "404", "500"] }',
    '  route: { description: r, max_values: 100 }',
    'metrics:',
  ];
  const types = ['counter', 'gauge', 'histogram', 'summary'] as const;
  for (let i = 0; i < metrics; i++) {
    const type = types[i % 4]!;
    const name = type === 'counter' ? `ops_${i}_total` : type === 'gauge' ? `level_${i}` : `latency_${i}_seconds`;
    const unit = type === 'histogram' || type === 'summary' ? ', unit: seconds' : '';
    lines.push(`  - { name: ${name}, type: ${type}${unit}, category: c${i % 20}, help: Synthetic metric ${i}., labels: [method, route${type === 'counter' ? ', status' : ''}] }`);
  }
  lines.push('dashboards:', '  - id: overview', '    title: Synthetic', '    panels:');
  for (let i = 0; i < 20; i++) lines.push(`      - { title: Ops ${i}, expr: "sum by (route) (rate(synth_ops_${i * 4}_total[5m]))" }`);
  lines.push('alerts:');
  for (let i = 0; i < 50; i++) {
    lines.push(`  - { name: Slow${i}, expr: "histogram_quantile(0.95, sum by (le) (rate(synth_latency_${i * 4 + 2}_seconds_bucket[5m]))) > 1", for: 5m, severity: warning, summary: slow, description: "p95 {{ $value | humanizeDuration }}" }`);
  }
  return lines.join('\n') + '\n';
}

function medianRun(bin: string, catalog: string, runs = 5): { median: number; all: number[] } {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(tmpdir(), 'bench-gen-'));
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [bin, 'generate', '--catalog', catalog, '--out', join(out, 'g')], { stdio: 'ignore' });
    all.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rmSync(out, { recursive: true, force: true });
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(runs / 2)]!, all };
}

export function benchGenerate(root: string): string {
  const bin = join(root, 'bin', 'devskyy-mon.js');
  const dir = mkdtempSync(join(tmpdir(), 'bench-cat-'));
  const synth = join(dir, 'catalog.yaml');
  writeFileSync(synth, syntheticCatalog(2000));
  const devskyy = medianRun(bin, join(root, 'stacks', 'devskyy', 'catalog.yaml'));
  const big = medianRun(bin, synth);
  const startup = (() => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [bin, '--version'], { stdio: 'ignore' });
      xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return xs.sort((a, b) => a - b)[2]!;
  })();
  const size = readFileSync(synth).length;
  rmSync(dir, { recursive: true, force: true });
  return (
    '### generate (whole CLI process: start, validate, generate, write; wall ms, median of 5)\n\n' +
    table(
      ['catalog', 'median', 'runs'],
      [
        ['devskyy-mon --version (process start)', fmt(startup, 0), ''],
        ['DevSkyy (62 metrics)', fmt(devskyy.median, 0), devskyy.all.map((x) => fmt(x, 0)).join(', ')],
        [`synthetic, 2,000 metrics (${Math.round(size / 1024)} KiB)`, fmt(big.median, 0), big.all.map((x) => fmt(x, 0)).join(', ')],
      ],
    ) +
    '\n'
  );
}

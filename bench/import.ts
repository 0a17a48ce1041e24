// devskyy-mon import of a 10,000-series exposition: in-process stages and the whole CLI, against the bare
// library parse as the baseline.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { parseExposition } from '../src/import/exposition.js';
import { importCatalog } from '../src/import/import-catalog.js';
import { fmt, percentile, sample, table } from './util.js';

/** A prom-client-like exposition: counters, gauges and histograms over method/route/status, `series` lines of samples. */
export function syntheticExposition(target: number): { text: string; series: number } {
  const lines: string[] = [];
  let series = 0;
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const statuses = ['200', '201', '400', '404', '500'];
  const buckets = ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '+Inf'];
  for (let f = 0; series < target; f++) {
    const kind = f % 3;
    const name = `shop_${['orders', 'payments', 'catalog', 'users', 'search'][f % 5]}_op${f}${kind === 0 ? '_total' : kind === 1 ? '_in_flight' : '_duration_seconds'}`;
    lines.push(`# HELP ${name} Family ${f}.`, `# TYPE ${name} ${kind === 0 ? 'counter' : kind === 1 ? 'gauge' : 'histogram'}`);
    for (let r = 0; r < 10 && series < target; r++) {
      for (const m of methods) {
        const base = `method="${m}",route="/api/v1/r${r}"`;
        if (kind === 2) {
          for (const le of buckets) lines.push(`${name}_bucket{${base},le="${le}"} ${r}`);
          lines.push(`${name}_sum{${base}} 1.5`, `${name}_count{${base}} ${r}`);
          series += buckets.length + 2;
        } else
          for (const s of statuses) {
            lines.push(`${name}{${base},status="${s}"} ${r * 3}`);
            series++;
          }
      }
    }
  }
  return { text: lines.join('\n') + '\n', series };
}

export async function benchImport(binPath: string): Promise<string> {
  const { text, series } = syntheticExposition(10_000);
  const service = { port: 8000, exporter: 'external' as const };
  const runs = 7;
  const bare = await sample(runs, () => parsePrometheusTextFormat(text));
  const parse = await sample(runs, () => parseExposition(text));
  const expo = parseExposition(text);
  const whole = await sample(runs, () => importCatalog(parseExposition(text), [], [], { source: 'bench', file: 'catalog.yaml', service }));
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  writeFileSync(join(dir, 'metrics.txt'), text);
  const cli: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [binPath, 'import', '--from-metrics', 'metrics.txt', '--out', `c${i}.yaml`], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
    cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  rmSync(dir, { recursive: true, force: true });
  cli.sort((a, b) => a - b);
  const med = (x: number[]) => percentile(x, 50);
  const bytes = Buffer.byteLength(text);
  return [
    `## import (${series.toLocaleString('en')} series, ${expo.families.length} families, ${(bytes / 1024).toFixed(0)} KiB of text 0.0.4)\n`,
    table(
      ['stage', 'median (ms)', 'runs', 'vs bare library parse'],
      [
        ['parse-prometheus-text-format alone (baseline)', fmt(med(bare), 1), bare.map((x) => fmt(x, 0)).join(', '), '1.00'],
        ['parseExposition (library + OpenMetrics-aware grouping)', fmt(med(parse), 1), parse.map((x) => fmt(x, 0)).join(', '), fmt(med(parse) / med(bare))],
        ['importCatalog (parse, infer, render, validate)', fmt(med(whole), 1), whole.map((x) => fmt(x, 0)).join(', '), fmt(med(whole) / med(bare))],
        ['`devskyy-mon import --from-metrics FILE` (whole process, write)', fmt(med(cli), 0), cli.map((x) => fmt(x, 0)).join(', '), fmt(med(cli) / med(bare))],
      ],
    ),
    '\nTarget: under 2 s for the whole import.\n',
  ].join('\n');
}

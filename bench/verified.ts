// `up --fast` to "all checks passed" on the DevSkyy stack, wall clock, as a user runs it (the built bin/, real
// Prometheus, Alertmanager and demo exporter on free ports), side by side with a baseline build when one is given:
//   npm run bench -- verified [runs] [baseline-package-root]
// Each run starts from nothing (a fresh folder: no TSDB, no state) and ends with `down --purge`. Besides the total
// it records when each check's PASS line appeared, which shows what the time is spent waiting for.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downAndRemove, median } from './util.js';

interface Run {
  code: number | null;
  totalMs: number;
  /** ms from spawn to the first component starting (validation and generation before it). */
  spawnMs?: number;
  /** ms from spawn to the line "up in", i.e. every component answering. */
  readyMs?: number;
  /** ms from spawn to each check's PASS line. */
  checks: Record<string, number>;
}

function runOnce(root: string, catalog: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-verified-'));
  copyFileSync(catalog, join(dir, 'catalog.yaml'));
  const bin = join(root, 'bin', 'devskyy-mon.js');
  const t0 = performance.now();
  const run: Run = { code: null, totalMs: 0, checks: {} };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'up', '--fast', '--ports', 'auto', '--timeout', '120'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const at = performance.now() - t0;
        if (line.startsWith('up in ')) run.readyMs = at;
        if (run.spawnMs === undefined && / starting /.test(line)) run.spawnMs = at;
        const m = /^(PASS|WARN|FAIL)\s+(\S+)/.exec(line);
        if (m) run.checks[m[2]!] = at;
      }
    });
    child.once('exit', (code) => {
      run.code = code;
      run.totalMs = performance.now() - t0;
      void downAndRemove(bin, dir).then(() => resolve(run));
    });
  });
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

export async function benchVerified(root: string, catalog: string, runs: number, baselineRoot?: string): Promise<string> {
  const sides: [string, string][] = [['this build', root], ...(baselineRoot ? [['baseline', baselineRoot] as [string, string]] : [])];
  const results = new Map<string, Run[]>(sides.map(([n]) => [n, []]));
  // Alternate the two builds run by run, so machine load drifts affect both alike.
  for (let i = 0; i < runs; i++) for (const [name, r] of sides) results.get(name)!.push(await runOnce(r, catalog));
  const out = ['## up --fast to verified (DevSkyy, native runtime)\n', `Wall clock from starting \`devskyy-mon up --fast --ports auto\` to its exit with every check passed, ${runs} runs each, alternating.\n`];
  out.push('| build | median (s) | runs (s) | first component started (median s) | all components ready (median s) | exit codes |', '| --- | --- | --- | --- | --- | --- |');
  for (const [name] of sides) {
    const rs = results.get(name)!;
    out.push(`| ${name} | ${sec(median(rs.map((r) => r.totalMs)))} | ${rs.map((r) => sec(r.totalMs)).join(', ')} | ${sec(median(rs.map((r) => r.spawnMs ?? NaN)))} | ${sec(median(rs.map((r) => r.readyMs ?? NaN)))} | ${rs.map((r) => r.code).join(', ')} |`);
  }
  if (baselineRoot) out.push(`\nthis build / baseline (median): ${(median(results.get('this build')!.map((r) => r.totalMs)) / median(results.get('baseline')!.map((r) => r.totalMs))).toFixed(2)}`);
  for (const [name] of sides) {
    const rs = results.get(name)!;
    const ids = [...new Set(rs.flatMap((r) => Object.keys(r.checks)))];
    out.push(`\n${name}: when each check passed (median s from start)\n`, '| check | median (s) | runs (s) |', '| --- | --- | --- |');
    for (const id of ids.sort((a, b) => median(rs.map((r) => r.checks[a] ?? NaN)) - median(rs.map((r) => r.checks[b] ?? NaN)))) out.push(`| ${id} | ${sec(median(rs.map((r) => r.checks[id] ?? NaN)))} | ${rs.map((r) => (r.checks[id] === undefined ? '-' : sec(r.checks[id]!))).join(', ')} |`);
  }
  return out.join('\n') + '\n';
}

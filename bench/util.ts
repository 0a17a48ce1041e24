// Timing helpers shared by the benchmarks: everything is measured side by side in one process run.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function sample(n: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

/**
 * ns per call of each function, best of `rounds` runs of `iterations` calls, the functions taking turns round by
 * round: a GC or a busy moment of the machine then lands on one run of one side, not on all runs of one side.
 */
export function nsPerOpSideBySide(iterations: number, rounds: number, fns: ((i: number) => void)[]): number[] {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      best[k] = Math.min(best[k]!, nsPerOp(iterations, 1, fn));
    });
  }
  return best;
}

/** ns per call of a synchronous function, best of `rounds` runs of `iterations` calls. */
export function nsPerOp(iterations: number, rounds: number, fn: (i: number) => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
  }
  return best;
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function table(headers: string[], rows: (string | number)[][]): string {
  const all = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map((r) => line(r.map(String)))].join('\n');
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** `devskyy-mon down --purge` in a bench's stack folder, then the folder removed. */
export function downAndRemove(bin: string, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const down = spawn(process.execPath, [bin, 'down', '--purge'], { cwd: dir, stdio: 'ignore' });
    down.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
      resolve();
    });
  });
}

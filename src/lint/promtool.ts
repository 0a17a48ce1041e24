// Runs Prometheus' own promtool and maps what it says into our diagnostics.
import { execa } from 'execa';
import { EnvironmentError } from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { findBinary, installHint } from '../util/binaries.js';

export async function promtoolPath(): Promise<string> {
  const p = process.env['PROMTOOL'] || (await findBinary(['promtool']));
  if (!p) throw new EnvironmentError(`promtool is not installed. ${installHint('promtool')}`);
  return p;
}

/** `promtool check rules`: one diagnostic per problem line, with its position when promtool gives one. */
export async function promtoolCheckRules(files: string[]): Promise<Diagnostic[]> {
  const bin = await promtoolPath();
  const r = await execa(bin, ['check', 'rules', ...files], { reject: false, all: true });
  if (r.exitCode === 0) return [];
  const out: Diagnostic[] = [];
  for (const raw of String(r.all ?? '').split('\n')) {
    const line = raw.trim();
    if (!line || /^Checking |^SUCCESS|^FAILED:?$/.test(line)) continue;
    const file = files.find((f) => line.startsWith(`${f}:`));
    if (!file) continue;
    const rest = line.slice(file.length + 1).trim();
    const pos = /^(\d+):(\d+): (.*)$/.exec(rest);
    out.push({
      file,
      severity: 'error',
      check: 'promtool/check',
      message: pos ? pos[3]! : rest,
      ...(pos ? { start: { line: Number(pos[1]), column: Number(pos[2]) } } : {}),
    });
  }
  if (!out.length) out.push({ file: files[0] ?? '', severity: 'error', check: 'promtool/check', message: String(r.all ?? 'promtool check rules failed').trim().split('\n').slice(-3).join(' ') });
  return out;
}

/** `promtool test rules`: one diagnostic per failed test case. */
export async function promtoolTestRules(testFile: string): Promise<Diagnostic[]> {
  const bin = await promtoolPath();
  const r = await execa(bin, ['test', 'rules', testFile], { reject: false, all: true });
  if (r.exitCode === 0) return [];
  const text = String(r.all ?? '');
  const failures = [...text.matchAll(/name: ([^,\n]+),\s*\n\s*alertname: ([^,\n]+), time: ([^,\n]+)/g)];
  if (!failures.length) return [{ file: testFile, severity: 'error', check: 'promtool/test', message: text.trim().split('\n').slice(0, 6).join(' ') }];
  return failures.map((f) => ({ file: testFile, severity: 'error' as const, check: 'promtool/test', message: `test "${f[1]!.trim()}" failed: alert ${f[2]!.trim()} at ${f[3]!.trim()} did not match the expected alerts` }));
}

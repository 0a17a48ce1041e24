import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { execa } from 'execa';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/commands/io.js';
import { pidsWithEnv } from '../../src/runtime/processes.js';
import { STATE_ENV } from '../../src/runtime/state.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'devskyy-mon.js');
export const DEVSKYY = join(ROOT, 'stacks', 'devskyy', 'catalog.yaml');
export const MINIMAL = join(ROOT, 'stacks', 'minimal', 'catalog.yaml');

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A temporary folder removed after the test. */
export function tempDir(prefix = 'devskyy-mon-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
}

/** Runs the CLI in-process with captured output. */
export async function runInProcess(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false };
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(['node', 'devskyy-mon', ...args], io);
    return { code, stdout, stderr };
  } finally {
    if (cwd) process.chdir(prev);
  }
}

/** Runs the built bin/ as a user would. */
export async function runBin(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await execa('node', [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? {}, reject: false, timeout: 60_000 });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead. */
export function expectGolden(name: string, actual: string): void {
  const path = join(ROOT, 'test', 'golden', name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${name} is missing; run UPDATE_GOLDEN=1 npm test to create it`);
  expect(actual, `differs from test/golden/${name} (UPDATE_GOLDEN=1 to refresh)`).toBe(readFileSync(path, 'utf8'));
}

/** 1-based line and column of the nth occurrence of a marker in a text. */
export function positionOf(text: string, marker: string, nth = 0): { line: number; column: number } {
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = text.indexOf(marker, idx + 1);
    if (idx < 0) throw new Error(`marker ${JSON.stringify(marker)} not found`);
  }
  const before = text.slice(0, idx);
  return { line: before.split('\n').length, column: idx - before.lastIndexOf('\n') };
}

/**
 * The stack folders a test file brings up: after each test, `devskyy-mon down` in each and a SIGKILL for any
 * process still marked with its state folder, so no process outlives the suite. Call at the top of the file.
 */
export function stopStacksAfterEach(down: (dir: string) => Promise<unknown> = (dir) => runBin(['down'], { cwd: dir, env: { PATH: process.env['PATH']! } })): string[] {
  const stacks: string[] = [];
  afterEach(async () => {
    while (stacks.length) {
      const dir = stacks.pop()!;
      await down(dir);
      for (const pid of await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'))) process.kill(pid, 'SIGKILL');
    }
  });
  return stacks;
}

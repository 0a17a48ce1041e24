import { symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { validateCatalog } from '../../src/load/load-catalog.js';
import { generate } from '../../src/generate.js';
import { ROOT, tempDir } from './helpers.js';

/** Generates a catalog's exporter folder into a temp dir, wired to this repo's node_modules. */
export async function writeExporter(catalogFile: string, extraFiles: Record<string, string> = {}): Promise<string> {
  const r = validateCatalog(catalogFile, readFileSync(catalogFile));
  if (!r.catalog) throw new Error(JSON.stringify(r.diagnostics));
  const dir = join(tempDir('exporter-'), 'exporter');
  for (const a of await generate(r.catalog)) {
    if (!a.path.startsWith('exporter/')) continue;
    const p = join(dir, a.path.slice('exporter/'.length));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, a.content);
  }
  for (const [p, c] of Object.entries(extraFiles)) writeFileSync(join(dir, p), c);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export async function tsc(dir: string, args: string[] = []): Promise<{ code: number; output: string }> {
  const r = await execa(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', ...args], { cwd: dir, reject: false, all: true });
  return { code: r.exitCode ?? -1, output: String(r.all ?? '') };
}

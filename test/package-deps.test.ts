// What the installed CLI and runtime import at run time must be among what npm installs with them: a package
// imported by src/ but listed only under devDependencies works from a clone and fails after `npm i devskyy-mon`.
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

/** Package names a source file loads at run time: static imports and exports other than `import type`, and import(). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s+)?['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s)).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

function installedWith(pkgDir: string): Set<string> {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  return new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
}

describe('run-time imports are dependencies, not devDependencies', () => {
  it.each([
    ['devskyy-mon', ROOT, ['src', 'bin']],
    ['@devskyy-mon/runtime', join(ROOT, 'packages', 'runtime'), ['src']],
  ])('%s', (_name, dir, folders) => {
    const allowed = installedWith(dir);
    const missing = folders.flatMap((f) => sources(join(dir, f))).flatMap((file) => runtimeImports(file).filter((p) => !allowed.has(p)).map((p) => `${relative(ROOT, file)} imports ${p}`));
    expect(missing).toEqual([]);
  });
});

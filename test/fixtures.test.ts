// Golden-file cases: test/fixtures/<case>/catalog.yaml beside expected/, the output generate must produce.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import { Exporter } from '@devskyy-mon/runtime';
import { startDemoTraffic } from '@devskyy-mon/runtime/demo';
import { exporterSpec } from '../src/emit/exporter-spec.js';
import { ROOT, expectGolden, runInProcess, tempDir } from './support/helpers.js';
import { tsc, writeExporter } from './support/exporter-build.js';

const FIXTURES = join(ROOT, 'test', 'fixtures');
const cases = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'catalog.yaml')));

describe.each(cases)('fixture %s', (name) => {
  const file = join(FIXTURES, name, 'catalog.yaml');
  const load = () => {
    const r = validateCatalog(file, readFileSync(file));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return r.catalog!;
  };

  it('generates the expected files', async () => {
    for (const a of await generate(load())) expectGolden(`../fixtures/${name}/expected/${a.path}`, a.content);
  });

  it('passes promtool check config, promtool test rules and amtool', async () => {
    const out = join(tempDir(), 'out');
    const r = await runInProcess(['generate', '--catalog', file, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    for (const [bin, args] of [
      ['promtool', ['check', 'config', join(out, 'prometheus', 'prometheus.yml')]],
      ['promtool', ['test', 'rules', join(out, 'prometheus', 'tests', 'alerts.test.yml')]],
      ['amtool', ['check-config', join(out, 'alertmanager', 'alertmanager.yml')]],
    ] as const) {
      const p = spawnSync(bin, args, { encoding: 'utf8' });
      expect(p.status, `${bin} ${args.join(' ')}\n${p.stdout}${p.stderr}`).toBe(0);
    }
  });

  it('the generated exporter compiles strict, and its exposition escapes help and label values', async () => {
    const dir = await writeExporter(file);
    expect((await tsc(dir, ['--noEmit'])).output).toBe('');
    const e = new Exporter(exporterSpec(load()));
    startDemoTraffic(e, { seed: 1 }).stop();
    const body = (await e.exposition()).body;
    const p = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(p.stdout + p.stderr).toBe('');
    if (name === 'escaping') {
      expect(body).toContain('# HELP edge_escape_example Help with a backslash \\\\ and a\\nnewline, and "quotes" */ and {{ braces }}');
      (e.handle('escapeExample') as { set(l: object, v: number): void }).set({ path: '/a "quoted" \\ value' }, 1);
      (e.handle('escapeExample') as { set(l: object, v: number): void }).set({ path: 'multi\nline' }, 2);
      const after = (await e.exposition()).body;
      expect(after).toContain('edge_escape_example{path="/a \\"quoted\\" \\\\ value"} 1');
      expect(after).toContain('edge_escape_example{path="multi\\nline"} 2');
      expect(after).toContain('edge_state{edge_state="busy \\"really\\""} 0');
    }
  });
});

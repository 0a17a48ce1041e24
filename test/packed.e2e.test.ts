// Where users meet the product: both packages packed as npm would publish them, installed from the tarballs in
// a folder outside the repository, and used from there: the CLI brings a stack up and verifies it, and an
// Express app compiled with strict TypeScript presets, as ESM and as CommonJS, runs on the runtime.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/helpers.js';

const work = join(tmpdir(), `devskyy-mon-packed-${process.pid}`);
const project = join(work, 'project');
// npm runs many things; give it the time a loaded machine needs (these are limits, not waits).
const LONG = 600_000;

async function run(cmd: string, args: string[], cwd: string) {
  const r = await execa(cmd, args, { cwd, reject: false, all: true, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  return { code: r.exitCode ?? -1, out: String(r.all ?? '') };
}

async function must(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.out}`);
  return r.out;
}

const npx = (args: string[], cwd: string) => run(join(project, 'node_modules', '.bin', 'devskyy-mon'), args, cwd);

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  // The packages as published: `npm pack` of the workspace package and of the CLI (npm test built both).
  await must('npm', ['pack', '--pack-destination', work, '-w', '@devskyy-mon/runtime'], ROOT);
  await must('npm', ['pack', '--pack-destination', work], ROOT);
  const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  expect(tarballs.sort()).toEqual(['devskyy-mon-0.1.0.tgz', 'devskyy-mon-runtime-0.1.0.tgz']);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, version: '1.0.0' }));
  // What the README tells users to install, from the tarballs; everything else from the registry.
  await must('npm', ['install', '--no-save', join(work, 'devskyy-mon-0.1.0.tgz'), join(work, 'devskyy-mon-runtime-0.1.0.tgz'), 'prom-client@^15', 'express@^5', '@types/express@^5', 'typescript@~5.9', '@types/node@^20'], project);
}, LONG);

afterAll(async () => {
  await npx(['down', '--catalog', 'p/catalog.yaml'], project);
  // The tarballs and the installed project (about 100 MB of node_modules) would otherwise stay in /tmp per run.
  rmSync(work, { recursive: true, force: true });
});

describe('installed from the packed tarballs, outside the repository', () => {
  it('init, generate, up --ports auto --fast, verify and down from the installed CLI', async () => {
    expect((await npx(['init', 'p', '--template', 'minimal'], project)).code).toBe(0);
    const p = join(project, 'p');
    const gen = await npx(['generate'], p);
    expect(gen.out).not.toMatch(/error/i);
    expect(gen.code).toBe(0);
    // Every target from the installed package (the Kubernetes emitter's libraries were once devDependencies).
    const k8s = await npx(['generate', '--target', 'kubernetes', '--out', 'k8s'], p);
    expect(k8s.code, k8s.out).toBe(0);
    // lint-alerts reads rule files with the installed js-yaml (events) and yaml (composer): the generated rule
    // files with the catalog, and the PrometheusRule object without one, from a folder holding no catalog.
    const lint = await npx(['lint-alerts', '--no-promtool'], p);
    expect(lint.code, lint.out).toBe(0);
    const lintK8s = await npx(['lint-alerts', '--no-promtool', '--format', 'json', join('p', 'k8s', 'kubernetes', 'prometheus-rule.yaml')], project);
    expect(lintK8s.code, lintK8s.out).toBe(0);
    const up = await npx(['up', '--ports', 'auto', '--fast'], p);
    expect(up.out).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(up.code, up.out).toBe(0);
    const verify = await npx(['verify', '--format', 'json'], p);
    expect(verify.code, verify.out).toBe(0);
    // The minimal template's own `route` label is filled (it was always "" when only `endpoint` was bound).
    // preview finds uPlot and its page script in the installed package.
    const preview = await npx(['preview', '--range', '5m'], p);
    expect(preview.code, preview.out).toBe(0);
    expect(readFileSync(join(p, 'generated', 'preview', 'index.html'), 'utf8')).toContain('<table class="alerts">');
    const down = await npx(['down'], p);
    expect(down.code, down.out).toBe(0);
  }, LONG);

  const APP = `import express from 'express';
import type { AddressInfo } from 'node:net';
import { Exporter, setupPrometheus } from '@devskyy-mon/runtime';
import type { ExporterSpec } from '@devskyy-mon/runtime';

const spec: ExporterSpec = {
  namespace: 'shop',
  title: 'Shop',
  collectors: [],
  metrics: [
    { name: 'shop_http_requests_total', key: 'requests', type: 'counter', help: 'Requests.', role: 'http_requests', aggregate: 'sum',
      labels: [{ name: 'method', values: ['GET', 'POST'] }, { name: 'route', maxValues: 20 }, { name: 'code', meaning: 'status_code', maxValues: 63 }] },
  ],
};
const exporter = new Exporter(spec);
const app = express();
setupPrometheus(app, exporter);
app.get('/items/:id', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  void fetch('http://127.0.0.1:' + port + '/items/7')
    .then(() => fetch('http://127.0.0.1:' + port + '/metrics'))
    .then((r) => r.text())
    .then((body) => {
      console.log(body.split('\\n').find((l) => l.startsWith('shop_http_requests_total{')));
      server.close();
    });
});
`;

  it.each(['module', 'commonjs'])('an Express app on the installed runtime compiles with strict presets as %s and runs', async (type) => {
    const dir = join(project, `app-${type}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(dir, 'app.ts'), APP);
    const flags = ['--strict', '--noUnusedLocals', '--noUnusedParameters', '--exactOptionalPropertyTypes', '--noUncheckedIndexedAccess', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'dist', 'app.ts'];
    const tsc = await run(join(project, 'node_modules', '.bin', 'tsc'), flags, dir);
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);
    const ran = await run(process.execPath, ['--disallow-code-generation-from-strings', 'dist/app.js'], dir);
    expect(ran.code, ran.out).toBe(0);
    expect(ran.out.trim()).toBe('shop_http_requests_total{method="GET",route="/items/:id",code="200"} 1');
  }, LONG);
});

// verify tells the truth about the live stack: renamed metrics and changed rules, a healthy app without errors,
// an external app's target, a component that is down, a compose runtime without an engine. Real Prometheus and
// Alertmanager on free ports.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runBin, stopStacksAfterEach, tempDir } from './support/helpers.js';

const stacks = stopStacksAfterEach();
const env = (extra: Record<string, string> = {}) => ({ PATH: process.env['PATH']!, ...extra });


async function stackDir(template: string): Promise<string> {
  const dir = tempDir('verify-live-');
  stacks.push(dir);
  const r = await runBin(['init', '--template', template], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

interface Check {
  id: string;
  ok: boolean;
  status: string;
  detail: string;
  warnings: string[];
  notes: string[];
}
const checks = (stdout: string) => (JSON.parse(stdout.slice(stdout.indexOf('{\n'), stdout.lastIndexOf('\n}') + 2)) as { ok: boolean; checks: Check[] }).checks;
const byId = (cs: Check[], id: string) => cs.find((c) => c.id === id)!;

describe('a changed catalog on a running stack', () => {
  it('renamed metric and label, changed threshold: verify sees the change, up applies it, verify passes without --purge', async () => {
    const dir = await stackDir('minimal');
    const file = join(dir, 'catalog.yaml');
    // The label is renamed route -> endpoint (its meaning, the route template, stays).
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\broute\b/g, 'endpoint').replace('meaning: endpoint', 'meaning: route'));
    const up = await runBin(['up', '--fast', '--ports', 'auto', '--timeout', '60'], { cwd: dir, env: env() });
    expect(up.code, up.stdout + up.stderr).toBe(0);

    const text = readFileSync(file, 'utf8');
    const changed = text
      .replace('name: http_requests_in_flight', 'name: http_requests_active')
      .replace('  method:\n    description:', '  method:\n    name: http_method\n    description:')
      .replace('[5m]))) > 0.5', '[5m]))) > 0.75');
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    expect((await runBin(['generate'], { cwd: dir, env: env() })).code).toBe(0);

    // Before up applies it, the live stack is the old one and verify says so (it used to pass on the old rules).
    const stale = await runBin(['verify', '--format', 'json', '--timeout', '3'], { cwd: dir, env: env() });
    expect(stale.code).toBe(1);
    const s = checks(stale.stdout);
    expect(byId(s, 'rules-current').ok).toBe(false);
    expect(byId(s, 'rules-current').detail).toContain('> 0.75');
    expect(byId(s, 'metric-families').detail).toContain('myapp_http_requests_active is not exposed');
    expect(byId(s, 'metric-families').detail).toContain('myapp_http_requests_in_flight is exposed but not in the catalog');

    const again = await runBin(['up', '--fast', '--ports', 'auto', '--timeout', '60'], { cwd: dir, env: env() });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('already up (native); applied what changed');
    expect(again.stdout).toContain('exporter:myapp restarted');
    expect(again.stdout).toContain('prometheus reloaded (alerts.yml changed)');
    expect(again.stdout).toMatch(/PASS {2}rules-current/);

    const verify = await runBin(['verify', '--format', 'json', '--timeout', '60'], { cwd: dir, env: env() });
    expect(verify.code, verify.stdout).toBe(0);
    const v = checks(verify.stdout);
    for (const c of v) expect(c.status, `${c.id}: ${c.detail}`).not.toBe('fail');
    expect(byId(v, 'metric-labels').detail).not.toContain('method');

    // Nothing changed since: up says so and reloads nothing.
    const same = await runBin(['up', '--fast', '--ports', 'auto', '--no-verify'], { cwd: dir, env: env() });
    expect(same.stdout).toContain('already up (native), nothing changed');
  }, 240_000);
});

/** An app of our own: fixed text exposition, so what it exposes (and does not) is exactly known. */
async function externalApp(body: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const appCatalog = (port: number) => `apiVersion: devskyy-mon/v1
namespace: app
title: App
services:
  - { name: app, host: 127.0.0.1, port: ${port}, exporter: external }
categories:
  - { id: http, title: HTTP }
labels:
  status: { description: Status code., values: ["200", "500"] }
  queue: { description: Queue., values: [mail, billing] }
metrics:
  - { name: http_requests_total, type: counter, category: http, help: Requests., labels: [status] }
  - { name: jobs_failed_total, type: counter, category: http, help: Failed jobs., labels: [queue] }
  - { name: legacy_imports_total, type: counter, category: http, help: Imports from the old system., optional: true }
dashboards:
  - id: overview
    title: App
    panels:
      - { title: Error ratio, expr: 'sum(rate(app_http_requests_total{status=~"5.."}[5m])) / sum(rate(app_http_requests_total[5m]))', unit: percentunit }
      - { title: Failed jobs, expr: 'sum(rate(app_jobs_failed_total[5m]))' }
      - { title: Legacy imports, expr: 'sum(rate(app_legacy_imports_total[5m]))', optional: true }
`;

// A healthy app: only 200s, a labelled counter registered but never incremented, an optional metric it lacks.
const healthyBody = `# HELP app_http_requests_total Requests.
# TYPE app_http_requests_total counter
app_http_requests_total{status="200"} 42
# HELP app_jobs_failed_total Failed jobs.
# TYPE app_jobs_failed_total counter
`;

describe('a healthy external app', () => {
  it('passes with zero 5xx (noted), a counter without samples (warning), an optional metric absent (noted); status shows its target; logs explain', async () => {
    const app = await externalApp(healthyBody);
    const dir = tempDir('verify-app-');
    stacks.push(dir);
    writeFileSync(join(dir, 'catalog.yaml'), appCatalog(app.port));
    try {
      const up = await runBin(['up', '--fast', '--ports', 'auto', '--timeout', '60'], { cwd: dir, env: env() });
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expect(up.stdout).toMatch(/WARN {2}metric-labels .*\n {6}warning: registered but no samples yet \(labels not checked\): app_jobs_failed_total/);
      expect(up.stdout).toMatch(/note: empty result with every metric present \(nothing to show, e\.g\. zero errors\): App \/ Error ratio/);
      expect(up.stdout).toContain('optional, no data: App / Legacy imports');
      expect(up.stdout).toMatch(/warning: no data yet, metrics registered but without samples: App \/ Failed jobs \(app_jobs_failed_total\)/);
      expect(up.stdout).toMatch(/PASS {2}alert-pipeline .*routed it to devskyy-mon-verify/);

      const status = JSON.parse((await runBin(['status', '--format', 'json'], { cwd: dir, env: env() })).stdout) as { targets: { job: string; health: string; scrapeUrl: string }[] };
      expect(status.targets.find((t) => t.job === 'app')).toMatchObject({ health: 'up', scrapeUrl: `http://127.0.0.1:${app.port}/metrics` });

      const logs = await runBin(['logs', 'app'], { cwd: dir, env: env() });
      expect(logs.code).toBe(0);
      expect(logs.stdout).toContain('app is an external app');
      expect(logs.stdout).toContain(`Prometheus scrapes http://127.0.0.1:${app.port}/metrics: up`);

      // The app goes away: status shows the target down with Prometheus' own error (waiting for the next scrape).
      await app.close();
      let target: { health: string; lastError: string } | undefined;
      for (let i = 0; i < 240 && target?.health !== 'down'; i++) {
        await sleep(250);
        target = (JSON.parse((await runBin(['status', '--format', 'json'], { cwd: dir, env: env() })).stdout) as { targets: { job: string; health: string; lastError: string }[] }).targets.find((t) => t.job === 'app');
      }
      expect(target?.health).toBe('down');
      expect(target?.lastError).toMatch(/connection refused/);
      expect((await runBin(['status'], { cwd: dir, env: env() })).stdout).toMatch(/app +down .*last error: .*connection refused/);
      // And verify does not pass its families on what Prometheus remembers of the app (target metadata outlives it).
      const gone = await runBin(['verify', '--format', 'json', '--timeout', '5'], { cwd: dir, env: env() });
      expect(gone.code).toBe(1);
      expect(byId(checks(gone.stdout), 'metric-families').ok).toBe(false);
      expect(byId(checks(gone.stdout), 'metric-families').detail).toContain('not up');
      // Panels without data are put down to the target that is down, not to metrics "without samples yet".
      const panelWords = JSON.stringify(byId(checks(gone.stdout), 'panel-queries'));
      expect(panelWords).not.toContain('no data yet');
      expect(panelWords).toContain('is not up');
    } finally {
      await app.close().catch(() => undefined);
    }
  }, 180_000);

  it('the same app without the registered counter fails: a metric absent from the target is not a metric without samples', async () => {
    const app = await externalApp(healthyBody.split('# HELP app_jobs_failed_total')[0]!);
    const dir = tempDir('verify-app-');
    stacks.push(dir);
    writeFileSync(join(dir, 'catalog.yaml'), appCatalog(app.port));
    try {
      const up = await runBin(['up', '--fast', '--ports', 'auto', '--timeout', '8', '--format', 'json'], { cwd: dir, env: env() });
      expect(up.code).toBe(1);
      const cs = checks(up.stdout);
      expect(byId(cs, 'metric-families').detail).toContain('app_jobs_failed_total is not exposed by app');
      expect(byId(cs, 'metric-families').detail).not.toContain('legacy');
      expect(byId(cs, 'panel-queries').detail).toContain('App / Failed jobs: no data, app_jobs_failed_total not exposed by any target');
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('a stack devskyy-mon does not manage', () => {
  it('verify proves the connection Prometheus -> Alertmanager, warns that delivery was not proven, and posts no alert', async () => {
    const app = await externalApp(healthyBody.replace('# HELP app_jobs_failed_total', 'app_legacy_imports_total 1\n# HELP app_jobs_failed_total'));
    const dir = tempDir('verify-unmanaged-');
    const free = async () => {
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      const port = (s.address() as AddressInfo).port;
      await new Promise((r) => s.close(r));
      return port;
    };
    const [promPort, amPort] = [await free(), await free()];
    writeFileSync(join(dir, 'catalog.yaml'), appCatalog(app.port).replace('services:', 'defaults: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }\nservices:'));
    expect((await runBin(['generate'], { cwd: dir, env: env() })).code).toBe(0);
    // Someone else's stack: the generated files, their own Prometheus and Alertmanager, no devskyy-mon state.
    const gen = join(dir, 'generated');
    writeFileSync(join(gen, 'prometheus', 'targets', 'prometheus.json'), JSON.stringify([{ targets: [`127.0.0.1:${promPort}`], labels: {} }]));
    writeFileSync(join(gen, 'prometheus', 'targets', 'alertmanager.json'), JSON.stringify([{ targets: [`127.0.0.1:${amPort}`], labels: {} }]));
    const am = spawn('prometheus-alertmanager', [`--config.file=${join(gen, 'alertmanager', 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], { stdio: 'ignore' });
    const prom = spawn('prometheus', [`--config.file=${join(gen, 'prometheus', 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    try {
      const r = await runBin(['verify', '--format', 'json', '--timeout', '50', '--prometheus-url', `http://127.0.0.1:${promPort}`, '--alertmanager-url', `http://127.0.0.1:${amPort}`], { cwd: dir, env: env() });
      const cs = checks(r.stdout);
      expect(r.code, r.stdout).toBe(0);
      const pipeline = byId(cs, 'alert-pipeline');
      expect(pipeline.status).toBe('warn');
      expect(pipeline.detail).toBe(`Prometheus sends alerts to http://127.0.0.1:${amPort}/api/v2/alerts`);
      expect(pipeline.warnings[0]).toContain('delivery not proven');
      // The intervals are the stack's own business here; jobs, paths, rules and routes are compared.
      expect(byId(cs, 'config-current').ok).toBe(true);
      expect(byId(cs, 'rules-current').ok).toBe(true);
      const alerts = (await (await fetch(`http://127.0.0.1:${amPort}/api/v2/alerts`)).json()) as unknown[];
      expect(alerts).toEqual([]);
    } finally {
      prom.kill('SIGKILL');
      am.kill('SIGKILL');
      await app.close();
    }
  }, 120_000);
});

describe('a component down, and a runtime that cannot run', () => {
  it('verify names a Prometheus that does not answer once, with its URL, and fails', async () => {
    const dir = await stackDir('minimal');
    expect((await runBin(['up', '--fast', '--ports', 'auto', '--no-verify'], { cwd: dir, env: env() })).code).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, '.devskyy-mon', 'state.json'), 'utf8')) as { components: { name: string; pid: number; url: string }[] };
    const prom = state.components.find((c) => c.name === 'prometheus')!;
    process.kill(prom.pid, 'SIGKILL');
    const r = await runBin(['verify', '--timeout', '30'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout.match(/DOWN {2}prometheus at /g)).toHaveLength(1);
    expect(r.stdout).toContain(`DOWN  prometheus at ${prom.url} does not answer (ECONNREFUSED)`);
    expect(r.stdout).not.toContain('fetch failed');
    expect(r.stdout).toMatch(/FAIL {2}targets-up .*not checked: prometheus at/);
  });

  it('verify given URLs that are not Prometheus or Alertmanager: exit 2 naming the URL, once', async () => {
    const dir = await stackDir('minimal');
    const other = createServer((_req, res) => void res.writeHead(404).end('404 page not found\n'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const r = await runBin(['verify', '--prometheus-url', url, '--alertmanager-url', url, '--timeout', '5'], { cwd: dir, env: env() });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`${url} does not answer as the Prometheus HTTP API (GET /api/v1/query gave HTTP 404); check --prometheus-url`);
    } finally {
      other.close();
    }
  });

  it('up --runtime compose without a Docker engine says what is missing and how to get it, no traceback', async () => {
    const dir = await stackDir('minimal');
    const bin = join(dir, 'fakebin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nif [ "$1" = info ]; then echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1; fi\nexit 0\n');
    chmodSync(join(bin, 'docker'), 0o755);
    const r = await runBin(['up', '--runtime', 'compose'], { cwd: dir, env: env({ PATH: `${bin}:${process.env['PATH']}` }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a Docker engine, and none answers (Cannot connect to the Docker daemon');
    expect(r.stderr).toContain('install Docker Engine');
    expect(r.stderr).toContain('--runtime native');
    expect(r.stderr).not.toContain('Traceback');
    // down and logs of a compose stack whose engine went away say the same, instead of docker-compose's error.
    mkdirSync(join(dir, '.devskyy-mon'), { recursive: true });
    writeFileSync(join(dir, '.devskyy-mon', 'state.json'), JSON.stringify({ runtime: 'compose', catalog: join(dir, 'catalog.yaml'), generated: join(dir, 'generated'), startedAt: '', components: [] }));
    for (const args of [['down'], ['logs']]) {
      const x = await runBin(args, { cwd: dir, env: env({ PATH: `${bin}:${process.env['PATH']}` }) });
      expect(x.code, args[0]).toBe(2);
      expect(x.stderr).toContain('needs a Docker engine, and none answers');
      expect(x.stderr).not.toContain('Traceback');
    }
    rmSync(join(dir, '.devskyy-mon'), { recursive: true });
    // This machine's own case: docker-compose (Python) installed, no docker command.
    if (!spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim()) {
      const real = await runBin(['up', '--runtime', 'compose'], { cwd: dir, env: env() });
      expect(real.code).toBe(2);
      expect(real.stderr).toContain('there is no docker command on PATH');
      expect(real.stderr).not.toContain('Traceback');
    }
  });
});

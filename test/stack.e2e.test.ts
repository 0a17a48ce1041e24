// The stack commands end to end with the real Prometheus and Alertmanager from Debian, on free ports.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidsWithEnv, alive } from '../src/runtime/processes.js';
import { STATE_ENV } from '../src/runtime/state.js';
import { composeArgs, engineAnswers } from '../src/runtime/compose.js';
import type { AddressInfo } from 'node:net';
import { Exporter, startMetricsServer } from '@devskyy-mon/runtime';
import { BIN, runBin, stopStacksAfterEach, tempDir } from './support/helpers.js';

const which = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();
const stacks = stopStacksAfterEach();


async function stackDir(template = 'devskyy'): Promise<string> {
  const dir = tempDir('stack-');
  stacks.push(dir);
  const r = await runBin(['init', '--template', template], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const env = (extra: Record<string, string> = {}) => ({ PATH: process.env['PATH']!, ...extra });

describe('up / status / verify / down (native runtime)', () => {
  it('brings the DevSkyy stack up, verifies every check, shows it healthy, and leaves nothing behind', async () => {
    const dir = await stackDir();
    const up = await runBin(['up', '--fast', '--ports', 'auto', '--timeout', '60'], { cwd: dir, env: env() });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    for (const id of ['targets-up', 'metric-families', 'metric-labels', 'rules-healthy', 'rules-current', 'config-current', 'alert-expressions', 'panel-queries', 'alert-pipeline']) expect(up.stdout).toMatch(new RegExp(`PASS {2}${id}`));
    expect(up.stdout).toMatch(/up to verified in \d+\.\ds/);

    const status = JSON.parse((await runBin(['status', '--format', 'json'], { cwd: dir, env: env() })).stdout) as { components: { name: string; state: string; health: string; pid?: number; url?: string }[] };
    const running = status.components.filter((c) => c.state === 'running');
    expect(running.map((c) => c.name).sort()).toEqual(['alertmanager', 'exporter:devskyy', 'prometheus']);
    for (const c of running) expect(c.health, c.name).toBe('healthy');
    if (!which('grafana-server') && !which('grafana')) expect(status.components.find((c) => c.name === 'grafana')?.state).toBe('not installed');

    const verify = await runBin(['verify', '--format', 'json'], { cwd: dir, env: env() });
    expect(verify.code).toBe(0);
    expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);

    const again = await runBin(['up', '--fast', '--ports', 'auto'], { cwd: dir, env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already up');

    const logs = await runBin(['logs', 'prometheus', '-n', '5'], { cwd: dir, env: env() });
    expect(logs.stdout).toContain('==> prometheus');

    const pids = running.map((c) => c.pid!);
    const urls = running.map((c) => c.url!);
    const down = await runBin(['down'], { cwd: dir, env: env() });
    expect(down.code).toBe(0);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    for (const url of urls) await expect(fetch(url, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    expect((await runBin(['down'], { cwd: dir, env: env() })).stdout).toContain('nothing was running');
  });

  it('stops what it started when interrupted (SIGINT)', async () => {
    const dir = await stackDir('minimal');
    const child = spawn(process.execPath, [BIN, 'up', '--fast', '--ports', 'auto'], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('prometheus')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(130);
    expect(await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'))).toEqual([]);
  });

  it('down finds and stops a stack whose state folder was deleted while it ran', async () => {
    const dir = await stackDir('minimal');
    expect((await runBin(['up', '--fast', '--ports', 'auto', '--no-verify'], { cwd: dir, env: env() })).code).toBe(0);
    rmSync(join(dir, '.devskyy-mon'), { recursive: true, force: true });
    const orphans = await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'));
    expect(orphans.length).toBe(3);
    expect((await runBin(['status'], { cwd: dir, env: env() })).stdout).toContain('without a state file');
    const down = await runBin(['down'], { cwd: dir, env: env() });
    expect(down.stdout).toContain('whose state file was missing');
    for (const pid of orphans) expect(alive(pid)).toBe(false);
  });

  it('down with stale pid files leaves unrelated processes alone', async () => {
    const dir = await stackDir('minimal');
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      mkdirSync(join(dir, '.devskyy-mon'), { recursive: true });
      writeFileSync(
        join(dir, '.devskyy-mon', 'state.json'),
        JSON.stringify({ runtime: 'native', catalog: join(dir, 'catalog.yaml'), generated: join(dir, 'generated'), startedAt: '', components: [{ name: 'prometheus', pid: sleeper.pid, port: 1, url: 'http://127.0.0.1:1', command: '/usr/bin/prometheus', log: '', startedAt: '', readyPath: '/-/ready' }] }),
      );
      const down = await runBin(['down'], { cwd: dir, env: env() });
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`skipped prometheus: pid ${sleeper.pid} has no recorded identity`);
      expect(alive(sleeper.pid!)).toBe(true);
      expect(existsSync(join(dir, '.devskyy-mon', 'state.json'))).toBe(false);
    } finally {
      sleeper.kill();
    }
  });
});

describe('faults', () => {
  it('a missing Prometheus says how to install it and exits 2', async () => {
    const dir = await stackDir('minimal');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await runBin(['up', '--runtime', 'native'], { cwd: dir, env: { PATH: bin } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('prometheus and alertmanager not found on PATH');
    expect(r.stderr).toContain('apt-get install -y prometheus');
    expect(existsSync(join(dir, '.devskyy-mon', 'state.json'))).toBe(false);
  });

  it('--install-missing without a usable apt-get says exactly what to run', async () => {
    const dir = await stackDir('minimal');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await runBin(['up', '--runtime', 'native', '--install-missing'], { cwd: dir, env: { PATH: bin } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing and devskyy-mon cannot install them here');
    expect(r.stderr).toContain('apt-get install -y prometheus');
  });

  it('a port in use is named, with the process holding it', async () => {
    const dir = await stackDir('minimal');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const catalog = join(dir, 'catalog.yaml');
      writeFileSync(catalog, readFileSync(catalog, 'utf8') + `\nstack:\n  prometheus: { port: ${port} }\n`);
      const r = await runBin(['up', '--runtime', 'native'], { cwd: dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} (for prometheus) is in use by pid ${process.pid}`);
      // Nothing half-made is left behind: no state folder with empty logs/ and data/.
      expect(existsSync(join(dir, '.devskyy-mon')), readdirSync(dir).join(' ')).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('a component that exits during start fails fast with its log and leaves nothing running', async () => {
    const dir = await stackDir('minimal');
    const bin = join(dir, 'fakebin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'prometheus'), '#!/bin/sh\necho "level=error msg=\\"opening storage failed: disk on fire\\""\nexit 1\n');
    chmodSync(join(bin, 'prometheus'), 0o755);
    const r = await runBin(['up', '--runtime', 'native', '--ports', 'auto'], { cwd: dir, env: env({ PATH: `${bin}:${process.env['PATH']}` }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('prometheus exited with code 1');
    expect(r.stderr).toContain('disk on fire');
    expect(r.stderr).toContain('nothing was left running');
    expect(await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'))).toEqual([]);
  });

  it('a catalog that fails validation starts nothing', async () => {
    const dir = await stackDir('minimal');
    writeFileSync(join(dir, 'catalog.yaml'), readFileSync(join(dir, 'catalog.yaml'), 'utf8').replace('type: gauge', 'type: gage'));
    const r = await runBin(['up'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[schema-enum]');
    expect(existsSync(join(dir, '.devskyy-mon'))).toBe(false);
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });
});

describe('compose runtime (no Docker engine here: a fake docker on PATH)', () => {
  function fakeDocker(dir: string, infoExit: number): string {
    const bin = join(dir, 'fakebin');
    mkdirSync(bin, { recursive: true });
    const log = join(dir, 'docker.log');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$@" >> ${log}\nif [ "$1" = info ]; then [ ${infoExit} = 0 ] && echo 27.0.0; exit ${infoExit}; fi\nexit 0\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    return bin;
  }

  it('detects an engine only when docker info answers', async () => {
    const dir = tempDir();
    const prev = process.env['PATH'];
    try {
      process.env['PATH'] = `${fakeDocker(join(dir, 'a'), 0)}:${prev}`;
      expect(await engineAnswers()).toBe(true);
      process.env['PATH'] = `${fakeDocker(join(dir, 'b'), 1)}:${prev}`;
      expect(await engineAnswers()).toBe(false);
    } finally {
      process.env['PATH'] = prev;
    }
  });

  it('builds the compose command lines for the plugin and for docker-compose v1', () => {
    const plugin = { command: '/usr/bin/docker', prefix: ['compose'] };
    expect(composeArgs(plugin, '/s/generated', 'up')).toEqual(['compose', '--project-directory', '/s/generated', '-f', '/s/generated/docker-compose.yml', 'up', '-d', '--build', '--wait']);
    expect(composeArgs({ command: 'docker-compose', prefix: [] }, '/g', 'down', { purge: true })).toEqual(['--project-directory', '/g', '-f', '/g/docker-compose.yml', 'down', '--remove-orphans', '--volumes']);
  });

  it('up picks compose when the engine answers and runs compose up; down runs compose down', async () => {
    const dir = await stackDir('minimal');
    const bin = fakeDocker(dir, 0);
    const r = await runBin(['up', '--no-verify', '--timeout', '1'], { cwd: dir, env: env({ PATH: `${bin}:${process.env['PATH']}` }) });
    // Nothing really starts (the fake engine runs no containers), so readiness times out; the command line is what we check.
    expect(r.stdout).toContain('runtime: compose');
    const calls = readFileSync(join(dir, 'docker.log'), 'utf8');
    expect(calls).toContain(`compose --project-directory ${join(dir, 'generated')} -f ${join(dir, 'generated', 'docker-compose.yml')} up -d --build --wait`);
    await runBin(['down'], { cwd: dir, env: env({ PATH: `${bin}:${process.env['PATH']}` }) });
    expect(readFileSync(join(dir, 'docker.log'), 'utf8')).toContain('down --remove-orphans');
  });
});

describe('real Prometheus scraping the runtime', () => {
  it('reads a 2 MB body streamed and gzip-compressed in several pieces, every sample', async () => {
    const e = new Exporter({
      namespace: 't',
      title: 't',
      collectors: [],
      metrics: [
        { name: 't_requests_total', key: 'requests', type: 'counter', help: 'Requests "quoted" \\ and é.', labels: [{ name: 'endpoint', maxValues: 30000 }], aggregate: 'sum' },
        { name: 't_latency_seconds', key: 'latency', type: 'histogram', help: 'Latency.', buckets: [0.1, 0.5, 1], labels: [{ name: 'endpoint', maxValues: 30000 }], aggregate: 'sum' },
      ],
    });
    const requests = e.handle('requests') as { inc(l: object, v?: number): void };
    const latency = e.handle('latency') as { observe(l: object, v: number): void };
    for (let i = 0; i < 20000; i++) requests.inc({ endpoint: `/api/é/${i}` }, i);
    for (let i = 0; i < 5000; i++) latency.observe({ endpoint: `/api/é/${i}` }, (i % 10) / 10);
    const server = await startMetricsServer(e, { port: 0 });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const dir = tempDir('prom-scrape-');
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 10s, scrape_timeout: 10s }\nscrape_configs:\n  - job_name: big\n    static_configs: [{ targets: ['127.0.0.1:${(server.address() as AddressInfo).port}'] }]\n`);
    const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const query = async (q: string) => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } }).data.result;
    try {
      // Wait for a successful scrape; a failed one fails the test at once, with Prometheus' own error. The scrape
      // timeout is sized for a loaded 2-core machine (a 1 s one failed there on this 2 MB body), and the wait is
      // for the condition, up to a limit.
      let samples: string | undefined;
      for (let i = 0; i < 240 && !samples; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const targets = await fetch(`http://127.0.0.1:${port}/api/v1/targets`).then((r) => r.json() as Promise<{ data: { activeTargets: { health: string; lastError: string }[] } }>, () => undefined);
        const target = targets?.data.activeTargets[0];
        expect(target?.lastError ?? '', 'Prometheus could not scrape the exporter').toBe('');
        if (target?.health === 'up') samples = await query('scrape_samples_scraped{job="big"}').then((r) => r[0]?.value[1]);
      }
      // Prometheus asks for OpenMetrics and gzip: what it read is this streamed body of several ~256 KiB pieces
      // (fetch, like Go's reader, decodes it as one gzip stream).
      const sent = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0', 'accept-encoding': 'gzip' } });
      expect(sent.headers.get('content-encoding')).toBe('gzip');
      expect((await sent.text()).length).toBeGreaterThan(2_000_000);
      // 20,000 counters, 5,000 histograms × (3 buckets + +Inf + sum + count), and the runtime's own series.
      const own = (await e.exposition()).body.split('\n').filter((l) => l && !l.startsWith('#') && !/^t_(requests_total|latency_seconds)/.test(l)).length;
      expect(Number(samples)).toBe(20000 + 5000 * 6 + own);
      expect(await query('up{job="big"}').then((r) => r[0]?.value[1])).toBe('1');
      expect(await query('t_requests_total{endpoint="/api/é/1234"}').then((r) => r[0]?.value[1])).toBe('1234');
      expect(await query('t_latency_seconds_bucket{endpoint="/api/é/4999",le="1"}').then((r) => r[0]?.value[1])).toBe('1');
    } finally {
      prom.kill('SIGKILL');
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});


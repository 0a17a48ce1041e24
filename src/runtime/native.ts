// The native runtime: Prometheus, Alertmanager (and Grafana when installed) from PATH, plus the catalog's demo
// exporter, all on 127.0.0.1, with data and logs under the state folder.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { EnvironmentError } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { demoComponent } from '../model/catalog.js';
import { ALERTMANAGER_TARGETS, PROMETHEUS_TARGETS, TARGETS_DIR, serviceTargetsFile, targetGroups } from '../emit/prometheus-config.js';
import { ALERTS_FILE, RECORDING_FILE } from '../emit/rules.js';
import { GRAFANA_ENV } from '../emit/grafana/provisioning.js';
import type { PromRuleFile } from '../emit/rule-types.js';
import { findBinary, installHint } from '../util/binaries.js';
import { packageRoot } from '../util/package-root.js';
import { waitReady } from '../verify/http.js';
import type { Progress } from './progress.js';
import { freePort, portFree, processIdentity, whoListens } from './processes.js';
import type { ComponentState, StackState } from './state.js';
import { STATE_ENV, statePaths } from './state.js';

export interface NativeOptions {
  catalogFile: string;
  catalog: Catalog;
  generatedDir: string;
  stateDir: string;
  /** 'catalog': the ports the catalog declares; 'auto': free ports picked now (tests, side-by-side stacks). */
  ports: 'catalog' | 'auto';
  /** Shorter scrape and evaluation intervals (5s) in the runtime's copy of the config, for a quick demo. */
  fast: boolean;
  progress: Progress;
  /** Called with the state after each component starts, so an interrupted `up` can still clean up. */
  onStarted: (state: StackState) => Promise<void>;
}

interface Planned {
  name: string;
  command: string;
  args: string[];
  port: number;
  readyPath: string;
  env?: Record<string, string>;
}

const FAST = '5s';

/** The services whose exporter this runtime starts itself (`devskyy-mon serve --demo`). */
const demoServices = (c: Catalog) => c.services.filter((s) => s.exporter === 'demo');

export async function requireBinaries(): Promise<{ prometheus: string; alertmanager: string; grafana?: string }> {
  const prometheus = await findBinary(['prometheus']);
  const alertmanager = await findBinary(['prometheus-alertmanager', 'alertmanager']);
  const missing = [!prometheus && 'prometheus', !alertmanager && 'alertmanager'].filter(Boolean) as string[];
  if (missing.length) {
    throw new EnvironmentError(`${missing.join(' and ')} not found on PATH. ${installHint(missing[0]!)}${missing.length > 1 ? ` (${installHint(missing[1]!)})` : ''}`);
  }
  const grafana = await findBinary(['grafana-server', 'grafana']);
  return { prometheus: prometheus!, alertmanager: alertmanager!, ...(grafana ? { grafana } : {}) };
}

/** The runtime's copy of the Prometheus config and rules, with its own targets (and intervals when fast). */
async function preparePrometheusDir(o: NativeOptions, ports: Record<string, number>): Promise<string> {
  const dir = statePaths(o.stateDir).prometheus;
  await mkdir(join(dir, TARGETS_DIR), { recursive: true });
  const src = join(o.generatedDir, 'prometheus');
  const cfgText = await readFile(join(src, 'prometheus.yml'), 'utf8');
  if (o.fast) {
    const cfg = parse(cfgText) as { global: Record<string, string>; scrape_configs: Record<string, unknown>[] };
    cfg.global['scrape_interval'] = FAST;
    cfg.global['evaluation_interval'] = FAST;
    cfg.global['scrape_timeout'] = '4s';
    for (const s of cfg.scrape_configs) {
      if (s['scrape_interval']) s['scrape_interval'] = FAST;
      if (s['scrape_timeout']) s['scrape_timeout'] = '4s';
    }
    await writeFile(join(dir, 'prometheus.yml'), `# devskyy-mon native runtime copy (--fast: ${FAST} intervals)\n${stringify(cfg, { lineWidth: 0 })}`);
  } else await copyFile(join(src, 'prometheus.yml'), join(dir, 'prometheus.yml'));
  for (const f of [ALERTS_FILE, RECORDING_FILE]) {
    const name = f.replace(/^prometheus\//, '');
    if (!o.fast) {
      await copyFile(join(o.generatedDir, f), join(dir, name));
      continue;
    }
    const rules = parse(await readFile(join(o.generatedDir, f), 'utf8')) as PromRuleFile;
    for (const g of rules.groups) if (g.interval) g.interval = FAST;
    await writeFile(join(dir, name), stringify(rules, { lineWidth: 0 }));
  }
  const write = (file: string, targets: string[]) => writeFile(join(dir, TARGETS_DIR, file), JSON.stringify(targetGroups(targets), null, 2) + '\n');
  for (const s of o.catalog.services) await write(serviceTargetsFile(s), [s.exporter === 'demo' ? `127.0.0.1:${ports[demoComponent(s)]}` : `${s.host}:${s.port}`]);
  await write(PROMETHEUS_TARGETS, [`127.0.0.1:${ports['prometheus']}`]);
  await write(ALERTMANAGER_TARGETS, [`127.0.0.1:${ports['alertmanager']}`]);
  return dir;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function choosePorts(o: NativeOptions, withGrafana: boolean): Promise<Record<string, number>> {
  const want: [string, number][] = [
    ...demoServices(o.catalog).map((s): [string, number] => [demoComponent(s), s.port]),
    ['alertmanager', o.catalog.stack.alertmanager.port],
    ['prometheus', o.catalog.stack.prometheus.port],
    ...(withGrafana ? [['grafana', o.catalog.stack.grafana.port] as [string, number]] : []),
  ];
  const ports: Record<string, number> = {};
  for (const [name, port] of want) {
    if (o.ports === 'auto') {
      ports[name] = await freePort();
      continue;
    }
    if (!(await portFree(port))) {
      const who = await whoListens(port);
      throw new EnvironmentError(`port ${port} (for ${name}) is in use${who ? ` by pid ${who.pid} (${who.command.slice(0, 120)})` : ''}; stop it, change the port in the catalog, or run with --ports auto`);
    }
    ports[name] = port;
  }
  return ports;
}

/** Starts every component and waits until each answers; on any failure stops what it started and throws. */
export async function nativeUp(o: NativeOptions): Promise<StackState> {
  const bins = await requireBinaries();
  const paths = statePaths(o.stateDir);
  await mkdir(paths.logs, { recursive: true });
  await mkdir(join(paths.data, 'prometheus'), { recursive: true });
  await mkdir(join(paths.data, 'alertmanager'), { recursive: true });
  const ports = await choosePorts(o, Boolean(bins.grafana));
  const promDir = await preparePrometheusDir(o, ports);
  const catalogAbs = resolve(o.catalogFile);
  const planned: Planned[] = [];
  for (const s of demoServices(o.catalog)) {
    const port = ports[demoComponent(s)]!;
    planned.push({ name: demoComponent(s), command: process.execPath, args: [join(packageRoot(), 'bin', 'devskyy-mon.js'), 'serve', '--demo', '--catalog', catalogAbs, '--port', String(port), '--host', '127.0.0.1'], port, readyPath: '/health' });
  }
  planned.push({
    name: 'alertmanager',
    command: bins.alertmanager,
    args: [`--config.file=${join(o.generatedDir, 'alertmanager', 'alertmanager.yml')}`, `--storage.path=${join(paths.data, 'alertmanager')}`, `--web.listen-address=127.0.0.1:${ports['alertmanager']}`, '--cluster.listen-address='],
    port: ports['alertmanager']!,
    readyPath: '/-/ready',
  });
  planned.push({
    name: 'prometheus',
    command: bins.prometheus,
    args: [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(paths.data, 'prometheus')}`, `--web.listen-address=127.0.0.1:${ports['prometheus']}`, '--web.enable-lifecycle'],
    port: ports['prometheus']!,
    readyPath: '/-/ready',
  });
  if (bins.grafana) {
    const password = /GRAFANA_ADMIN_PASSWORD=(.*)/.exec(await readFile(join(o.generatedDir, '.env'), 'utf8').catch(() => ''))?.[1] ?? '';
    planned.push({
      name: 'grafana',
      command: bins.grafana,
      args: ['--homepath', '/usr/share/grafana', `cfg:default.paths.data=${join(paths.data, 'grafana')}`, `cfg:default.paths.logs=${paths.logs}`, `cfg:default.paths.provisioning=${join(o.generatedDir, 'grafana', 'provisioning')}`, `cfg:default.server.http_addr=127.0.0.1`, `cfg:default.server.http_port=${ports['grafana']}`],
      port: ports['grafana']!,
      readyPath: '/api/health',
      env: { [GRAFANA_ENV.prometheusUrl]: `http://127.0.0.1:${ports['prometheus']}`, [GRAFANA_ENV.dashboardsDir]: join(o.generatedDir, 'grafana', 'dashboards'), GF_SECURITY_ADMIN_PASSWORD: password, GF_AUTH_ANONYMOUS_ENABLED: 'false' },
    });
  }
  const state: StackState = { runtime: 'native', catalog: catalogAbs, generated: o.generatedDir, startedAt: new Date().toISOString(), components: [] };
  const children = new Map<string, ChildProcess>();
  const exits = new Map<string, string>();
  for (const p of planned) {
    const log = join(paths.logs, `${p.name.replace(/[^\w.-]/g, '_')}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(p.command, p.args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...p.env, [STATE_ENV]: o.stateDir } });
    closeSync(fd);
    child.once('exit', (code, signal) => exits.set(p.name, `exited with ${signal ?? `code ${code}`}`));
    child.once('error', (err) => exits.set(p.name, err.message));
    child.unref();
    children.set(p.name, child);
    // spawn() returns after exec: /proc already shows the started program, with the start time of its pid.
    const identity = child.pid ? await processIdentity(child.pid) : undefined;
    const c: ComponentState = { name: p.name, pid: child.pid ?? -1, port: p.port, url: `http://127.0.0.1:${p.port}`, command: p.command, ...(identity ? { identity } : {}), log, startedAt: new Date().toISOString(), readyPath: p.readyPath };
    state.components.push(c);
    await o.onStarted(state);
    o.progress.start(p.name, c.url);
  }
  // Wait for all of them at once; the first one to die or time out fails the whole start.
  const failures: string[] = [];
  await Promise.all(
    state.components.map(async (c) => {
      const started = Date.now();
      try {
        await waitReady(`${c.url}${c.readyPath}`, () => exits.get(c.name) ?? (failures.length ? 'another component failed' : Date.now() - started > 60_000 ? 'not ready after 60s' : undefined));
        o.progress.finish(c.name, true, c.url);
      } catch (err) {
        const why = (err as Error).message;
        if (why !== 'another component failed') failures.push(`${c.name} ${why}. Last log lines (${c.log}):\n${tail(c.log)}`);
        o.progress.finish(c.name, false, why);
      }
    }),
  );
  for (const child of children.values()) child.removeAllListeners('exit');
  if (failures.length) throw new StartError(failures.join('\n\n'), state);
  return state;
}

export class StartError extends Error {
  constructor(
    message: string,
    readonly state: StackState,
  ) {
    super(message);
  }
}


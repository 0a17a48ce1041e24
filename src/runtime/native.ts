// The native runtime: Prometheus, Alertmanager (and Grafana when installed) from PATH, plus the catalog's demo
// exporter, all on 127.0.0.1, with data and logs under the state folder.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../emit/yaml-out.js';
import { EnvironmentError } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { demoComponent, webExternalUrlArgs } from '../model/catalog.js';
import { ALERTMANAGER_TARGETS, PROMETHEUS_TARGETS, TARGETS_DIR, serviceTargetsFile, targetGroups } from '../emit/prometheus-config.js';
import { ALERTS_FILE, RECORDING_FILE } from '../emit/rules.js';
import { VERIFY_ALERT, VERIFY_LABEL, VERIFY_LABEL_VALUE } from '../emit/alertmanager.js';
import { GRAFANA_ENV } from '../emit/grafana/provisioning.js';
import type { PromRuleFile } from '../emit/rule-types.js';
import { findBinary, installHint } from '../util/binaries.js';
import { packageRoot } from '../util/package-root.js';
import { waitReady } from '../verify/http.js';
import type { Progress } from './progress.js';
import { freePort, portFree, processIdentity, stopPid, whoListens } from './processes.js';
import type { ComponentState, StackState } from './state.js';
import { STATE_ENV, statePaths } from './state.js';

export interface NativeOptions {
  catalogFile: string;
  catalog: Catalog;
  generatedDir: string;
  stateDir: string;
  /** 'catalog': the ports the catalog declares; 'auto': free ports picked now (tests, side-by-side stacks). */
  ports: 'catalog' | 'auto';
  /** Shorter scrape and evaluation intervals (1s) in the runtime's copy of the config, for a quick verification. */
  fast: boolean;
  progress: Progress;
  /** Called with the state after each component starts, so an interrupted `up` can still clean up. */
  onStarted: (state: StackState) => Promise<void>;
  /**
   * Brings generatedDir up to date. When given, Prometheus starts first, on a config without targets, and
   * generation runs while it starts: Prometheus hands discovered targets to its scrapers on a 5 s ticker that
   * starts with the process, so every second it runs before the real config arrives is a second off the first
   * scrape. It then reloads the real config. On failure the caller stops what was started (onStarted).
   */
  generate?: () => Promise<unknown>;
  /** True once the user interrupted `up`: nothing more may start while what started is being stopped. */
  interrupted?: () => boolean;
}

interface Planned {
  name: string;
  command: string;
  args: string[];
  port: number;
  readyPath: string;
  env?: Record<string, string>;
}

/** The services whose exporter this runtime starts itself (`devskyy-mon serve --demo`). */
export const demoServices = (c: Catalog) => c.services.filter((s) => s.exporter === 'demo');

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

/**
 * --fast: the runtime copy scrapes and evaluates every second, so verification waits for real scrapes and rule
 * evaluations of a second each instead of the catalog's 15 s (the generated files keep the catalog's intervals).
 */
export const FAST_INTERVAL = '1s';

/** The rule file only the runtime's copy of the config loads: the always-firing verification alert. */
export const VERIFY_RULES_FILE = 'verify_rules.yml';

export function verifyRules(): PromRuleFile {
  return {
    groups: [
      {
        name: 'devskyy-mon-verify',
        rules: [
          {
            alert: VERIFY_ALERT,
            expr: 'vector(1)',
            labels: { [VERIFY_LABEL]: VERIFY_LABEL_VALUE },
            annotations: { summary: 'Always firing: proves that Prometheus delivers alerts to Alertmanager (routed to a receiver that notifies nobody).' },
          },
        ],
      },
    ],
  };
}

/**
 * The runtime's copy of the Prometheus config and rules, with its own targets, the verification rule file, and
 * (when fast) shorter intervals. Returns the folder and the files whose content changed.
 */
export async function preparePrometheusDir(o: Pick<NativeOptions, 'stateDir' | 'generatedDir' | 'catalog' | 'fast'>, ports: Record<string, number>): Promise<{ dir: string; changed: string[] }> {
  const dir = statePaths(o.stateDir).prometheus;
  await mkdir(join(dir, TARGETS_DIR), { recursive: true });
  const changed: string[] = [];
  const put = async (name: string, text: string) => {
    const before = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (before === text) return;
    await writeAtomic(join(dir, name), text);
    changed.push(name);
  };
  const src = join(o.generatedDir, 'prometheus');
  const cfg = parse(await readFile(join(src, 'prometheus.yml'), 'utf8')) as { global: Record<string, string>; rule_files?: string[]; scrape_configs: Record<string, unknown>[] };
  cfg.rule_files = [...(cfg.rule_files ?? []), VERIFY_RULES_FILE];
  if (o.fast) {
    cfg.global['scrape_interval'] = FAST_INTERVAL;
    cfg.global['evaluation_interval'] = FAST_INTERVAL;
    cfg.global['scrape_timeout'] = FAST_INTERVAL;
    for (const s of cfg.scrape_configs) {
      if (s['scrape_interval']) s['scrape_interval'] = FAST_INTERVAL;
      if (s['scrape_timeout']) s['scrape_timeout'] = FAST_INTERVAL;
    }
  }
  await put('prometheus.yml', `# devskyy-mon native runtime copy${o.fast ? ` (--fast: ${FAST_INTERVAL} intervals)` : ''}, with the verification rule file\n${toYaml(cfg)}`);
  for (const f of [ALERTS_FILE, RECORDING_FILE]) {
    const name = f.replace(/^prometheus\//, '');
    const text = await readFile(join(o.generatedDir, f), 'utf8');
    if (!o.fast) {
      await put(name, text);
      continue;
    }
    const rules = parse(text) as PromRuleFile;
    for (const g of rules.groups) if (g.interval) g.interval = FAST_INTERVAL;
    await put(name, toYaml(rules));
  }
  await put(VERIFY_RULES_FILE, toYaml(verifyRules()));
  const write = (file: string, targets: string[]) => put(join(TARGETS_DIR, file), JSON.stringify(targetGroups(targets), null, 2) + '\n');
  for (const s of o.catalog.services) await write(serviceTargetsFile(s), [s.exporter === 'demo' ? `127.0.0.1:${ports[demoComponent(s)]}` : `${s.host}:${s.port}`]);
  await write(PROMETHEUS_TARGETS, [`127.0.0.1:${ports['prometheus']}`]);
  await write(ALERTMANAGER_TARGETS, [`127.0.0.1:${ports['alertmanager']}`]);
  return { dir, changed };
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
      throw new EnvironmentError(`port ${port} (for ${name}) is in use${who ? ` by pid ${who.pid} (${who.command.length > 240 ? `${who.command.slice(0, 240)}…` : who.command})` : ''}; stop it, change the port in the catalog, or run with --ports auto`);
    }
    ports[name] = port;
  }
  return ports;
}

/** Starts every component and waits until each answers; on any failure stops what it started and throws. */
export async function nativeUp(o: NativeOptions): Promise<StackState> {
  const bins = await requireBinaries();
  const paths = statePaths(o.stateDir);
  // Ports first: a refused start leaves no state folder behind.
  const ports = await choosePorts(o, Boolean(bins.grafana));
  await mkdir(paths.logs, { recursive: true });
  await mkdir(join(paths.data, 'prometheus'), { recursive: true });
  await mkdir(join(paths.data, 'alertmanager'), { recursive: true });
  const promDir = statePaths(o.stateDir).prometheus;
  const catalogAbs = resolve(o.catalogFile);
  const prometheus: Planned = {
    name: 'prometheus',
    command: bins.prometheus,
    args: [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(paths.data, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${ports['prometheus']}`,
      '--web.enable-lifecycle',
      `--rules.alert.resend-delay=${o.fast ? FAST_INTERVAL : '5s'}`,
      ...webExternalUrlArgs(o.catalog, 'prometheus', `http://127.0.0.1:${ports['prometheus']}`),
    ],
    port: ports['prometheus']!,
    readyPath: '/-/ready',
  };
  const state: StackState = { runtime: 'native', catalog: catalogAbs, generated: o.generatedDir, startedAt: new Date().toISOString(), components: [] };
  const children = new Map<string, ChildProcess>();
  const exits = new Map<string, string>();
  const start = async (p: Planned) => {
    if (o.interrupted?.()) throw new Error('interrupted');
    const { child, component: c } = await spawnPlanned(p, o.stateDir, exits);
    children.set(p.name, child);
    state.components.push(c);
    await o.onStarted(state);
    o.progress.start(p.name, c.url);
  };
  if (o.generate) {
    await mkdir(promDir, { recursive: true });
    await writeAtomic(join(promDir, 'prometheus.yml'), `# devskyy-mon: starting; the generated config follows by reload\nglobal: { evaluation_interval: ${o.fast ? FAST_INTERVAL : o.catalog.evaluationInterval} }\n`);
    await start(prometheus);
    await o.generate();
  }
  await preparePrometheusDir(o, ports);
  const planned: Planned[] = demoServices(o.catalog).map((s) => demoPlan(demoComponent(s), ports[demoComponent(s)]!, catalogAbs));
  planned.push({
    name: 'alertmanager',
    command: bins.alertmanager,
    args: [`--config.file=${join(o.generatedDir, 'alertmanager', 'alertmanager.yml')}`, `--storage.path=${join(paths.data, 'alertmanager')}`, `--web.listen-address=127.0.0.1:${ports['alertmanager']}`, '--cluster.listen-address=', ...webExternalUrlArgs(o.catalog, 'alertmanager', `http://127.0.0.1:${ports['alertmanager']}`)],
    port: ports['alertmanager']!,
    readyPath: '/-/ready',
  });
  if (!o.generate) planned.push(prometheus);
  if (bins.grafana) {
    const password = /GRAFANA_ADMIN_PASSWORD=(.*)/.exec(await readFile(join(o.generatedDir, '.env'), 'utf8').catch(() => ''))?.[1] ?? '';
    planned.push({
      name: 'grafana',
      command: bins.grafana,
      args: ['--homepath', '/usr/share/grafana', `cfg:default.paths.data=${join(paths.data, 'grafana')}`, `cfg:default.paths.logs=${paths.logs}`, `cfg:default.paths.provisioning=${join(o.generatedDir, 'grafana', 'provisioning')}`, `cfg:default.server.http_addr=127.0.0.1`, `cfg:default.server.http_port=${ports['grafana']}`, `cfg:default.server.root_url=${o.catalog.stack.grafana.externalUrl ?? `http://127.0.0.1:${ports['grafana']}`}`],
      port: ports['grafana']!,
      readyPath: '/api/health',
      env: { [GRAFANA_ENV.prometheusUrl]: `http://127.0.0.1:${ports['prometheus']}`, [GRAFANA_ENV.dashboardsDir]: join(o.generatedDir, 'grafana', 'dashboards'), GF_SECURITY_ADMIN_PASSWORD: password, GF_AUTH_ANONYMOUS_ENABLED: 'false' },
    });
  }
  for (const p of planned) await start(p);
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
  if (o.generate) {
    // Prometheus may have read its config before the generated one replaced it: load it now.
    await reload('prometheus', state.components.find((c) => c.name === 'prometheus')!.url);
    // Stop order for down (reverse of this): Prometheus before what it scrapes and alerts to.
    state.components.sort((a, b) => componentRank(a.name) - componentRank(b.name));
    await o.onStarted(state);
  }
  await writeApplied(o.stateDir, await appliedNow(o.catalog, o.generatedDir));
  return state;
}

const componentRank = (name: string) => (name.startsWith('exporter:') ? 0 : name === 'alertmanager' ? 1 : name === 'prometheus' ? 2 : 3);

/** Write then rename: Prometheus may read the file at any moment, and must never see half of it. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function demoPlan(name: string, port: number, catalogAbs: string): Planned {
  return { name, command: process.execPath, args: [join(packageRoot(), 'bin', 'devskyy-mon.js'), 'serve', '--demo', '--catalog', catalogAbs, '--port', String(port), '--host', '127.0.0.1'], port, readyPath: '/health' };
}

/**
 * Starts one planned component detached, logging to its file, marked with the state folder; records how it exits
 * and its identity (start time and command line from /proc), so nothing but this process is ever signalled by pid.
 */
async function spawnPlanned(p: Planned, stateDir: string, exits: Map<string, string>): Promise<{ child: ChildProcess; component: ComponentState }> {
  const log = join(statePaths(stateDir).logs, `${p.name.replace(/[^\w.-]/g, '_')}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(p.command, p.args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...p.env, [STATE_ENV]: stateDir } });
  closeSync(fd);
  child.once('exit', (code, signal) => exits.set(p.name, `exited with ${signal ?? `code ${code}`}`));
  child.once('error', (err) => exits.set(p.name, err.message));
  child.unref();
  // spawn() returns after exec: /proc already shows the started program, with the start time of its pid.
  const identity = child.pid ? await processIdentity(child.pid) : undefined;
  return { child, component: { name: p.name, pid: child.pid ?? -1, port: p.port, url: `http://127.0.0.1:${p.port}`, command: p.command, ...(identity ? { identity } : {}), log, startedAt: new Date().toISOString(), readyPath: p.readyPath } };
}

/** What a running stack was last started or reloaded with: the Alertmanager config and each exporter's spec. */
interface Applied {
  alertmanager: string;
  exporters: Record<string, string>;
}

const appliedFile = (stateDir: string) => join(stateDir, 'applied.json');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The part of the catalog `serve --demo` builds its exporter from; positions left out (a moved line is no change). */
export function exporterFingerprint(c: Catalog): string {
  const spec = { namespace: c.namespace, title: c.title, labels: [...c.labels.entries()], collectors: [...c.collectors.entries()], metrics: c.metrics, services: c.services };
  return sha256(JSON.stringify(spec, (key, value: unknown) => (key === 'path' && Array.isArray(value) ? undefined : value)));
}

async function appliedNow(catalog: Catalog, generatedDir: string): Promise<Applied> {
  const am = await readFile(join(generatedDir, 'alertmanager', 'alertmanager.yml'), 'utf8');
  return { alertmanager: sha256(am), exporters: Object.fromEntries(demoServices(catalog).map((s) => [demoComponent(s), exporterFingerprint(catalog)])) };
}

async function writeApplied(stateDir: string, a: Applied): Promise<void> {
  await writeFile(appliedFile(stateDir), JSON.stringify(a, null, 2) + '\n');
}

async function reload(component: string, url: string): Promise<void> {
  const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const body = (await res.text()).trim();
  if (!res.ok) throw new EnvironmentError(`${component} at ${url} refused the new configuration: ${body || `HTTP ${res.status}`}`);
}

export interface ApplyResult {
  /** One line per component that changed: what was reloaded or restarted, and why. */
  actions: string[];
  state: StackState;
  /** Set when the change cannot be applied in place (services added or removed): the stack must restart. */
  restartWhole?: string;
}

/**
 * `up` on a running native stack: brings it to what is generated now. Prometheus and Alertmanager reload their
 * configuration (POST /-/reload) when it changed; a demo exporter whose spec changed restarts on its port.
 */
export async function applyToRunning(o: Pick<NativeOptions, 'catalog' | 'catalogFile' | 'generatedDir' | 'stateDir' | 'fast' | 'progress'>, running: StackState): Promise<ApplyResult> {
  const actions: string[] = [];
  const names = (xs: string[]) => [...xs].sort().join(', ');
  const wantExporters = demoServices(o.catalog).map(demoComponent);
  const haveExporters = running.components.filter((c) => c.name.startsWith('exporter:')).map((c) => c.name);
  if (names(wantExporters) !== names(haveExporters)) return { actions, state: running, restartWhole: `the catalog's demo exporters are now [${names(wantExporters)}], the stack runs [${names(haveExporters)}]` };
  const ports = Object.fromEntries(running.components.map((c) => [c.name, c.port]));
  const url = (name: string) => running.components.find((c) => c.name === name)!.url;
  const before = JSON.parse(await readFile(appliedFile(o.stateDir), 'utf8').catch(() => '{}')) as Partial<Applied>;
  const now = await appliedNow(o.catalog, o.generatedDir);
  const state: StackState = { ...running, components: [...running.components] };

  for (const name of wantExporters) {
    if (before.exporters?.[name] === now.exporters[name]) continue;
    const i = state.components.findIndex((c) => c.name === name);
    const old = state.components[i]!;
    await stopPid(old.pid, undefined, old.identity);
    const exits = new Map<string, string>();
    const { child, component } = await spawnPlanned(demoPlan(name, old.port, resolve(o.catalogFile)), o.stateDir, exits);
    state.components[i] = component;
    o.progress.start(name, component.url);
    try {
      await waitReady(`${component.url}${component.readyPath}`, () => exits.get(name) ?? undefined);
    } catch (err) {
      o.progress.finish(name, false, (err as Error).message);
      throw new StartError(`${name} ${(err as Error).message}. Last log lines (${component.log}):\n${tail(component.log)}`, state);
    } finally {
      child.removeAllListeners('exit');
    }
    o.progress.finish(name, true, component.url);
    actions.push(`${name} restarted (its metrics or services changed in the catalog)`);
  }
  const { changed } = await preparePrometheusDir(o, ports);
  if (changed.length) {
    await reload('prometheus', url('prometheus'));
    actions.push(`prometheus reloaded (${changed.join(', ')} changed)`);
  }
  if (before.alertmanager !== now.alertmanager) {
    await reload('alertmanager', url('alertmanager'));
    actions.push('alertmanager reloaded (alertmanager.yml changed)');
  }
  await writeApplied(o.stateDir, now);
  return { actions, state };
}

export class StartError extends Error {
  constructor(
    message: string,
    readonly state: StackState,
  ) {
    super(message);
  }
}


// The native runtime: Prometheus, Alertmanager (and Grafana when installed) from PATH, plus the catalog's demo
// exporter, all on 127.0.0.1, with data and logs under the state folder.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../emit/yaml-out.js';
import { EnvironmentError } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { demoComponent, webExternalUrlArgs } from '../model/catalog.js';
import { ALERTMANAGER_TARGETS, PROMETHEUS_TARGETS, TARGETS_DIR, copyPort, prometheusConfigFile, serviceTargetsFile, shardRelabeling, storeWriteUrl, targetGroups } from '../emit/prometheus-config.js';
import type { PrometheusInstance } from '../model/topology.js';
import { STORE_COMPONENT, alertmanagerPeers, globalView, prometheusInstances } from '../model/topology.js';
import { DRILL_JOB, DRILL_TARGETS, alertmanagerCopy, clusterArgs, drillRule, hasTopology, victoriaMetricsArgs } from './cluster.js';
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

export async function requireBinaries(catalog?: Catalog): Promise<{ prometheus: string; alertmanager: string; grafana?: string; victoriametrics?: string }> {
  if (catalog?.topology.store?.engine === 'thanos') throw new EnvironmentError('the catalog\'s store is thanos: prometheus-operator\'s Thanos sidecar runs on Kubernetes only (generate --target kubernetes); for the native runtime and Compose use store engine victoriametrics');
  const wantsStore = Boolean(catalog && globalView(catalog.topology));
  const prometheus = await findBinary(['prometheus']);
  const alertmanager = await findBinary(['prometheus-alertmanager', 'alertmanager']);
  const victoriametrics = wantsStore ? await findBinary(['victoria-metrics', 'victoria-metrics-prod']) : undefined;
  const missing = [!prometheus && 'prometheus', !alertmanager && 'alertmanager', wantsStore && !victoriametrics && 'victoria-metrics'].filter(Boolean) as string[];
  if (missing.length) {
    throw new EnvironmentError(`${missing.join(' and ')} not found on PATH. ${missing.map((m) => installHint(m)).join(' ')}`);
  }
  const grafana = await findBinary(['grafana-server', 'grafana']);
  return { prometheus: prometheus!, alertmanager: alertmanager!, ...(grafana ? { grafana } : {}), ...(victoriametrics ? { victoriametrics } : {}) };
}

/**
 * --fast: the runtime copy scrapes and evaluates every second, so verification waits for real scrapes and rule
 * evaluations of a second each instead of the catalog's 15 s (the generated files keep the catalog's intervals).
 */
export const FAST_INTERVAL = '1s';

/** The rule file only the runtime's copy of the config loads: the always-firing verification alert. */
export const VERIFY_RULES_FILE = 'verify_rules.yml';

export function verifyRules(withDrill = false): PromRuleFile {
  return {
    groups: [
      {
        name: 'devskyy-mon-verify',
        rules: [
          ...(withDrill ? [drillRule()] : []),
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
  const drill = hasTopology(o.catalog);
  const view = globalView(o.catalog.topology);
  for (const instance of prometheusInstances(o.catalog.topology)) {
    const cfg = parse(await readFile(join(o.generatedDir, prometheusConfigFile(instance)), 'utf8')) as { global: Record<string, string>; rule_files?: string[]; scrape_configs: Record<string, unknown>[]; remote_write?: { name?: string; url: string }[] };
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
    // The store listens where this runtime started it.
    if (view) for (const w of cfg.remote_write ?? []) if (w.name === 'store') w.url = storeWriteUrl('127.0.0.1', ports[STORE_COMPONENT]!);
    // verify's drill target: a job like the others, sharded like the others, with no target until verify writes one.
    if (drill) {
      const sharding = shardRelabeling(o.catalog.topology, instance.shard);
      cfg.scrape_configs.push({ job_name: DRILL_JOB, file_sd_configs: [{ files: [`${TARGETS_DIR}/${DRILL_TARGETS}`] }], ...(sharding.length ? { relabel_configs: sharding } : {}) });
    }
    await put(`${instance.name}.yml`, `# devskyy-mon native runtime copy${o.fast ? ` (--fast: ${FAST_INTERVAL} intervals)` : ''}, with the verification rule file\n${toYaml(cfg)}`);
  }
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
  await put(VERIFY_RULES_FILE, toYaml(verifyRules(drill)));
  const write = (file: string, targets: string[]) => put(join(TARGETS_DIR, file), JSON.stringify(targetGroups(targets), null, 2) + '\n');
  for (const s of o.catalog.services) await write(serviceTargetsFile(s), [s.exporter === 'demo' ? `127.0.0.1:${ports[demoComponent(s)]}` : `${s.host}:${s.port}`]);
  await write(PROMETHEUS_TARGETS, prometheusInstances(o.catalog.topology).map((i) => `127.0.0.1:${ports[i.name]}`));
  await write(ALERTMANAGER_TARGETS, alertmanagerPeers(o.catalog.topology).map((p) => `127.0.0.1:${ports[p]}`));
  // Written once: afterwards the file is verify's (it points the drill target at its own endpoint).
  if (drill && !existsSync(join(dir, TARGETS_DIR, DRILL_TARGETS))) await put(join(TARGETS_DIR, DRILL_TARGETS), '[]\n');
  return { dir, changed };
}

/** Where the runtime's copy of one Prometheus' config lives. */
export const prometheusCopy = (stateDir: string, instance: Pick<PrometheusInstance, 'name'>): string => join(statePaths(stateDir).prometheus, `${instance.name}.yml`);
/** The runtime's copy of alertmanager.yml in a topology (drill route added). */
export const alertmanagerCopyFile = (stateDir: string): string => join(stateDir, 'alertmanager', 'alertmanager.yml');
/** The file_sd file verify points its drill target at. */
export const drillTargetsFile = (stateDir: string): string => join(statePaths(stateDir).prometheus, TARGETS_DIR, DRILL_TARGETS);

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function choosePorts(o: NativeOptions, withGrafana: boolean): Promise<Record<string, number>> {
  const topo = o.catalog.topology;
  const view = globalView(topo);
  const peers = alertmanagerPeers(topo);
  const want: [string, number][] = [
    ...demoServices(o.catalog).map((s): [string, number] => [demoComponent(s), s.port]),
    ...peers.map((p, i): [string, number] => [p, copyPort(o.catalog.stack.alertmanager.port, i)]),
    // Gossip ports: Alertmanager's default 9094, the next peers 1000 up.
    ...(peers.length > 1 ? peers.map((p, i): [string, number] => [`${p}:cluster`, copyPort(9094, i)]) : []),
    ...(view ? [[STORE_COMPONENT, view.port] as [string, number]] : []),
    ...prometheusInstances(topo).map((p, i): [string, number] => [p.name, copyPort(o.catalog.stack.prometheus.port, i)]),
    // The drill's webhook, which verify serves: Alertmanager's config names it, so its port is chosen now.
    ...(hasTopology(o.catalog) ? [['verify-webhook', copyPort(9095, 0)] as [string, number]] : []),
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
  const bins = await requireBinaries(o.catalog);
  const topo = o.catalog.topology;
  const paths = statePaths(o.stateDir);
  // Ports first: a refused start leaves no state folder behind.
  const ports = await choosePorts(o, Boolean(bins.grafana));
  await mkdir(paths.logs, { recursive: true });
  const promDir = statePaths(o.stateDir).prometheus;
  const catalogAbs = resolve(o.catalogFile);
  const instances = prometheusInstances(topo);
  const peers = alertmanagerPeers(topo);
  const view = globalView(topo);
  const prometheis: Planned[] = [];
  for (const instance of instances) {
    const data = join(paths.data, instance.name);
    await mkdir(data, { recursive: true });
    prometheis.push({
      name: instance.name,
      command: bins.prometheus,
      args: [
        `--config.file=${prometheusCopy(o.stateDir, instance)}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${ports[instance.name]}`,
        '--web.enable-lifecycle',
        `--rules.alert.resend-delay=${o.fast ? FAST_INTERVAL : '5s'}`,
        ...webExternalUrlArgs(o.catalog, 'prometheus', `http://127.0.0.1:${ports[instance.name]}`),
      ],
      port: ports[instance.name]!,
      readyPath: '/-/ready',
    });
  }
  const state: StackState = { runtime: 'native', catalog: catalogAbs, generated: o.generatedDir, startedAt: new Date().toISOString(), components: [], ...(ports['verify-webhook'] ? { verifyWebhookPort: ports['verify-webhook'] } : {}), ...(o.fast ? { fast: true } : {}) };
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
    for (const instance of instances) await writeAtomic(prometheusCopy(o.stateDir, instance), `# devskyy-mon: starting; the generated config follows by reload\nglobal: { evaluation_interval: ${o.fast ? FAST_INTERVAL : o.catalog.evaluationInterval} }\n`);
    for (const p of prometheis) await start(p);
    await o.generate();
  }
  await preparePrometheusDir(o, ports);
  const planned: Planned[] = demoServices(o.catalog).map((s) => demoPlan(demoComponent(s), ports[demoComponent(s)]!, catalogAbs));
  let amConfig = join(o.generatedDir, 'alertmanager', 'alertmanager.yml');
  if (state.verifyWebhookPort) {
    amConfig = alertmanagerCopyFile(o.stateDir);
    await mkdir(dirname(amConfig), { recursive: true });
    await writeAtomic(amConfig, await alertmanagerCopy(o.generatedDir, state.verifyWebhookPort));
  }
  const clusterPorts = peers.length > 1 ? peers.map((p) => ports[`${p}:cluster`]!) : [];
  peers.forEach((peer, i) => {
    const data = join(paths.data, peer);
    planned.push({
      name: peer,
      command: bins.alertmanager,
      args: [`--config.file=${amConfig}`, `--storage.path=${data}`, `--web.listen-address=127.0.0.1:${ports[peer]}`, ...(clusterPorts.length ? clusterArgs(i, clusterPorts, o.fast) : ['--cluster.listen-address=']), ...webExternalUrlArgs(o.catalog, 'alertmanager', `http://127.0.0.1:${ports[peer]}`)],
      port: ports[peer]!,
      readyPath: '/-/ready',
    });
  });
  if (view) {
    planned.push({ name: STORE_COMPONENT, command: bins.victoriametrics!, args: victoriaMetricsArgs(topo, join(paths.data, STORE_COMPONENT), ports[STORE_COMPONENT]!, o.fast ? FAST_INTERVAL : o.catalog.scrapeInterval), port: ports[STORE_COMPONENT]!, readyPath: '/health' });
  }
  if (!o.generate) planned.push(...prometheis);
  if (bins.grafana) {
    const password = /GRAFANA_ADMIN_PASSWORD=(.*)/.exec(await readFile(join(o.generatedDir, '.env'), 'utf8').catch(() => ''))?.[1] ?? '';
    planned.push({
      name: 'grafana',
      command: bins.grafana,
      args: ['--homepath', '/usr/share/grafana', `cfg:default.paths.data=${join(paths.data, 'grafana')}`, `cfg:default.paths.logs=${paths.logs}`, `cfg:default.paths.provisioning=${join(o.generatedDir, 'grafana', 'provisioning')}`, `cfg:default.server.http_addr=127.0.0.1`, `cfg:default.server.http_port=${ports['grafana']}`, `cfg:default.server.root_url=${o.catalog.stack.grafana.externalUrl ?? `http://127.0.0.1:${ports['grafana']}`}`],
      port: ports['grafana']!,
      readyPath: '/api/health',
      // Dashboards query the global view when there is one: one datasource that sees every shard, deduplicated.
      env: { [GRAFANA_ENV.prometheusUrl]: `http://127.0.0.1:${view ? ports[STORE_COMPONENT] : ports[instances[0]!.name]}`, [GRAFANA_ENV.dashboardsDir]: join(o.generatedDir, 'grafana', 'dashboards'), GF_SECURITY_ADMIN_PASSWORD: password, GF_AUTH_ANONYMOUS_ENABLED: 'false' },
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
    for (const instance of instances) {
      const c = state.components.find((x) => x.name === instance.name)!;
      await reload(instance.name, c.url, c.log);
    }
    // Stop order for down (reverse of this): Prometheus before what it scrapes and alerts to.
    state.components.sort((a, b) => componentRank(a.name) - componentRank(b.name));
    await o.onStarted(state);
  }
  await writeApplied(o.stateDir, await appliedNow(o.catalog, o.generatedDir));
  return state;
}

/** Start order; `down` stops in reverse: Prometheus before the store and Alertmanager it writes and alerts to. */
const componentRank = (name: string) => (name.startsWith('exporter:') ? 0 : /^alertmanager(-\d+)?$/.test(name) ? 1 : name === STORE_COMPONENT ? 2 : /^prometheus(-\d+-\d+)?$/.test(name) ? 3 : 4);

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

/**
 * POST /-/reload. A refusal names the reason: the reload answer only says that loading failed, so the error
 * lines the component logged for it are quoted too. The component keeps running its previous configuration.
 */
export async function reload(component: string, url: string, log?: string): Promise<void> {
  const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const body = (await res.text()).trim();
  if (res.ok) return;
  const errors = log ? tail(log, 400).split('\n').filter((l) => /level=error/.test(l)).slice(-3) : [];
  throw new EnvironmentError(
    `${component} at ${url} refused the new configuration and keeps running the previous one: ${body || `HTTP ${res.status}`}${errors.length ? `\n${errors.map((l) => `  ${l}`).join('\n')}` : ''}${log ? `\n(log: ${log})` : ''}`,
  );
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
  const wantServers = [...prometheusInstances(o.catalog.topology).map((i) => i.name), ...alertmanagerPeers(o.catalog.topology), ...(globalView(o.catalog.topology) ? [STORE_COMPONENT] : [])];
  const haveServers = running.components.filter((c) => !c.name.startsWith('exporter:') && c.name !== 'grafana').map((c) => c.name);
  if (names(wantServers) !== names(haveServers)) return { actions, state: running, restartWhole: `the catalog's topology is now [${names(wantServers)}], the stack runs [${names(haveServers)}]` };
  const ports = Object.fromEntries(running.components.map((c) => [c.name, c.port]));
  const url = (name: string) => running.components.find((c) => c.name === name)!.url;
  const logOf = (name: string) => running.components.find((c) => c.name === name)?.log;
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
    for (const i of prometheusInstances(o.catalog.topology)) await reload(i.name, url(i.name), logOf(i.name));
    actions.push(`prometheus reloaded (${changed.join(', ')} changed)`);
  }
  if (before.alertmanager !== now.alertmanager) {
    if (running.verifyWebhookPort) await writeAtomic(alertmanagerCopyFile(o.stateDir), await alertmanagerCopy(o.generatedDir, running.verifyWebhookPort));
    for (const peer of alertmanagerPeers(o.catalog.topology)) await reload(peer, url(peer), logOf(peer));
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


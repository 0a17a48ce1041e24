// up, down, status, verify, logs: the stack commands. Core logic lives in src/runtime and src/verify.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError, ExitError } from '../diagnostics.js';
import type { OutputFormat } from '../format-diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { applyPlan, WriteConflictError } from '../write/apply.js';
import { ensureEnvFile } from '../write/env-file.js';
import type { ApplyResult } from '../runtime/native.js';
import { VERIFY_RULES_FILE, applyToRunning, nativeUp, StartError } from '../runtime/native.js';
import { Progress } from '../runtime/progress.js';
import { alertmanagerClusterStatus, notOurs, scrapeTargetsOfServers, stackDown, stackStatus } from '../runtime/stack.js';
import type { StackState } from '../runtime/state.js';
import { readState, stateDirFor, statePaths, writeState } from '../runtime/state.js';
import { composeArgs, composeCli, composeReady, composeUp, engineAnswers, engineProblem, runCompose } from '../runtime/compose.js';
import { findBinary } from '../util/binaries.js';
import { installMissing } from '../runtime/install.js';
import type { CheckResult, ManagedStack, VerifyEvent } from '../verify/verify.js';
import { verifyStack } from '../verify/verify.js';
import type { VerifyTopology } from '../verify/topology-checks.js';
import { STORE_COMPONENT, alertmanagerPeers, prometheusInstances } from '../model/topology.js';
import { alertmanagerCopyFile, drillTargetsFile, prometheusCopy } from '../runtime/native.js';
import { hasTopology, peerTimeout } from '../runtime/cluster.js';
import { alive } from '../runtime/processes.js';
import { parseDuration } from '../util/duration.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { globalView } from '../model/topology.js';
import { requireCatalog } from './catalog-input.js';
import { outDirOf, planGenerate } from './generate.js';
import type { Io } from './io.js';

export interface StackFlags {
  catalog: string;
  format: OutputFormat;
}

export interface UpFlags extends StackFlags {
  runtime: 'auto' | 'native' | 'compose';
  ports: 'catalog' | 'auto';
  fast: boolean;
  verify: boolean;
  timeout: number;
  out?: string;
  installMissing: boolean;
}

function printChecks(io: Io, format: OutputFormat, results: CheckResult[]): void {
  if (format === 'json') {
    io.out(JSON.stringify({ ok: results.every((r) => r.ok), checks: results }, null, 2) + '\n');
    return;
  }
  const failed = results.filter((r) => !r.ok).length;
  const warned = results.filter((r) => r.status === 'warn').length;
  io.out(`${failed ? `verify: ${failed} of ${results.length} checks failed` : `verify: all ${results.length} checks passed`}${warned ? ` (${warned} with warnings)` : ''}\n`);
}

function checkLine(r: CheckResult): string {
  const lines = [`${r.status.toUpperCase().padEnd(4)}  ${r.id.padEnd(17)} ${r.title}: ${r.detail}`, ...r.warnings.map((w) => `      warning: ${w}`), ...r.notes.map((n) => `      note: ${n}`)];
  return lines.join('\n') + '\n';
}

/** Text progress: each check as it starts, what it waits for, a component that does not answer (once), each result. */
function printEvent(io: Io, e: VerifyEvent): void {
  switch (e.kind) {
    case 'start':
      io.out(`…     ${e.id.padEnd(17)} ${e.title}\n`);
      break;
    case 'wait':
      io.out(`…     ${e.id.padEnd(17)} waiting: ${e.waitingFor}\n`);
      break;
    case 'down':
      io.out(`DOWN  ${e.component} at ${e.url} does not answer (${e.why}); the checks that need it fail (devskyy-mon status shows what runs)\n`);
      break;
    case 'done':
      io.out(checkLine(e.result));
      break;
  }
}

/** What verify may rely on in a stack this folder's `up` runs natively: its config copy and verification rule. */
function managedStack(state: StackState | undefined, stateDir: string, prometheusUrl: string): ManagedStack | undefined {
  if (state?.runtime !== 'native') return undefined;
  if (urlOf(state, 'prometheus') !== prometheusUrl.replace(/\/$/, '')) return undefined;
  const dir = statePaths(stateDir).prometheus;
  const first = state.components.find((c) => c.name === 'prometheus' || c.name.startsWith('prometheus-'))!;
  return {
    prometheusConfig: join(dir, `${first.name}.yml`),
    verifyRule: existsSync(join(dir, VERIFY_RULES_FILE)),
    ...(state.verifyWebhookPort ? { alertmanagerConfig: alertmanagerCopyFile(stateDir) } : {}),
  };
}

/** What verify needs of a topology this folder's `up` runs natively: every server, every peer, the global view, the drill. */
function verifyTopology(catalog: Catalog, state: StackState, stateDir: string, fast: boolean, failover: boolean): VerifyTopology | undefined {
  if (!hasTopology(catalog) || state.runtime !== 'native') return undefined;
  const url = (name: string) => state.components.find((c) => c.name === name)?.url;
  const servers = prometheusInstances(catalog.topology).flatMap((i) => {
    const u = url(i.name);
    return u ? [{ name: i.name, url: u, shard: i.shard, replica: i.replica, config: prometheusCopy(stateDir, i) }] : [];
  });
  const alertmanagers = alertmanagerPeers(catalog.topology).flatMap((name) => (url(name) ? [{ name, url: url(name)! }] : []));
  const store = url(STORE_COMPONENT);
  return {
    servers,
    alertmanagers,
    ...(store ? { globalUrl: store } : {}),
    shards: catalog.topology.shards,
    replicas: catalog.topology.replicas,
    ...(state.verifyWebhookPort
      ? {
          drill: {
            webhookPort: state.verifyWebhookPort,
            targetsFile: drillTargetsFile(stateDir),
            peerTimeoutMs: (parseDuration(peerTimeout(fast)) ?? 15) * 1000,
            failover,
            kill: async (name: string) => {
              const c = state.components.find((x) => x.name === name);
              if (!c || (await notOurs(c)) !== undefined) throw new Error(`${name} is not a process this stack started; not killed`);
              process.kill(c.pid, 'SIGKILL');
              while (alive(c.pid)) await sleep(20);
            },
          },
        }
      : {}),
  };
}

async function runVerify(io: Io, format: OutputFormat, catalog: Catalog, generatedDir: string, prometheusUrl: string, alertmanagerUrl: string, timeoutSeconds: number, managed: ManagedStack | undefined, topology?: VerifyTopology): Promise<boolean> {
  const results = await verifyStack({
    catalog,
    generatedDir,
    prometheusUrl,
    alertmanagerUrl,
    timeoutMs: timeoutSeconds * 1000,
    ...(managed ? { managed } : {}),
    ...(topology ? { topology } : {}),
    ...(format === 'text' ? { onEvent: (e: VerifyEvent) => printEvent(io, e) } : {}),
  });
  printChecks(io, format, results);
  return results.every((r) => r.ok);
}

/** Brings the generated output up to date before starting; refuses when files were edited by hand. */
async function ensureGenerated(io: Io, flags: UpFlags, catalog: Catalog): Promise<string> {
  const plan = await planGenerate(io, { catalog: flags.catalog, ...(flags.out ? { out: flags.out } : {}), format: flags.format, target: 'compose' }, catalog);
  if (plan.actions.some((a) => a.kind !== 'unchanged')) {
    // Conflicts are judged by the writer, under the lock, after an interrupted run was finished or undone.
    try {
      const r = await applyPlan(plan, { onWait: (who) => io.err(`waiting for ${who} to finish writing ${plan.outDir}\n`) });
      if (r.recovered) io.err(`${plan.outDir}: ${r.recovered}\n`);
      io.out(`generated: ${r.written.length} written, ${r.deleted.length} deleted\n`);
    } catch (err) {
      if (!(err instanceof WriteConflictError)) throw err;
      io.err(`${err.message}\nrun devskyy-mon generate --force, or undo the edits\n`);
      throw new ExitError(1);
    }
  }
  await ensureEnvFile(plan.outDir);
  return plan.outDir;
}

/** A component's URL; for `prometheus` and `alertmanager` in a topology, the first server or peer. */
function urlOf(state: StackState, name: string): string {
  const c = state.components.find((x) => x.name === name) ?? state.components.find((x) => x.name.startsWith(`${name}-`));
  if (!c) throw new EnvironmentError(`the stack has no ${name}`);
  return c.url;
}

/** Starts the stack from nothing in the chosen runtime; on failure leaves nothing running. */
async function startStack(io: Io, flags: UpFlags, catalog: Catalog, stateDir: string, t0: number, generated: string | undefined): Promise<StackState> {
  const runtime = flags.runtime === 'auto' ? ((await engineAnswers()) ? 'compose' : 'native') : flags.runtime;
  let state: StackState;
  if (runtime === 'compose') {
    const generatedDir = generated ?? (await ensureGenerated(io, flags, catalog));
    // docker-compose without an engine ends in a Python traceback: say what is missing before running it.
    const problem = await engineProblem();
    if (problem) throw new EnvironmentError(problem);
    const cli = await composeCli();
    io.out(`runtime: compose (${[cli.command, ...cli.prefix].join(' ')})\n`);
    state = await composeUp({ cli, catalog, catalogFile: flags.catalog, generatedDir });
    await writeState(stateDir, state);
    await composeReady(state, t0 + flags.timeout * 1000);
  } else {
    if (flags.installMissing) await installMissing(io, { victoriaMetrics: Boolean(globalView(catalog.topology)) });
    io.out(`runtime: native (state in ${stateDir})\n`);
    const progress = new Progress(io);
    let latest: StackState | undefined;
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      progress.close();
      io.err('\ninterrupted: stopping what was started\n');
      void stackDown(stateDir).finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // What generation says while the progress lines are drawn waits until they are done.
    const held = { out: '', err: '' };
    const flush = () => {
      if (held.out) io.out(held.out);
      if (held.err) io.err(held.err);
      held.out = held.err = '';
    };
    const quiet: Io = { out: (t) => void (held.out += t), err: (t) => void (held.err += t), isTTY: io.isTTY };
    try {
      state = await nativeUp({
        catalogFile: flags.catalog,
        catalog,
        generatedDir: generated ?? outDirOf(flags.catalog, flags.out),
        // Not generated yet: generate while Prometheus starts (see NativeOptions.generate).
        ...(generated ? {} : { generate: () => ensureGenerated(quiet, flags, catalog) }),
        stateDir,
        ports: flags.ports,
        fast: flags.fast,
        progress,
        interrupted: () => interrupted,
        onStarted: async (s) => {
          latest = s;
          await writeState(stateDir, s);
        },
      });
    } catch (err) {
      // Interrupted: the signal handler stops what started and exits 130.
      if (interrupted) await new Promise(() => undefined);
      progress.close();
      flush();
      if (latest || err instanceof StartError) await stackDown(stateDir);
      if (err instanceof StartError) {
        io.err(`${err.message}\nnothing was left running\n`);
        throw new ExitError(2);
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    progress.close();
    flush();
  }
  return state;
}

/** `up` on a running native stack: reload or restart what changed, stopping a restarted exporter cleanly on failure. */
async function applyRunning(io: Io, flags: UpFlags, catalog: Catalog, generatedDir: string, stateDir: string, running: StackState): Promise<ApplyResult> {
  const progress = new Progress(io);
  try {
    const r = await applyToRunning({ catalog, catalogFile: flags.catalog, generatedDir, stateDir, fast: flags.fast, progress }, running);
    await writeState(stateDir, r.state);
    return r;
  } catch (err) {
    progress.close();
    if (err instanceof StartError) {
      await writeState(stateDir, err.state);
      io.err(`${err.message}\n`);
      throw new ExitError(2);
    }
    throw err;
  } finally {
    progress.close();
  }
}

export async function runUp(io: Io, flags: UpFlags): Promise<void> {
  const t0 = Date.now();
  const { catalog } = await requireCatalog(io, flags.catalog, flags.format);
  const stateDir = stateDirFor(flags.catalog);
  const status = await stackStatus(stateDir, true);
  const ours = status.components.filter((c) => c.state !== 'not installed');
  let state: StackState | undefined;
  let generatedDir: string | undefined;
  if (status.state && ours.length && ours.every((c) => c.state === 'running')) {
    const unhealthy = ours.filter((c) => c.health !== 'healthy').map((c) => c.name);
    if (status.state.runtime === 'compose') {
      io.out(`already up (compose)${unhealthy.length ? `, but not healthy: ${unhealthy.join(', ')}` : ''}; changes are not applied to a compose stack: devskyy-mon down, then up\n`);
      return;
    }
    generatedDir = await ensureGenerated(io, flags, catalog);
    const applied = await applyRunning(io, flags, catalog, generatedDir, stateDir, status.state);
    if (applied.restartWhole) io.out(`restarting the stack: ${applied.restartWhole}\n`);
    else {
      state = applied.state;
      io.out(`already up (native)${applied.actions.length ? `; applied what changed: ${applied.actions.join('; ')}` : ', nothing changed'}${unhealthy.length ? `; not healthy: ${unhealthy.join(', ')}` : ''}\n`);
    }
  }
  if (!state && (status.state || status.orphans.length)) {
    const r = await stackDown(stateDir);
    if (r.stopped.length || r.orphans.length) io.out(`${generatedDir ? 'stopped' : 'cleaned up a previous run'}: ${[...r.stopped, ...r.orphans.map((p) => `pid ${p}`)].join(', ')}\n`);
    for (const k of r.skipped) io.out(`skipped ${k.name} of a previous run: ${k.reason}; it was not signalled\n`);
  }
  if (!state) state = await startStack(io, flags, catalog, stateDir, t0, generatedDir);
  generatedDir = state.generated;
  io.out(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${state.components.map((c) => `${c.name} ${c.url}`).join(', ')}\n`);
  if (!flags.verify) return;
  const managed = managedStack(state, stateDir, urlOf(state, 'prometheus'));
  const ok = await runVerify(io, flags.format, catalog, generatedDir, urlOf(state, 'prometheus'), urlOf(state, 'alertmanager'), flags.timeout, managed, managed ? verifyTopology(catalog, state, stateDir, state.fast === true, false) : undefined);
  io.out(`up to verified in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  if (!ok) {
    io.err('verification failed; the stack is left running for inspection (devskyy-mon down stops it)\n');
    throw new ExitError(1);
  }
}

export async function runDown(io: Io, flags: StackFlags & { purge: boolean }): Promise<void> {
  const stateDir = stateDirFor(flags.catalog);
  const r = await stackDown(stateDir, { purge: flags.purge });
  if (flags.format === 'json') {
    io.out(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  if (!r.stopped.length && !r.orphans.length && !r.staleEntries.length && !r.skipped.length) io.out('nothing was running\n');
  if (r.stopped.length) io.out(`stopped ${r.stopped.join(', ')}\n`);
  if (r.staleEntries.length) io.out(`cleared stale entries for ${r.staleEntries.join(', ')} (not running any more)\n`);
  for (const s of r.skipped) io.out(`skipped ${s.name}: ${s.reason}; it was not signalled\n`);
  if (r.orphans.length) io.out(`stopped ${r.orphans.length} process(es) whose state file was missing: pids ${r.orphans.join(', ')}\n`);
  if (flags.purge) io.out(`removed ${stateDir}\n`);
}

export async function runStatus(io: Io, flags: StackFlags): Promise<void> {
  const stateDir = stateDirFor(flags.catalog);
  const grafanaInstalled = Boolean(await findBinary(['grafana-server', 'grafana']));
  const s = await stackStatus(stateDir, grafanaInstalled);
  const servers = s.components.filter((c) => /^prometheus(-\d+-\d+)?$/.test(c.name) && c.state === 'running' && c.url).map((c) => ({ name: c.name, url: c.url! }));
  const scrape = await scrapeTargetsOfServers(servers);
  // A cluster of Alertmanager peers: how each one sees it (a peer that died drops out of the others' lists).
  const peers = s.components.filter((c) => /^alertmanager-\d+$/.test(c.name) && c.state === 'running' && c.url).map((c) => ({ name: c.name, url: c.url! }));
  const cluster = peers.length ? await alertmanagerClusterStatus(peers) : undefined;
  if (flags.format === 'json') {
    io.out(JSON.stringify({ runtime: s.state?.runtime ?? null, up: Boolean(s.state), components: s.components, targets: scrape && 'targets' in scrape ? scrape.targets : null, ...(scrape && 'error' in scrape ? { targetsError: scrape.error } : {}), ...(cluster ? { alertmanagerCluster: cluster } : {}), orphans: s.orphans }, null, 2) + '\n');
    return;
  }
  if (!s.state) io.out('not running\n');
  for (const c of s.components) io.out(`${c.name.padEnd(18)} ${c.state.padEnd(13)} ${c.health.padEnd(9)} ${c.pid !== undefined ? `pid ${String(c.pid).padEnd(8)}` : ''.padEnd(12)} ${c.url ?? (c.state === 'not installed' ? 'install grafana to include it' : '')}\n`);
  for (const c of s.components) if (c.note) io.out(`${c.name}: ${c.note}\n`);
  if (cluster) {
    io.out(`alertmanager cluster (as each peer sees it):\n`);
    for (const c of cluster) io.out(`  ${c.name.padEnd(16)} ${c.status.padEnd(10)} ${c.peers.length} peers${c.peers.length ? `: ${c.peers.join(', ')}` : ''}${c.error ? `  (${c.error})` : ''}\n`);
  }
  if (scrape && 'error' in scrape) io.out(`scrape targets: unknown, Prometheus ${scrape.error}\n`);
  else if (scrape) {
    io.out(`scrape targets (as Prometheus sees them):\n`);
    for (const t of scrape.targets) io.out(`  ${t.server ? `${t.server.padEnd(16)} ` : ''}${t.job.padEnd(16)} ${t.health.padEnd(8)} ${t.scrapeUrl}${t.lastError ? `  last error: ${t.lastError}` : ''}\n`);
  }
  if (s.orphans.length) io.out(`processes of this stack without a state file: pids ${s.orphans.join(', ')} (devskyy-mon down stops them)\n`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws EnvironmentError when `url` answers `path` with something other than the API named; a URL that does not answer at all is left to verify, which reports a component that is down. */
async function expectApi(url: string, path: string, looksRight: (body: unknown) => boolean, what: string, flag: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch {
    return;
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok || !looksRight(body)) throw new EnvironmentError(`${url} does not answer as ${what} (GET ${path.split('?')[0]} gave HTTP ${res.status}${res.ok ? ' with another body' : ''}); check ${flag}`);
}

export async function runVerifyCommand(io: Io, flags: StackFlags & { timeout: number; prometheusUrl?: string; alertmanagerUrl?: string; out?: string; failover?: boolean }): Promise<void> {
  const { catalog } = await requireCatalog(io, flags.catalog, flags.format);
  const stateDir = stateDirFor(flags.catalog);
  const state = await readState(stateDir);
  const prom = flags.prometheusUrl ?? (state ? urlOf(state, 'prometheus') : undefined);
  const am = flags.alertmanagerUrl ?? (state ? urlOf(state, 'alertmanager') : undefined);
  if (!prom || !am) throw new EnvironmentError('the stack is not up: run devskyy-mon up, or give --prometheus-url and --alertmanager-url');
  // A URL the user gave that answers but is not the API asked for is a usage error, said once with the URL.
  if (flags.prometheusUrl) await expectApi(flags.prometheusUrl, '/api/v1/query?query=1', (b) => isRecord(b) && b['status'] === 'success', 'the Prometheus HTTP API', '--prometheus-url');
  if (flags.alertmanagerUrl) await expectApi(flags.alertmanagerUrl, '/api/v2/status', (b) => isRecord(b) && 'cluster' in b, "Alertmanager's API v2", '--alertmanager-url');
  const managed = managedStack(state, stateDir, prom);
  const topology = managed && state ? verifyTopology(catalog, state, stateDir, state.fast === true, flags.failover ?? false) : undefined;
  if (flags.failover && !topology?.drill) throw new EnvironmentError('--failover needs a stack past one Prometheus that devskyy-mon up runs natively (a catalog with a topology)');
  const ok = await runVerify(io, flags.format, catalog, state?.generated ?? outDirOf(flags.catalog, flags.out), prom, am, flags.timeout, managed, topology);
  if (!ok) throw new ExitError(1);
}

export async function runLogs(io: Io, flags: StackFlags & { component?: string; lines: number }): Promise<void> {
  const stateDir = stateDirFor(flags.catalog);
  const state = await readState(stateDir);
  if (!state) throw new EnvironmentError('the stack is not up (no state in ' + stateDir + ')');
  if (state.runtime === 'compose') {
    const problem = await engineProblem();
    if (problem) throw new EnvironmentError(`cannot read the compose stack's logs: ${problem}`);
    const cli = await composeCli();
    const r = await runCompose(cli, composeArgs(cli, state.generated, 'logs', flags.component ? { service: flags.component } : {}));
    io.out(r.output + '\n');
    return;
  }
  const comps = flags.component ? state.components.filter((c) => c.name === flags.component || c.name === `exporter:${flags.component}`) : state.components;
  const external = flags.component ? (await requireCatalog(io, flags.catalog, flags.format)).catalog.services.find((x) => x.name === flags.component && x.exporter === 'external') : undefined;
  if (!comps.length && external) {
    // Not ours to read: the app logs wherever it runs. What we can say is how Prometheus' scrapes of it go.
    const scrape = await scrapeTargetsOfServers(state.components.filter((c) => /^prometheus(-\d+-\d+)?$/.test(c.name)).map((c) => ({ name: c.name, url: c.url })));
    io.out(`${external.name} is an external app (exporter: external): devskyy-mon does not run it, so its logs are wherever it runs.\n`);
    if (!scrape || 'error' in scrape) io.out(`Prometheus' view of it is unknown: ${scrape && 'error' in scrape ? scrape.error : 'no Prometheus in this stack'}\n`);
    else {
      const ts = scrape.targets.filter((t) => t.job === external.name);
      if (!ts.length) io.out(`Prometheus has no target for job ${external.name} (devskyy-mon status shows the targets)\n`);
      for (const t of ts) io.out(`${t.server ?? 'Prometheus'} scrapes ${t.scrapeUrl}: ${t.health}${t.lastScrape && !t.lastScrape.startsWith('0001') ? `, last scrape ${t.lastScrape}` : ', not scraped yet'}${t.lastError ? `, last error: ${t.lastError}` : ''}\n`);
    }
    return;
  }
  if (!comps.length) throw new EnvironmentError(`no component "${flags.component}"; the stack has ${state.components.map((c) => c.name).join(', ')}`);
  for (const c of comps) {
    const text = await readFile(c.log, 'utf8').catch(() => '');
    io.out(`==> ${c.name} (${c.log}) <==\n${text.trimEnd().split('\n').slice(-flags.lines).join('\n')}\n`);
  }
}

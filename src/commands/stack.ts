// up, down, status, verify, logs: the stack commands. Core logic lives in src/runtime and src/verify.
import { readFile } from 'node:fs/promises';
import { EnvironmentError, ExitError } from '../diagnostics.js';
import type { OutputFormat } from '../format-diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { applyPlan, WriteConflictError } from '../write/apply.js';
import { ensureEnvFile } from '../write/env-file.js';
import { nativeUp, StartError } from '../runtime/native.js';
import { Progress } from '../runtime/progress.js';
import { stackDown, stackStatus } from '../runtime/stack.js';
import type { StackState } from '../runtime/state.js';
import { readState, stateDirFor, writeState } from '../runtime/state.js';
import { composeArgs, composeCli, composeReady, composeUp, engineAnswers, runCompose } from '../runtime/compose.js';
import { findBinary } from '../util/binaries.js';
import { installMissing } from '../runtime/install.js';
import type { CheckResult } from '../verify/verify.js';
import { verifyStack } from '../verify/verify.js';
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
  io.out(`${failed ? `verify: ${failed} of ${results.length} checks failed` : `verify: all ${results.length} checks passed`}\n`);
}

function checkLine(r: CheckResult): string {
  return `${r.ok ? 'PASS' : 'FAIL'}  ${r.id.padEnd(17)} ${r.title}: ${r.detail}\n`;
}

async function runVerify(io: Io, format: OutputFormat, catalog: Catalog, generatedDir: string, prometheusUrl: string, alertmanagerUrl: string, timeoutSeconds: number): Promise<boolean> {
  const results = await verifyStack({
    catalog,
    generatedDir,
    prometheusUrl,
    alertmanagerUrl,
    timeoutMs: timeoutSeconds * 1000,
    ...(format === 'text' ? { onCheck: (r: CheckResult) => io.out(checkLine(r)) } : {}),
  });
  printChecks(io, format, results);
  return results.every((r) => r.ok);
}

/** Brings the generated output up to date before starting; refuses when files were edited by hand. */
async function ensureGenerated(io: Io, flags: UpFlags): Promise<string> {
  const plan = await planGenerate(io, { catalog: flags.catalog, ...(flags.out ? { out: flags.out } : {}), format: flags.format, target: 'compose' });
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

function urlOf(state: StackState, name: string): string {
  const c = state.components.find((x) => x.name === name);
  if (!c) throw new EnvironmentError(`the stack has no ${name}`);
  return c.url;
}

export async function runUp(io: Io, flags: UpFlags): Promise<void> {
  const t0 = Date.now();
  const { catalog } = await requireCatalog(io, flags.catalog, flags.format);
  const stateDir = stateDirFor(flags.catalog);
  const status = await stackStatus(stateDir, true);
  const ours = status.components.filter((c) => c.state !== 'not installed');
  if (status.state && ours.length && ours.every((c) => c.state === 'running')) {
    const unhealthy = ours.filter((c) => c.health !== 'healthy').map((c) => c.name);
    io.out(`already up (${status.state.runtime})${unhealthy.length ? `, but not healthy: ${unhealthy.join(', ')}` : ''}; devskyy-mon status shows it, devskyy-mon down stops it\n`);
    return;
  }
  if (status.state || status.orphans.length) {
    const r = await stackDown(stateDir);
    if (r.stopped.length || r.orphans.length) io.out(`cleaned up a previous run: ${[...r.stopped, ...r.orphans.map((p) => `pid ${p}`)].join(', ')}\n`);
    for (const k of r.skipped) io.out(`skipped ${k.name} of a previous run: ${k.reason}; it was not signalled\n`);
  }
  const generatedDir = await ensureGenerated(io, flags);
  const runtime = flags.runtime === 'auto' ? ((await engineAnswers()) ? 'compose' : 'native') : flags.runtime;
  let state: StackState;
  if (runtime === 'compose') {
    const cli = await composeCli();
    io.out(`runtime: compose (${[cli.command, ...cli.prefix].join(' ')})\n`);
    state = await composeUp({ cli, catalog, catalogFile: flags.catalog, generatedDir });
    await writeState(stateDir, state);
    await composeReady(state, t0 + flags.timeout * 1000);
  } else {
    if (flags.installMissing) await installMissing(io);
    io.out(`runtime: native (state in ${stateDir})\n`);
    const progress = new Progress(io);
    let latest: StackState | undefined;
    const onSignal = () => {
      progress.close();
      io.err('\ninterrupted: stopping what was started\n');
      void stackDown(stateDir).finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      state = await nativeUp({
        catalogFile: flags.catalog,
        catalog,
        generatedDir,
        stateDir,
        ports: flags.ports,
        fast: flags.fast,
        progress,
        onStarted: async (s) => {
          latest = s;
          await writeState(stateDir, s);
        },
      });
    } catch (err) {
      progress.close();
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
  }
  io.out(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${state.components.map((c) => `${c.name} ${c.url}`).join(', ')}\n`);
  if (!flags.verify) return;
  const ok = await runVerify(io, flags.format, catalog, generatedDir, urlOf(state, 'prometheus'), urlOf(state, 'alertmanager'), flags.timeout);
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
  if (flags.format === 'json') {
    io.out(JSON.stringify({ runtime: s.state?.runtime ?? null, up: Boolean(s.state), components: s.components, orphans: s.orphans }, null, 2) + '\n');
    return;
  }
  if (!s.state) io.out('not running\n');
  for (const c of s.components) io.out(`${c.name.padEnd(18)} ${c.state.padEnd(13)} ${c.health.padEnd(9)} ${c.pid !== undefined ? `pid ${String(c.pid).padEnd(8)}` : ''.padEnd(12)} ${c.url ?? (c.state === 'not installed' ? 'install grafana to include it' : '')}\n`);
  for (const c of s.components) if (c.note) io.out(`${c.name}: ${c.note}\n`);
  if (s.orphans.length) io.out(`processes of this stack without a state file: pids ${s.orphans.join(', ')} (devskyy-mon down stops them)\n`);
}

export async function runVerifyCommand(io: Io, flags: StackFlags & { timeout: number; prometheusUrl?: string; alertmanagerUrl?: string; out?: string }): Promise<void> {
  const { catalog } = await requireCatalog(io, flags.catalog, flags.format);
  const state = await readState(stateDirFor(flags.catalog));
  const prom = flags.prometheusUrl ?? (state ? urlOf(state, 'prometheus') : undefined);
  const am = flags.alertmanagerUrl ?? (state ? urlOf(state, 'alertmanager') : undefined);
  if (!prom || !am) throw new EnvironmentError('the stack is not up: run devskyy-mon up, or give --prometheus-url and --alertmanager-url');
  const ok = await runVerify(io, flags.format, catalog, state?.generated ?? outDirOf(flags.catalog, flags.out), prom, am, flags.timeout);
  if (!ok) throw new ExitError(1);
}

export async function runLogs(io: Io, flags: StackFlags & { component?: string; lines: number }): Promise<void> {
  const stateDir = stateDirFor(flags.catalog);
  const state = await readState(stateDir);
  if (!state) throw new EnvironmentError('the stack is not up (no state in ' + stateDir + ')');
  if (state.runtime === 'compose') {
    const cli = await composeCli();
    const r = await runCompose(cli, composeArgs(cli, state.generated, 'logs', flags.component ? { service: flags.component } : {}));
    io.out(r.output + '\n');
    return;
  }
  const comps = flags.component ? state.components.filter((c) => c.name === flags.component || c.name === `exporter:${flags.component}`) : state.components;
  if (!comps.length) throw new EnvironmentError(`no component "${flags.component}"; the stack has ${state.components.map((c) => c.name).join(', ')}`);
  for (const c of comps) {
    const text = await readFile(c.log, 'utf8').catch(() => '');
    io.out(`==> ${c.name} (${c.log}) <==\n${text.trimEnd().split('\n').slice(-flags.lines).join('\n')}\n`);
  }
}

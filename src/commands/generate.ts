import { relative, resolve, dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { EnvironmentError, ExitError } from '../diagnostics.js';
import { writeFailure } from '../write/failure.js';
import { stat } from 'node:fs/promises';
import type { OutputFormat } from '../format-diagnostics.js';
import type { Target } from '../generate.js';
import { applyPlan, LockHeldError, WriteConflictError } from '../write/apply.js';
import type { Action, Plan } from '../write/plan.js';
import { planWrite } from '../write/plan.js';
import { ensureEnvFile } from '../write/env-file.js';
import { manifestFile } from '../write/manifest.js';
import { printDiagnostics } from './io.js';
import { requireCatalog } from './catalog-input.js';
import type { Io } from './io.js';
import type { Catalog } from '../model/catalog.js';

export interface GenerateFlags {
  catalog: string;
  out?: string;
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  format: OutputFormat;
  target: Target;
  /** How long to wait for another run's lock on the output folder. */
  lockWaitSeconds?: number;
}

/** The generated folder: --out when given, else generated/ beside the catalog; absolute. */
export function outDirOf(catalogFile: string, out?: string): string {
  return resolve(out ?? join(dirname(catalogFile), 'generated'));
}

const DRIFT: Record<Action['kind'], string> = {
  create: 'missing',
  update: 'stale',
  delete: 'no longer generated',
  conflict: 'hand-edited or not ours',
  unchanged: 'up to date',
};

function driftReport(plan: Plan, rel: string): string {
  const lines: string[] = [];
  for (const a of plan.actions.filter((x) => x.kind !== 'unchanged')) {
    lines.push(`${join(rel, a.path)}: ${DRIFT[a.kind]}${a.reason && a.kind === 'conflict' ? ` (${a.reason})` : ''}`);
    const patch = createTwoFilesPatch(`a/${a.path}`, `b/${a.path}`, a.current ?? '', a.next ?? '', 'on disk', 'generated', { context: 2 });
    // Drop the ==== separator createTwoFilesPatch starts with; keep the ---/+++ header and hunks.
    lines.push(...patch.split('\n').slice(1).filter((l, i, all) => i < all.length - 1 || l !== '').slice(0, 200));
  }
  return lines.join('\n') + '\n';
}

/** Plans the output of a catalog; shared by generate and by up (which regenerates when stale). */
/** `loaded`: the catalog already validated by the caller (`up`), so it is not loaded and validated twice. */
export async function planGenerate(io: Io, flags: GenerateFlags, loaded?: Catalog): Promise<Plan> {
  const catalog = loaded ?? (await requireCatalog(io, flags.catalog, flags.format)).catalog;
  const outDir = outDirOf(flags.catalog, flags.out);
  const st = await stat(outDir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new EnvironmentError(`output folder ${relative(process.cwd(), outDir) || outDir} exists and is not a folder; choose another with --out`);
  // Emitters load here, not at start-up: validating a catalog does not need them.
  const [{ generate }, { KubernetesTargetError }] = await Promise.all([import('../generate.js'), import('../emit/kubernetes-error.js')]);
  let artifacts;
  try {
    artifacts = await generate(catalog, { target: flags.target });
  } catch (err) {
    if (err instanceof KubernetesTargetError) {
      await printDiagnostics(io, flags.format, [{ file: flags.catalog, severity: 'error', check: 'kubernetes-target', message: err.message }], new Map());
      throw new ExitError(1);
    }
    throw err;
  }
  const catalogRef = relative(outDir, resolve(flags.catalog)).split('\\').join('/');
  return planWrite(outDir, catalogRef, artifacts, { force: flags.force ?? false, manifestName: manifestFile(flags.target) });
}

export async function runGenerate(io: Io, flags: GenerateFlags): Promise<void> {
  if (flags.dryRun) {
    const { catalog } = await requireCatalog(io, flags.catalog, flags.format, true);
    if (flags.format === 'text') {
      const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
      io.out(`${flags.catalog}: valid — ${n(catalog.metrics.length, 'metric')}, ${n(catalog.alerts.length, 'alert')}, ${n(catalog.slos.length, 'SLO')}, ${n(catalog.dashboards.length, 'dashboard')}\n`);
    }
    return;
  }
  const plan = await planGenerate(io, flags);
  const rel = relative(process.cwd(), plan.outDir) || '.';
  if (flags.check) {
    const drift = plan.actions.filter((a) => a.kind !== 'unchanged');
    if (flags.format === 'json') {
      io.out(JSON.stringify({ ok: drift.length === 0, files: drift.map((a) => ({ path: a.path, state: DRIFT[a.kind], ...(a.reason ? { reason: a.reason } : {}) })) }, null, 2) + '\n');
    } else if (drift.length) {
      io.err(driftReport(plan, rel));
      const edited = drift.some((a) => a.kind === 'conflict');
      io.err(`${drift.length} of ${plan.actions.length} generated files in ${rel} differ from the catalog; run devskyy-mon generate${edited ? ' --force (files edited by hand are taken over), or undo the edits' : ''}\n`);
    } else io.out(`${plan.actions.length} generated files in ${rel} are up to date\n`);
    if (drift.length) throw new ExitError(1);
    return;
  }
  try {
    const result = await applyPlan(plan, { lockWaitMs: (flags.lockWaitSeconds ?? 60) * 1000, onWait: (who) => io.err(`waiting for ${who} to finish writing ${rel}\n`) });
    if (result.recovered) io.err(`${rel}: ${result.recovered}\n`);
    if (flags.target === 'compose' && (await ensureEnvFile(plan.outDir))) result.written.push('.env (Grafana admin password, mode 0600)');
    const summary = { written: result.written, deleted: result.deleted, unchanged: result.unchanged.length, out: rel };
    if (flags.format === 'json') io.out(JSON.stringify(summary, null, 2) + '\n');
    else {
      for (const p of result.written) io.out(`wrote   ${join(rel, p)}\n`);
      for (const p of result.deleted) io.out(`deleted ${join(rel, p)}\n`);
      io.out(`${result.written.length} written, ${result.deleted.length} deleted, ${result.unchanged.length} unchanged in ${rel}\n`);
    }
  } catch (err) {
    if (err instanceof WriteConflictError) {
      io.err(`${err.message.split('\n').map((l) => `${rel}/${l}`).join('\n')}\nnothing was written\n`);
      throw new ExitError(1);
    }
    if (err instanceof LockHeldError) throw new EnvironmentError(err.message.replace(plan.outDir, rel));
    throw writeFailure(err, `the output folder ${rel}`, 'choose another folder with --out');
  }
}

// The one place that writes generated files: locked, staged to temp files, renamed into place, rolled back on failure.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LOCK_FILE, renderManifest, sha256 } from './manifest.js';
import type { Plan } from './plan.js';
import { conflicts, neededDirs } from './plan.js';

export class WriteConflictError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive lock file holding our pid; a lock left by a dead process is taken over. */
async function acquireLock(outDir: string): Promise<() => Promise<void>> {
  const path = join(outDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (holder && alive(holder) && holder !== process.pid) {
        throw new WriteConflictError(`${outDir} is locked by another devskyy-mon run (pid ${holder}); remove ${path} if that process is gone`);
      }
      await rm(path, { force: true });
    }
  }
  throw new WriteConflictError(`cannot lock ${outDir}`);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Creates a folder and its missing parents one level at a time, recording each for the rollback.
 * (Node's recursive mkdir loops forever where a parent cannot hold folders, e.g. under /proc.)
 */
async function mkdirParents(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      for (const c of created.reverse()) await rmdir(c).catch(() => undefined);
      created.length = 0;
      throw err;
    }
    created.push(d);
  }
}

export interface ApplyResult {
  written: string[];
  deleted: string[];
  unchanged: string[];
}

/**
 * Writes a plan. Nothing is changed unless every file could be staged; a failure while renaming restores what
 * was replaced. Test hook: DEVSKYY_MON_FAIL_AFTER=N makes the Nth rename fail, to prove the rollback.
 */
export async function applyPlan(plan: Plan): Promise<ApplyResult> {
  const bad = conflicts(plan);
  if (bad.length) throw new WriteConflictError(bad.map((a) => `${a.path}: ${a.reason}`).join('\n'));
  const { outDir } = plan;
  const createdDirs: string[] = [];
  await mkdirParents(outDir, createdDirs);
  let release: (() => Promise<void>) | undefined;
  const staged: { tmp: string; dest: string; backup?: string }[] = [];
  const done: { dest: string; backup?: string }[] = [];
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    release = await acquireLock(outDir);
    for (const d of neededDirs(plan)) {
      const full = join(outDir, d);
      if (!(await exists(full))) {
        await mkdir(full);
        createdDirs.push(full);
      }
    }
    const manifestFiles: Record<string, string> = {};
    for (const a of plan.actions) {
      if (a.kind === 'delete' || a.kind === 'conflict') continue;
      manifestFiles[a.path] = sha256(a.next!);
      if (a.kind === 'unchanged') continue;
      const dest = join(outDir, a.path);
      const tmp = `${dest}.${tag}.tmp`;
      await writeFile(tmp, a.next!, { mode: a.mode ?? 0o644, flag: 'wx' });
      if (a.mode !== undefined) await chmod(tmp, a.mode);
      staged.push({ tmp, dest });
    }
    const manifestPath = join(outDir, plan.manifestName);
    const manifestTmp = `${manifestPath}.${tag}.tmp`;
    await writeFile(manifestTmp, renderManifest(plan.catalog, manifestFiles), { flag: 'wx' });
    staged.push({ tmp: manifestTmp, dest: manifestPath });
    // Keep what is replaced until every rename went through.
    for (const s of staged) {
      if (await exists(s.dest)) {
        s.backup = `${s.dest}.${tag}.bak`;
        await copyFile(s.dest, s.backup, constants.COPYFILE_EXCL);
      }
    }
    const failAfter = Number(process.env['DEVSKYY_MON_FAIL_AFTER'] ?? 0);
    for (const s of staged) {
      if (failAfter && done.length + 1 >= failAfter) throw new Error(`injected failure before writing ${s.dest}`);
      await rename(s.tmp, s.dest);
      done.push({ dest: s.dest, ...(s.backup ? { backup: s.backup } : {}) });
    }
    for (const a of plan.actions) if (a.kind === 'delete') await unlink(join(outDir, a.path)).catch(() => undefined);
    for (const s of staged) if (s.backup) await rm(s.backup, { force: true });
    return {
      written: plan.actions.filter((a) => a.kind === 'create' || a.kind === 'update').map((a) => a.path),
      deleted: plan.actions.filter((a) => a.kind === 'delete').map((a) => a.path),
      unchanged: plan.actions.filter((a) => a.kind === 'unchanged').map((a) => a.path),
    };
  } catch (err) {
    for (const d of done.reverse()) {
      if (d.backup) await rename(d.backup, d.dest).catch(() => undefined);
      else await rm(d.dest, { force: true });
    }
    for (const s of staged) {
      await rm(s.tmp, { force: true });
      if (s.backup) await rm(s.backup, { force: true });
    }
    if (release) await release();
    release = undefined;
    for (const d of createdDirs.reverse()) await rmdir(d).catch(() => undefined);
    throw err;
  } finally {
    if (release) await release();
  }
}

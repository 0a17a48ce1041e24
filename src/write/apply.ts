// The one place that writes generated files: locked, re-planned under the lock, staged to temp files, renamed
// into place, rolled back on failure. A journal of the plan lets the next run finish (or undo) a run that was
// killed, and remove what it left.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOURNAL_FILE, LOCK_FILE, renderManifest, sha256 } from './manifest.js';
import type { Plan } from './plan.js';
import { conflicts, neededDirs, planWrite } from './plan.js';
import { EnvironmentError } from '../diagnostics.js';
import { notTheSameProcess, processIdentity } from '../util/process-identity.js';
import type { ProcessIdentity } from '../util/process-identity.js';

export class WriteConflictError extends Error {}

/** Another run holds the output folder's lock (and kept it longer than this run would wait): exit 2. */
export class LockHeldError extends EnvironmentError {}

/** The file-system calls the writer makes: replaceable in tests (a full disk, a failing rename). */
export interface WriterFs {
  writeFile: typeof writeFile;
  rename: typeof rename;
  copyFile: typeof copyFile;
}
const realFs: WriterFs = { writeFile, rename, copyFile };

export interface ApplyOptions {
  /** How long to wait for another run's lock before giving up (default 60 s). */
  lockWaitMs?: number;
  /** Called once when the lock is busy and this run starts waiting. */
  onWait?: (holder: string) => void;
  fs?: WriterFs;
}

export interface ApplyResult {
  written: string[];
  deleted: string[];
  unchanged: string[];
  /** What was done about an interrupted earlier run, if there was one. */
  recovered?: string;
}

interface LockOwner {
  pid: number;
  identity?: ProcessIdentity;
}

/** The lock file names its holder by pid and process identity, so a reused pid does not keep a dead run's lock. */
async function lockHolder(path: string): Promise<{ owner?: LockOwner; text: string }> {
  const text = await readFile(path, 'utf8').catch(() => '');
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (typeof owner.pid === 'number') return { owner, text };
  } catch {
    /* an older lock: just a pid */
  }
  const pid = Number(text.trim());
  return { ...(pid > 0 ? { owner: { pid } } : {}), text };
}

async function holderAlive(owner: LockOwner | undefined): Promise<boolean> {
  if (!owner || owner.pid === process.pid) return false;
  if (owner.identity) return (await notTheSameProcess(owner.pid, owner.identity)) === undefined;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long a lock file may stay without its holder's name before it counts as a dead run's. */
const UNNAMED_LOCK_GRACE_MS = 5_000;

/** Takes the output folder's lock, waiting while a live run holds it; a dead run's lock is taken over. */
async function acquireLock(outDir: string, opts: ApplyOptions): Promise<() => Promise<void>> {
  const path = join(outDir, LOCK_FILE);
  const identity = await processIdentity(process.pid);
  const mine = JSON.stringify({ pid: process.pid, ...(identity ? { identity } : {}) });
  const deadline = Date.now() + (opts.lockWaitMs ?? 60_000);
  let waited = false;
  for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(mine);
      } catch (err) {
        await fh.close();
        await rm(path, { force: true });
        throw err;
      }
      await fh.close();
      return async () => {
        // Only our own lock is removed.
        if ((await readFile(path, 'utf8').catch(() => '')) === mine) await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const { owner, text } = await lockHolder(path);
    // A lock file that names nobody was just created by a run that has not written its name yet (open and
    // write are two steps): that run is alive. Only an unnamed lock left for longer is a dead run's.
    const unnamedButFresh = !owner && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) < UNNAMED_LOCK_GRACE_MS;
    if (!unnamedButFresh && !(await holderAlive(owner))) {
      // A dead run's lock: remove it unless someone replaced it meanwhile, then try again.
      if ((await readFile(path, 'utf8').catch(() => '')) === text) await rm(path, { force: true });
      continue;
    }
    const who = owner ? `another devskyy-mon run (pid ${owner.pid})` : 'another devskyy-mon run';
    if (Date.now() >= deadline) {
      throw new LockHeldError(`${who} is writing ${outDir} and still holds its lock; run again when it has finished`);
    }
    if (!waited) opts.onWait?.(who);
    waited = true;
    await sleep(pause);
  }
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
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another run made it
      for (const c of [...created].reverse()) await rmdir(c).catch(() => undefined);
      created.length = 0;
      throw err;
    }
    created.push(d);
  }
}

/** One file of a run: its temp file, its destination and the copy of what it replaces. */
interface Entry {
  tmp: string;
  dest: string;
  backup?: string;
}

/**
 * The journal, written before anything is staged. phase "stage": nothing was renamed yet, so an interrupted
 * run is undone; phase "commit": every temp file was complete, so it is finished.
 */
interface Journal {
  pid: number;
  startedAt: string;
  phase: 'stage' | 'commit';
  entries: Entry[];
  deletes: string[];
  createdDirs: string[];
}

async function writeJournal(outDir: string, journal: Journal, fs: WriterFs): Promise<void> {
  const path = join(outDir, JOURNAL_FILE);
  const tmp = `${path}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(journal, null, 2) + '\n');
  await fs.rename(tmp, path);
}

/** Temp and backup names this writer uses: `<file>.<pid>-<8 hex>.tmp|.bak`. */
const LEFTOVER = /\.\d+-[0-9a-f]{8}\.(?:tmp|bak)$/;

/** Finishes or undoes a run that was killed, then removes every temp and backup file left in the folder. */
async function recover(outDir: string): Promise<string | undefined> {
  const path = join(outDir, JOURNAL_FILE);
  let note: string | undefined;
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    let j: Journal | undefined;
    try {
      j = JSON.parse(text) as Journal;
    } catch {
      j = undefined; // torn while being written: nothing was staged under it yet
    }
    if (j?.phase === 'commit') {
      for (const e of j.entries) if (await exists(e.tmp)) await rename(e.tmp, e.dest);
      for (const d of j.deletes) await rm(d, { force: true });
      note = `finished an interrupted run (pid ${j.pid}, ${j.startedAt})`;
    } else if (j) {
      note = `undid an interrupted run (pid ${j.pid}, ${j.startedAt}); nothing of it had been written`;
    }
    for (const e of j?.entries ?? []) {
      await rm(e.tmp, { force: true });
      if (e.backup) await rm(e.backup, { force: true });
    }
    if (j?.phase === 'stage') for (const d of [...j.createdDirs].reverse()) await rmdir(d).catch(() => undefined);
    await rm(path, { force: true });
  }
  await rm(`${path}.tmp`, { force: true });
  // Leftovers of runs without a journal (older versions, or a kill before the journal was written).
  let swept = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && LEFTOVER.test(e.name)) {
        await rm(p, { force: true });
        swept++;
      }
    }
  };
  if (await exists(outDir)) await walk(outDir);
  if (swept) note = `${note ? `${note}; ` : ''}removed ${swept} temporary file(s) left by an interrupted run`;
  return note;
}

/**
 * A test hook: DEVSKYY_MON_FAULT=<fail|kill>@<phase>:<n> fails (throws) or SIGKILLs this process at the nth
 * step of a phase (stage, backup, rename, delete, cleanup). DEVSKYY_MON_FAIL_AFTER=N is fail@rename:N.
 */
function faultPoint(): (phase: string, n: number) => void {
  const legacy = process.env['DEVSKYY_MON_FAIL_AFTER'];
  const spec = process.env['DEVSKYY_MON_FAULT'] ?? (legacy ? `fail@rename:${legacy}` : '');
  const m = /^(fail|kill)@(\w+):(\d+)$/.exec(spec);
  if (!m) return () => undefined;
  return (phase, n) => {
    if (phase !== m[2] || n !== Number(m[3])) return;
    if (m[1] === 'kill') process.kill(process.pid, 'SIGKILL');
    throw new Error(`injected failure at ${phase} ${n}`);
  };
}

/**
 * Writes a plan. The plan is made again under the lock (another run may have written meanwhile); nothing is
 * changed unless every file could be staged; a failure while renaming restores what was replaced; a kill at any
 * point is finished or undone by the next run.
 */
export async function applyPlan(planned: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const fs = opts.fs ?? realFs;
  const fault = faultPoint();
  const { outDir } = planned;
  // A plan that can be made again is judged under the lock, after an interrupted run was finished or undone.
  const early = planned.artifacts ? [] : conflicts(planned);
  if (early.length) throw new WriteConflictError(early.map((a) => `${a.path}: ${a.reason}`).join('\n'));
  const createdDirs: string[] = [];
  await mkdirParents(outDir, createdDirs);
  let release: (() => Promise<void>) | undefined;
  const entries: Entry[] = [];
  let journaled = false;
  let committed = 0;
  const tag = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    release = await acquireLock(outDir, opts);
    const recovered = await recover(outDir);
    const plan = planned.artifacts ? await planWrite(outDir, planned.catalog, planned.artifacts, { force: planned.force ?? false, manifestName: planned.manifestName }) : planned;
    const bad = conflicts(plan);
    if (bad.length) throw new WriteConflictError(bad.map((a) => `${a.path}: ${a.reason}`).join('\n'));
    for (const d of neededDirs(plan)) {
      const full = join(outDir, d);
      if (!(await exists(full))) {
        await mkdir(full);
        createdDirs.push(full);
      }
    }
    const manifestFiles: Record<string, string> = {};
    const contents = new Map<string, { content: string; mode?: number }>();
    for (const a of plan.actions) {
      if (a.kind === 'delete' || a.kind === 'conflict') continue;
      manifestFiles[a.path] = sha256(a.next!);
      if (a.kind === 'unchanged') continue;
      const dest = join(outDir, a.path);
      entries.push({ tmp: `${dest}.${tag()}.tmp`, dest });
      contents.set(dest, { content: a.next!, ...(a.mode !== undefined ? { mode: a.mode } : {}) });
    }
    const manifestPath = join(outDir, plan.manifestName);
    entries.push({ tmp: `${manifestPath}.${tag()}.tmp`, dest: manifestPath });
    contents.set(manifestPath, { content: renderManifest(plan.catalog, manifestFiles) });
    for (const e of entries) if (await exists(e.dest)) e.backup = `${e.dest}.${tag()}.bak`;
    const deletes = plan.actions.filter((a) => a.kind === 'delete').map((a) => join(outDir, a.path));
    const journal: Journal = { pid: process.pid, startedAt: new Date().toISOString(), phase: 'stage', entries, deletes, createdDirs: [...createdDirs] };
    // The journal names every temp file before the first is written: whatever is killed, it is found again.
    await writeJournal(outDir, journal, fs);
    journaled = true;
    let n = 0;
    for (const e of entries) {
      const c = contents.get(e.dest)!;
      await fs.writeFile(e.tmp, c.content, { mode: c.mode ?? 0o644, flag: 'wx' });
      if (c.mode !== undefined) await chmod(e.tmp, c.mode);
      fault('stage', ++n);
    }
    // Keep what is replaced until every rename went through.
    n = 0;
    for (const e of entries) {
      if (e.backup) await fs.copyFile(e.dest, e.backup, constants.COPYFILE_EXCL);
      fault('backup', ++n);
    }
    await writeJournal(outDir, { ...journal, phase: 'commit' }, fs);
    for (const e of entries) {
      fault('rename', committed + 1);
      await fs.rename(e.tmp, e.dest);
      committed++;
    }
    n = 0;
    for (const d of deletes) {
      await unlink(d).catch(() => undefined);
      fault('delete', ++n);
    }
    n = 0;
    for (const e of entries) {
      if (e.backup) await rm(e.backup, { force: true });
      fault('cleanup', ++n);
    }
    await rm(join(outDir, JOURNAL_FILE), { force: true });
    return {
      written: plan.actions.filter((a) => a.kind === 'create' || a.kind === 'update').map((a) => a.path),
      deleted: plan.actions.filter((a) => a.kind === 'delete').map((a) => a.path),
      unchanged: plan.actions.filter((a) => a.kind === 'unchanged').map((a) => a.path),
      ...(recovered ? { recovered } : {}),
    };
  } catch (err) {
    // Undo in reverse: put back what was replaced, remove what was new, then every temp and backup file.
    for (const e of entries.slice(0, committed).reverse()) {
      if (e.backup) await rename(e.backup, e.dest).catch(() => undefined);
      else await rm(e.dest, { force: true });
    }
    for (const e of entries) {
      await rm(e.tmp, { force: true });
      if (e.backup) await rm(e.backup, { force: true });
    }
    if (journaled) await rm(join(outDir, JOURNAL_FILE), { force: true });
    await rm(join(outDir, `${JOURNAL_FILE}.tmp`), { force: true });
    if (release) await release();
    release = undefined;
    for (const d of createdDirs.reverse()) await rmdir(d).catch(() => undefined);
    throw err;
  } finally {
    if (release) await release();
  }
}

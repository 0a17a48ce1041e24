// The writer under faults: SIGKILL in every phase, a full file system, concurrent runs, a held lock.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../src/write/apply.js';
import type { WriterFs } from '../src/write/apply.js';
import { planWrite } from '../src/write/plan.js';
import { JOURNAL_FILE, LOCK_FILE, sha256 } from '../src/write/manifest.js';
import { processIdentity } from '../src/util/process-identity.js';
import { BIN, DEVSKYY, MINIMAL, runBin, tempDir } from './support/helpers.js';
import { copyFile, rename, writeFile } from 'node:fs/promises';

const BASE = readFileSync(MINIMAL, 'utf8');
/** v1: two services (two target files more); v2: other help texts and one service fewer (so files are deleted). */
const V1 = BASE.replace('services:\n', 'services:\n  - name: worker\n    port: 8100\n    exporter: external\n');
const V2 = BASE.replace(/help: HTTP/g, 'help: Changed HTTP');

/** Every file under a folder with its content (the lock, journal and .env aside). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e !== '.env') out[p.slice(dir.length + 1)] = readFileSync(p, 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const leftovers = (files: Record<string, string>) => Object.keys(files).filter((p) => /\.(tmp|bak)$/.test(p) || p.endsWith(LOCK_FILE) || p.endsWith(JOURNAL_FILE));

/** Each file matches the manifest's hash and the manifest lists exactly the files there are. */
function consistent(files: Record<string, string>): void {
  const manifest = JSON.parse(files['.devskyy-mon-manifest.json']!) as { files: Record<string, string> };
  const listed = Object.keys(manifest.files).sort();
  expect(Object.keys(files).filter((p) => p !== '.devskyy-mon-manifest.json' && p !== '.gitignore').sort()).toEqual(listed.filter((p) => p !== '.gitignore'));
  for (const [p, h] of Object.entries(manifest.files)) expect(sha256(files[p]!), p).toBe(h);
}

async function cleanGeneration(yaml: string): Promise<Record<string, string>> {
  const dir = tempDir();
  writeFileSync(join(dir, 'catalog.yaml'), yaml);
  expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
  return tree(join(dir, 'out'));
}

describe('a run killed in any phase is finished or undone by the next run', () => {
  const PHASES = ['stage:1', 'stage:7', 'backup:1', 'backup:6', 'rename:1', 'rename:6', 'rename:11', 'delete:1', 'cleanup:3'];
  let clean: { v1: Record<string, string>; v2: Record<string, string> } | undefined;
  const cleanOnes = async () => (clean ??= { v1: await cleanGeneration(V1), v2: await cleanGeneration(V2) });

  it.each(PHASES)('SIGKILL at %s', async (phase) => {
    const { v1, v2 } = await cleanOnes();
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'catalog.yaml'), V2);
    const killed = await execa('node', [BIN, 'generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir, env: { DEVSKYY_MON_FAULT: `kill@${phase}` }, reject: false });
    expect(killed.signal).toBe('SIGKILL');
    const after = tree(out);
    expect(Object.keys(after)).toContain(JOURNAL_FILE); // the journal tells the next run what happened

    // The next run, with the previous catalog, succeeds: no "edited by hand", no leftovers, a consistent folder.
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    const next = await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/(finished|undid) an interrupted run/);
    const healed = tree(out);
    expect(leftovers(healed)).toEqual([]);
    consistent(healed);
    expect(healed).toEqual(v1);
    // And the new catalog afterwards.
    writeFileSync(join(dir, 'catalog.yaml'), V2);
    expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
    expect(tree(out)).toEqual(v2);
  });

  it('temp files of a run killed before it could write a journal (an older version) are swept', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'out', 'METRICS.md.4242-0badf00d.tmp'), 'partial');
    writeFileSync(join(dir, 'out', 'prometheus', 'alerts.yml.4242-deadbeef.bak'), 'old');
    writeFileSync(join(dir, 'out', LOCK_FILE), '999999999');
    writeFileSync(join(dir, 'catalog.yaml'), V2);
    const r = await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('removed 2 temporary file(s)');
    expect(leftovers(tree(join(dir, 'out')))).toEqual([]);
  });
});

describe('a full file system', () => {
  const mounts: string[] = [];
  afterEach(async () => {
    while (mounts.length) await execa('umount', [mounts.pop()!], { reject: false });
  });

  it('a small tmpfs: exit 2 "no space left", no partial temp file, the previous generation intact', async () => {
    const dir = tempDir();
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    const mount = await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { reject: false });
    if (mount.exitCode !== 0) {
      // Not root here: the injected-fs test below covers ENOSPC.
      expect(process.getuid?.()).not.toBe(0);
      return;
    }
    mounts.push(disk);
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', join(disk, 'out')], { cwd: dir })).code).toBe(0);
    const before = tree(join(disk, 'out'));
    // Fill the disk, leaving a few KiB: the DevSkyy stack's files cannot all be staged.
    const free = Number((await execa('df', ['--output=avail', '-B1', disk])).stdout.split('\n')[1]!.trim());
    writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, free - 48 * 1024)));
    const r = await runBin(['generate', '--catalog', DEVSKYY, '--out', join(disk, 'out'), '--force'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('no space left on the device');
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(tree(join(disk, 'out'))).toEqual(before);
  });

  it('ENOSPC from the file system (injected): the temp file whose write failed is removed too', async () => {
    const out = join(tempDir(), 'out');
    const files = [1, 2, 3, 4].map((i) => ({ path: `d/f${i}.txt`, content: `v${i}\n`.repeat(100) }));
    let writes = 0;
    const fs: WriterFs = {
      rename,
      copyFile,
      writeFile: (async (p: Parameters<typeof writeFile>[0], data: Parameters<typeof writeFile>[1], o: Parameters<typeof writeFile>[2]) => {
        if (String(p).endsWith('.tmp') && !String(p).includes(JOURNAL_FILE) && ++writes === 3) {
          await writeFile(p, String(data).slice(0, 10), o); // a partial file, as a full disk leaves it
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
        }
        return writeFile(p, data, o);
      }) as typeof writeFile,
    };
    await expect(applyPlan(await planWrite(out, 'catalog.yaml', files), { fs })).rejects.toThrow(/ENOSPC/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('concurrent runs', () => {
  it('six runs on one fresh folder: all succeed, the losers wait, nobody calls the winner\'s files foreign', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    const runs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out'], { cwd: dir })));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('not generated by devskyy-mon');
    }
    const files = tree(join(dir, 'out'));
    expect(leftovers(files)).toEqual([]);
    consistent(files);
  });

  it('the race reduced to its order: B planned before A wrote, B applies after A', async () => {
    const out = join(tempDir(), 'out');
    const files = [1, 2, 3].map((i) => ({ path: `d/f${i}.txt`, content: `v${i}\n` }));
    const a = await planWrite(out, 'catalog.yaml', files);
    const b = await planWrite(out, 'catalog.yaml', files);
    await applyPlan(a);
    const r = await applyPlan(b);
    expect(r.unchanged).toEqual(['d/f1.txt', 'd/f2.txt', 'd/f3.txt']);
    expect(r.written).toEqual([]);
  });

  it('a lock file created but not yet named (open and write are two steps) is a live run\'s; left unnamed for long, a dead one\'s', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    mkdirSync(join(dir, 'out'));
    const lock = join(dir, 'out', LOCK_FILE);
    writeFileSync(lock, '');
    const r = await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out', '--lock-wait', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('devskyy-mon: another devskyy-mon run is writing out and still holds its lock; run again when it has finished');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out', '--lock-wait', '0'], { cwd: dir })).code).toBe(0);
  });

  it('a lock held longer than --lock-wait: exit 2, said plainly, the folder named once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), V1);
    mkdirSync(join(dir, 'out'));
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const identity = await processIdentity(holder.pid!);
      writeFileSync(join(dir, 'out', LOCK_FILE), JSON.stringify({ pid: holder.pid, identity }));
      const r = await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out', '--lock-wait', '0'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`devskyy-mon: another devskyy-mon run (pid ${holder.pid}) is writing out and still holds its lock; run again when it has finished`);
      // A lock whose pid now belongs to another process (same pid, other start time) is a dead run's lock.
      writeFileSync(join(dir, 'out', LOCK_FILE), JSON.stringify({ pid: holder.pid, identity: { ...identity, startTicks: '1' } }));
      expect((await runBin(['generate', '--catalog', 'catalog.yaml', '--out', 'out', '--lock-wait', '0'], { cwd: dir })).code).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

// Processes and ports on this machine: who listens where, whether a pid is still ours, stopping cleanly.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, notTheSameProcess } from '../util/process-identity.js';
import type { ProcessIdentity } from '../util/process-identity.js';

export { alive, notTheSameProcess, processIdentity } from '../util/process-identity.js';
export type { ProcessIdentity } from '../util/process-identity.js';

/** Resolves true when nothing listens on host:port. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function cmdline(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Best effort (Linux /proc): the pid and command listening on a TCP port. */
export async function whoListens(port: number): Promise<{ pid: number; command: string } | undefined> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (!inodes.size) return undefined;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return { pid: Number(entry), command: (await cmdline(Number(entry))) ?? '?' };
    }
  }
  return undefined;
}

/** Pids whose environment carries NAME=value: our processes, even when their state file is gone. */
export async function pidsWithEnv(name: string, value: string): Promise<number[]> {
  const out: number[] = [];
  const needle = `${name}=${value}`;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const env = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (env.split('\0').includes(needle)) out.push(Number(entry));
  }
  return out;
}

/**
 * SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. With `identity`, each signal
 * goes only while the pid is still that process (a pid can be reused during the grace period too).
 */
export async function stopPid(pid: number, graceMs = 5000, identity?: ProcessIdentity): Promise<void> {
  const same = async () => (identity ? (await notTheSameProcess(pid, identity)) === undefined : alive(pid));
  if (!(await same())) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid) && (await same())) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (alive(pid)) await sleep(20);
  }
}

// Who a pid is (Linux /proc): shared by the writer's lock and the stack commands.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * Who a pid is: the boot it runs in, its start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and
 * its exact command line. A pid is reused after a process ends; these three together are not.
 */
export interface ProcessIdentity {
  bootId: string;
  startTicks: string;
  cmdline: string[];
}

export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  try {
    const [stat, cmd, boot] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile('/proc/sys/kernel/random/boot_id', 'utf8')]);
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[22 - 3];
    if (!startTicks) return undefined;
    return { bootId: boot.trim(), startTicks, cmdline: cmd.split('\0').filter((a, i, all) => i < all.length - 1 || a !== '') };
  } catch {
    return undefined;
  }
}

/** Why `pid` is not the process `expected` describes (undefined when it is): what `down` and `status` say instead of acting. */
export async function notTheSameProcess(pid: number, expected: ProcessIdentity): Promise<string | undefined> {
  if (!alive(pid)) return 'not running any more';
  const now = await processIdentity(pid);
  if (!now) return 'its identity cannot be read (/proc), so it is not ours to signal';
  if (now.bootId !== expected.bootId) return `pid ${pid} is another process now (the machine restarted since): ${now.cmdline.join(' ')}`;
  if (now.startTicks !== expected.startTicks || now.cmdline.join('\0') !== expected.cmdline.join('\0')) return `pid ${pid} is another process now: ${now.cmdline.join(' ')}`;
  return undefined;
}

/** Whether a process exists and is not a zombie (a killed orphan waits for a reaper that may never come). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}


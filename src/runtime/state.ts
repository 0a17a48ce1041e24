// The runtime's state folder (.devskyy-mon/ beside the catalog): what runs, on which port, and its logs.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { ProcessIdentity } from './processes.js';

export type ComponentName = string;

export interface ComponentState {
  name: ComponentName;
  pid: number;
  port: number;
  url: string;
  /** Path of the binary we started. */
  command: string;
  /** Who the pid was when we started it: `down` and `status` act on the pid only while it is still that process. */
  identity?: ProcessIdentity;
  log: string;
  startedAt: string;
  /** Where readiness is polled. */
  readyPath: string;
}

export interface StackState {
  runtime: 'native' | 'compose';
  catalog: string;
  generated: string;
  startedAt: string;
  components: ComponentState[];
  /** In a topology: the port of the webhook receiver verify serves for its notification drill (Alertmanager's copy names it). */
  verifyWebhookPort?: number;
  /** Started with --fast (1 s intervals; a topology's Alertmanager peers with a short peer timeout). */
  fast?: boolean;
}

export const STATE_DIR = '.devskyy-mon';
/** Every process the native runtime starts carries this variable: how `down` finds them without state.json. */
export const STATE_ENV = 'DEVSKYY_MON_STATE';

export function stateDirFor(catalogFile: string): string {
  return join(dirname(resolve(catalogFile)), STATE_DIR);
}

export const statePaths = (dir: string) => ({
  file: join(dir, 'state.json'),
  logs: join(dir, 'logs'),
  data: join(dir, 'data'),
  prometheus: join(dir, 'prometheus'),
});

export async function readState(dir: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(statePaths(dir).file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export async function writeState(dir: string, state: StackState): Promise<void> {
  const file = statePaths(dir).file;
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, file);
}

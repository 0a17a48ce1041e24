// down/status act only on processes this stack started: a recorded pid is checked against the identity it had
// at start (boot, start time, exact command line). Reused pids are simulated by pairing the identity of one
// process with the pid of another, unrelated one, which is what a reuse looks like from /proc.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, processIdentity } from '../src/runtime/processes.js';
import type { ProcessIdentity } from '../src/runtime/processes.js';
import { stackDown, stackStatus } from '../src/runtime/stack.js';
import type { ComponentState } from '../src/runtime/state.js';
import { runInProcess, tempDir } from './support/helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

/** An unrelated long-running node process, as another team's service on the same machine would be. */
async function unrelatedNode(script = 'setInterval(() => {}, 1000)'): Promise<{ pid: number; identity: ProcessIdentity }> {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(child);
  const identity = await processIdentity(child.pid!);
  expect(identity).toBeDefined();
  return { pid: child.pid!, identity: identity! };
}

function writeState(stateDir: string, components: Partial<ComponentState>[]): void {
  mkdirSync(stateDir, { recursive: true });
  const full = components.map((c) => ({ port: 1, url: 'http://127.0.0.1:1', command: process.execPath, log: '', startedAt: '', readyPath: '/health', ...c }));
  writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ runtime: 'native', catalog: '', generated: '', startedAt: '', components: full }));
}

const exited = (pid: number) => new Promise<void>((resolve) => {
  const poll = () => (alive(pid) ? setTimeout(poll, 20) : resolve());
  poll();
});

describe('process identity', () => {
  it('reads boot, start time and the exact command line from /proc', async () => {
    const a = await unrelatedNode();
    expect(a.identity.cmdline).toEqual([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    expect(a.identity.startTicks).toMatch(/^\d+$/);
    expect(await processIdentity(a.pid)).toEqual(a.identity);
  });

  it('a reused pid (another node process) is neither reported running nor signalled', async () => {
    // Stands for the exporter we once started, now gone. (Two processes started within one clock tick with the
    // same command line are indistinguishable; a reused pid never is, as reuse needs the first one to end.)
    const ours = await unrelatedNode('setInterval(() => {}, 1000); // the demo exporter');
    const theirs = await unrelatedNode(); // the unrelated node process that got a pid from our state
    const stateDir = join(tempDir(), '.devskyy-mon');
    writeState(stateDir, [
      { name: 'exporter:myapp', pid: theirs.pid, identity: ours.identity },
      { name: 'prometheus', pid: theirs.pid, identity: { ...theirs.identity, startTicks: String(Number(theirs.identity.startTicks) + 1) } },
      { name: 'alertmanager', pid: theirs.pid, identity: { ...theirs.identity, bootId: 'another-boot' } },
      { name: 'grafana', pid: theirs.pid }, // a state file without identity (older version)
    ]);
    const status = await stackStatus(stateDir, true);
    expect(status.components.map((c) => [c.name, c.state])).toEqual([
      ['exporter:myapp', 'stopped'],
      ['prometheus', 'stopped'],
      ['alertmanager', 'stopped'],
      ['grafana', 'stopped'],
    ]);
    expect(status.components.every((c) => c.note?.includes(`pid ${theirs.pid}`))).toBe(true);

    const down = await stackDown(stateDir);
    expect(down.stopped).toEqual([]);
    expect(down.skipped.map((s) => s.name).sort()).toEqual(['alertmanager', 'exporter:myapp', 'grafana', 'prometheus']);
    expect(down.skipped.find((s) => s.name === 'exporter:myapp')!.reason).toContain('is another process now');
    expect(alive(theirs.pid)).toBe(true);
    expect(alive(ours.pid)).toBe(true);
  });

  it('the process we started is running in status and stopped by down', async () => {
    const ours = await unrelatedNode();
    const stateDir = join(tempDir(), '.devskyy-mon');
    writeState(stateDir, [{ name: 'exporter:myapp', pid: ours.pid, identity: ours.identity }]);
    expect((await stackStatus(stateDir, true)).components[0]!.state).toBe('running');
    const down = await stackDown(stateDir);
    expect(down.stopped).toEqual(['exporter:myapp']);
    await exited(ours.pid);
  });

  it('down says what it skipped and why', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), '');
    const theirs = await unrelatedNode();
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const goneIdentity = (await processIdentity(gone.pid!)) ?? { ...theirs.identity, startTicks: '1' };
    writeState(join(dir, '.devskyy-mon'), [{ name: 'exporter:myapp', pid: theirs.pid, identity: goneIdentity }]);
    const r = await runInProcess(['down'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`skipped exporter:myapp: pid ${theirs.pid} is another process now: ${process.execPath} -e setInterval`);
    expect(r.stdout).toContain('it was not signalled');
    expect(alive(theirs.pid)).toBe(true);
  });
});

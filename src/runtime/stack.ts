// up / down / status across runtimes, over the state folder.
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { EnvironmentError } from '../diagnostics.js';
import type { StackState } from './state.js';
import { STATE_ENV, readState, statePaths } from './state.js';
import { alive, cmdline, pidsWithEnv, stopPid } from './processes.js';
import { composeArgs, composeCli, engineProblem, runCompose } from './compose.js';

export interface ComponentStatus {
  name: string;
  pid?: number;
  port?: number;
  url?: string;
  state: 'running' | 'stopped' | 'not installed';
  health: 'healthy' | 'unhealthy' | 'unknown';
}

/** A pid is still ours while it lives and its command line still names the binary we started. */
async function stillOurs(pid: number, command: string): Promise<boolean> {
  if (!alive(pid)) return false;
  const cl = await cmdline(pid);
  return cl === undefined || cl.includes(basename(command));
}

/** Two tries with a generous timeout: a busy machine should not make a healthy component look down. */
async function healthOf(url: string): Promise<'healthy' | 'unhealthy'> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok) return 'healthy';
    } catch {
      /* try again */
    }
  }
  return 'unhealthy';
}

/** A scrape target as Prometheus sees it now: the catalog's services (external apps included) and Prometheus itself. */
export interface TargetStatus {
  job: string;
  instance: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
}

/** The active scrape targets of a running Prometheus, or why they could not be read. */
export async function scrapeTargets(prometheusUrl: string): Promise<{ targets: TargetStatus[] } | { error: string }> {
  try {
    const res = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { data?: { activeTargets: { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string; lastScrape: string }[] } };
    const targets = (body.data?.activeTargets ?? []).map((t) => ({ job: t.labels['job'] ?? '', instance: t.labels['instance'] ?? '', scrapeUrl: t.scrapeUrl, health: t.health, lastError: t.lastError, lastScrape: t.lastScrape }));
    return { targets: targets.sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance)) };
  } catch (err) {
    return { error: `${prometheusUrl} does not answer (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})` };
  }
}

export async function stackStatus(stateDir: string, grafanaInstalled: boolean): Promise<{ state?: StackState; components: ComponentStatus[]; orphans: number[] }> {
  const state = await readState(stateDir);
  const components: ComponentStatus[] = [];
  for (const c of state?.components ?? []) {
    const running = state!.runtime === 'compose' || (await stillOurs(c.pid, c.command));
    components.push({
      name: c.name,
      ...(state!.runtime === 'native' ? { pid: c.pid } : {}),
      port: c.port,
      url: c.url,
      state: running ? 'running' : 'stopped',
      health: running ? await healthOf(`${c.url}${c.readyPath}`) : 'unknown',
    });
  }
  if (!components.some((c) => c.name === 'grafana') && !grafanaInstalled && state?.runtime !== 'compose') components.push({ name: 'grafana', state: 'not installed', health: 'unknown' });
  const known = new Set((state?.components ?? []).map((c) => c.pid));
  const orphans = (await pidsWithEnv(STATE_ENV, stateDir)).filter((p) => !known.has(p));
  return { ...(state ? { state } : {}), components, orphans };
}

export interface DownResult {
  stopped: string[];
  staleEntries: string[];
  orphans: number[];
}

/** Stops only what this state folder started; safe to run twice; --purge also removes data and logs. */
export async function stackDown(stateDir: string, opts: { purge?: boolean } = {}): Promise<DownResult> {
  const state = await readState(stateDir);
  const result: DownResult = { stopped: [], staleEntries: [], orphans: [] };
  if (state?.runtime === 'compose') {
    const problem = await engineProblem();
    if (problem) throw new EnvironmentError(`cannot stop the compose stack: ${problem}`);
    const cli = await composeCli();
    const r = await runCompose(cli, composeArgs(cli, state.generated, 'down', { purge: opts.purge ?? false }));
    if (r.code !== 0) throw new EnvironmentError(`compose down failed:\n${r.output}`);
    result.stopped.push(...state.components.map((c) => c.name));
  } else if (state) {
    // Stop in reverse start order: Prometheus before what it scrapes and alerts to.
    for (const c of [...state.components].reverse()) {
      if (await stillOurs(c.pid, c.command)) {
        await stopPid(c.pid);
        result.stopped.push(c.name);
      } else result.staleEntries.push(c.name);
    }
  }
  // Processes whose state file is gone (the folder was deleted while they ran) still carry our marker.
  for (const pid of await pidsWithEnv(STATE_ENV, stateDir)) {
    await stopPid(pid);
    result.orphans.push(pid);
  }
  await rm(statePaths(stateDir).file, { force: true });
  if (opts.purge) await rm(stateDir, { recursive: true, force: true });
  return result;
}

// up / down / status across runtimes, over the state folder.
import { rm } from 'node:fs/promises';
import { EnvironmentError } from '../diagnostics.js';
import type { ComponentState, StackState } from './state.js';
import { STATE_ENV, readState, statePaths } from './state.js';
import { alive, cmdline, notTheSameProcess, pidsWithEnv, stopPid } from './processes.js';
import { composeArgs, composeCli, engineProblem, runCompose } from './compose.js';

export interface ComponentStatus {
  name: string;
  pid?: number;
  port?: number;
  url?: string;
  state: 'running' | 'stopped' | 'not installed';
  health: 'healthy' | 'unhealthy' | 'unknown';
  /** Why a recorded pid is not counted as this component. */
  note?: string;
}

/**
 * Why a component's pid is not the process we started (undefined when it is). Without a recorded identity
 * (a state file from an older version, or no /proc when it started) nothing proves it is ours.
 */
export async function notOurs(c: ComponentState): Promise<string | undefined> {
  if (c.identity) return notTheSameProcess(c.pid, c.identity);
  if (!alive(c.pid)) return 'not running any more';
  return `pid ${c.pid} has no recorded identity (state from an older devskyy-mon), so it is not ours to signal: ${(await cmdline(c.pid)) ?? '?'}`;
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
  /** The Prometheus server reporting it (a topology has several: each shard scrapes its share, replicas alike). */
  server?: string;
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

/** The active scrape targets of every running Prometheus server (one, or each of a topology), each marked with its server. */
export async function scrapeTargetsOfServers(servers: readonly { name: string; url: string }[]): Promise<{ targets: TargetStatus[] } | { error: string } | undefined> {
  if (!servers.length) return undefined;
  const each = await Promise.all(servers.map(async (s) => ({ s, r: await scrapeTargets(s.url) })));
  const failed = each.find((x) => 'error' in x.r);
  if (failed && 'error' in failed.r) return { error: failed.r.error };
  return { targets: each.flatMap(({ s, r }) => ('targets' in r ? r.targets.map((t) => ({ ...t, ...(servers.length > 1 ? { server: s.name } : {}) })) : [])) };
}

/** How one Alertmanager peer sees its gossip cluster: status (ready, settling, disabled) and the peers it knows. */
export interface PeerClusterStatus {
  name: string;
  status: string;
  peers: string[];
  error?: string;
}

export async function alertmanagerClusterStatus(peers: { name: string; url: string }[]): Promise<PeerClusterStatus[]> {
  return Promise.all(
    peers.map(async (p) => {
      try {
        const res = await fetch(`${p.url}/api/v2/status`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { cluster?: { status?: string; peers?: { address: string }[] } };
        return { name: p.name, status: body.cluster?.status ?? 'unknown', peers: (body.cluster?.peers ?? []).map((x) => x.address).sort() };
      } catch (err) {
        return { name: p.name, status: 'unreachable', peers: [], error: (err as Error).message };
      }
    }),
  );
}

export async function stackStatus(stateDir: string, grafanaInstalled: boolean): Promise<{ state?: StackState; components: ComponentStatus[]; orphans: number[] }> {
  const state = await readState(stateDir);
  const components: ComponentStatus[] = [];
  for (const c of state?.components ?? []) {
    const why = state!.runtime === 'compose' ? undefined : await notOurs(c);
    const running = why === undefined;
    components.push({
      name: c.name,
      ...(state!.runtime === 'native' ? { pid: c.pid } : {}),
      ...(why && why !== 'not running any more' ? { note: why } : {}),
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
  /** Components whose process had ended. */
  staleEntries: string[];
  /** Components whose pid is alive but not the process we started: never signalled. */
  skipped: { name: string; pid: number; reason: string }[];
  orphans: number[];
}

/** Stops only what this state folder started; safe to run twice; --purge also removes data and logs. */
export async function stackDown(stateDir: string, opts: { purge?: boolean } = {}): Promise<DownResult> {
  const state = await readState(stateDir);
  const result: DownResult = { stopped: [], staleEntries: [], skipped: [], orphans: [] };
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
      const why = await notOurs(c);
      if (why === undefined) {
        await stopPid(c.pid, 5000, c.identity);
        result.stopped.push(c.name);
      } else if (why === 'not running any more') result.staleEntries.push(c.name);
      else result.skipped.push({ name: c.name, pid: c.pid, reason: why });
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

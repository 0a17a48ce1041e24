// The compose runtime: docker compose (v2 plugin) or docker-compose (v1) on the generated docker-compose.yml.
import { execa } from 'execa';
import { join, resolve } from 'node:path';
import { EnvironmentError } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { readyPathOf } from '../model/catalog.js';
import { findBinary } from '../util/binaries.js';
import { waitReady } from '../verify/http.js';
import type { StackState } from './state.js';

export interface ComposeCli {
  command: string;
  /** Arguments before the compose subcommand: ['compose'] for the plugin, [] for docker-compose. */
  prefix: string[];
}

/** True when a Docker engine answers (`docker info`), the condition for choosing the compose runtime. */
export async function engineAnswers(): Promise<boolean> {
  return (await engineProblem()) === undefined;
}

/** Why the compose runtime cannot run here (no docker CLI, or no engine answering it), with what to do; undefined when it can. */
export async function engineProblem(): Promise<string | undefined> {
  const docker = await findBinary(['docker']);
  const help = 'install Docker Engine (https://docs.docker.com/engine/install/) and start it (sudo systemctl start docker), or use --runtime native';
  if (!docker) return `the compose runtime needs a Docker engine, and there is no docker command on PATH: ${help}`;
  const r = await execa(docker, ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
  if (r.exitCode === 0 && String(r.stdout).trim() !== '') return undefined;
  const why = String(r.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `docker info exited with ${r.exitCode}`;
  return `the compose runtime needs a Docker engine, and none answers (${why.slice(0, 200)}): ${help}`;
}

export async function composeCli(): Promise<ComposeCli> {
  const docker = await findBinary(['docker']);
  if (docker) {
    const r = await execa(docker, ['compose', 'version'], { reject: false, timeout: 10_000 });
    if (r.exitCode === 0) return { command: docker, prefix: ['compose'] };
  }
  const legacy = await findBinary(['docker-compose']);
  if (legacy) return { command: legacy, prefix: [] };
  throw new EnvironmentError('neither "docker compose" nor "docker-compose" is available; install the Docker Compose plugin or use --runtime native');
}

/** The command lines the compose runtime runs, built in one place so tests can check them. */
export function composeArgs(cli: ComposeCli, generatedDir: string, action: 'up' | 'down' | 'ps' | 'logs', opts: { purge?: boolean; service?: string } = {}): string[] {
  const base = [...cli.prefix, '--project-directory', generatedDir, '-f', join(generatedDir, 'docker-compose.yml')];
  switch (action) {
    case 'up':
      // The v2 plugin waits for health checks itself; v1 has no --wait and is polled afterwards.
      return [...base, 'up', '-d', '--build', ...(cli.prefix.length ? ['--wait'] : [])];
    case 'down':
      return [...base, 'down', '--remove-orphans', ...(opts.purge ? ['--volumes'] : [])];
    case 'ps':
      return [...base, 'ps'];
    case 'logs':
      return [...base, 'logs', '--no-color', '--tail', '200', ...(opts.service ? [opts.service] : [])];
  }
}

export async function runCompose(cli: ComposeCli, args: string[]): Promise<{ code: number; output: string }> {
  const r = await execa(cli.command, args, { reject: false, all: true });
  return { code: r.exitCode ?? -1, output: String(r.all ?? '') };
}

/** compose up on the generated folder; the state it returns describes what runs, for status, verify and down. */
export async function composeUp(o: { cli: ComposeCli; catalog: Catalog; catalogFile: string; generatedDir: string }): Promise<StackState> {
  const r = await runCompose(o.cli, composeArgs(o.cli, o.generatedDir, 'up'));
  if (r.code !== 0) throw new EnvironmentError(`compose up failed:\n${r.output.split('\n').slice(-20).join('\n')}`);
  const s = o.catalog.stack;
  const startedAt = new Date().toISOString();
  const comp = (name: string, port: number, readyPath: string) => ({ name, pid: -1, port, url: `http://127.0.0.1:${port}`, command: o.cli.command, log: '', startedAt, readyPath });
  return {
    runtime: 'compose',
    catalog: resolve(o.catalogFile),
    generated: o.generatedDir,
    startedAt,
    components: [
      ...o.catalog.services.map((x) => comp(x.name, x.port, readyPathOf(x))),
      comp('alertmanager', s.alertmanager.port, '/-/ready'),
      comp('prometheus', s.prometheus.port, '/-/ready'),
      comp('grafana', s.grafana.port, '/api/health'),
    ],
  };
}

/** Waits until every component of a compose stack answers on its readiness URL (v1 has no --wait). */
export async function composeReady(state: StackState, deadline: number): Promise<void> {
  for (const c of state.components) await waitReady(`${c.url}${c.readyPath}`, () => (Date.now() > deadline ? `${c.name} not ready` : undefined));
}


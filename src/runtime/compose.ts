// The compose runtime: docker compose (v2 plugin) or docker-compose (v1) on the generated docker-compose.yml.
import { execa } from 'execa';
import { join } from 'node:path';
import { EnvironmentError } from '../diagnostics.js';
import { findBinary } from '../util/binaries.js';

export interface ComposeCli {
  command: string;
  /** Arguments before the compose subcommand: ['compose'] for the plugin, [] for docker-compose. */
  prefix: string[];
}

/** True when a Docker engine answers (`docker info`), the condition for choosing the compose runtime. */
export async function engineAnswers(): Promise<boolean> {
  const docker = await findBinary(['docker']);
  if (!docker) return false;
  const r = await execa(docker, ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
  return r.exitCode === 0 && String(r.stdout).trim() !== '';
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

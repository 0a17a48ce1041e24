// Gets Prometheus and Alertmanager from the system's package manager when they are missing and that is possible.
import { execa } from 'execa';
import { EnvironmentError } from '../diagnostics.js';
import { findBinary } from '../util/binaries.js';
import type { Io } from '../commands/io.js';

export async function installMissing(io: Io, opts: { victoriaMetrics?: boolean } = {}): Promise<void> {
  const missing: string[] = [];
  if (!(await findBinary(['prometheus']))) missing.push('prometheus');
  if (!(await findBinary(['prometheus-alertmanager', 'alertmanager']))) missing.push('prometheus-alertmanager');
  // The store of a topology (the Debian package's binary is victoria-metrics).
  if (opts.victoriaMetrics && !(await findBinary(['victoria-metrics', 'victoria-metrics-prod']))) missing.push('victoria-metrics');
  if (!missing.length) return;
  const aptGet = await findBinary(['apt-get']);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = root ? undefined : await findBinary(['sudo']);
  const sudoOk = sudo ? (await execa(sudo, ['-n', 'true'], { reject: false })).exitCode === 0 : false;
  if (!aptGet || (!root && !sudoOk)) {
    const brew = await findBinary(['brew']);
    throw new EnvironmentError(
      `${missing.join(' and ')} missing and devskyy-mon cannot install ${missing.length > 1 ? 'them' : 'it'} here. ` +
        (brew ? `Run: brew install ${missing.map((m) => (m === 'prometheus-alertmanager' ? 'alertmanager' : m === 'victoria-metrics' ? 'victoriametrics' : m)).join(' ')}` : `Run: sudo apt-get install -y ${missing.join(' ')}`),
    );
  }
  const run = async (args: string[]) => {
    const [cmd, ...rest] = root ? [aptGet, ...args] : [sudo!, '-n', aptGet, ...args];
    io.out(`$ ${root ? '' : 'sudo '}apt-get ${args.join(' ')}\n`);
    const r = await execa(cmd!, rest, { reject: false, all: true, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.exitCode !== 0) throw new EnvironmentError(`apt-get ${args[0]} failed:\n${String(r.all ?? '').split('\n').slice(-10).join('\n')}`);
  };
  await run(['update', '-qq']);
  await run(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

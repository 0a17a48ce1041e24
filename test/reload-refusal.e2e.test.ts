// A configuration Prometheus refuses on reload is reported with Prometheus' own reason, from its log.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reload } from '../src/runtime/native.js';
import { freePort } from '../src/runtime/processes.js';
import { waitReady } from '../src/verify/http.js';
import { tempDir } from './support/helpers.js';

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('reload refused', () => {
  it('names the reason Prometheus logged and says the previous configuration stays', async () => {
    const dir = tempDir('reload-');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, 'global: { scrape_interval: 15s }\n');
    const port = await freePort();
    const log = join(dir, 'prometheus.log');
    const fd = openSync(log, 'a');
    const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'], { stdio: ['ignore', fd, fd] });
    children.push(child);
    let exited: string | undefined;
    child.once('exit', (code) => (exited = `exited with ${code}`));
    await waitReady(`http://127.0.0.1:${port}/-/ready`, () => exited);
    writeFileSync(config, 'global: { scrape_interval: 15s }\nscrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 30s\n');
    const error = await reload('prometheus', `http://127.0.0.1:${port}`, log).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toContain('refused the new configuration and keeps running the previous one');
    expect(error?.message).toContain('scrape timeout greater than scrape interval');
    expect(error?.message).toContain(`(log: ${log})`);
  });
});

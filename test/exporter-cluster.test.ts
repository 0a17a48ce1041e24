import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/helpers.js';

describe('multi-process (node:cluster)', () => {
  it('the primary serves every worker\'s metrics, combined per metric as the catalog says', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'cluster', 'app.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
        setTimeout(() => reject(new Error('cluster app did not start')), 20_000).unref();
      });
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(body).toMatch(/^c_jobs_total 30$/m); // summed: 10 + 20
      expect(body).toMatch(/^c_in_flight 3$/m); // summed: 1 + 2
      expect(body).toMatch(/^c_uptime_seconds 200$/m); // max, not 300
      expect(body).toMatch(/^c_info\{version="2.0.0"\} 1$/m); // first, not 2
    } finally {
      child.kill('SIGTERM');
    }
  });
});

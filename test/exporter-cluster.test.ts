import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/helpers.js';

/** Resolves once `cond` holds, checking every 20 ms (the test's own timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

describe('multi-process (node:cluster)', () => {
  it('the primary serves every worker\'s metrics, combined per metric as the catalog says', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'cluster', 'app.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    /** Resolves when the fixture printed `line` (it prints one after each control command took effect). */
    const printed = (line: string) =>
      new Promise<void>((resolve) => {
        const check = () => (out.includes(`${line}\n`) ? (child.stdout.off('data', check), resolve()) : undefined);
        child.stdout.on('data', check);
        check();
      });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /listening (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
        setTimeout(() => reject(new Error('cluster app did not start')), 50_000).unref();
      });
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(body).toMatch(/^c_jobs_total 30$/m); // summed: 10 + 20
      expect(body).toMatch(/^c_in_flight 3$/m); // summed: 1 + 2
      expect(body).toMatch(/^c_uptime_seconds 200$/m); // max, not 300
      expect(body).toMatch(/^c_info\{version="2.0.0"\} 1$/m); // first, not 2
      // Summaries merge the workers' sketches: each worker observed 10, so every quantile is 10 (not 20, their sum).
      expect(body).toMatch(/^c_latency_seconds\{quantile="0.5"\} 10$/m);
      expect(body).toMatch(/^c_latency_seconds\{quantile="0.99"\} 10$/m);
      expect(body).toMatch(/^c_latency_seconds_count 2$/m);
      // A shared collector runs once, in the primary (7, not 14); a per-process one in every worker (5 + 5).
      expect(body).toMatch(/^c_queue_depth 7$/m);
      expect(body).toMatch(/^c_heap_bytes 10$/m);
      // Its bookkeeping comes from the primary that ran it; the per-process one's from the workers.
      expect(body).toMatch(/^c_scrape_collector_success\{collector="queue"\} 1$/m);
      expect(body).toMatch(/^c_scrape_collector_success\{collector="heap"\} 1$/m);
      // The application's own prom-client metrics are combined by prom-client's AggregatorRegistry.
      expect(body).toMatch(/^app_own_total 3$/m);
      // The primary negotiates like a worker would: OpenMetrics when asked, text when OpenMetrics has q=0.
      const om = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
      expect(om.headers.get('content-type')).toContain('application/openmetrics-text');
      const omBody = await om.text();
      expect(omBody).toMatch(/^# TYPE c_jobs counter$/m);
      expect(omBody.endsWith('# EOF\n')).toBe(true);
      const refused = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; q=0, text/plain' } });
      expect(refused.headers.get('content-type')).toContain('text/plain');

      // A worker that stops answering is served from its last answer (a sum that dipped would read as a counter
      // reset), and a process warning says so.
      child.stdin.write('block 2\n');
      await printed('blocked 2');
      const stale = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(stale).toMatch(/^c_jobs_total 30$/m);
      // The warning travels over the primary's stderr, which may arrive after the HTTP answer: wait for it.
      await until(() => err.includes('DEVSKYY_MON_CLUSTER_WORKER_MISSING'));
      expect(err).toContain('DEVSKYY_MON_CLUSTER_WORKER_MISSING');
      // A worker that exits leaves its counts and histograms in the total; its gauges go with it.
      child.stdin.write('kill 1\n');
      await printed('killed 1');
      const afterExit = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(afterExit).toMatch(/^c_jobs_total 30$/m);
      expect(afterExit).toMatch(/^c_in_flight 2$/m); // worker 2's last answer only
    } finally {
      child.kill('SIGTERM');
    }
  });
});

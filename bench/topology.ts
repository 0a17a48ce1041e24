// What growing the stack costs, on the DevSkyy catalog: resident memory (VmRSS) and CPU of the stack's processes
// (from /proc, per kind of component) and `up --fast` to verified, for the single stack and for devskyy-ha
// (2 replicas x 2 shards + 3 Alertmanager peers + VictoriaMetrics):
//   npm run bench -- topology [runs]
// The HA catalog scrapes three exporter instances; "single, 3 services" is that catalog without its topology, so
// the topology's own cost is read apart from that of more targets. CPU is measured over a window after verify
// passed, with the stack idling at its --fast 1 s scrape and evaluation intervals.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downAndRemove, median } from './util.js';

interface Sample {
  rssKiB: number;
  cpuTicks: number;
}

interface Run {
  code: number | null;
  upToVerifiedMs: number;
  readyMs?: number;
  /** Per kind of component: resident memory (MiB, after verify) and CPU (% of one core over the window). */
  kinds: Record<string, { rssMiB: number; cpuPct: number; count: number }>;
}

const CLK_TCK = 100;
const WINDOW_MS = 30_000;

async function sample(pid: number): Promise<Sample | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')': utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

const kindOf = (name: string) => (name.startsWith('exporter:') ? 'exporters' : name.startsWith('prometheus') ? 'prometheus' : name.startsWith('alertmanager') ? 'alertmanager' : name);

function runOnce(root: string, catalogText: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-topology-'));
  writeFileSync(join(dir, 'catalog.yaml'), catalogText);
  const bin = join(root, 'bin', 'devskyy-mon.js');
  const t0 = performance.now();
  const run: Run = { code: null, upToVerifiedMs: 0, kinds: {} };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'up', '--runtime', 'native', '--fast', '--ports', 'auto', '--timeout', '240'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        if (buf.slice(0, i).startsWith('up in ')) run.readyMs = performance.now() - t0;
        buf = buf.slice(i + 1);
      }
    });
    child.once('exit', async (code) => {
      run.code = code;
      run.upToVerifiedMs = performance.now() - t0;
      const state = JSON.parse(readFileSync(join(dir, '.devskyy-mon', 'state.json'), 'utf8')) as { components: { name: string; pid: number }[] };
      const before = await Promise.all(state.components.map((c) => sample(c.pid)));
      await sleep(WINDOW_MS);
      const after = await Promise.all(state.components.map((c) => sample(c.pid)));
      state.components.forEach((c, i) => {
        const a = before[i];
        const b = after[i];
        if (!a || !b) return;
        const k = (run.kinds[kindOf(c.name)] ??= { rssMiB: 0, cpuPct: 0, count: 0 });
        k.rssMiB += b.rssKiB / 1024;
        k.cpuPct += ((b.cpuTicks - a.cpuTicks) / CLK_TCK / (WINDOW_MS / 1000)) * 100;
        k.count++;
      });
      void downAndRemove(bin, dir).then(() => resolve(run));
    });
  });
}


export async function benchTopology(root: string, runs: number): Promise<string> {
  const devskyy = readFileSync(join(root, 'stacks', 'devskyy', 'catalog.yaml'), 'utf8');
  const ha = readFileSync(join(root, 'stacks', 'devskyy-ha', 'catalog.yaml'), 'utf8');
  const haSingle = ha.replace(/\ntopology:\n(?: .*\n|\n)*?(?=\S)/, '\n');
  if (haSingle === ha) throw new Error('could not take the topology out of the HA catalog');
  const sides: [string, string][] = [
    ['single (DevSkyy, 1 service)', devskyy],
    ['single, 3 services (devskyy-ha without topology)', haSingle],
    ['devskyy-ha: 2x2 Prometheus + 3 Alertmanager + VictoriaMetrics, 3 services', ha],
  ];
  const results = new Map<string, Run[]>(sides.map(([n]) => [n, []]));
  // Alternate the topologies run by run, so machine load drifts affect all alike.
  for (let i = 0; i < runs; i++) for (const [name, text] of sides) results.get(name)!.push(await runOnce(root, text));
  const kinds = ['prometheus', 'alertmanager', 'victoriametrics', 'exporters'];
  const out = ['## Topology: cost of growing the stack (DevSkyy, native runtime)\n', `\`npm run bench -- topology ${runs}\`: ${runs} runs per topology, alternating; \`up --fast --ports auto\` to verified (wall), then RSS (VmRSS) and CPU (utime+stime over ${WINDOW_MS / 1000} s, % of one core) of every process the stack runs, summed per kind; medians.\n`];
  out.push(`| topology | up to verified (s) | ready (s) | ${kinds.map((k) => `${k} RSS MiB / CPU %`).join(' | ')} | stack without exporters: RSS MiB / CPU % | exit codes |`, `| --- | --- | --- | ${kinds.map(() => '---').join(' | ')} | --- | --- |`);
  const rows: Record<string, { t: number; rss: number; cpu: number }> = {};
  for (const [name] of sides) {
    const rs = results.get(name)!;
    const cell = (k: string) => {
      const xs = rs.filter((r) => r.kinds[k]);
      if (!xs.length) return '—';
      return `${median(xs.map((r) => r.kinds[k]!.rssMiB)).toFixed(0)} / ${median(xs.map((r) => r.kinds[k]!.cpuPct)).toFixed(1)} (${xs[0]!.kinds[k]!.count})`;
    };
    const stackRss = median(rs.map((r) => ['prometheus', 'alertmanager', 'victoriametrics'].reduce((s, k) => s + (r.kinds[k]?.rssMiB ?? 0), 0)));
    const stackCpu = median(rs.map((r) => ['prometheus', 'alertmanager', 'victoriametrics'].reduce((s, k) => s + (r.kinds[k]?.cpuPct ?? 0), 0)));
    const t = median(rs.map((r) => r.upToVerifiedMs)) / 1000;
    rows[name] = { t, rss: stackRss, cpu: stackCpu };
    out.push(`| ${name} | ${t.toFixed(1)} (${rs.map((r) => (r.upToVerifiedMs / 1000).toFixed(1)).join(', ')}) | ${(median(rs.map((r) => r.readyMs ?? NaN)) / 1000).toFixed(1)} | ${kinds.map(cell).join(' | ')} | ${stackRss.toFixed(0)} / ${stackCpu.toFixed(1)} | ${rs.map((r) => r.code).join(', ')} |`);
  }
  const [s1, s3, h] = sides.map(([n]) => rows[n]!);
  out.push('', `Ratios (medians): devskyy-ha / single — up to verified ×${(h!.t / s1!.t).toFixed(2)}, stack RSS ×${(h!.rss / s1!.rss).toFixed(2)}, stack CPU ×${(h!.cpu / s1!.cpu).toFixed(2)}; devskyy-ha / single with the same 3 services — up to verified ×${(h!.t / s3!.t).toFixed(2)}, stack RSS ×${(h!.rss / s3!.rss).toFixed(2)}, stack CPU ×${(h!.cpu / s3!.cpu).toFixed(2)}.`);
  return out.join('\n') + '\n';
}


// System readings from Node's own APIs (os, fs, /proc on Linux), by the role the catalog gives a metric.
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

let lastCpu: { idle: number; total: number } | undefined;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

function memAvailable(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return freemem();
}

function networkBytes(): { sent: number; received: number } | undefined {
  try {
    let sent = 0;
    let received = 0;
    for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
      const [iface, rest] = line.split(':');
      if (!rest || iface!.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      received += f[0] ?? 0;
      sent += f[8] ?? 0;
    }
    return { sent, received };
  } catch {
    return undefined;
  }
}

const startedAt = Date.now();

/** Readings by role; roles are how the catalog says which metric holds which reading. */
export function readSystem(diskPath = '/'): Record<string, number> {
  const now = cpuTimes();
  const prev = lastCpu;
  lastCpu = now;
  const busy = prev && now.total > prev.total ? 1 - (now.idle - prev.idle) / (now.total - prev.total) : Math.min(1, loadavg()[0]! / Math.max(1, cpus().length));
  const total = totalmem();
  const available = memAvailable();
  const out: Record<string, number> = {
    system_cpu_percent: Number((busy * 100).toFixed(2)),
    system_cpu_count: cpus().length,
    system_memory_used_bytes: total - available,
    system_memory_available_bytes: available,
    system_memory_percent: Number((((total - available) / total) * 100).toFixed(2)),
    uptime_seconds: (Date.now() - startedAt) / 1000,
  };
  try {
    const s = statfsSync(diskPath);
    const size = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    out['system_disk_used_bytes'] = size - s.bfree * s.bsize;
    out['system_disk_free_bytes'] = free;
    out['system_disk_percent'] = Number((((size - s.bfree * s.bsize) / size) * 100).toFixed(2));
  } catch {
    /* no statfs for this path */
  }
  const net = networkBytes();
  if (net) {
    out['system_network_sent_bytes'] = net.sent;
    out['system_network_received_bytes'] = net.received;
  }
  return out;
}


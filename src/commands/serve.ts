import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvironmentError } from '../diagnostics.js';
import { exporterSpec } from '../emit/exporter-spec.js';
import { Exporter, startMetricsServer } from '@devskyy-mon/runtime';
import { startDemoTraffic } from '@devskyy-mon/runtime/demo';
import { requireCatalog } from './catalog-input.js';
import type { Io } from './io.js';

export interface ServeFlags {
  catalog: string;
  port?: number;
  host: string;
  demo: boolean;
  defaultMetrics: boolean;
}

/** Starts the catalog's exporter (the same runtime the generated module carries); resolves once it listens. */
export async function startServe(io: Io, flags: ServeFlags): Promise<{ server: Server; stop: () => Promise<void> }> {
  const { catalog } = await requireCatalog(io, flags.catalog, 'text');
  const exporter = new Exporter(exporterSpec(catalog), { defaultMetrics: flags.defaultMetrics });
  exporter.setHealth(exporter.spec.metrics.find((m) => m.role === 'health_status')?.states?.[0] ?? 'healthy');
  const demo = flags.demo ? startDemoTraffic(exporter) : undefined;
  const port = flags.port ?? catalog.services[0]?.port ?? 8000;
  let server: Server;
  try {
    server = await startMetricsServer(exporter, { port, host: flags.host });
  } catch (err) {
    demo?.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new EnvironmentError(`port ${port} on ${flags.host} is in use; pick another with --port`);
    if (code === 'EACCES') throw new EnvironmentError(`no permission to listen on ${flags.host}:${port}`);
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  io.out(`${flags.demo ? 'demo ' : ''}exporter for ${catalog.title} on http://${flags.host}:${bound}/metrics (health: /health)\n`);
  const stop = () =>
    new Promise<void>((resolve) => {
      demo?.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, stop };
}

export async function runServe(io: Io, flags: ServeFlags): Promise<void> {
  const { stop } = await startServe(io, flags);
  await new Promise<void>((resolve) => {
    const done = () => void stop().then(resolve);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

// preview: every generated dashboard as a self-contained HTML page, with data from the live Prometheus or a
// snapshot recorded earlier; static files through the safe writer, or served on 127.0.0.1 with a refresh.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EnvironmentError, ExitError } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { applyPlan, LockHeldError, WriteConflictError } from '../write/apply.js';
import { writeFailure } from '../write/failure.js';
import { manifestFile } from '../write/manifest.js';
import { planWrite } from '../write/plan.js';
import { writeSingleFile } from '../write/single-file.js';
import { readState, stateDirFor } from '../runtime/state.js';
import { ApiError, ComponentDown } from '../verify/http.js';
import type { Preview } from '../preview/render.js';
import { INDEX_FILE, previewSummary, renderPreview } from '../preview/render.js';
import type { DataSource } from '../preview/source.js';
import { parseSnapshot, PrometheusSource, rangeEndingAt, RecordingSource, SnapshotError, SnapshotSource } from '../preview/source.js';
import { requireCatalog } from './catalog-input.js';
import { globalView, prometheusInstances, STORE_COMPONENT } from '../model/topology.js';
import { outDirOf } from './generate.js';
import type { Io } from './io.js';

export interface PreviewFlags {
  catalog: string;
  prometheusUrl?: string;
  /** Seconds of history each page shows. */
  range: number;
  out?: string;
  snapshot?: string;
  recordSnapshot?: string;
  serve: boolean;
  port: number;
  force: boolean;
}

const OWNER = 'preview';
/** How often a served page reloads itself, and how long a rendering is reused for requests in between. */
const REFRESH_SECONDS = 30;
const REUSE_MS = 5_000;

/** Where the pages go by default: preview/ in the generated folder (its own manifest; generate leaves it alone). */
export function previewDirOf(catalogFile: string, out?: string): string {
  return out ?? join(outDirOf(catalogFile), 'preview');
}

async function snapshotSource(file: string): Promise<SnapshotSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new EnvironmentError(`cannot read the snapshot ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return new SnapshotSource(parseSnapshot(text, file));
  } catch (err) {
    if (err instanceof SnapshotError) throw new ExitError(1, err.message);
    throw err;
  }
}

/**
 * The Prometheus to read: --prometheus-url, else what this catalog's `up` started, as the dashboards read it: the
 * global view (VictoriaMetrics, every shard, replicas deduplicated) when the topology has one, else the server.
 */
async function prometheusUrl(flags: PreviewFlags, catalog: Catalog): Promise<{ url: string; rulesUrls: string[]; engine?: string }> {
  if (flags.prometheusUrl) return { url: flags.prometheusUrl, rulesUrls: [flags.prometheusUrl] };
  const state = await readState(stateDirFor(flags.catalog));
  const urlOf = (name: string) => state?.components.find((c) => c.name === name)?.url;
  const servers = prometheusInstances(catalog.topology).flatMap((i) => urlOf(i.name) ?? []);
  const store = globalView(catalog.topology) ? urlOf(STORE_COMPONENT) : undefined;
  const url = store ?? servers[0];
  if (!url) throw new EnvironmentError('the stack is not up: run devskyy-mon up, or give --prometheus-url, or render a recorded --snapshot');
  return { url, rulesUrls: servers.length ? servers : [url], ...(store ? { engine: 'VictoriaMetrics (global view)' } : {}) };
}

async function liveSource(flags: PreviewFlags, catalog: Catalog): Promise<DataSource> {
  const { url, rulesUrls, engine } = await prometheusUrl(flags, catalog);
  const source = new PrometheusSource(url, rangeEndingAt(Date.now() / 1000, flags.range), rulesUrls, engine);
  try {
    await source.fetch({ kind: 'instant', expr: 'vector(1)' });
  } catch (err) {
    if (err instanceof ComponentDown) throw new EnvironmentError(`${err.message}: devskyy-mon up starts the stack; or give --prometheus-url, or --snapshot`);
    // fetch refuses some URLs outright (a bad port, a bad scheme); an answer that is not Prometheus' is an ApiError.
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    if (err instanceof TypeError || err instanceof ApiError) throw new EnvironmentError(`${source.label} cannot be queried: ${err.message}${cause ? ` (${cause})` : ''}`);
    throw err;
  }
  return source;
}

function report(io: Io, p: Preview, where: string): void {
  const s = previewSummary(p);
  io.out(`preview: ${s.dashboards} dashboards, ${s.panels} panels, ${s.withData} with data${s.empty.length ? `, ${s.empty.length} without data` : ''}${s.failed.length ? `, ${s.failed.length} failed` : ''}\n`);
  for (const e of s.empty.slice(0, 10)) io.out(`  no data: ${e}\n`);
  if (s.empty.length > 10) io.out(`  (+${s.empty.length - 10} more without data)\n`);
  for (const f of s.failed.slice(0, 10)) io.out(`  failed: ${f}\n`);
  if (s.failed.length > 10) io.out(`  (+${s.failed.length - 10} more failed)\n`);
  io.out(`preview: ${where}\n`);
}

async function writePages(io: Io, flags: PreviewFlags, p: Preview): Promise<string> {
  const dir = previewDirOf(flags.catalog, flags.out);
  try {
    const r = await applyPlan(await planWrite(dir, flags.catalog, p.files, { force: flags.force, manifestName: manifestFile(OWNER) }), { onWait: (who) => io.err(`waiting for ${who} to finish writing ${dir}\n`) });
    if (r.recovered) io.err(`${dir}: ${r.recovered}\n`);
  } catch (err) {
    if (err instanceof WriteConflictError) throw new ExitError(1, `${err.message}\nuse --force to overwrite, or choose another --out`);
    if (err instanceof LockHeldError) throw err;
    throw writeFailure(err, `the preview folder ${relative(process.cwd(), dir) || dir}`, 'choose another folder with --out');
  }
  return join(dir, INDEX_FILE);
}

async function serve(io: Io, flags: PreviewFlags, catalog: Catalog, sourceFor: () => Promise<DataSource>): Promise<void> {
  let last: { at: number; preview: Promise<Preview> } | undefined;
  const current = () => {
    if (!last || Date.now() - last.at > REUSE_MS) last = { at: Date.now(), preview: sourceFor().then((s) => renderPreview(catalog, s, { refreshSeconds: REFRESH_SECONDS })) };
    return last.preview;
  };
  const server: Server = createServer((req, res) => {
    // Pages are read, never posted to: GET and HEAD only, as the runtime's metrics server answers.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname).replace(/^\//, '') || INDEX_FILE;
    } catch {
      // A malformed %-escape: answered, not thrown out of the request handler.
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('bad path\n');
      return;
    }
    current().then(
      (p) => {
        const file = p.files.find((f) => f.path === path);
        res.writeHead(file ? 200 : 404, { 'content-type': file ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(file ? file.content : `no page ${path}; the index is /\n`);
      },
      (err: unknown) => {
        last = undefined;
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`preview failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new EnvironmentError(`port ${flags.port} on 127.0.0.1 is in use; pick another with --port (0 picks a free one)`) : err));
    server.listen(flags.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  report(io, await current(), `serving http://127.0.0.1:${port}/ (pages reload every ${REFRESH_SECONDS}s; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function runPreview(io: Io, flags: PreviewFlags): Promise<void> {
  if (flags.snapshot && (flags.prometheusUrl || flags.recordSnapshot)) throw new EnvironmentError('--snapshot renders a recorded snapshot: it takes no --prometheus-url or --record-snapshot');
  const { catalog } = await requireCatalog(io, flags.catalog, 'text');
  if (flags.serve) {
    if (flags.recordSnapshot) throw new EnvironmentError('--record-snapshot writes a file once: run it without --serve');
    const snap = flags.snapshot ? await snapshotSource(flags.snapshot) : undefined;
    await serve(io, flags, catalog, async () => snap ?? (await liveSource(flags, catalog)));
    return;
  }
  const base = flags.snapshot ? await snapshotSource(flags.snapshot) : await liveSource(flags, catalog);
  const source = flags.recordSnapshot ? new RecordingSource(base) : base;
  const p = await renderPreview(catalog, source);
  if (source instanceof RecordingSource && flags.recordSnapshot) {
    await writeSingleFile(flags.recordSnapshot, JSON.stringify(source.snapshot()) + '\n', { owner: OWNER, force: flags.force }).catch((err: unknown) => {
      if (err instanceof WriteConflictError) throw new ExitError(1, `${err.message}\nuse --force to overwrite it`);
      if (err instanceof LockHeldError) throw err;
      throw writeFailure(err, `the snapshot ${flags.recordSnapshot}`, 'choose another file with --record-snapshot');
    });
    io.out(`snapshot: ${flags.recordSnapshot}\n`);
  }
  const index = await writePages(io, flags, p);
  report(io, p, `${relative(process.cwd(), index) || index} (${pathToFileURL(resolve(index)).href})`);
}

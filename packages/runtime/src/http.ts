// Serving /metrics (and, when asked, /health) over node:http.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Exporter } from './exporter.js';
import { OPENMETRICS_CONTENT_TYPE, prepare, TEXT_CONTENT_TYPE, wantsOpenMetrics } from './exposition.js';
import { acceptsGzip, sendBody, streamBody } from './gzip.js';

export interface MetricsServerOptions {
  /** Default 9464 (startMetricsServer). */
  port?: number;
  /** Bound to loopback (127.0.0.1) unless told otherwise. */
  host?: string;
  /** Default "/metrics". */
  path?: string;
  /**
   * Also answer a health path with the exporter's health report (JSON; 503 when the health state is "unhealthy"):
   * `true` for "/health", or a path. Default: none for setupPrometheus and httpHandler (the application's own
   * routes stay its own); "/health" for startMetricsServer, whose port serves nothing else.
   */
  health?: boolean | string;
  basicAuth?: { username: string; password: string };
  /** Overrides how the body is produced (the cluster primary aggregates workers); gets the request's Accept header. */
  exposition?: (accept: string) => Promise<{ contentType: string; body: string }>;
}

/** The health path these options serve, if any. */
export function healthPath(opts: MetricsServerOptions): string | undefined {
  return opts.health === true ? '/health' : typeof opts.health === 'string' ? opts.health : undefined;
}

function authorized(req: IncomingMessage, auth: { username: string; password: string }): boolean {
  // The scheme name is case-insensitive (RFC 7617, RFC 9110 §11.1).
  const m = /^basic[ \t]+(\S+)[ \t]*$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'base64');
  const want = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** GET /metrics: streamed while it renders (gzip when asked); HEAD and registries with default labels get a whole body. */
async function serveExposition(exporter: Exporter<object>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const om = wantsOpenMetrics(String(req.headers.accept ?? ''));
  const p = req.method === 'GET' ? await prepare(exporter.registry, om, exporter.kinds) : undefined;
  if (!p) {
    const { contentType, body } = await exporter.exposition(String(req.headers.accept ?? ''));
    sendBody(req, res, 200, contentType, body);
    return;
  }
  await streamBody(p, res, om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, acceptsGzip(req));
}

/**
 * A node:http handler for the metrics path (and the health path when asked): GET and HEAD only (405 otherwise),
 * 401 without the basic-auth credentials when configured, 404 for any other path.
 */
export function metricsHandler(exporter: Exporter<object>, opts: MetricsServerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const metricsPath = opts.path ?? '/metrics';
  const health = healthPath(opts);
  return (req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (opts.basicAuth && !authorized(req, opts.basicAuth)) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="metrics"' }).end();
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === metricsPath) {
        if (opts.exposition) {
          const { contentType, body } = await opts.exposition(String(req.headers.accept ?? ''));
          sendBody(req, res, 200, contentType, body);
        } else await serveExposition(exporter, req, res);
      } else if (path === health) {
        const h = await exporter.health();
        sendBody(req, res, h.status === 'unhealthy' ? 503 : 200, 'application/json', JSON.stringify(h));
      } else res.writeHead(404).end();
    })().catch((err: unknown) => {
      // Once the body has started, only a broken connection tells Prometheus the scrape failed.
      if (res.headersSent) res.destroy(err instanceof Error ? err : new Error(String(err)));
      else res.writeHead(500, { 'content-type': 'text/plain' }).end(`exposition failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
}

/** A metrics-only server on its own port (default 9464, host 127.0.0.1), for processes without a web framework. Rejects with the listen error (EADDRINUSE, …). */
export function startMetricsServer(exporter: Exporter<object>, opts: MetricsServerOptions = {}): Promise<Server> {
  const server = createServer(metricsHandler(exporter, { health: true, ...opts }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9464, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

// HTTP instrumentation: Express and Fastify middleware, a node:http wrapper, and Express error counting.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exporter } from './exporter.js';
import type { MetricsServerOptions } from './http.js';
import { healthPath, metricsHandler } from './http.js';
import { CLIENT_CLOSED, normalizePath, UNMATCHED_ROUTE } from './paths.js';

const templates = new Map<string, string>();

/** Route templates repeat on every request: normalise each once (the map is bounded by the app's routes). */
function normalizedTemplate(t: string): string {
  let n = templates.get(t);
  if (n === undefined) {
    n = normalizePath(t);
    if (templates.size < 10_000) templates.set(t, n);
  }
  return n;
}

/**
 * `route` reads the template of the route that took the request, from a router (Express, Fastify); a request no
 * route took (404, a parameter the router could not decode, a middleware that answered first) is UNMATCHED_ROUTE,
 * never its raw path, which the client chooses and which would fill the label's value budget. Without a router
 * (`route` undefined: node:http) the normalised path is all there is, 404s excepted.
 */
function instrument(exporter: Exporter<object>, method: string, path: string, route: (() => string | undefined) | undefined, requestBytes: number | undefined): (status: number, responseBytes?: number) => void {
  const start = process.hrtime.bigint();
  exporter.inFlight(1);
  let done = false;
  return (status, responseBytes) => {
    if (done) return;
    done = true;
    exporter.inFlight(-1);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const template = route?.();
    const endpoint = template ? normalizedTemplate(template) : route || status === 404 ? UNMATCHED_ROUTE : normalizePath(path);
    exporter.recordRequest(method, endpoint, status, seconds, requestBytes, responseBytes);
  };
}

const lengthOf = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));

interface ExpressLike {
  use(...handlers: unknown[]): unknown;
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

interface FastifyLike {
  addHook(name: string, fn: (...args: never[]) => unknown): unknown;
  get(path: string, handler: (req: unknown, reply: unknown) => unknown): unknown;
}

export interface SetupOptions extends MetricsServerOptions {
  /** Serve the metrics path (and the health path, when `health` asks for one) on the app itself. Default true; false when a separate port serves them. */
  expose?: boolean;
}

/**
 * The guide's setup_prometheus(app): records every request and serves the metrics path (default /metrics).
 * Nothing else of the app's route space is taken: a health path only with `health: true` (/health) or
 * `health: "/path"`. Works with Express (app.use) and Fastify (addHook); for node:http use `httpHandler`.
 *
 * Express runs middleware in the order it was added: call setupPrometheus before any other middleware, or the
 * responses those produce themselves (a body parser's 400 or 413) are not counted. Fastify's hooks and
 * httpHandler see every request.
 */
export function setupPrometheus<E extends Exporter<object>>(app: ExpressLike | FastifyLike, exporter: E, opts: SetupOptions = {}): E {
  const handler = metricsHandler(exporter, opts);
  const health = healthPath(opts);
  const metricsPath = opts.path ?? '/metrics';
  if ('addHook' in app) {
    type FReq = { method: string; url: string; headers: Record<string, unknown>; routeOptions?: { url?: string }; raw: IncomingMessage };
    type FRep = { statusCode: number; getHeader(n: string): unknown; raw: ServerResponse };
    app.addHook('onRequest', (req: FReq, rep: FRep, done: () => void) => {
      const p = req.url.split('?')[0];
      if (p !== metricsPath && p !== health) {
        const finish = instrument(exporter, req.method, req.url, () => req.routeOptions?.url, lengthOf(req.headers['content-length']));
        // The raw response's 'close' comes after the response was sent and also when the client went away first
        // (Fastify's onResponse hook does not run then): one listener counts both, an abort as 499.
        const res = rep.raw;
        res.once('close', () => finish(res.writableFinished ? res.statusCode : CLIENT_CLOSED, lengthOf(res.getHeader('content-length'))));
      }
      done();
    });
    app.addHook('onError', (_req: FReq, _rep: FRep, err: Error, done: () => void) => {
      exporter.recordException(err);
      done();
    });
    if (opts.expose !== false) {
      (app as FastifyLike).get(metricsPath, (req, reply) => {
        handler((req as FReq).raw, (reply as FRep).raw);
        return new Promise<void>((resolve) => (reply as FRep).raw.on('finish', resolve));
      });
      if (health) {
        (app as FastifyLike).get(health, (req, reply) => {
          handler((req as FReq).raw, (reply as FRep).raw);
          return new Promise<void>((resolve) => (reply as FRep).raw.on('finish', resolve));
        });
      }
    }
    return exporter;
  }
  // One middleware answers /metrics and /health itself and instruments the rest: every extra router layer
  // would cost each request a path match.
  const expose = opts.expose !== false;
  app.use((req: IncomingMessage & { route?: { path?: string }; baseUrl?: string; originalUrl?: string }, res: ServerResponse, next: (err?: unknown) => void) => {
    const url = req.originalUrl ?? req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // Only GET and HEAD of these paths are ours: an app's own POST /metrics stays the app's.
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && (path === metricsPath || (health !== undefined && path === health))) return expose ? handler(req, res) : next();
    const finish = instrument(exporter, req.method ?? 'GET', url, () => (req.route?.path !== undefined ? `${req.baseUrl ?? ''}${req.route.path}` : undefined), lengthOf(req.headers['content-length']));
    // 'close' follows 'finish' and also fires when the client goes away, so one listener covers both.
    res.once('close', () => finish(res.writableFinished ? res.statusCode : CLIENT_CLOSED, lengthOf(res.getHeader('content-length'))));
    next();
  });
  return exporter;
}

/** Express error middleware that counts unhandled exceptions; add it after your routes. */
export function exceptionMiddleware(exporter: Exporter<object>): (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  return (err, _req, _res, next) => {
    exporter.recordException(err);
    next(err);
  };
}

/** Wraps a node:http request listener: records every request and serves the metrics path (and the health path when asked) itself. */
export function httpHandler(exporter: Exporter<object>, app: (req: IncomingMessage, res: ServerResponse) => void, opts: MetricsServerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = metricsHandler(exporter, opts);
  const metricsPath = opts.path ?? '/metrics';
  const health = healthPath(opts);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && (path === metricsPath || (health !== undefined && path === health))) return metrics(req, res);
    const finish = instrument(exporter, req.method ?? 'GET', req.url ?? '/', undefined, lengthOf(req.headers['content-length']));
    res.once('close', () => finish(res.writableFinished ? res.statusCode : CLIENT_CLOSED, lengthOf(res.getHeader('content-length'))));
    try {
      app(req, res);
    } catch (err) {
      exporter.recordException(err);
      throw err;
    }
  };
}


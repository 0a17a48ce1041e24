// gzip for exposition bodies: on a thread of its own, fed while the body renders, so compression runs on another
// core instead of after rendering; whole bodies (HEAD, /health, fallbacks) compressed in the calling thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import type { Prepared, Sink } from './exposition.js';
import { render, renderWhole } from './exposition.js';

/** Size of the rendered chunks the thread receives (see exposition.ts). */
const CHUNK = 64 * 1024;

/**
 * The compression thread's code. Each scrape is a job: rendered chunks arrive in order and are deflated in
 * pieces of ~256 KiB, each ending with a sync flush (byte-aligned, not final), so the pieces concatenate into
 * one deflate stream; the job's end adds an empty final block, the CRC-32 and the length (the gzip trailer).
 */
/** Source of the compression thread (plain JavaScript, run by a Worker). */
export const GZIP_THREAD = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const PIECE = ${4 * CHUNK};
const jobs = new Map();
function deflate(id, job) {
  if (!job.used) return;
  const input = job.input.subarray(0, job.used);
  job.crc = zlib.crc32(input, job.crc);
  job.size += job.used;
  // Fastest level: a scrape waits for it, and level 6 takes three times as long for 15 % fewer bytes.
  const piece = zlib.deflateRawSync(input, { level: 1, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  job.used = 0;
  parentPort.postMessage({ id, piece });
}
parentPort.on('message', ({ id, chunk }) => {
  let job = jobs.get(id);
  // Chunks are encoded straight into one buffer per job (a UTF-8 character takes at most 3 bytes per UTF-16 unit).
  if (!job) jobs.set(id, (job = { input: Buffer.allocUnsafe(PIECE + 3 * ${CHUNK} + 1024), used: 0, crc: 0, size: 0 }));
  try {
    if (chunk !== undefined) {
      if (job.used + 3 * chunk.length > job.input.length) deflate(id, job);
      if (3 * chunk.length > job.input.length) job.input = Buffer.allocUnsafe(3 * chunk.length);
      job.used += job.input.write(chunk, job.used);
      if (job.used >= PIECE) deflate(id, job);
      return;
    }
    deflate(id, job);
    jobs.delete(id);
    // An empty final block, then the gzip trailer: CRC-32 and length of the uncompressed body.
    const end = Buffer.alloc(10);
    end.writeUInt16LE(3, 0);
    end.writeUInt32LE(job.crc >>> 0, 2);
    end.writeUInt32LE(job.size % 2 ** 32, 6);
    parentPort.postMessage({ id, piece: end, done: true });
  } catch (err) {
    jobs.delete(id);
    parentPort.postMessage({ id, error: String((err && err.stack) || err) });
  }
});
`;

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

interface GzipJob {
  write(b: Buffer): void;
  pieces: Buffer[];
  done(err?: Error): void;
}

/**
 * gzip on a thread of its own, fed while the body renders: compression (~4 ms for 2.8 MB) runs on the other
 * core instead of after rendering. One thread per process, started by the first gzip scrape; it never keeps the
 * process alive. libuv's pool is no substitute: its four threads compete with rendering for two cores.
 */
export class GzipThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, GzipJob>();
  private next = 0;

  /** Set when no thread can be started here (Node's permission model without --allow-worker, say). */
  private unavailable = false;

  /** `source`: the thread's code; `spawn`: how a thread starts (tests give ones that fail). */
  constructor(
    private readonly source = GZIP_THREAD,
    private readonly spawn = (code: string) => new Worker(code, { eval: true }),
  ) {}

  /** Can this process run the thread? Starts it if need be; a refusal is remembered, and the caller compresses itself. */
  usable(): boolean {
    if (this.unavailable) return false;
    try {
      this.start();
      return true;
    } catch {
      this.unavailable = true;
      return false;
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = this.spawn(this.source);
    w.on('message', (m: { id: number; piece?: Uint8Array; done?: boolean; error?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      if (m.error !== undefined) {
        this.jobs.delete(m.id);
        job.done(new Error(`gzip thread: ${m.error}`));
        return;
      }
      const b = Buffer.from(m.piece!.buffer, m.piece!.byteOffset, m.piece!.byteLength);
      job.pieces.push(b);
      job.write(b);
      if (m.done) {
        this.jobs.delete(m.id);
        job.done();
      }
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const job of this.jobs.values()) job.done(err);
      this.jobs.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`gzip thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener holds the process open again.
    w.unref();
    return (this.worker = w);
  }

  /** Compresses the chunks `render` hands on, writing the gzip stream as it is ready; resolves with all of it. */
  async compress(render: (sink: Sink) => void, write: (b: Buffer) => void): Promise<Buffer[]> {
    const w = this.start();
    const id = this.next++;
    const pieces = [GZIP_HEADER];
    write(GZIP_HEADER);
    const finished = new Promise<void>((resolve, reject) => this.jobs.set(id, { write, pieces, done: (err) => (err ? reject(err) : resolve()) }));
    // If rendering throws, its error is the one reported; the job's own outcome must not go unhandled.
    finished.catch(() => undefined);
    try {
      render((chunk) => w.postMessage({ id, chunk }));
    } finally {
      w.postMessage({ id });
    }
    await finished;
    return pieces;
  }
}

const gzipThread = new GzipThread();

let lastGzip: { body: string; payload: Buffer } | undefined;

/** Fastest gzip level: a scrape waits for it, and level 6 takes three times as long for 15 % fewer bytes. */
function gzipped(body: string): Buffer {
  if (lastGzip?.body !== body) lastGzip = { body, payload: zlib.gzipSync(body, { level: 1 }) };
  return lastGzip.payload;
}

/** Does Accept-Encoding allow gzip? By name or by `*`; a weight of q=0 refuses it (RFC 9110 §12.5.3). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const weights = new Map<string, number>();
  for (const part of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (coding) weights.set(coding, q === undefined ? 1 : Number(q.slice(2)));
  }
  const q = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  // identity is acceptable unless refused; gzip is chosen when it weighs at least as much.
  return q > 0 && q >= (weights.get('identity') ?? 0);
}

/** Response headers of an exposition body; a streamed one has no length. */
function bodyHeaders(contentType: string, gzip: boolean, length?: number): Record<string, string | number> {
  return { 'content-type': contentType, ...(length === undefined ? {} : { 'content-length': length }), ...(gzip ? { 'content-encoding': 'gzip' } : {}), vary: 'Accept, Accept-Encoding' };
}

/** A whole body, gzip-compressed when the client accepts it; HEAD gets the headers only. */
export function sendBody(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  const gzip = acceptsGzip(req);
  const payload = gzip ? gzipped(body) : Buffer.from(body);
  res.writeHead(status, bodyHeaders(contentType, gzip, payload.length));
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/**
 * Writes the body to an HTTP response while it is rendered (chunked), gzip-compressed on another thread when
 * asked; the compressed body is kept for scrapes that find nothing changed.
 */
export async function streamBody(p: Prepared, res: ServerResponse, contentType: string, gzip: boolean): Promise<void> {
  const cached = gzip ? p.cache.gzip : undefined;
  if (!p.changed && cached) {
    res.writeHead(200, bodyHeaders(contentType, true, cached.length));
    res.end(cached);
    return;
  }
  res.writeHead(200, bodyHeaders(contentType, gzip));
  const write = (b: string | Buffer) => void (res.destroyed || res.write(b));
  if (!gzip) {
    render(p, write);
    res.end();
    return;
  }
  let all: Buffer[];
  // zlib.crc32 arrived in Node 20.15; before it, or where no thread may start, the body is compressed whole once rendered.
  if (typeof zlib.crc32 === 'function' && gzipThread.usable()) all = await gzipThread.compress((sink) => render(p, sink), write);
  else {
    all = [zlib.gzipSync(renderWhole(p), { level: 1 })];
    write(all[0]!);
  }
  res.end();
  if (p.cache.gen === p.gen) p.cache.gzip = Buffer.concat(all);
}

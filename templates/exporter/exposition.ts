// devskyy-mon exporter runtime, exposition: the text format 0.0.4 and OpenMetrics bodies of a prom-client
// registry, and serving them over HTTP. Copied beside runtime.ts into every generated exporter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import * as client from 'prom-client';
import type { ExporterSpec, MetricType } from './runtime.js';

export const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const wantsOpenMetrics = (accept: string) => /application\/openmetrics-text/.test(accept);

/** Text format 0.0.4, or OpenMetrics 1.0 when the Accept header asks for it, as one body. */
export async function renderExposition(registry: client.Registry, spec: ExporterSpec | undefined, accept = ''): Promise<{ contentType: string; body: string }> {
  if (wantsOpenMetrics(accept)) {
    return { contentType: OPENMETRICS, body: (await fastBody(registry, OM, spec)) ?? formatOpenMetrics(await registry.getMetricsAsJSON(), spec) };
  }
  return { contentType: registry.contentType, body: (await fastBody(registry, TEXT, spec)) ?? (await registry.metrics()) };
}

/** GET /metrics: streamed while it renders (gzip when asked); HEAD and registries the fast renderer does not handle get a whole body. */
export async function serveExposition(registry: client.Registry, spec: ExporterSpec | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const accept = String(req.headers.accept ?? '');
  const om = wantsOpenMetrics(accept);
  const p = req.method === 'GET' ? await prepareBody(registry, om ? OM : TEXT, spec) : undefined;
  if (!p) {
    const { contentType, body } = await renderExposition(registry, spec, accept);
    sendBody(req, res, 200, contentType, body);
    return;
  }
  await streamBody(p, res, om ? OPENMETRICS : registry.contentType, acceptsGzip(req));
}

// ---------------------------------------------------------------------------------------------------------
// Whole bodies (HEAD, /health, the cluster primary), gzip-compressed when asked.

let lastGzip: { body: string; payload: Buffer } | undefined;

/** Fastest gzip level: a scrape waits for it, and level 6 takes three times as long for 15 % fewer bytes. */
function gzipped(body: string): Buffer {
  if (lastGzip?.body !== body) lastGzip = { body, payload: zlib.gzipSync(body, { level: 1 }) };
  return lastGzip.payload;
}

/** Does Accept-Encoding allow gzip? By name or by `*`; a weight of q=0 refuses it. */
function acceptsGzip(req: IncomingMessage): boolean {
  const weights = new Map<string, number>();
  for (const part of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (coding) weights.set(coding, q === undefined ? 1 : Number(q.slice(2)));
  }
  const q = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  return q > 0;
}

/** Response headers of an exposition body; a streamed one has no length. */
function bodyHeaders(contentType: string, gzip: boolean, length?: number): Record<string, string | number> {
  return { 'content-type': contentType, ...(length === undefined ? {} : { 'content-length': length }), ...(gzip ? { 'content-encoding': 'gzip' } : {}), vary: 'Accept, Accept-Encoding' };
}

export function sendBody(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  const gzip = acceptsGzip(req);
  const payload = gzip ? gzipped(body) : Buffer.from(body);
  res.writeHead(status, bodyHeaders(contentType, gzip, payload.length));
  res.end(req.method === 'HEAD' ? undefined : payload);
}

// ---------------------------------------------------------------------------------------------------------
// Text format 0.0.4 and OpenMetrics, written by the runtime itself: byte for byte what prom-client's
// registry.metrics() (and formatOpenMetrics) write, but each series' line prefixes (name and escaped labels)
// are built once, a value is formatted only when it changed, the body is handed on in chunks of ~64 KiB as it
// is rendered (so a server compresses and sends while it renders), and a registry unchanged since the last
// scrape reuses its last body. It reads prom-client 15.1's stored series; anything it does not recognise
// (default labels, other internals) goes through prom-client itself.

interface StoredSeries {
  labels: Record<string, string | number>;
  value?: number;
  bucketValues?: Record<string, number>;
  sum?: number;
  count?: number;
  td?: StoredQuantiles;
}

/** prom-client's TimeWindowQuantiles: a ring of t-digests, rotated lazily when read or written. */
interface StoredQuantiles {
  ringBuffer: readonly { compress(): void }[];
  lastRotateTimestampMillis: number;
  durationBetweenRotatesMillis: number;
  shouldRotate: unknown;
  percentile(q: number): number;
}

interface StoredMetric {
  name: string;
  help: string;
  type: string;
  hashMap?: Record<string, StoredSeries>;
  upperBounds?: readonly number[];
  percentiles?: readonly number[];
  pruneAgedBuckets?: boolean;
  collect?: () => unknown;
  get(): Promise<client.MetricObjectWithValues<client.MetricValue<string>>>;
}

/** A series' last rendering in one format. */
interface SeriesState {
  /** Counter or gauge: the value; histogram and summary: the count (every observation moves it). */
  v: number;
  /** Histogram and summary: the sum. */
  sum: number;
  /** Summary: when its window last rotated (a rotation changes the quantiles without an observation). */
  rotated: number;
  /** Each line up to its value, with the newline before it, flat (see flat()). */
  prefixes: readonly string[];
  /**
   * Each line's value as written. A line is never built: the chunk joins prefixes and values, so a changed series
   * leaves only its new value strings behind (whole new lines would be megabytes to keep per scrape).
   */
  vals: string[];
  /** Histogram: the cumulative bucket counts behind vals (a bucket below the observed value keeps its string). */
  nums: number[];
  /** Scrapes in a row that found the series unchanged. */
  calm: number;
  /**
   * The series' lines as one flat string, made once the series has been seen unchanged twice (so one that
   * changes on most scrapes never makes one) and dropped when it changes: fewer, longer pieces for the join.
   */
  text?: string;
}

/**
 * A family's series states in the order of its label hashes at the last rendering. prom-client's hash map keeps
 * insertion order, so a scrape finds each state by position (one string comparison); by hash only after a change.
 */
interface FamilyState {
  keys: readonly string[];
  states: readonly SeriesState[];
  byKey: Map<string, SeriesState>;
  /** The map's keys as last listed, and how many series had been added to it then (see watch()). */
  listed?: { map: object; added: number; keys: string[] };
}

/** How many series prom-client has added to a hash map since we started watching it. */
interface Watch {
  added: number;
}

const watches = new WeakMap<object, Watch>();

/**
 * Listing a hash map of 10k series (Object.keys) costs ~0.5 ms, and prom-client never says when it adds one. A
 * Proxy set as the map's prototype does: assigning an existing key writes the map's own property (the hot path
 * does not change), while assigning a new key goes up the prototype chain to the proxy's set trap.
 */
function watch(map: object): Watch {
  let w = watches.get(map);
  if (!w) {
    const count: Watch = { added: 0 };
    const proto = (Object.getPrototypeOf(map) as object | null) ?? Object.create(null);
    Object.setPrototypeOf(
      map,
      new Proxy(proto, {
        set(target, key, value, receiver) {
          count.added++;
          return Reflect.set(target, key, value, receiver);
        },
      }),
    );
    watches.set(map, (w = count));
  }
  return w;
}

/** What a registry looked like when last rendered in one format. */
interface RegistryCache {
  /** Bumped whenever a scrape finds a change; a body is stored only by the scrape that saw the latest one. */
  gen: number;
  metrics: readonly StoredMetric[];
  families: WeakMap<StoredMetric, FamilyState>;
  slow: Map<StoredMetric, string>;
  body?: string;
  gzip?: Buffer;
}

/** One exposition format's rendering rules and caches. */
interface Format {
  openMetrics: boolean;
  registries: WeakMap<object, RegistryCache>;
  headers: WeakMap<StoredMetric, string>;
  value: (v: number) => string;
}

function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values (and OpenMetrics HELP) also escape double quotes. */
function escapeLabel(v: string): string {
  return escapeText(v).replace(/"/g, '\\"');
}

/** `a="x",b="y"`, as prom-client writes a stored label object. */
function storedLabels(labels: Record<string, string | number>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${typeof v === 'string' ? escapeLabel(v) : v}"`)
    .join(',');
}

function format(openMetrics: boolean, nan: string): Format {
  return {
    openMetrics,
    registries: new WeakMap(),
    headers: new WeakMap(),
    value: (v) => (Number.isFinite(v) ? `${v}` : Number.isNaN(v) ? nan : v < 0 ? '-Inf' : '+Inf'),
  };
}

/** prom-client's text writer spells NaN "Nan"; byte-identical output keeps that. */
const TEXT = format(false, 'Nan');
const OM = format(true, 'NaN');

/** HELP and TYPE lines: OpenMetrics names counter families without _total and gives info/enum their own types. */
function header(m: StoredMetric, fmt: Format, kinds: ReadonlyMap<string, MetricType>): string {
  let h = fmt.headers.get(m);
  if (h === undefined) {
    const name = escapeText(m.name);
    h = (fmt.openMetrics ? omHeader(m.name, m.help, kinds.get(m.name) ?? m.type, m.type) : [`# HELP ${name} ${escapeText(m.help)}`, `# TYPE ${name} ${m.type}`]).join('\n');
    fmt.headers.set(m, h);
  }
  return h;
}

/** OpenMetrics HELP/TYPE: counter families without _total, info and enum (stateset) with their own types. */
function omHeader(name: string, help: string, kind: string, promType: string): [string, string] {
  let family = name;
  let type = promType;
  if (kind === 'counter') family = name.replace(/_total$/, '');
  if (kind === 'info') {
    family = name.replace(/_info$/, '');
    type = 'info';
  }
  if (kind === 'enum') type = 'stateset';
  return [`# HELP ${family} ${escapeLabel(help)}`, `# TYPE ${family} ${type}`];
}

/** Does the family's first series look the way this renderer expects prom-client 15.1 to store it? */
function knownShape(m: StoredMetric, s: StoredSeries): boolean {
  if (typeof s.labels !== 'object' || s.labels === null) return false;
  if (m.type === 'counter' || m.type === 'gauge') return typeof s.value === 'number';
  if (typeof s.count !== 'number' || typeof s.sum !== 'number') return false;
  if (m.type === 'histogram') return Array.isArray(m.upperBounds) && typeof s.bucketValues === 'object';
  const td = s.td;
  return m.type === 'summary' && Array.isArray(m.percentiles) && !m.pruneAgedBuckets && !!td && Array.isArray(td.ringBuffer) && typeof td.lastRotateTimestampMillis === 'number' && typeof td.percentile === 'function';
}

/**
 * The label hashes of the family's series when this renderer knows their shape, else undefined: the last list
 * while no series was added (a removed one is noticed at rendering), else a new one (Object.keys is the
 * cheapest way through prom-client's hash map; Object.values takes twice as long).
 */
function seriesKeys(m: StoredMetric, fam: FamilyState): string[] | undefined {
  const map = m.hashMap;
  if (!map || typeof map !== 'object' || !['counter', 'gauge', 'histogram', 'summary'].includes(m.type)) return undefined;
  const w = watch(map);
  const listed = fam.listed;
  if (listed?.map === map && listed.added === w.added) return listed.keys;
  const keys = Object.keys(map);
  if (keys.length && !knownShape(m, map[keys[0]!]!)) return undefined;
  fam.listed = { map, added: w.added, keys };
  return keys;
}

const same = (a: number, b: number) => a === b || (a !== a && b !== b);

/** A summary's window rotates when read after its interval: then its quantiles change without an observation. */
const rotationDue = (td: StoredQuantiles) => !!td.shouldRotate && Date.now() - td.lastRotateTimestampMillis > td.durationBetweenRotatesMillis;

/** Did the series move since its state was rendered? */
function moved(type: string, s: StoredSeries, st: SeriesState): boolean {
  if (type === 'counter' || type === 'gauge') return !same(st.v, s.value!);
  if (st.v !== s.count || !same(st.sum, s.sum!)) return true;
  return type === 'summary' && (st.rotated !== s.td!.lastRotateTimestampMillis || rotationDue(s.td!));
}

/** Is every series of the family as it was when last rendered in this format (and none came or went)? */
function unchanged(m: StoredMetric, keys: readonly string[], fam: FamilyState): boolean {
  if (keys.length !== fam.keys.length) return false;
  const map = m.hashMap!;
  for (let i = 0; i < keys.length; i++) {
    const s = map[keys[i]!];
    if (!s || keys[i] !== fam.keys[i] || moved(m.type, s, fam.states[i]!)) return false;
  }
  return true;
}

interface Family {
  m: StoredMetric;
  header: string;
  keys?: string[];
  fam?: FamilyState;
  /** A family written by prom-client (or formatOpenMetrics), without its final newline. */
  slow?: string;
}

interface Prepared {
  fmt: Format;
  cache: RegistryCache;
  gen: number;
  /** Anything different from the last rendering in this format. */
  changed: boolean;
  families: Family[];
}

const kindsOf = new WeakMap<ExporterSpec, ReadonlyMap<string, MetricType>>();

/** Each metric's catalog type by name (info and enum are gauges to prom-client), built once per spec. */
function kindsFor(spec?: ExporterSpec): ReadonlyMap<string, MetricType> {
  if (!spec) return new Map();
  let kinds = kindsOf.get(spec);
  if (!kinds) kindsOf.set(spec, (kinds = new Map(spec.metrics.map((x) => [x.name, x.type]))));
  return kinds;
}

/**
 * Runs the collect hooks, takes each family's series and says whether anything changed since the last
 * rendering in this format; undefined when the registry is one this renderer does not handle (default labels).
 */
async function prepareBody(registry: client.Registry, fmt: Format, spec?: ExporterSpec): Promise<Prepared | undefined> {
  if (Object.keys((registry as unknown as { _defaultLabels?: object })._defaultLabels ?? {}).length) return undefined;
  const kinds = kindsFor(spec);
  const metrics = registry.getMetricsAsArray() as unknown as StoredMetric[];
  // Collect hooks first, all at once (prom-client runs them concurrently too).
  await Promise.all(metrics.map((m) => (typeof m.collect === 'function' ? m.collect() : undefined)));
  let cache = fmt.registries.get(registry);
  if (!cache) fmt.registries.set(registry, (cache = { gen: 0, metrics: [], families: new WeakMap(), slow: new Map() }));
  let changed = cache.metrics.length !== metrics.length || metrics.some((m, i) => cache.metrics[i] !== m);
  const families: Family[] = [];
  for (const m of metrics) {
    let fam = cache.families.get(m);
    if (!fam) cache.families.set(m, (fam = { keys: [], states: [], byKey: new Map() }));
    const keys = seriesKeys(m, fam);
    if (keys) {
      if (!changed && !unchanged(m, keys, fam)) changed = true;
      families.push({ m, header: header(m, fmt, kinds), keys, fam });
      continue;
    }
    // The slow paths run the collect hook again, which our hooks make cheap.
    const slow = fmt.openMetrics ? formatOpenMetrics([await m.get()], spec).replace(/\n# EOF\n$/, '') : await registry.getSingleMetricAsString(m.name);
    if (cache.slow.get(m) !== slow) changed = true;
    cache.slow.set(m, slow);
    families.push({ m, header: '', slow });
  }
  if (changed) {
    cache.gen++;
    cache.metrics = metrics;
    cache.body = cache.gzip = undefined;
  }
  return { fmt, cache, gen: cache.gen, changed, families };
}

/** Receives the body piece by piece, as it is rendered. */
type Sink = (chunk: string) => void;

/** Rendered chunks stay below V8's large-object size: joining many small chunks is 3x faster than a few big ones. */
const CHUNK = 64 * 1024;

/**
 * V8 keeps a concatenated string as a tree of its pieces until a character is read; reading one flattens it in
 * place. A prefix is copied into every body, so it is flattened once here (joins of flat strings are 3x faster).
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Each line's text up to its value, for a series first seen. */
function linePrefixes(m: StoredMetric, name: string, s: StoredSeries): string[] {
  const l = storedLabels(s.labels);
  const plain = l ? `{${l}} ` : ' ';
  if (m.type === 'counter' || m.type === 'gauge') return [flat(`\n${name}${plain}`)];
  const shared = l ? `,${l}} ` : '} ';
  const out =
    m.type === 'histogram'
      ? [...m.upperBounds!.map((b) => `\n${name}_bucket{le="${b}"${shared}`), `\n${name}_bucket{le="+Inf"${shared}`]
      : m.percentiles!.map((q) => `\n${name}{quantile="${q}"${shared}`);
  out.push(`\n${name}_sum${plain}`, `\n${name}_count${plain}`);
  return out.map(flat);
}

/** Formats what moved: a counter or gauge's value; a histogram's buckets, sum and count; a summary's quantiles too. */
function update(m: StoredMetric, s: StoredSeries, st: SeriesState, buckets: readonly string[] | undefined, fmt: Format): void {
  const { vals, nums } = st;
  if (m.type === 'counter' || m.type === 'gauge') {
    st.v = s.value!;
    vals[0] = fmt.value(st.v);
    return;
  }
  let n = 0;
  const count = fmt.value(s.count!);
  if (buckets) {
    const values = s.bucketValues!;
    let acc = 0;
    for (; n < buckets.length; n++) {
      acc += values[buckets[n]!]!;
      if (nums[n] !== acc || vals[n] === undefined) {
        nums[n] = acc;
        vals[n] = fmt.value(acc);
      }
    }
    vals[n++] = count;
  } else {
    // What prom-client's summary does per scrape, but each t-digest compressed once (its ring often holds one digest several times).
    const td = s.td!;
    for (const d of new Set(td.ringBuffer)) d.compress();
    for (const q of m.percentiles!) {
      const v = td.percentile(q);
      vals[n++] = fmt.value(v ? v : 0);
    }
    st.rotated = td.lastRotateTimestampMillis;
  }
  vals[n] = fmt.value(s.sum!);
  vals[n + 1] = count;
  st.v = s.count!;
  st.sum = s.sum!;
}

/** Renders the prepared families, handing the body to `sink` in chunks of about CHUNK characters. */
function renderBody(p: Prepared, sink: Sink): void {
  const { fmt, families } = p;
  const om = fmt.openMetrics;
  // Each chunk is one join of flat pieces: copying, not walking trees of concatenations.
  let parts: string[] = [];
  let size = 0;
  for (let f = 0; f < families.length; f++) {
    const { m, header, keys, fam, slow } = families[f]!;
    // Text separates families by a blank line; OpenMetrics does not, and ends with # EOF.
    if (f > 0) parts.push(om ? '\n' : '\n\n');
    if (slow !== undefined) {
      parts.push(slow);
      size += slow.length;
      continue;
    }
    parts.push(header);
    const map = m.hashMap!;
    const name = escapeText(m.name);
    const buckets = m.type === 'histogram' ? m.upperBounds!.map(String) : undefined;
    const { keys: lastKeys, states: lastStates, byKey } = fam!;
    // The same listing as last time: states are rewritten where they are (no new 10k-element array to collect).
    const states = lastKeys === keys ? (lastStates as SeriesState[]) : new Array<SeriesState>(keys!.length);
    let n = 0;
    let present = keys!;
    for (let i = 0; i < keys!.length; i++) {
      const k = keys![i]!;
      const s = map[k];
      if (!s) {
        // Removed (prom-client's remove() deletes the key): list the map again next time.
        if (present === keys) present = keys!.slice(0, i);
        fam!.listed = undefined;
        continue;
      }
      if (present !== keys) present.push(k);
      let st = lastKeys[i] === k ? lastStates[i] : byKey.get(k);
      if (!st) byKey.set(k, (st = { v: NaN, sum: NaN, rotated: NaN, prefixes: linePrefixes(m, name, s), vals: [], nums: [], calm: 0 }));
      states[n++] = st;
      const { prefixes, vals } = st;
      if (!vals.length || moved(m.type, s, st)) {
        update(m, s, st, buckets, fmt);
        st.text = undefined;
        st.calm = 0;
      } else if (st.text === undefined && ++st.calm >= 2) {
        const lines = new Array<string>(2 * prefixes.length);
        for (let j = 0; j < prefixes.length; j++) {
          lines[2 * j] = prefixes[j]!;
          lines[2 * j + 1] = vals[j]!;
        }
        st.text = lines.join('');
      }
      if (st.text !== undefined) {
        parts.push(st.text);
        size += st.text.length;
      } else {
        for (let j = 0; j < prefixes.length; j++) {
          const a = prefixes[j]!;
          const b = vals[j]!;
          parts.push(a, b);
          size += a.length + b.length;
        }
      }
      if (size >= CHUNK) {
        sink(parts.join(''));
        parts = [];
        size = 0;
      }
    }
    states.length = n;
    fam!.keys = present;
    fam!.states = states;
    // Series removed from prom-client since the last scrape leave with their state.
    if (byKey.size > present.length) for (const k of byKey.keys()) if (!Object.hasOwn(map, k)) byKey.delete(k);
  }
  parts.push(om ? `${families.length ? '\n' : ''}# EOF\n` : '\n');
  sink(parts.join(''));
}

/** The prepared body as one string. */
function renderWhole(p: Prepared): string {
  const chunks: string[] = [];
  renderBody(p, (c) => void chunks.push(c));
  return chunks.join('');
}

/** The whole body as one string: the last one when nothing changed. */
async function fastBody(registry: client.Registry, fmt: Format, spec?: ExporterSpec): Promise<string | undefined> {
  const p = await prepareBody(registry, fmt, spec);
  if (!p) return undefined;
  if (!p.changed && p.cache.body !== undefined) return p.cache.body;
  const body = renderWhole(p);
  if (p.cache.gen === p.gen) p.cache.body = body;
  return body;
}

/**
 * The compression thread's code. Each scrape is a job: rendered chunks arrive in order and are deflated in
 * pieces of ~256 KiB, each ending with a sync flush (byte-aligned, not final), so the pieces concatenate into
 * one deflate stream; the job's end adds an empty final block, the CRC-32 and the length (the gzip trailer).
 */
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
  private worker?: Worker;
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

/**
 * Writes the body to an HTTP response while it is rendered (chunked), gzip-compressed on another thread when
 * asked; the compressed body is kept for scrapes that find nothing changed.
 */
async function streamBody(p: Prepared, res: ServerResponse, contentType: string, gzip: boolean): Promise<void> {
  const cached = gzip ? p.cache.gzip : undefined;
  if (!p.changed && cached) {
    res.writeHead(200, bodyHeaders(contentType, true, cached.length));
    res.end(cached);
    return;
  }
  res.writeHead(200, bodyHeaders(contentType, gzip));
  const write = (b: string | Buffer) => void (res.destroyed || res.write(b));
  if (!gzip) {
    renderBody(p, write);
    res.end();
    return;
  }
  let all: Buffer[];
  // zlib.crc32 arrived in Node 20.15; before it, or where no thread may start, the body is compressed whole once rendered.
  if (typeof zlib.crc32 === 'function' && gzipThread.usable()) all = await gzipThread.compress((sink) => renderBody(p, sink), write);
  else {
    all = [zlib.gzipSync(renderWhole(p), { level: 1 })];
    write(all[0]!);
  }
  res.end();
  if (p.cache.gen === p.gen) p.cache.gzip = Buffer.concat(all);
}

// ---------------------------------------------------------------------------------------------------------
// OpenMetrics, formatted from prom-client's JSON so info and enum families carry their OpenMetrics types
// (info, stateset) the way Prometheus' Python client exposes them.

function labelText(labels: Record<string, string | number>): string {
  const l = storedLabels(labels);
  return l ? `{${l}}` : '';
}

export function formatOpenMetrics(families: client.MetricObjectWithValues<client.MetricValue<string>>[], spec?: ExporterSpec): string {
  const kinds = kindsFor(spec);
  const out: string[] = [];
  for (const f of families) {
    const kind = kinds.get(f.name) ?? String(f.type);
    out.push(...omHeader(f.name, f.help, kind, String(f.type)));
    for (const v of f.values) {
      const name = (v as { metricName?: string }).metricName ?? f.name;
      out.push(`${name}${labelText(v.labels as Record<string, string | number>)} ${OM.value(v.value)}`);
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

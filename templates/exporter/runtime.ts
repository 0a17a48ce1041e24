// devskyy-mon exporter runtime: the same for every catalog, copied beside the generated metrics module and
// run by `devskyy-mon serve`. It depends on prom-client and Node's standard library only.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { timingSafeEqual } from 'node:crypto';
import cluster from 'node:cluster';
import { Worker } from 'node:worker_threads';
import * as client from 'prom-client';

// ---------------------------------------------------------------------------------------------------------
// The catalog as the runtime sees it (generated into spec.ts, or built by `devskyy-mon serve`).

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'enum';

export interface LabelSpec {
  name: string;
  values?: readonly string[];
  maxValues?: number;
}

export interface MetricSpec {
  /** Exposed name, e.g. devskyy_requests_total. */
  name: string;
  /** Property name in the generated API, e.g. requestsTotal. */
  key: string;
  type: MetricType;
  help: string;
  labels: readonly LabelSpec[];
  buckets?: readonly number[];
  percentiles?: readonly number[];
  maxAgeSeconds?: number;
  ageBuckets?: number;
  states?: readonly string[];
  collector?: string;
  role?: string;
  aggregate: 'sum' | 'max' | 'min' | 'first' | 'omit';
}

export interface CollectorSpec {
  id: string;
  ttlSeconds: number;
  timeoutSeconds: number;
  builtin?: 'system' | 'process';
}

export interface ExporterSpec {
  namespace: string;
  title: string;
  metrics: readonly MetricSpec[];
  collectors: readonly CollectorSpec[];
}

const NO_LABELS: LabelSet = Object.freeze({});

/** The label value a guarded metric records instead of a value outside its declared domain. */
export const OVERFLOW_VALUE = '__overflow__';

// ---------------------------------------------------------------------------------------------------------
// Typed metric handles. Label names and, where the catalog declares them, label values are types: a wrong
// name or an undeclared value does not compile.

export type LabelSet = { readonly [name: string]: string };
type NoLabels<L> = [keyof L] extends [never] ? true : false;
type OptValue<L> = NoLabels<L> extends true ? [value?: number] : [labels: L, value?: number];
type ReqValue<L> = NoLabels<L> extends true ? [value: number] : [labels: L, value: number];
type OnlyLabels<L> = NoLabels<L> extends true ? [] : [labels: L];

export interface CounterMetric<L extends object> {
  readonly name: string;
  inc(...args: OptValue<L>): void;
  labels(...args: OnlyLabels<L>): { inc(value?: number): void };
  reset(): void;
}

export interface GaugeMetric<L extends object> {
  readonly name: string;
  set(...args: ReqValue<L>): void;
  inc(...args: OptValue<L>): void;
  dec(...args: OptValue<L>): void;
  labels(...args: OnlyLabels<L>): { set(value: number): void; inc(value?: number): void; dec(value?: number): void };
  reset(): void;
}

export interface ObserverMetric<L extends object> {
  readonly name: string;
  observe(...args: ReqValue<L>): void;
  labels(...args: OnlyLabels<L>): { observe(value: number): void };
  /** Starts a timer; calling the returned function observes the elapsed seconds. */
  startTimer(...args: OnlyLabels<L>): () => number;
  reset(): void;
}

export type HistogramMetric<L extends object> = ObserverMetric<L>;
export type SummaryMetric<L extends object> = ObserverMetric<L>;

export interface InfoMetric<L extends object> {
  readonly name: string;
  /** Replaces the info labels (Python's Info.info()). */
  info(labels: L): void;
}

export interface EnumMetric<S extends string> {
  readonly name: string;
  /** Sets the current state: 1 for it, 0 for every other state (Python's Enum.state()). */
  state(state: S): void;
  current(): S;
}

export type AnyMetric = CounterMetric<LabelSet> | GaugeMetric<LabelSet> | ObserverMetric<LabelSet> | InfoMetric<LabelSet> | EnumMetric<string>;

// ---------------------------------------------------------------------------------------------------------
// Cardinality guard: values outside a label's enum, or past its declared number of values, fold into one
// overflow value and are counted, so a bad caller cannot grow memory without bound.

class LabelGuard {
  private readonly allowed: (ReadonlySet<string> | undefined)[];
  private readonly seen: (Set<string> | undefined)[];
  private readonly max: number[];
  private readonly names: string[];
  /** The labels to record: the caller's object when every value is allowed (the common, fast case). */
  readonly check: (labels: LabelSet) => LabelSet;

  constructor(
    private readonly metric: string,
    labels: readonly LabelSpec[],
    private readonly overflow: (metric: string, label: string) => void,
  ) {
    this.names = labels.map((l) => l.name);
    this.allowed = labels.map((l) => (l.values ? new Set(l.values) : undefined));
    this.seen = labels.map((l) => (l.values ? undefined : new Set<string>()));
    this.max = labels.map((l) => l.maxValues ?? Infinity);
    this.check = this.compile();
  }

  /**
   * A checker specialised to this metric's label names, so the hot path reads each label with a constant key
   * (one inline cache per label) instead of looping over names. Anything unusual goes to the general path.
   */
  private compile(): (labels: LabelSet) => LabelSet {
    if (!this.names.length) return (l) => l;
    const conds = this.names.map((name, i) => {
      const v = `l[${JSON.stringify(name)}]`;
      return this.allowed[i]
        ? `typeof ${v} === 'string' && a[${i}].has(${v})`
        : `typeof ${v} === 'string' && (s[${i}].has(${v}) || (s[${i}].size < m[${i}] && (s[${i}].add(${v}), true)))`;
    });
    const fast = new Function('a', 's', 'm', 'slow', `return function check(l) { return (${conds.join(' && ')}) ? l : slow(l); };`) as (
      a: (ReadonlySet<string> | undefined)[],
      s: (Set<string> | undefined)[],
      m: number[],
      slow: (l: LabelSet) => LabelSet,
    ) => (l: LabelSet) => LabelSet;
    return fast(this.allowed, this.seen, this.max, (l) => this.slow(l));
  }

  /** The general path: fills missing labels with "", folds values outside the domain, drops unknown names. */
  private slow(labels: LabelSet): LabelSet {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i]!;
      const raw = labels[name];
      const value = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
      const allowed = this.allowed[i];
      let ok: boolean;
      if (allowed) ok = allowed.has(value);
      else {
        const seen = this.seen[i]!;
        ok = seen.has(value);
        if (!ok && seen.size < this.max[i]!) {
          seen.add(value);
          ok = true;
        }
      }
      out[name] = ok ? value : OVERFLOW_VALUE;
      if (!ok) this.overflow(this.metric, name);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Metric construction.

const AGGREGATOR: Record<MetricSpec['aggregate'], client.Aggregator> = { sum: 'sum', max: 'max', min: 'min', first: 'first', omit: 'omit' };

interface Built {
  spec: MetricSpec;
  prom: client.Metric<string>;
  handle: AnyMetric;
  /** Collector-sourced: which run of its collector the series hold (unchanged series render from cache). */
  applied?: { runner: CollectorRunner | undefined; run: number };
}

function buildMetric(spec: MetricSpec, registry: client.Registry, guard: LabelGuard, collect?: () => Promise<void>): Built {
  const labelNames = spec.labels.map((l) => l.name);
  const common = {
    name: spec.name,
    help: spec.help,
    labelNames,
    registers: [registry],
    aggregator: AGGREGATOR[spec.aggregate],
    ...(collect ? { collect } : {}),
  };
  // Plain two-parameter closures: no rest arrays or tuples on the hot path. Label-less metrics take (value);
  // untyped callers may still pass ({}, value).
  const labelled = spec.labels.length > 0;
  const check = guard.check;
  const L = labelled ? (a: unknown): LabelSet => check(a as LabelSet) : (): LabelSet => NO_LABELS;
  const V = (a: unknown, b: unknown): number | undefined => (labelled || (typeof a === 'object' && a !== null) ? b : a) as number | undefined;
  switch (spec.type) {
    case 'counter': {
      const c = new client.Counter(common);
      const handle = {
        name: spec.name,
        inc: labelled ? (a?: unknown, b?: number) => c.inc(check(a as LabelSet), b) : (a?: unknown, b?: unknown) => c.inc(NO_LABELS, V(a, b) ?? 1),
        labels: (a?: unknown) => (labelled ? c.labels(L(a)) : { inc: (v?: number) => c.inc(v ?? 1) }),
        reset: () => c.reset(),
      };
      return { spec, prom: c, handle: handle as unknown as AnyMetric };
    }
    case 'gauge': {
      const g = new client.Gauge(common);
      const handle = {
        name: spec.name,
        set: (a?: unknown, b?: unknown) => g.set(L(a), V(a, b) ?? 0),
        inc: (a?: unknown, b?: unknown) => g.inc(L(a), V(a, b) ?? 1),
        dec: (a?: unknown, b?: unknown) => g.dec(L(a), V(a, b) ?? 1),
        labels: (a?: unknown) => (labelled ? g.labels(L(a)) : { set: (v: number) => g.set(v), inc: (v?: number) => g.inc(v ?? 1), dec: (v?: number) => g.dec(v ?? 1) }),
        reset: () => g.reset(),
      };
      return { spec, prom: g, handle: handle as unknown as AnyMetric };
    }
    case 'histogram':
    case 'summary': {
      const o =
        spec.type === 'histogram'
          ? new client.Histogram({ ...common, buckets: [...spec.buckets!] })
          : new client.Summary({ ...common, percentiles: [...spec.percentiles!], maxAgeSeconds: spec.maxAgeSeconds!, ageBuckets: spec.ageBuckets! });
      const handle = {
        name: spec.name,
        observe: labelled ? (a?: unknown, b?: number) => o.observe(check(a as LabelSet), b as number) : (a?: unknown, b?: unknown) => o.observe(NO_LABELS, V(a, b) as number),
        labels: (a?: unknown) => (labelled ? o.labels(L(a)) : { observe: (v: number) => o.observe(v) }),
        startTimer: (a?: unknown) => (labelled ? o.startTimer(L(a)) : o.startTimer()),
        reset: () => o.reset(),
      };
      return { spec, prom: o, handle: handle as unknown as AnyMetric };
    }
    case 'info': {
      const g = new client.Gauge(common);
      const handle: InfoMetric<LabelSet> = {
        name: spec.name,
        info: (labels) => {
          g.reset();
          g.set(guard.check(labels), 1);
        },
      };
      return { spec, prom: g, handle };
    }
    case 'enum': {
      // Python's Enum: the state label is named after the metric itself.
      const g = new client.Gauge({ ...common, labelNames: [spec.name] });
      const states = spec.states!;
      let current = states[0]!;
      const set = (s: string) => {
        current = s;
        for (const st of states) g.set({ [spec.name]: st }, st === s ? 1 : 0);
      };
      set(current);
      const handle: EnumMetric<string> = {
        name: spec.name,
        state: (s) => {
          if (!states.includes(s)) throw new Error(`${spec.name}: "${s}" is not one of ${states.join(', ')}`);
          set(s);
        },
        current: () => current,
      };
      return { spec, prom: g, handle };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Collectors: user functions polled at scrape time, cached for the catalog's TTL, bounded by a timeout. A
// failing collector never fails the scrape: its metrics are emptied and its success gauge says 0.

export interface CollectorSample {
  labels?: Record<string, string>;
  value: number;
}

/** What a collector returns: per metric key, a value (no labels) or samples. */
export type CollectorResult = Record<string, number | readonly CollectorSample[] | undefined>;
export type CollectorFn = () => CollectorResult | Promise<CollectorResult>;

class CollectorRunner {
  private last?: { at: number; result: CollectorResult };
  private inflight?: Promise<CollectorResult | undefined>;
  /** Counts finished runs, good or failed: a metric re-applies its samples only after a new one. */
  runs = 0;

  constructor(
    readonly spec: CollectorSpec,
    private readonly fn: CollectorFn,
    private readonly report: (ok: boolean, seconds: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private refresh(): Promise<CollectorResult | undefined> {
    this.inflight ??= (async () => {
      const start = this.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`collector ${this.spec.id} timed out after ${this.spec.timeoutSeconds}s`)), this.spec.timeoutSeconds * 1000);
        });
        const result = await Promise.race([Promise.resolve().then(this.fn), timeout]);
        this.runs++;
        this.last = { at: this.now(), result };
        this.report(true, (this.now() - start) / 1000);
        return result;
      } catch {
        // Last good values are dropped: stale numbers are worse than none.
        this.runs++;
        this.last = undefined;
        this.report(false, (this.now() - start) / 1000);
        return undefined;
      } finally {
        clearTimeout(timer);
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** Fresh cache: served as is. Stale but recent (< 2 TTL): served while a refresh runs. Else: waits. */
  async get(): Promise<CollectorResult | undefined> {
    const ttl = this.spec.ttlSeconds * 1000;
    if (this.last) {
      const age = this.now() - this.last.at;
      if (age < ttl) return this.last.result;
      if (age < 2 * ttl) {
        void this.refresh();
        return this.last.result;
      }
    }
    return this.refresh();
  }
}

// ---------------------------------------------------------------------------------------------------------
// System metrics from Node's own APIs, cached like any collector.

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

// ---------------------------------------------------------------------------------------------------------
// Path normalisation: keeps the endpoint label bounded.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const HEX_TOKEN = /^[0-9a-f]{16,}$/i;
const LONG_TOKEN = /^[A-Za-z0-9_-]{32,}$/;
export const UNMATCHED_ROUTE = '/__unmatched__';
/** Status recorded when the client disconnects before the response is sent (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** /users/42/orders/3f2a...-... -> /users/{id}/orders/{id}; the query string is dropped. */
export function normalizePath(path: string): string {
  const clean = path.split('?')[0]!.split('#')[0]!;
  const segments = clean.split('/').map((s) => {
    if (!s) return s;
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      /* keep it as sent */
    }
    return UUID.test(decoded) || NUMBER.test(decoded) || HEX_TOKEN.test(decoded) || LONG_TOKEN.test(decoded) ? '{id}' : s;
  });
  const joined = segments.join('/').replace(/\/+$/, '');
  return joined === '' ? '/' : joined;
}

const STATUS_ERROR_TYPE: Record<number, string> = {
  400: 'validation',
  401: 'authentication',
  403: 'authorization',
  404: 'not_found',
  409: 'conflict',
  422: 'validation',
  429: 'rate_limited',
  502: 'dependency',
  503: 'dependency',
  504: 'timeout',
};

export function errorTypeOf(status: number): string {
  return STATUS_ERROR_TYPE[status] ?? (status >= 500 ? 'internal' : 'validation');
}

// ---------------------------------------------------------------------------------------------------------
// The exporter: metrics, collectors, exposition, middleware, health.

export interface ExporterOptions {
  registry?: client.Registry;
  /** Node's default process metrics (nodejs_*). Off by default: promtool flags their *_total gauges. */
  defaultMetrics?: boolean;
  /** Path whose filesystem the disk metrics describe. */
  diskPath?: string;
}

export interface HealthReport {
  status: string;
  components: Record<string, 'healthy' | 'unhealthy'>;
}

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export class Exporter<M extends object = Record<string, AnyMetric>> {
  readonly registry: client.Registry;
  readonly metrics: M;
  private readonly built: Built[] = [];
  private readonly handles: Record<string, AnyMetric> = {};
  private readonly byRole = new Map<string, Built>();
  private readonly runners = new Map<string, CollectorRunner>();
  private readonly collectorFns = new Map<string, CollectorFn>();
  private readonly overflow: client.Counter<'metric' | 'label'>;
  private readonly collectorSuccess: client.Gauge<'collector'>;
  private readonly collectorErrors: client.Counter<'collector'>;
  private readonly collectorDuration: client.Gauge<'collector'>;

  constructor(
    readonly spec: ExporterSpec,
    private readonly options: ExporterOptions = {},
  ) {
    // Cluster workers record into the global registry: that is what the primary's AggregatorRegistry asks for.
    this.registry = options.registry ?? (cluster.isWorker ? client.register : new client.Registry());
    if (cluster.isWorker) answerPrimary();
    const ns = spec.namespace;
    this.overflow = new client.Counter({ name: `${ns}_metrics_overflow_total`, help: 'Label values folded into the overflow value by the cardinality guard.', labelNames: ['metric', 'label'], registers: [this.registry] });
    // Collector bookkeeping waits for this scrape's collector runs, so it describes them and not the last ones.
    const settle = async () => {
      await Promise.all([...this.runners.values()].map((r) => r.get()));
    };
    this.collectorSuccess = new client.Gauge({ name: `${ns}_scrape_collector_success`, help: 'Whether the collector succeeded on its last run (1) or failed (0).', labelNames: ['collector'], registers: [this.registry], aggregator: 'min', collect: settle });
    this.collectorErrors = new client.Counter({ name: `${ns}_scrape_collector_errors_total`, help: 'Collector runs that failed or timed out.', labelNames: ['collector'], registers: [this.registry], collect: settle });
    this.collectorDuration = new client.Gauge({ name: `${ns}_scrape_collector_duration_seconds`, help: "Duration of the collector's last run.", labelNames: ['collector'], registers: [this.registry], aggregator: 'max', collect: settle });
    const onOverflow = (metric: string, label: string) => this.overflow.inc({ metric, label });
    const handles = this.handles;
    for (const m of spec.metrics) {
      const guard = new LabelGuard(m.name, m.labels, onOverflow);
      const collect = m.collector ? this.collectHook(m) : undefined;
      const b = buildMetric(m, this.registry, guard, collect);
      this.built.push(b);
      handles[m.key] = b.handle;
      if (m.role) this.byRole.set(m.role, b);
    }
    this.metrics = handles as unknown as M;
    for (const c of spec.collectors) {
      this.collectorSuccess.set({ collector: c.id }, 0);
      this.collectorErrors.inc({ collector: c.id }, 0);
      if (c.builtin === 'system') this.setCollector(c.id, () => this.systemResult(c.id));
    }
    if (options.defaultMetrics) client.collectDefaultMetrics({ register: this.registry });
  }

  private systemResult(collector: string): CollectorResult {
    const readings = readSystem(this.options.diskPath);
    const out: CollectorResult = {};
    for (const b of this.built) {
      if (b.spec.collector !== collector || !b.spec.role) continue;
      const v = readings[b.spec.role];
      if (v !== undefined) out[b.spec.key] = v;
    }
    return out;
  }

  private collectHook(m: MetricSpec): () => Promise<void> {
    return async () => {
      const runner = this.runners.get(m.collector!);
      const b = this.built.find((x) => x.spec === m);
      if (!b) return;
      const result = runner ? await runner.get() : undefined;
      const run = runner?.runs ?? 0;
      if (b.applied && b.applied.runner === runner && b.applied.run === run) return;
      b.applied = { runner, run };
      applySamples(b, result?.[m.key]);
    };
  }

  /** Registers (or replaces) the function behind a collector of the catalog. */
  setCollector(id: string, fn: CollectorFn): this {
    const spec = this.spec.collectors.find((c) => c.id === id);
    if (!spec) throw new Error(`collector "${id}" is not in the catalog (${this.spec.collectors.map((c) => c.id).join(', ')})`);
    this.collectorFns.set(id, fn);
    this.runners.set(
      id,
      new CollectorRunner(spec, fn, (ok, seconds) => {
        this.collectorSuccess.set({ collector: id }, ok ? 1 : 0);
        this.collectorDuration.set({ collector: id }, seconds);
        if (!ok) this.collectorErrors.inc({ collector: id });
      }),
    );
    return this;
  }

  /** The guide's setup_collectors(): every collector function at once. */
  setupCollectors(fns: Record<string, CollectorFn | undefined>): this {
    for (const [id, fn] of Object.entries(fns)) if (fn) this.setCollector(id, fn);
    return this;
  }

  /** A metric handle by its key, untyped (the generated module gives the typed ones). */
  handle(key: string): AnyMetric {
    const h = this.handles[key];
    if (!h) throw new Error(`no metric "${key}" in the catalog`);
    return h;
  }

  role<T extends AnyMetric>(role: string): T | undefined {
    return this.byRole.get(role)?.handle as T | undefined;
  }

  roleSpec(role: string): MetricSpec | undefined {
    return this.byRole.get(role)?.spec;
  }

  /** Text format 0.0.4, or OpenMetrics 1.0 when the Accept header asks for it. */
  async exposition(accept = ''): Promise<{ contentType: string; body: string }> {
    if (/application\/openmetrics-text/.test(accept)) {
      return { contentType: OPENMETRICS, body: (await fastBody(this.registry, OM, this.spec)) ?? formatOpenMetrics(await this.registry.getMetricsAsJSON(), this.spec) };
    }
    return { contentType: this.registry.contentType, body: (await fastBody(this.registry, TEXT, this.spec)) ?? (await this.registry.metrics()) };
  }

  /** GET /metrics: streamed while it renders (gzip when asked); HEAD and registries the fast renderer does not handle get a whole body. */
  private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const accept = String(req.headers.accept ?? '');
    const om = /application\/openmetrics-text/.test(accept);
    const p = req.method === 'GET' ? await prepareBody(this.registry, om ? OM : TEXT, this.spec) : undefined;
    if (!p) {
      const { contentType, body } = await this.exposition(accept);
      sendBody(req, res, 200, contentType, body);
      return;
    }
    await streamBody(p, res, om ? OPENMETRICS : this.registry.contentType, acceptsGzip(req));
  }

  async health(): Promise<HealthReport> {
    const status = this.role<EnumMetric<string>>('health_status')?.current() ?? 'healthy';
    const components: HealthReport['components'] = {};
    const comp = this.byRole.get('component_health');
    if (comp) {
      for (const v of (await (comp.prom as client.Gauge<string>).get()).values) {
        const name = Object.values(v.labels)[0];
        if (name !== undefined) components[String(name)] = v.value >= 1 ? 'healthy' : 'unhealthy';
      }
    }
    return { status, components };
  }

  setHealth(status: string): void {
    this.role<EnumMetric<string>>('health_status')?.state(status);
  }

  setComponentHealth(component: string, healthy: boolean): void {
    const g = this.role<GaugeMetric<LabelSet>>('component_health');
    const spec = this.roleSpec('component_health');
    if (g && spec?.labels[0]) (g.set as (l: LabelSet, v: number) => void)({ [spec.labels[0].name]: component }, healthy ? 1 : 0);
  }

  /** Records one finished HTTP request into the catalog's HTTP metrics (by role). */
  /** Per HTTP role: the handle and a builder of its label object, prepared once (requests are the hot path). */
  private httpRecorders?: Map<string, { handle: AnyMetric; labels: (method: string, endpoint: string, status: string, errorType: string) => LabelSet }>;

  private recorder(role: string) {
    this.httpRecorders ??= new Map(
      [...this.byRole.entries()]
        .filter(([r]) => r.startsWith('http_'))
        .map(([r, b]) => {
          const pick = b.spec.labels.map((l) => ({ method: 0, endpoint: 1, status: 2, error_type: 3 })[l.name] ?? -1);
          const names = b.spec.labels.map((l) => l.name);
          const labels = (method: string, endpoint: string, status: string, errorType: string): LabelSet => {
            const src = [method, endpoint, status, errorType];
            const out: Record<string, string> = {};
            for (let i = 0; i < names.length; i++) out[names[i]!] = pick[i]! >= 0 ? src[pick[i]!]! : '';
            return out;
          };
          return [r, { handle: b.handle, labels }];
        }),
    );
    return this.httpRecorders.get(role);
  }

  /** Records one finished HTTP request into the catalog's HTTP metrics (by role). */
  recordRequest(method: string, endpoint: string, status: number, seconds: number, requestBytes?: number, responseBytes?: number): void {
    const code = String(status);
    const errorType = status >= 400 ? errorTypeOf(status) : '';
    this.recordHttp('http_requests', method, endpoint, code, errorType);
    this.recordHttp('http_duration', method, endpoint, code, errorType, seconds);
    if (requestBytes !== undefined) this.recordHttp('http_request_size', method, endpoint, code, errorType, requestBytes);
    if (responseBytes !== undefined) this.recordHttp('http_response_size', method, endpoint, code, errorType, responseBytes);
    if (errorType) this.recordHttp('http_errors', method, endpoint, code, errorType);
  }

  /** One HTTP role: a counter increments, a histogram or summary observes `value`. */
  private recordHttp(role: string, method: string, endpoint: string, code: string, errorType: string, value?: number): void {
    const r = this.recorder(role);
    if (!r) return;
    const labels = r.labels(method, endpoint, code, errorType);
    if (value === undefined) (r.handle as CounterMetric<LabelSet>).inc(labels);
    else (r.handle as ObserverMetric<LabelSet>).observe(labels, value);
  }

  recordException(err: unknown): void {
    const spec = this.roleSpec('exceptions');
    if (!spec) return;
    const type = err instanceof Error ? err.constructor.name : typeof err;
    const labels: Record<string, string> = {};
    for (const l of spec.labels) labels[l.name] = type;
    (this.byRole.get('exceptions')!.handle as CounterMetric<LabelSet>).inc(labels);
  }

  inFlight(delta: number): void {
    const g = this.byRole.get('http_in_flight');
    if (!g) return;
    (g.prom as client.Gauge<string>).inc(delta);
  }

  /** A node:http handler for /metrics and /health (and 404 for anything else). */
  handler(opts: MetricsServerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
    const metricsPath = opts.path ?? '/metrics';
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
            const { contentType, body } = await opts.exposition();
            sendBody(req, res, 200, contentType, body);
          } else await this.serveMetrics(req, res);
        } else if (path === '/health') {
          const h = await this.health();
          sendBody(req, res, h.status === 'unhealthy' ? 503 : 200, 'application/json', JSON.stringify(h));
        } else res.writeHead(404).end();
      })().catch((err: unknown) => {
        // Once the body has started, only a broken connection tells Prometheus the scrape failed.
        if (res.headersSent) res.destroy(err instanceof Error ? err : new Error(String(err)));
        else res.writeHead(500, { 'content-type': 'text/plain' }).end(`exposition failed: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    };
  }
}

let lastGzip: { body: string; payload: Buffer } | undefined;

/** Fastest gzip level: a scrape waits for it, and level 6 takes three times as long for 15 % fewer bytes. */
function gzipped(body: string): Buffer {
  if (lastGzip?.body !== body) lastGzip = { body, payload: zlib.gzipSync(body, { level: 1 }) };
  return lastGzip.payload;
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

function sendBody(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  const gzip = acceptsGzip(req);
  const payload = gzip ? gzipped(body) : Buffer.from(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}), vary: 'Accept, Accept-Encoding' });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function authorized(req: IncomingMessage, auth: { username: string; password: string }): boolean {
  const header = String(req.headers.authorization ?? '');
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64');
  const want = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

function applySamples(b: Built, value: number | readonly CollectorSample[] | undefined): void {
  const prom = b.prom as client.Gauge<string> | client.Counter<string>;
  prom.reset();
  if (value === undefined) return;
  const samples = typeof value === 'number' ? [{ value }] : value;
  for (const s of samples) {
    const labels = s.labels ?? {};
    if (prom instanceof client.Counter) prom.inc(labels, Math.max(0, s.value));
    else prom.set(labels, s.value);
  }
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

/**
 * Runs the collect hooks, takes each family's series and says whether anything changed since the last
 * rendering in this format; undefined when the registry is one this renderer does not handle (default labels).
 */
async function prepareBody(registry: client.Registry, fmt: Format, spec?: ExporterSpec): Promise<Prepared | undefined> {
  if (Object.keys((registry as unknown as { _defaultLabels?: object })._defaultLabels ?? {}).length) return undefined;
  let kinds = spec && kindsOf.get(spec);
  if (!kinds) {
    kinds = new Map((spec?.metrics ?? []).map((x) => [x.name, x.type]));
    if (spec) kindsOf.set(spec, kinds);
  }
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
    const scalar = m.type === 'counter' || m.type === 'gauge';
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
      if (!vals.length || (scalar ? !same(st.v, s.value!) : moved(m.type, s, st))) {
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

/** The whole body as one string: the last one when nothing changed. */
async function fastBody(registry: client.Registry, fmt: Format, spec?: ExporterSpec): Promise<string | undefined> {
  const p = await prepareBody(registry, fmt, spec);
  if (!p) return undefined;
  if (!p.changed && p.cache.body !== undefined) return p.cache.body;
  const chunks: string[] = [];
  renderBody(p, (c) => void chunks.push(c));
  const body = chunks.join('');
  if (p.cache.gen === p.gen) p.cache.body = body;
  return body;
}

/**
 * The compression thread's code. Each scrape is a job: rendered chunks arrive in order and are deflated in
 * pieces of ~256 KiB, each ending with a sync flush (byte-aligned, not final), so the pieces concatenate into
 * one deflate stream; the job's end adds an empty final block, the CRC-32 and the length (the gzip trailer).
 */
const GZIP_THREAD = `
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
class GzipThread {
  private worker?: Worker;
  private readonly jobs = new Map<number, GzipJob>();
  private next = 0;

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(GZIP_THREAD, { eval: true });
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
    res.writeHead(200, { 'content-type': contentType, 'content-length': cached.length, 'content-encoding': 'gzip', vary: 'Accept, Accept-Encoding' });
    res.end(cached);
    return;
  }
  res.writeHead(200, { 'content-type': contentType, ...(gzip ? { 'content-encoding': 'gzip' } : {}), vary: 'Accept, Accept-Encoding' });
  const write = (b: string | Buffer) => void (res.destroyed || res.write(b));
  if (!gzip) {
    renderBody(p, write);
    res.end();
    return;
  }
  let all: Buffer[];
  // zlib.crc32 arrived in Node 20.15; before it, the body is compressed whole once rendered.
  if (typeof zlib.crc32 === 'function') all = await gzipThread.compress((sink) => renderBody(p, sink), write);
  else {
    const chunks: string[] = [];
    renderBody(p, (c) => void chunks.push(c));
    all = [zlib.gzipSync(chunks.join(''), { level: 1 })];
    write(all[0]!);
  }
  res.end();
  if (p.cache.gen === p.gen) p.cache.gzip = Buffer.concat(all);
}

// ---------------------------------------------------------------------------------------------------------
// OpenMetrics, formatted from prom-client's JSON so info and enum families carry their OpenMetrics types
// (info, stateset) the way Prometheus' Python client exposes them.

function labelText(labels: Record<string, string | number>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function formatOpenMetrics(families: client.MetricObjectWithValues<client.MetricValue<string>>[], spec?: ExporterSpec): string {
  const kinds = new Map((spec?.metrics ?? []).map((m) => [m.name, m.type]));
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

// ---------------------------------------------------------------------------------------------------------
// Servers and framework integration.

export interface MetricsServerOptions {
  port?: number;
  /** Bound to loopback unless told otherwise. */
  host?: string;
  path?: string;
  basicAuth?: { username: string; password: string };
  /** Overrides how the body is produced (the cluster primary aggregates workers). */
  exposition?: () => Promise<{ contentType: string; body: string }>;
}

/** A metrics-only server on its own port, for processes without a web framework. */
export function startMetricsServer(exporter: Exporter<object>, opts: MetricsServerOptions = {}): Promise<Server> {
  const server = createServer(exporter.handler(opts));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9464, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Measures a request from start to finish and records it; the route template is used when known. */
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

function instrument(exporter: Exporter<object>, method: string, path: string, route: () => string | undefined, requestBytes: number | undefined): (status: number, responseBytes?: number) => void {
  const start = process.hrtime.bigint();
  exporter.inFlight(1);
  let done = false;
  return (status, responseBytes) => {
    if (done) return;
    done = true;
    exporter.inFlight(-1);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const template = route();
    const endpoint = template ? normalizedTemplate(template) : status === 404 ? UNMATCHED_ROUTE : normalizePath(path);
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
  /** Serve /metrics and /health on the app itself (default true); false when a separate port serves them. */
  expose?: boolean;
}

/**
 * The guide's setup_prometheus(app): records every request and serves /metrics and /health.
 * Works with Express (app.use) and Fastify (addHook); for node:http use `httpHandler`.
 */
export function setupPrometheus<E extends Exporter<object>>(app: ExpressLike | FastifyLike, exporter: E, opts: SetupOptions = {}): E {
  const handler = exporter.handler(opts);
  const metricsPath = opts.path ?? '/metrics';
  if ('addHook' in app) {
    const started = new WeakMap<object, (status: number, bytes?: number) => void>();
    type FReq = { method: string; url: string; headers: Record<string, unknown>; routeOptions?: { url?: string }; raw: IncomingMessage };
    type FRep = { statusCode: number; getHeader(n: string): unknown; raw: ServerResponse };
    app.addHook('onRequest', (req: FReq, _rep: FRep, done: () => void) => {
      if (req.url.split('?')[0] !== metricsPath) started.set(req, instrument(exporter, req.method, req.url, () => req.routeOptions?.url, lengthOf(req.headers['content-length'])));
      done();
    });
    app.addHook('onResponse', (req: FReq, rep: FRep, done: () => void) => {
      started.get(req)?.(rep.statusCode, lengthOf(rep.getHeader('content-length')));
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
      (app as FastifyLike).get('/health', (req, reply) => {
        handler((req as FReq).raw, (reply as FRep).raw);
        return new Promise<void>((resolve) => (reply as FRep).raw.on('finish', resolve));
      });
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
    if (path === metricsPath || path === '/health') return expose ? handler(req, res) : next();
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

/** Wraps a node:http request listener: records every request and serves /metrics and /health itself. */
export function httpHandler(exporter: Exporter<object>, app: (req: IncomingMessage, res: ServerResponse) => void, opts: MetricsServerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = exporter.handler(opts);
  const metricsPath = opts.path ?? '/metrics';
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === metricsPath || path === '/health') return metrics(req, res);
    const finish = instrument(exporter, req.method ?? 'GET', req.url ?? '/', () => undefined, lengthOf(req.headers['content-length']));
    res.once('close', () => finish(res.writableFinished ? res.statusCode : CLIENT_CLOSED, lengthOf(res.getHeader('content-length'))));
    try {
      app(req, res);
    } catch (err) {
      exporter.recordException(err);
      throw err;
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// The guide's decorator and context manager.

/** trackDuration(metric, labels)(fn): observes how long fn takes, for sync and async functions, errors too. */
export function trackDuration<L extends object>(metric: ObserverMetric<L>, labels: L): <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => R {
  return <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const stop = (metric.startTimer as (l: L) => () => number)(labels);
      let result: R;
      try {
        result = fn(...args);
      } catch (err) {
        stop();
        throw err;
      }
      if (result instanceof Promise) {
        return result.then(
          (v) => {
            stop();
            return v;
          },
          (err: unknown) => {
            stop();
            throw err;
          },
        ) as R;
      }
      stop();
      return result;
    };
}

/** trackOperation(metric, labels, async () => ...): the guide's `async with track_operation(...)`. */
export async function trackOperation<L extends object, R>(metric: ObserverMetric<L>, labels: L, op: () => Promise<R> | R): Promise<R> {
  const stop = (metric.startTimer as (l: L) => () => number)(labels);
  try {
    return await op();
  } finally {
    stop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Multi-process: Node cluster workers aggregated on the primary, per metric as the catalog says.

let answering = false;

/** prom-client's workers answer the primary only once an AggregatorRegistry has set up their listener. */
function answerPrimary(): void {
  if (answering) return;
  answering = true;
  new client.AggregatorRegistry();
}

/**
 * In the primary: serves /metrics with every worker's metrics combined (prom-client's AggregatorRegistry,
 * each metric with its catalog aggregator). In a worker: nothing to do; workers answer the primary's requests.
 */
export function startClusterMetricsServer(exporter: Exporter<object>, opts: MetricsServerOptions = {}): Promise<Server> | undefined {
  if (!cluster.isPrimary) return undefined;
  const aggregator = new client.AggregatorRegistry();
  return startMetricsServer(exporter, {
    ...opts,
    exposition: async () => {
      const merged = await aggregator.clusterMetrics();
      return { contentType: aggregator.contentType, body: merged };
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Demo traffic: realistic synthetic values for every metric, so a scrape shows every family with data.

function pick<T>(xs: readonly T[], rnd: () => number): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function demoValue(label: LabelSpec, rnd: () => number): string {
  if (label.values) return pick(label.values, rnd);
  if (label.name === 'endpoint') return pick(['/api/v1/items/{id}', '/api/v1/orders', '/api/v1/users/{id}', '/api/v1/ml/predict', '/health'], rnd);
  return `${label.name}-${1 + Math.floor(rnd() * Math.min(3, label.maxValues ?? 3))}`;
}

function demoLabels(spec: MetricSpec, rnd: () => number): LabelSet {
  const out: Record<string, string> = {};
  for (const l of spec.labels) out[l.name] = demoValue(l, rnd);
  return out;
}

/** A value in a metric's natural range: around its buckets, 0-100 for percents, 0-1 for ratios and scores. */
function demoNumber(spec: MetricSpec, rnd: () => number): number {
  if (spec.buckets?.length) {
    const b = spec.buckets;
    const i = Math.min(b.length - 1, Math.floor(rnd() ** 2 * b.length));
    return b[i]! * (0.5 + rnd() * 0.5);
  }
  if (/_percent$/.test(spec.name)) return 5 + rnd() * 60;
  if (/(_ratio|_score|_accuracy|_utilization)$/.test(spec.name)) return 0.6 + rnd() * 0.39;
  if (/_usd/.test(spec.name)) return 5 + rnd() * 200;
  if (/_seconds$/.test(spec.name)) return rnd() * 2;
  if (/_bytes/.test(spec.name)) return Math.round(1e3 + rnd() * 1e6);
  return Math.round(1 + rnd() * 50);
}

export interface DemoHandle {
  stop(): void;
}

/** Starts synthetic traffic; `seed` makes it repeatable for tests. */
export function startDemoTraffic(exporter: Exporter<object>, opts: { intervalMs?: number; seed?: number } = {}): DemoHandle {
  let state = opts.seed ?? 42;
  const rnd = () => {
    // mulberry32: small, fast, repeatable
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const spec = exporter.spec;
  const totals = new Map<string, number>();
  // Collectors without a user function get a demo one.
  for (const c of spec.collectors) {
    if (c.builtin) continue;
    exporter.setCollector(c.id, () => {
      const out: CollectorResult = {};
      for (const m of spec.metrics.filter((x) => x.collector === c.id)) {
        const combos = m.labels.length ? Array.from({ length: 3 }, () => demoLabels(m, rnd)) : [{}];
        const unique = [...new Map(combos.map((l) => [JSON.stringify(l), l])).values()];
        out[m.key] = unique.map((labels) => {
          if (m.type !== 'counter') return { labels, value: demoNumber(m, rnd) };
          // A collector reports running totals: counters only grow.
          const key = `${m.key}${JSON.stringify(labels)}`;
          const total = (totals.get(key) ?? 0) + Math.round(rnd() * 100);
          totals.set(key, total);
          return { labels, value: total };
        });
      }
      if (out['dbConnectionsActive'] && out['dbPoolSize']) {
        // keep the pool picture consistent: active <= pool size
        const pool = out['dbPoolSize'] as CollectorSample[];
        out['dbConnectionsActive'] = pool.map((p) => ({ labels: p.labels ?? {}, value: Math.floor(p.value * (0.2 + rnd() * 0.6)) }));
      }
      return out;
    });
  }
  let ticks = 0;
  const tick = () => {
    for (const m of spec.metrics) {
      if (m.collector) continue;
      const h = exporter.handle(m.key);
      switch (m.type) {
        case 'counter':
          if (m.role === 'http_requests' || m.role === 'http_errors') break;
          (h as CounterMetric<LabelSet>).inc(demoLabels(m, rnd), Math.ceil(rnd() * 3));
          break;
        case 'gauge':
          if (m.role === 'http_in_flight') {
            // Requests in flight for a moment, as real traffic would leave them.
            exporter.inFlight(1);
            setTimeout(() => exporter.inFlight(-1), Math.floor(rnd() * 400)).unref();
          } else if (m.role === 'component_health') exporter.setComponentHealth(demoValue(m.labels[0]!, rnd), rnd() > 0.05);
          else (h as GaugeMetric<LabelSet>).set(demoLabels(m, rnd), demoNumber(m, rnd));
          break;
        case 'histogram':
        case 'summary':
          if (m.role?.startsWith('http_')) break;
          (h as ObserverMetric<LabelSet>).observe(demoLabels(m, rnd), demoNumber(m, rnd));
          break;
        case 'info':
          (h as InfoMetric<LabelSet>).info(Object.fromEntries(m.labels.map((l) => [l.name, l.name === 'node_version' ? process.version : l.name === 'version' ? '2.0.0' : demoValue(l, rnd)])));
          break;
        case 'enum':
          (h as EnumMetric<string>).state(rnd() > 0.1 ? m.states![0]! : pick(m.states!, rnd));
          break;
      }
    }
    for (let i = 0; i < 5; i++) {
      // The first tick always includes a failed request, so error families have data from the first scrape.
      const status = (ticks === 0 && i === 0) || rnd() > 0.9 ? pick([400, 404, 500, 503], rnd) : 200;
      exporter.recordRequest(pick(['GET', 'GET', 'POST', 'PUT', 'DELETE'], rnd), pick(['/api/v1/items/{id}', '/api/v1/orders', '/api/v1/ml/predict'], rnd), status, 0.005 + rnd() ** 3 * 1.5, Math.round(rnd() * 5000), Math.round(rnd() * 50000));
    }
    if (ticks === 0 || rnd() > 0.7) exporter.recordException(new TypeError('demo'));
    ticks++;
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

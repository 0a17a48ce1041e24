// devskyy-mon exporter runtime: the same for every catalog, copied beside the generated metrics module and
// run by `devskyy-mon serve`. It depends on prom-client and Node's standard library only.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import cluster from 'node:cluster';
import * as client from 'prom-client';
import { renderExposition, sendBody, serveExposition } from './exposition.js';

export { formatOpenMetrics } from './exposition.js';

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
  /**
   * A prom-client method behind this metric's own copy of the check:
   * `(labels, value) => metric[method](check(labels), value ?? otherwise)`.
   */
  readonly wrap: (metric: object, method: 'inc' | 'dec' | 'set' | 'observe', otherwise?: number) => (labels: unknown, value?: number) => void;
  /**
   * Counter inc and histogram observe, the request hot path: once the labels pass the check, an existing series
   * is updated in prom-client's own store (its hash map, under the key prom-client's hashObject gives the same
   * labels), skipping the label-name validation and hashing prom-client repeats on every call. A new series,
   * an odd value (negative, NaN, infinite) or labels that fail the check go through prom-client, with labels
   * holding the declared names only (a name the catalog does not declare is dropped rather than thrown).
   */
  readonly counter: (metric: client.Counter<string>) => (labels: unknown, value?: number) => void;
  readonly histogram: (metric: client.Histogram<string>) => (labels: unknown, value: number) => void;

  constructor(
    private readonly metric: string,
    labels: readonly LabelSpec[],
    private readonly overflow: (metric: string, label: string) => void,
  ) {
    this.names = labels.map((l) => l.name);
    this.allowed = labels.map((l) => (l.values ? new Set(l.values) : undefined));
    this.seen = labels.map((l) => (l.values ? undefined : new Set<string>()));
    this.max = labels.map((l) => l.maxValues ?? Infinity);
    ({ check: this.check, wrap: this.wrap, counter: this.counter, histogram: this.histogram } = this.compile());
  }

  /**
   * A checker specialised to this metric's label names, so the hot path reads each label with a constant key
   * (one inline cache per label) instead of looping over names. Each label also remembers the last value it
   * accepted: callers pass the same string constants again and again, and an identity comparison is cheaper
   * than a Set lookup (the remembered value starts as a symbol no label can equal). Sets of allowed values hold
   * strings only, so a non-string fails `has` and takes the general path, like any value outside the domain.
   */
  private compile(): Pick<LabelGuard, 'check' | 'wrap' | 'counter' | 'histogram'> {
    if (!this.names.length) {
      const wrap: LabelGuard['wrap'] = (metric, method, otherwise) => (l, v) => void (metric as unknown as Record<string, (l: unknown, v?: number) => void>)[method]!(l, v ?? otherwise);
      return { check: (l) => l, wrap, counter: (m) => wrap(m, 'inc'), histogram: (m) => wrap(m, 'observe') as (l: unknown, v: number) => void };
    }
    const setup: string[] = [];
    const conds = this.names.map((name, i) => {
      const v = `v${i}`;
      const c = `c${i}`;
      setup.push(`const ${v} = l[${JSON.stringify(name)}];`);
      const accepted = this.allowed[i] ? `a${i}.has(${v})` : `(s${i}.has(${v}) || (typeof ${v} === 'string' && s${i}.size < m${i} && (s${i}.add(${v}), true)))`;
      return `(${v} === ${c} || (${accepted} && ((${c} = ${v}), true)))`;
    });
    const sets = this.names.map((_, i) => (this.allowed[i] ? `a${i} = a[${i}]` : `s${i} = s[${i}], m${i} = m[${i}]`));
    const caches = this.names.map((_, i) => `c${i} = none`);
    const test = `${setup.join(' ')} const ok = ${conds.join(' && ')};`;
    // prom-client's key for a series: `name:value,` for each label in sorted name order (util.hashObject).
    const key = '`' + [...this.names.keys()].sort((x, y) => (this.names[x]! < this.names[y]! ? -1 : 1)).map((i) => `${this.names[i]}:\${v${i}},`).join('') + '`';
    const declared = `{ ${this.names.map((n, i) => `${JSON.stringify(n)}: v${i}`).join(', ')} }`;
    // Each metric gets its own compiled copy (its name in a comment keeps V8 from sharing one between metrics
    // with the same label names), so the calls into prom-client see one metric each and stay inlined: code
    // shared by every metric of an app (62 for DevSkyy) would see them all.
    const fast = new Function(
      'a',
      's',
      'm',
      'slow',
      'none',
      `// ${this.metric.replace(/[^\w]/g, '_')}
      const ${sets.join(', ')}; let ${caches.join(', ')};
      return {
        check(l) { ${test} return ok ? l : slow(l); },
        wrap(metric, method, otherwise) { return function guarded(l, value) { ${test} metric[method](ok ? l : slow(l), value === undefined ? otherwise : value); }; },
        counter(metric) {
          return function inc(l, value) {
            ${test}
            if (!ok) return void metric.inc(slow(l), value);
            const s = metric.hashMap && metric.hashMap[${key}];
            if (s !== undefined && (value === undefined || (value >= 0 && value < Infinity))) s.value += value === undefined ? 1 : value;
            else metric.inc(${declared}, value);
          };
        },
        histogram(metric) {
          const bounds = metric.upperBounds, keys = bounds.map(String), n = bounds.length;
          return function observe(l, value) {
            ${test}
            if (!ok) return void metric.observe(slow(l), value);
            const s = metric.hashMap && metric.hashMap[${key}];
            if (s !== undefined && typeof value === 'number' && value > -Infinity && value < Infinity) {
              // prom-client's findBound: the first bucket whose bound is >= value; above all, only the count moves.
              let i = 0;
              while (i < n && !(value <= bounds[i])) i++;
              if (i < n) s.bucketValues[keys[i]] += 1;
              s.sum += value;
              s.count += 1;
            } else metric.observe(${declared}, value);
          };
        },
      };`,
    ) as (a: (ReadonlySet<string> | undefined)[], s: (Set<string> | undefined)[], m: number[], slow: (l: LabelSet) => LabelSet, none: symbol) => ReturnType<LabelGuard['compile']>;
    return fast(this.allowed, this.seen, this.max, (l) => this.slow(l), Symbol('none'));
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
  // A bound child: its labels are checked once, here. Passing ones keep the metric's hot path (they then pass by
  // identity); folded ones count their overflow once, here, and write to prom-client directly.
  const bind = <C>(a: unknown, fast: (l: LabelSet) => C, direct: (l: LabelSet) => C): C => {
    const l = L(a);
    return l === a ? fast(l) : direct(l);
  };
  const V = (a: unknown, b: unknown): number | undefined => (labelled || (typeof a === 'object' && a !== null) ? b : a) as number | undefined;
  switch (spec.type) {
    case 'counter': {
      const c = new client.Counter(common);
      const inc = guard.counter(c);
      const handle = {
        name: spec.name,
        inc: labelled ? inc : (a?: unknown, b?: unknown) => c.inc(NO_LABELS, V(a, b) ?? 1),
        labels: (a?: unknown) =>
          labelled
            ? bind(a, (l) => ({ inc: (v?: number) => inc(l, v) }), (l) => ({ inc: (v?: number) => void c.inc(l, v ?? 1) }))
            : { inc: (v?: number) => c.inc(v ?? 1) },
        reset: () => c.reset(),
      };
      return { spec, prom: c, handle: handle as unknown as AnyMetric };
    }
    case 'gauge': {
      const g = new client.Gauge(common);
      const handle = {
        name: spec.name,
        set: labelled ? guard.wrap(g, 'set', 0) : (a?: unknown, b?: unknown) => g.set(NO_LABELS, V(a, b) ?? 0),
        inc: labelled ? guard.wrap(g, 'inc', 1) : (a?: unknown, b?: unknown) => g.inc(NO_LABELS, V(a, b) ?? 1),
        dec: labelled ? guard.wrap(g, 'dec', 1) : (a?: unknown, b?: unknown) => g.dec(NO_LABELS, V(a, b) ?? 1),
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
      const observe = spec.type === 'histogram' ? guard.histogram(o as client.Histogram<string>) : guard.wrap(o, 'observe');
      const handle = {
        name: spec.name,
        observe: labelled ? observe : (a?: unknown, b?: unknown) => o.observe(NO_LABELS, V(a, b) as number),
        labels: (a?: unknown) =>
          labelled ? bind(a, (l) => ({ observe: (v: number) => observe(l, v) }), (l) => ({ observe: (v: number) => o.observe(l, v) })) : { observe: (v: number) => o.observe(v) },
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
  exposition(accept = ''): Promise<{ contentType: string; body: string }> {
    return renderExposition(this.registry, this.spec, accept);
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
          } else await serveExposition(this.registry, this.spec, req, res);
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

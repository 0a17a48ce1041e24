// The exporter: a catalog's metrics, registered with a prom-client registry, with collectors, health and the
// request recording that the HTTP adapters call.
import cluster from 'node:cluster';
import * as client from 'prom-client';
import { answerPrimary } from './cluster.js';
import type { CollectorFn, CollectorResult, CollectorSample } from './collectors.js';
import { CollectorRunner } from './collectors.js';
import type { AnyFamily, FamilySnapshot } from './families.js';
import { CounterFamily, Family, GaugeFamily } from './families.js';
import type { AnyMetric, BuiltMetric, EnumMetric } from './handles.js';
import { buildMetric } from './handles.js';
import type { LabelSet } from './label-guard.js';
import { errorTypeOf, statusClassOf } from './paths.js';
import type { CollectorSpec, ExporterSpec, LabelMeaning, MetricSpec, MetricType } from './spec.js';
import { LABEL_MEANINGS, labelMeaning, OVERFLOW_VALUE } from './spec.js';
import { readSystem } from './system.js';
import { exposition, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, wantsOpenMetrics } from './exposition.js';

export interface ExporterOptions {
  /**
   * The prom-client registry the catalog's metrics join. Default: a new Registry, or prom-client's global one in a
   * cluster worker (where prom-client's AggregatorRegistry looks).
   */
  registry?: client.Registry;
  /** Node's default process metrics (prom-client's collectDefaultMetrics). Default off: promtool flags their *_total gauges. */
  defaultMetrics?: boolean;
  /** Path whose filesystem the disk readings describe. Default "/". */
  diskPath?: string;
}

export interface HealthReport {
  status: string;
  components: Record<string, 'healthy' | 'unhealthy'>;
}

const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The spec rules whose breach would make the exposition wrong rather than merely odd (devskyy-mon's validate applies
 * them and more to catalogs; this guards hand-written specs). Throws TypeError naming the metric and the rule.
 */
function checkSpec(spec: ExporterSpec): void {
  for (const m of spec.metrics) {
    const fail = (rule: string): never => {
      throw new TypeError(`${m.name}: ${rule}`);
    };
    if (!PROMETHEUS_NAME.test(m.name)) throw new TypeError(`"${m.name}" is not a valid Prometheus metric name`);
    const names = new Set<string>();
    for (const l of m.labels) {
      if (!LABEL_NAME.test(l.name) || l.name.startsWith('__')) fail(`"${l.name}" is not a valid label name`);
      if (names.has(l.name)) fail(`label "${l.name}" is declared twice`);
      names.add(l.name);
      if (l.values && (new Set(l.values).size !== l.values.length || l.values.includes(OVERFLOW_VALUE))) fail(`the values of label "${l.name}" repeat or include "${OVERFLOW_VALUE}"`);
      if (l.maxValues !== undefined && !(Number.isInteger(l.maxValues) && l.maxValues >= 1)) fail(`maxValues of label "${l.name}" must be a whole number of at least 1`);
    }
    if (m.type === 'histogram') {
      if (names.has('le')) fail('a histogram cannot have a label named "le" (its bucket bounds)');
      const b = m.buckets ?? [];
      if (!b.length || b.some((x, i) => !Number.isFinite(x) || (i > 0 && !(x > b[i - 1]!)))) fail('buckets must be finite numbers in strictly ascending order');
    }
    if (m.type === 'summary') {
      if (names.has('quantile')) fail('a summary cannot have a label named "quantile"');
      if (!(m.percentiles ?? []).length || (m.percentiles ?? []).some((q) => !(q > 0 && q < 1))) fail('percentiles must lie strictly between 0 and 1');
      if (m.maxAgeSeconds !== undefined && !(m.maxAgeSeconds > 0)) fail('maxAgeSeconds must be positive');
      if (m.ageBuckets !== undefined && !(Number.isInteger(m.ageBuckets) && m.ageBuckets >= 1)) fail('ageBuckets must be a whole number of at least 1');
    }
    if (m.type === 'enum') {
      const states = m.states ?? [];
      if (!states.length || new Set(states).size !== states.length) fail('an enum needs states, each once');
      if (m.labels.length) fail('an enum has no labels of its own (its state label is named after the metric)');
    }
  }
}

interface RequestRecorder {
  family: AnyFamily;
  /** Per label, which request fact fills it (index into [method, route, status code, status class, error type]), -1 for none. */
  facts: number[];
  names: string[];
  /** Reused for every request: the label guard reads it and keeps nothing of it. */
  scratch: Record<string, string>;
}

/** The request facts, in the order recordRequest lists them. */
const FACTS: readonly LabelMeaning[] = LABEL_MEANINGS;

export class Exporter<M extends object = Record<string, AnyMetric>> {
  readonly registry: client.Registry;
  readonly metrics: M;
  private readonly built: BuiltMetric[] = [];
  private readonly handles: Record<string, AnyMetric> = Object.create(null) as Record<string, AnyMetric>;
  private readonly byRole = new Map<string, BuiltMetric>();
  private readonly runners = new Map<string, CollectorRunner>();
  private readonly overflow: CounterFamily;
  private readonly collectorSuccess: GaugeFamily;
  private readonly collectorErrors: CounterFamily;
  private readonly collectorDuration: GaugeFamily;
  /** Each metric's catalog type by name (info and enum are gauges to prom-client). */
  readonly kinds: ReadonlyMap<string, MetricType>;
  private recorders?: Map<string, RequestRecorder>;

  constructor(
    readonly spec: ExporterSpec,
    private readonly options: ExporterOptions = {},
  ) {
    checkSpec(spec);
    this.registry = options.registry ?? (cluster.isWorker ? client.register : new client.Registry());
    const ns = spec.namespace;
    const own = (s: Omit<MetricSpec, 'key' | 'aggregate'> & { aggregate?: MetricSpec['aggregate'] }) => ({ key: s.name, aggregate: 'sum' as const, ...s });
    this.overflow = this.register(buildMetric(own({ name: `${ns}_metrics_overflow_total`, type: 'counter', help: 'Label values folded into the overflow value by the cardinality guard.', labels: [{ name: 'metric' }, { name: 'label' }] }), () => undefined).family) as CounterFamily;
    const collectorLabel = [{ name: 'collector', values: spec.collectors.map((c) => c.id) }];
    this.collectorSuccess = this.register(buildMetric(own({ name: `${ns}_scrape_collector_success`, type: 'gauge', help: 'Whether the collector succeeded on its last run (1) or failed (0).', labels: collectorLabel, aggregate: 'min' }), () => undefined).family) as GaugeFamily;
    this.collectorErrors = this.register(buildMetric(own({ name: `${ns}_scrape_collector_errors_total`, type: 'counter', help: 'Collector runs that failed or timed out.', labels: collectorLabel }), () => undefined).family) as CounterFamily;
    this.collectorDuration = this.register(buildMetric(own({ name: `${ns}_scrape_collector_duration_seconds`, type: 'gauge', help: "Duration of the collector's last run.", labels: collectorLabel, aggregate: 'max' }), () => undefined).family) as GaugeFamily;
    // Collector bookkeeping waits for this scrape's collector runs, so it describes them and not the last ones.
    const settle = async () => {
      await Promise.all([...this.runners.values()].map((r) => r.get()));
    };
    for (const f of [this.collectorSuccess, this.collectorErrors, this.collectorDuration]) f.collect = settle;
    for (const m of spec.metrics) {
      const b = buildMetric(m, (label) => this.overflow.inc({ metric: m.name, label }));
      if (m.collector) b.family.collect = this.collectHook(b);
      this.register(b.family);
      this.built.push(b);
      this.handles[m.key] = b.handle;
      if (m.role) this.byRole.set(m.role, b);
    }
    this.metrics = this.handles as unknown as M;
    this.kinds = new Map(spec.metrics.map((x) => [x.name, x.type]));
    for (const c of spec.collectors) {
      // A collector this process does not run (a shared one, in a cluster worker) reports nothing from here.
      if (!this.runsCollector(c)) continue;
      this.collectorSuccess.set({ collector: c.id }, 0);
      this.collectorErrors.inc({ collector: c.id }, 0);
      if (c.builtin === 'system') this.setCollector(c.id, () => this.systemResult(c.id));
    }
    if (options.defaultMetrics) client.collectDefaultMetrics({ register: this.registry });
    if (cluster.isWorker) answerPrimary(this);
  }

  private register<F extends AnyFamily>(family: F): F {
    this.registry.registerMetric(family as unknown as client.Metric<string>);
    return family;
  }

  /** Does this process run the collector? In a cluster, a shared collector runs in the primary only. */
  runsCollector(c: CollectorSpec): boolean {
    return !(cluster.isWorker && c.scope === 'shared');
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

  /** A collector-fed metric applies its collector's latest result, once per collector run. */
  private collectHook(b: BuiltMetric): () => Promise<void> {
    let applied: { runner: CollectorRunner | undefined; run: number } | undefined;
    return async () => {
      const runner = this.runners.get(b.spec.collector!);
      const result = runner ? await runner.get() : undefined;
      const run = runner?.runs ?? 0;
      if (applied && applied.runner === runner && applied.run === run) return;
      applied = { runner, run };
      const value = result?.[b.spec.key];
      const samples: readonly CollectorSample[] = value === undefined ? [] : typeof value === 'number' ? [{ value }] : value;
      // A collector reports running totals for a counter: a negative one is clamped, as a counter cannot go down.
      const family = b.family as CounterFamily | GaugeFamily;
      family.replace(samples.map((s) => ({ labels: (s.labels ?? {}) as LabelSet, value: family.type === 'counter' ? Math.max(0, s.value) : s.value })));
    };
  }

  /** Registers (or replaces) the function behind a collector of the catalog. Throws for an id the catalog does not have. */
  setCollector(id: string, fn: CollectorFn): this {
    const spec = this.spec.collectors.find((c) => c.id === id);
    if (!spec) throw new Error(`collector "${id}" is not in the catalog (${this.spec.collectors.map((c) => c.id).join(', ')})`);
    if (!this.runsCollector(spec)) return this;
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

  /** The runtime's own families registered in this exporter's registry. */
  families(): AnyFamily[] {
    return (this.registry.getMetricsAsArray() as unknown[]).filter((m): m is AnyFamily => m instanceof Family);
  }

  /**
   * The families this process reports to a cluster primary: all but those of collectors the primary runs itself.
   */
  snapshot(): FamilySnapshot[] {
    const skipped = new Set(this.spec.metrics.filter((m) => m.collector && this.spec.collectors.some((c) => c.id === m.collector && c.scope === 'shared')).map((m) => m.name));
    return this.families()
      .filter((f) => !skipped.has(f.name))
      .map((f) => f.snapshot());
  }

  /** Text format 0.0.4, or OpenMetrics 1.0 when the Accept header prefers it. Equals prom-client's registry.metrics() for the text format. */
  async exposition(accept = ''): Promise<{ contentType: string; body: string }> {
    const om = wantsOpenMetrics(accept);
    return { contentType: om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, body: await exposition(this.registry, om, this.kinds) };
  }

  async health(): Promise<HealthReport> {
    const status = this.role<EnumMetric<string>>('health_status')?.current() ?? 'healthy';
    const components: HealthReport['components'] = {};
    const comp = this.byRole.get('component_health');
    if (comp) {
      for (const { labels, value } of (comp.family as GaugeFamily).entries()) {
        const name = Object.values(labels)[0];
        if (name !== undefined) components[name] = value >= 1 ? 'healthy' : 'unhealthy';
      }
    }
    return { status, components };
  }

  setHealth(status: string): void {
    this.role<EnumMetric<string>>('health_status')?.state(status);
  }

  setComponentHealth(component: string, healthy: boolean): void {
    const b = this.byRole.get('component_health');
    const label = b?.spec.labels[0];
    if (b && label) (b.family as GaugeFamily).set({ [label.name]: component }, healthy ? 1 : 0);
  }

  /** Per HTTP role, the family and which request fact fills each label, prepared once (requests are the hot path). */
  private recorder(role: string): RequestRecorder | undefined {
    this.recorders ??= new Map(
      [...this.byRole.entries()]
        .filter(([r]) => r.startsWith('http_'))
        .map(([r, b]) => {
          const facts = b.spec.labels.map((l) => {
            const meaning = labelMeaning(l);
            return meaning ? FACTS.indexOf(meaning) : -1;
          });
          return [r, { family: b.family, facts, names: b.spec.labels.map((l) => l.name), scratch: {} }];
        }),
    );
    return this.recorders.get(role);
  }

  /**
   * Records one finished HTTP request into the catalog's HTTP metrics (by role), each label filled by its meaning.
   * `seconds`: duration; `requestBytes`/`responseBytes`: body sizes when known.
   */
  recordRequest(method: string, route: string, status: number, seconds: number, requestBytes?: number, responseBytes?: number): void {
    const errorType = status >= 400 ? errorTypeOf(status) : '';
    const facts = [method, route, String(status), statusClassOf(status), errorType];
    this.recordHttp('http_requests', facts);
    this.recordHttp('http_duration', facts, seconds);
    if (requestBytes !== undefined) this.recordHttp('http_request_size', facts, requestBytes);
    if (responseBytes !== undefined) this.recordHttp('http_response_size', facts, responseBytes);
    if (errorType) this.recordHttp('http_errors', facts);
  }

  /** One HTTP role: a counter increments, a histogram or summary observes `value`. */
  private recordHttp(role: string, facts: readonly string[], value?: number): void {
    const r = this.recorder(role);
    if (!r) return;
    const labels = r.scratch;
    for (let i = 0; i < r.names.length; i++) labels[r.names[i]!] = r.facts[i]! >= 0 ? facts[r.facts[i]!]! : '';
    const f = r.family;
    if (f.type === 'counter') f.inc(labels);
    else if (f.type === 'histogram' || f.type === 'summary') f.observe(labels, value ?? 0);
  }

  /** Counts an exception by its class name into the `exceptions` role. */
  recordException(err: unknown): void {
    const b = this.byRole.get('exceptions');
    if (!b) return;
    const type = err instanceof Error ? err.constructor.name : typeof err;
    const labels: Record<string, string> = {};
    for (const l of b.spec.labels) labels[l.name] = type;
    (b.family as CounterFamily).inc(labels);
  }

  /** Moves the requests-in-flight gauge (role http_in_flight) by `delta`. */
  inFlight(delta: number): void {
    const b = this.byRole.get('http_in_flight');
    if (b) (b.family as GaugeFamily).inc(undefined, delta);
  }
}

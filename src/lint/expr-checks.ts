// Checks of one PromQL expression, against the catalog when there is one. Pure: offsets are into the expression;
// callers map them.
import { OVERFLOW_VALUE } from '@devskyy-mon/runtime/spec';
import { RE2JS } from 're2js';
import type { Severity } from '../diagnostics.js';
import type { Expr, Matcher, Span } from '../promql/ast.js';
import { parsePromQL, walk } from '../promql/ast.js';
import type { SeriesIndex, SeriesRef } from '../promql/series-index.js';
import { typeCheck } from '../promql/types.js';
import { pushAll } from '../util/arrays.js';
import type { ValueType } from '../promql/types.js';
import { TARGET_LABELS } from '../promql/series-index.js';
import { parseDuration } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';
import { severityOf } from './checks.js';

export interface Finding extends Span {
  check: string;
  severity: Severity;
  message: string;
}

export interface ExprContext {
  /** The catalog's series; absent in catalog-free mode, where only the checks that need no catalog run. */
  index?: SeriesIndex;
  /** The catalog's scrape interval; absent without a catalog (range and for checks then have no yardstick). */
  scrapeIntervalSeconds?: number;
  /** Shared across a lint run: each metric outside the catalog is reported once, at its first use. */
  unknownReported?: Set<string>;
  /**
   * Shared across a lint run: each distinct expression text is parsed and checked once (rule files repeat
   * expressions: one per severity, per service, per burn-rate window); later rules replay its findings.
   */
  checked?: Map<string, CheckedExpr>;
}

/** A metric outside the catalog, used here: reported only where the run meets it first (see unknownReported). */
interface UnknownUse extends Span {
  unknownMetric: string;
}

/** One expression's check, in the order its findings arose, kept for replaying on the next rule with the same text. */
export interface CheckedExpr {
  steps: (Finding | UnknownUse)[];
  labels: LabelSet;
  ast?: Expr;
  /** The expression's value type, where the type rules know it. */
  type?: ValueType;
}

/** Labels an expression returns: a set, or 'any' where the analysis cannot know (unknown metric, opaque function). */
export type LabelSet = Set<string> | 'any';

const RATE_FUNCS = new Set(['rate', 'irate', 'increase']);
/** Functions under which a raw counter is used correctly. */
const COUNTER_SAFE = new Set(['rate', 'irate', 'increase', 'resets', 'changes', 'absent', 'absent_over_time', 'present_over_time', 'timestamp', 'count_over_time', 'last_over_time']);
const COUNTER_SAFE_AGG = new Set(['count', 'group', 'count_values']);
/** Functions whose result has no labels whatever their arguments. */
const NO_LABELS = new Set(['vector', 'time', 'scalar', 'pi']);
/** Date functions: without an argument they read vector(time()), with one they keep its labels. */
const DATE_FUNCS = new Set(['minute', 'hour', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'month', 'year']);
/** Functions that return their (first) vector argument's labels (the metric name aside). From Prometheus' functions.go. */
const KEEP_LABELS = new Set([
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min',
  'cos', 'cosh', 'count_over_time', 'deg', 'delta', 'deriv', 'exp', 'first_over_time', 'floor', 'histogram_avg', 'histogram_count',
  'histogram_fraction', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'double_exponential_smoothing', 'holt_winters',
  'idelta', 'increase', 'irate', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time',
  'ts_of_first_over_time', 'ts_of_last_over_time', 'ts_of_max_over_time', 'ts_of_min_over_time', 'predict_linear',
  'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'sgn', 'sin', 'sinh', 'sort', 'sort_desc',
  'sort_by_label', 'sort_by_label_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh',
  'timestamp', 'start_timestamp',
]);
const AGGREGATIONS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const KEEP_INPUT_AGG = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio']);
/** Functions whose output labels the checker knows (info() and histogram_quantiles() are known to be opaque). */
export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set([
  ...KEEP_LABELS, ...NO_LABELS, ...DATE_FUNCS, 'histogram_quantile', 'label_replace', 'label_join', 'absent', 'absent_over_time', 'info', 'histogram_quantiles',
]);

function finding(check: string, message: string, span: Span): Finding {
  return { check, severity: severityOf(check), message, from: span.from, to: span.to };
}

/** Compiled matchers by pattern (rule files repeat the same few regexes thousands of times). */
const compiled = new Map<string, RE2JS | string>();

/** The pattern compiled the way Prometheus does (RE2, fully anchored, . matching newlines), or RE2's error. */
function compileRe2(pattern: string): RE2JS | string {
  let r = compiled.get(pattern);
  if (r === undefined) {
    try {
      r = RE2JS.compile(`^(?:${pattern})$`, RE2JS.DOTALL);
    } catch (err) {
      r = err instanceof Error ? err.message : String(err);
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, r);
  }
  return r;
}

/** Whether a matcher's regex matches any of the values, the way Prometheus evaluates it. */
function regexMatchesAny(pattern: string, values: readonly string[]): boolean {
  const re = compileRe2(pattern);
  if (typeof re === 'string') return true; // Not RE2: promql/regex reports it.
  return values.some((v) => re.matches(v));
}

/**
 * The selector rules Prometheus' parser applies after the grammar (promql/parser/parse.go, checkAST), in its words:
 * a metric name is set once, and some matcher must not match the empty string, so that a typo cannot select every
 * series. Both refuse the rule file ("could not parse expression"); promtool points at the selector.
 */
export function selectorErrors(root: Expr): (Span & { message: string })[] {
  const out: (Span & { message: string })[] = [];
  walk(root, (e) => {
    if (e.kind === 'selector') pushAll(out, parserRulesOf(e));
  });
  return out;
}

/** selectorErrors for one selector (the checks' own walk over the selectors calls it too). */
function parserRulesOf(e: Extract<Expr, { kind: 'selector' }>): (Span & { message: string })[] {
  const out: (Span & { message: string })[] = [];
  const nameMatchers = e.nameMatchers ?? [];
  if (e.nameBeforeBraces && nameMatchers.length) out.push({ message: `metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(nameMatchers[0]!.value)}`, from: e.from, to: e.to });
  // A name before the braces or quoted (`{"up"}`) is an equality matcher that never matches "".
  if (e.name !== undefined && !nameMatchers.some((m) => m.op === '=' && m.value === e.name)) return out;
  const matchesEmpty = (m: Matcher): boolean | undefined => {
    if (m.op === '=') return m.value === '';
    if (m.op === '!=') return m.value !== '';
    const re = compileRe2(m.value);
    // Not RE2: promql/regex reports it, and this rule cannot be decided.
    return typeof re === 'string' ? undefined : re.matches('') === (m.op === '=~');
  };
  if ([...nameMatchers, ...e.matchers].every((m) => matchesEmpty(m) === true)) out.push({ message: 'vector selector must contain at least one non-empty matcher', from: e.from, to: e.to });
  return out;
}

/** The RE2 compile error of a matcher's value, or undefined when Prometheus would accept it. */
export function re2Error(pattern: string): string | undefined {
  const re = compileRe2(pattern);
  return typeof re === 'string' ? re : undefined;
}

/** Whether a regular expression has a (?<name>…) group (not an escaped "(" and not inside a character class). */
export function hasAngleNamedGroup(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      // "]" right after "[" or "[^" is a literal member of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(' && pattern.startsWith('?<', i + 1) && /[A-Za-z_]/.test(pattern[i + 3] ?? '')) return true;
  }
  return false;
}

/** Counter-shaped series by Prometheus' naming conventions, for metrics the catalog does not describe. */
const COUNTER_NAME = /(_total|_bucket)$/;
/** Classic-histogram buckets, also behind a recording rule (job:latency_bucket:rate5m). */
const BUCKET_NAME = /_bucket(:|$)/;

export class ExprChecker {
  private readonly findings: (Finding | UnknownUse)[] = [];

  constructor(private readonly ctx: ExprContext) {}

  /** Parses and checks; returns findings and, when it parses, the labels the expression returns. */
  static check(expr: string, ctx: ExprContext): { findings: Finding[]; labels: LabelSet; ast?: Expr; type?: ValueType } {
    let done = ctx.checked?.get(expr);
    if (!done) {
      done = ExprChecker.run(expr, ctx);
      ctx.checked?.set(expr, done);
    }
    const findings: Finding[] = [];
    for (const step of done.steps) {
      if (!('unknownMetric' in step)) findings.push(step);
      else {
        const f = ExprChecker.unknownMetric(step, ctx);
        if (f) findings.push(f);
      }
    }
    return { findings, labels: done.labels, ...(done.ast ? { ast: done.ast } : {}), ...(done.type ? { type: done.type } : {}) };
  }

  private static run(expr: string, ctx: ExprContext): CheckedExpr {
    const parsed = parsePromQL(expr);
    if (!parsed.ok) return { steps: [parsed.error.beyondParser ? finding('promql/unsupported', parsed.error.message, parsed.error) : finding('promql/syntax', `syntax error: ${parsed.error.message}`, parsed.error)], labels: 'any' };
    const c = new ExprChecker(ctx);
    for (const n of parsed.notes) c.findings.push(finding(n.check, n.message, n));
    // Prometheus' parser checks types after the grammar: rate(up) or 1 > 2 is as much a syntax error to promtool.
    const typed = typeCheck(parsed.expr, expr);
    for (const t of typed.errors) c.findings.push(finding('promql/syntax', `type error: ${t.message}`, t));
    c.checkSelectors(parsed.expr);
    const labels = c.labelsOf(parsed.expr);
    return { steps: c.findings, labels, ast: parsed.expr, ...(typed.type ? { type: typed.type } : {}) };
  }

  /** The finding for a metric outside the catalog, unless the run has reported that metric already. */
  private static unknownMetric(use: UnknownUse, ctx: ExprContext): Finding | undefined {
    const index = ctx.index;
    const name = use.unknownMetric;
    const seen = ctx.unknownReported;
    if (!index || seen?.has(name)) return undefined;
    seen?.add(name);
    // A metric outside the catalog's namespace may come from another exporter: say so, do not fail. Only names
    // that look like the catalog's own get a suggestion (one edit-distance pass over the catalog's names each).
    // A recorded series (level:metric:operations) is the catalog's own when its metric part is: another team's
    // (apiserver_request:burnrate1h, from a rules file not linted in this run) is as foreign as its source metric.
    const own = `${index.namespace}_`;
    const outside = !name.startsWith(own) && !name.includes(`:${own}`);
    return {
      ...finding('promql/unknown-metric', `${name} is not in the catalog${outside ? '' : didYouMean(name, index.names())}`, use),
      ...(outside ? { severity: 'warning' as const } : {}),
    };
  }

  private resolve(name: string | undefined): SeriesRef | undefined {
    return name ? this.ctx.index?.get(name) : undefined;
  }

  private checkUnknownMetric(name: string, span: Span): void {
    const index = this.ctx.index;
    if (!index || index.isKnown(name)) return;
    this.findings.push({ unknownMetric: name, from: span.from, to: span.to });
  }

  private checkSelectors(root: Expr): void {
    walk(root, (e, parents) => {
      if (e.kind !== 'selector') return;
      const nameSpan = e.nameSpan ?? e;
      for (const t of parserRulesOf(e)) this.findings.push(finding('promql/syntax', `syntax error: ${t.message}`, t));
      if (e.name) this.checkUnknownMetric(e.name, nameSpan);
      for (const m of e.matchers) {
        if (m.op !== '=~' && m.op !== '!~') continue;
        const err = re2Error(m.value);
        if (err) this.findings.push(finding('promql/regex', `Prometheus (RE2) cannot compile this regular expression: ${err}`, m.valueSpan));
        else if (hasAngleNamedGroup(m.value)) {
          this.findings.push(finding('promql/regex-named-group', `(?<name>…) groups need RE2 as Go 1.22 compiles it: Prometheus built with an older Go (2.42, as Debian bookworm ships it) refuses the rule; write (?P<name>…), which every version reads`, m.valueSpan));
        }
      }
      const scrape = this.ctx.scrapeIntervalSeconds;
      if (e.range && scrape !== undefined) {
        const secs = parseDuration(e.range);
        if (secs !== undefined && secs < 4 * scrape) {
          this.findings.push(finding('promql/range-too-short', `range [${e.range}] is shorter than four scrape intervals (${4 * scrape}s)`, e.rangeSpan ?? e));
        }
      }
      const ref = this.resolve(e.name);
      const parent = parents.at(-1);
      const fn = parent?.kind === 'call' ? parent.func : undefined;
      const byName = !ref && e.name !== undefined && !e.name.includes(':') && COUNTER_NAME.test(e.name) && !this.ctx.index?.isKnown(e.name);
      const isCounterSeries = ref ? ref.metric.type === 'counter' || ref.suffix === '_bucket' || ref.suffix === '_sum' || ref.suffix === '_count' : byName;
      if (ref && fn && RATE_FUNCS.has(fn) && !isCounterSeries) {
        this.findings.push(finding('promql/rate-on-gauge', `${fn}() on ${e.name}, a ${ref.metric.type}; use it on counters only (for gauges: deriv() or delta())`, parent?.kind === 'call' ? parent.funcSpan : e));
      }
      if (isCounterSeries && ref?.suffix !== '_created') {
        // On the right of and/unless a vector only filters by its labels: its values are never used.
        const filterOnly = parents.some((p, i) => p.kind === 'binary' && (p.op === 'and' || p.op === 'unless') && (parents[i + 1] ?? e) === p.rhs);
        const safe = filterOnly || parents.some((p) => (p.kind === 'call' && COUNTER_SAFE.has(p.func)) || (p.kind === 'aggregate' && COUNTER_SAFE_AGG.has(p.op)) || p.kind === 'subquery');
        if (!safe) this.findings.push(finding('promql/counter-without-rate', `${e.name} is a counter${ref ? '' : ' (by its name)'}; use rate() or increase() rather than its raw value`, nameSpan));
      }
      if (!ref || !this.ctx.index) return;
      const labels = this.ctx.index.labelsOf(ref);
      for (const m of e.matchers) {
        if (!labels.has(m.label)) {
          this.findings.push(finding('promql/unknown-label', `${e.name} has no label "${m.label}"${didYouMean(m.label, labels)}`, m.labelSpan));
          continue;
        }
        const def = this.ctx.index.labelDef(ref, m.label);
        const declared = def?.values ?? (ref.metric.type === 'enum' && m.label === ref.metric.fullName ? ref.metric.states : undefined);
        // The runtime records values outside the domain as the overflow value: selecting it is how one sees them.
        const allowed = declared && def?.values ? [...declared, OVERFLOW_VALUE] : declared;
        if (!allowed || m.op.startsWith('!')) continue;
        const ok = m.op === '=' ? allowed.includes(m.value) : regexMatchesAny(m.value, allowed);
        if (ok) continue;
        const message = m.op === '=' ? `"${m.value}" is not a declared value of ${m.label} (${declared!.join(', ')})${didYouMean(m.value, declared!)}` : `regex "${m.value}" matches none of the declared values of ${m.label} (${declared!.join(', ')})`;
        this.findings.push(finding('promql/label-value', message, m.valueSpan));
      }
    });
    walk(root, (e) => {
      if (e.kind === 'call' && e.func === 'histogram_quantile') this.checkHistogramQuantile(e);
    });
  }

  private checkHistogramQuantile(call: Extract<Expr, { kind: 'call' }>): void {
    const arg = call.args[1];
    if (!arg || !this.ctx.index) return;
    let bucket = false;
    let unknown = false;
    walk(arg, (e) => {
      if (e.kind !== 'selector') return;
      const ref = this.resolve(e.name);
      if (ref?.suffix === '_bucket') bucket = true;
      else if (!ref) unknown = true;
    });
    if (!bucket && !unknown) {
      this.findings.push(finding('promql/histogram-quantile-bucket', 'histogram_quantile() needs the _bucket series of a histogram as its second argument', arg));
    }
  }

  /** Whether an expression reads classic-histogram buckets (so its le label matters). */
  private readsBuckets(e: Expr): boolean {
    let found = false;
    walk(e, (n) => {
      if (n.kind !== 'selector' || !n.name) return;
      if (this.resolve(n.name)?.suffix === '_bucket' || BUCKET_NAME.test(n.name)) found = true;
    });
    return found;
  }

  /** The labels an expression returns, reporting labels used where they no longer exist. */
  labelsOf(e: Expr): LabelSet {
    switch (e.kind) {
      case 'number':
      case 'string':
        return new Set();
      case 'selector': {
        const ref = this.resolve(e.name);
        return ref && this.ctx.index ? this.ctx.index.labelsOf(ref) : 'any';
      }
      case 'paren':
      case 'offset':
      case 'subquery':
      case 'unary':
        return this.labelsOf(e.expr);
      case 'call':
        return this.callLabels(e);
      case 'aggregate':
        return this.aggregateLabels(e);
      case 'binary':
        return this.binaryLabels(e);
      case 'unknown':
        e.args.forEach((a) => this.labelsOf(a));
        return 'any';
    }
  }

  private usable(label: { name: string } & Span, input: LabelSet, where: string, inner: Expr): void {
    if (input === 'any' || input.has(label.name)) return;
    const existed = this.deeperLabels(inner).has(label.name);
    if (existed) this.findings.push(finding('promql/dropped-label', `label "${label.name}" was removed by an inner aggregation before ${where}`, label));
    else this.findings.push(finding('promql/unknown-label', `label "${label.name}" does not exist at ${where}${didYouMean(label.name, input)}`, label));
  }

  /** Every label any selector or grouping below carries: tells a dropped label from a misspelt one. */
  private deeperLabels(e: Expr): Set<string> {
    const out = new Set<string>(TARGET_LABELS);
    walk(e, (n) => {
      if (n.kind === 'aggregate' && n.grouping) for (const l of n.grouping.labels) out.add(l.name);
      if (n.kind !== 'selector') return;
      for (const m of n.matchers) out.add(m.label);
      const ref = this.resolve(n.name);
      if (ref && this.ctx.index) for (const l of this.ctx.index.labelsOf(ref)) out.add(l);
    });
    return out;
  }

  private callLabels(e: Extract<Expr, { kind: 'call' }>): LabelSet {
    const argLabels = e.args.map((a) => this.labelsOf(a));
    if (NO_LABELS.has(e.func) || (DATE_FUNCS.has(e.func) && e.args.length === 0)) return new Set();
    if (e.func === 'histogram_quantile') {
      const input = argLabels[1] ?? 'any';
      const arg = e.args[1];
      // A native histogram has its buckets inside one sample: no le to keep. Only classic buckets need it.
      if (arg && input !== 'any' && !input.has('le') && this.readsBuckets(arg)) {
        this.findings.push(finding('promql/histogram-quantile-le', 'the aggregation inside histogram_quantile() drops the le label; keep it, e.g. sum by (le) (rate(..._bucket[5m]))', arg.kind === 'aggregate' ? arg.opSpan : arg));
      }
      if (input === 'any') return 'any';
      const out = new Set(input);
      out.delete('le');
      return out;
    }
    if (e.func === 'label_replace' || e.func === 'label_join') {
      const base = argLabels[0] ?? 'any';
      const dst = e.args[1];
      if (base === 'any' || dst?.kind !== 'string') return 'any';
      return new Set([...base, dst.value]);
    }
    if (e.func === 'absent' || e.func === 'absent_over_time') {
      const sel = e.args[0];
      return new Set(sel?.kind === 'selector' ? sel.matchers.filter((m) => m.op === '=').map((m) => m.label) : []);
    }
    if (KEEP_LABELS.has(e.func) || DATE_FUNCS.has(e.func)) {
      const vectorArg = e.args.findIndex((a) => a.kind !== 'number' && a.kind !== 'string');
      return vectorArg >= 0 ? argLabels[vectorArg]! : new Set();
    }
    // info(), histogram_quantiles() and functions newer than this list add or reshape labels.
    if (e.func !== 'info' && e.func !== 'histogram_quantiles') {
      this.findings.push(finding('promql/unsupported', `devskyy-mon does not know which labels ${e.func}() returns; label checks above it were skipped`, e.funcSpan));
    }
    return 'any';
  }

  private aggregateLabels(e: Extract<Expr, { kind: 'aggregate' }>): LabelSet {
    const vector = e.args[e.args.length - 1];
    e.args.slice(0, -1).forEach((a) => this.labelsOf(a));
    if (!vector) return 'any';
    const input = this.labelsOf(vector);
    if (!AGGREGATIONS.has(e.op)) {
      this.findings.push(finding('promql/unsupported', `devskyy-mon does not know the aggregation ${e.op}; label checks above it were skipped`, e.opSpan));
      return 'any';
    }
    if (KEEP_INPUT_AGG.has(e.op)) return input;
    const extra = e.op === 'count_values' && e.args[0]?.kind === 'string' ? [e.args[0].value] : [];
    if (!e.grouping) return new Set(extra);
    for (const l of e.grouping.labels) {
      if (e.grouping.mode === 'by') this.usable(l, input, `${e.op} by (...)`, vector);
      else if (input !== 'any' && !input.has(l.name)) {
        this.findings.push({ ...finding('promql/unknown-label', `without (${l.name}): the input has no label "${l.name}"`, l), severity: 'warning' });
      }
    }
    if (e.grouping.mode === 'by') return new Set([...e.grouping.labels.map((l) => l.name), ...extra]);
    if (input === 'any') return 'any';
    const out = new Set(input);
    for (const l of e.grouping.labels) out.delete(l.name);
    extra.forEach((x) => out.add(x));
    return out;
  }

  private binaryLabels(e: Extract<Expr, { kind: 'binary' }>): LabelSet {
    const lhs = this.labelsOf(e.lhs);
    const rhs = this.labelsOf(e.rhs);
    const lhsScalar = lhs !== 'any' && lhs.size === 0 && isScalarLike(e.lhs);
    const rhsScalar = rhs !== 'any' && rhs.size === 0 && isScalarLike(e.rhs);
    if (lhsScalar) return rhs;
    if (rhsScalar) return lhs;
    const setOp = e.op === 'and' || e.op === 'or' || e.op === 'unless';
    if (e.matching) {
      for (const l of e.matching.labels) {
        if (e.matching.mode === 'on') {
          this.usable(l, lhs, `on (...) (left side)`, e.lhs);
          this.usable(l, rhs, `on (...) (right side)`, e.rhs);
        }
      }
      for (const l of e.matching.include) this.usable(l, e.matching.group === 'left' ? rhs : lhs, 'group_left/group_right (...)', e.matching.group === 'left' ? e.rhs : e.lhs);
    } else if (!setOp && !e.fill && lhs !== 'any' && rhs !== 'any' && !sameSet(lhs, rhs)) {
      const only = [...lhs].filter((l) => !rhs.has(l)).concat([...rhs].filter((l) => !lhs.has(l))).sort();
      this.findings.push(finding('promql/vector-matching', `both sides of "${e.op}" are vectors with different labels (${only.join(', ')}); one-to-one matching finds no pairs. Aggregate both sides (e.g. sum by (...)) or use on()/ignoring()`, e));
    }
    // The result's labels as Prometheus builds them (promql/engine.go, resultMetric; checked with promtool test
    // rules): often one side decides them alone, so an operand whose labels cannot be known does not hide the
    // other's. One-to-one arithmetic and comparisons alike keep only the on() labels, or drop the ignoring() ones;
    // and/unless keep the left side's series as they are; group_left/right the "many" side's plus the included.
    const include = e.matching?.include.map((l) => l.name) ?? [];
    const oneToOne = !setOp && !e.matching?.group;
    if (e.op === 'or') return lhs === 'any' || rhs === 'any' ? 'any' : new Set([...lhs, ...rhs]);
    if (e.matching?.group === 'left') return lhs === 'any' ? 'any' : new Set([...lhs, ...include]);
    if (e.matching?.group === 'right') return rhs === 'any' ? 'any' : new Set([...rhs, ...include]);
    if (e.matching?.mode === 'on' && oneToOne) return new Set(e.matching.labels.map((l) => l.name));
    const ignored = e.matching?.mode === 'ignoring' && oneToOne ? new Set(e.matching.labels.map((l) => l.name)) : undefined;
    // Matched one-to-one pairs have equal label sets, so the right side tells them when the left cannot.
    const kept = lhs !== 'any' ? lhs : !e.matching && !setOp ? rhs : 'any';
    if (kept === 'any' || !ignored) return kept;
    return new Set([...kept].filter((l) => !ignored.has(l)));
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Numbers and scalar() calls: binary operations with them keep the vector side's labels. */
function isScalarLike(e: Expr): boolean {
  if (e.kind === 'number') return true;
  if (e.kind === 'paren' || e.kind === 'unary') return isScalarLike(e.expr);
  if (e.kind === 'call') return ['scalar', 'time', 'pi'].includes(e.func);
  if (e.kind === 'binary') return isScalarLike(e.lhs) && isScalarLike(e.rhs);
  return false;
}

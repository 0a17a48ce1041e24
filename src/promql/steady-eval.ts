// A steady-state PromQL evaluator: every input series grows linearly (counters) or stays flat (gauges), so
// rate() is the slope and *_over_time() the level. That is exactly the world of a generated promtool test,
// and it lets the generator pick inputs that make an alert fire or stay silent before promtool proves it.
import type { Expr, Matcher } from './ast.js';

export type Labels = Readonly<Record<string, string>>;

export interface InputSeries {
  labels: Labels; // includes __name__
  kind: 'counter' | 'gauge';
  /** Per-second slope for counters, the constant value for gauges. */
  level: number;
}

export interface Sample {
  labels: Labels;
  value: number;
}

export type Value = { type: 'vector'; samples: Sample[] } | { type: 'scalar'; value: number } | { type: 'string'; value: string } | { type: 'matrix'; series: InputSeries[]; rangeSeconds: number };

export class Unsupported extends Error {}

export interface EvalContext {
  series: readonly InputSeries[];
  /** Seconds since the first sample; counters are at slope × time. */
  time: number;
  /** Sample spacing of the input series, for *_over_time sample counts. */
  intervalSeconds: number;
  /** Recording rules the expression may read, by record name. */
  records: ReadonlyMap<string, { expr: Expr; labels: Labels }[]>;
  parseRange: (text: string) => number;
}

function matches(m: Matcher, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
  }
}

export function selectorMatches(name: string | undefined, matchers: readonly Matcher[], labels: Labels): boolean {
  if (name !== undefined && labels['__name__'] !== name) return false;
  return matchers.every((m) => matches(m, labels[m.label] ?? ''));
}

function dropName(l: Labels): Record<string, string> {
  const { __name__: _drop, ...rest } = l;
  return rest;
}

function signature(l: Labels, on: readonly string[] | undefined, ignoring: readonly string[] | undefined): string {
  const keys = Object.keys(l)
    .filter((k) => k !== '__name__')
    .filter((k) => (on ? on.includes(k) : !(ignoring ?? []).includes(k)))
    .sort();
  return keys.map((k) => `${k}=${l[k]}`).join(',');
}

const ARITH: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
  atan2: (a, b) => Math.atan2(a, b),
};
const CMP: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
};

/** histogram_quantile as Prometheus computes it (promql/quantile.go, bucketQuantile). */
export function bucketQuantile(q: number, buckets: { upper: number; count: number }[]): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const b = [...buckets].sort((x, y) => x.upper - y.upper);
  if (b.length < 2 || b[b.length - 1]!.upper !== Infinity) return NaN;
  const total = b[b.length - 1]!.count;
  if (total === 0) return NaN;
  let rank = q * total;
  let idx = b.findIndex((x, i) => i < b.length - 1 && x.count >= rank);
  if (idx === -1) idx = b.length - 1;
  if (idx === b.length - 1) return b[b.length - 2]!.upper;
  if (idx === 0 && b[0]!.upper <= 0) return b[0]!.upper;
  let start = 0;
  const end = b[idx]!.upper;
  let count = b[idx]!.count;
  if (idx > 0) {
    start = b[idx - 1]!.upper;
    count -= b[idx - 1]!.count;
    rank -= b[idx - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.kind) {
    case 'number':
      return { type: 'scalar', value: e.value };
    case 'string':
      return { type: 'string', value: e.value };
    case 'paren':
    case 'offset':
      return evaluate(e.expr, ctx);
    case 'unary': {
      const v = evaluate(e.expr, ctx);
      if (e.op !== '-') return v;
      if (v.type === 'scalar') return { type: 'scalar', value: -v.value };
      if (v.type === 'vector') return { type: 'vector', samples: v.samples.map((s) => ({ labels: dropName(s.labels), value: -s.value })) };
      throw new Unsupported('unary minus on a range');
    }
    case 'selector':
      return selectorValue(e, ctx);
    case 'subquery':
      throw new Unsupported('subqueries');
    case 'unknown':
      throw new Unsupported(`the grammar node ${e.node}`);
    case 'call':
      return callValue(e, ctx);
    case 'aggregate':
      return aggregateValue(e, ctx);
    case 'binary':
      return binaryValue(e, ctx);
  }
}

function recordSeries(name: string, ctx: EvalContext): InputSeries[] {
  const rules = ctx.records.get(name) ?? [];
  const out: InputSeries[] = [];
  for (const r of rules) {
    const v = evaluate(r.expr, ctx);
    const samples = v.type === 'vector' ? v.samples : v.type === 'scalar' ? [{ labels: {}, value: v.value }] : [];
    for (const s of samples) out.push({ labels: { ...dropName(s.labels), ...r.labels, __name__: name }, kind: 'gauge', level: s.value });
  }
  return out;
}

function selectorValue(e: Extract<Expr, { kind: 'selector' }>, ctx: EvalContext): Value {
  const pool = e.name && ctx.records.has(e.name) ? recordSeries(e.name, ctx) : ctx.series;
  const chosen = pool.filter((s) => selectorMatches(e.name, e.matchers, s.labels));
  if (e.range) return { type: 'matrix', series: chosen, rangeSeconds: ctx.parseRange(e.range) };
  return { type: 'vector', samples: chosen.map((s) => ({ labels: s.labels, value: s.kind === 'counter' ? s.level * ctx.time : s.level })) };
}

function asVector(v: Value, what: string): Sample[] {
  if (v.type !== 'vector') throw new Unsupported(`${what} needs an instant vector`);
  return v.samples;
}

function asScalar(v: Value | undefined): number {
  if (v?.type === 'scalar') return v.value;
  throw new Unsupported('expected a scalar');
}

function callValue(e: Extract<Expr, { kind: 'call' }>, ctx: EvalContext): Value {
  const args = e.args.map((a) => evaluate(a, ctx));
  const matrix = () => {
    const m = args[0];
    if (m?.type !== 'matrix') throw new Unsupported(`${e.func}() needs a range vector`);
    return m;
  };
  const perSeries = (f: (s: InputSeries, range: number) => number): Value => {
    const m = matrix();
    return { type: 'vector', samples: m.series.map((s) => ({ labels: dropName(s.labels), value: f(s, m.rangeSeconds) })) };
  };
  const samplesIn = (range: number) => Math.floor(range / ctx.intervalSeconds) + 1;
  switch (e.func) {
    case 'rate':
    case 'irate':
      return perSeries((s) => (s.kind === 'counter' ? s.level : 0));
    case 'increase':
      return perSeries((s, r) => (s.kind === 'counter' ? s.level * r : 0));
    case 'delta':
    case 'idelta':
    case 'deriv':
    case 'changes':
    case 'resets':
      return perSeries((s, r) => (s.kind === 'counter' && e.func === 'delta' ? s.level * r : 0));
    case 'avg_over_time':
    case 'min_over_time':
    case 'max_over_time':
    case 'last_over_time':
      return perSeries((s) => (s.kind === 'counter' ? s.level * ctx.time : s.level));
    case 'sum_over_time':
      return perSeries((s, r) => (s.kind === 'counter' ? NaN : s.level * samplesIn(Math.min(r, ctx.time))));
    case 'count_over_time':
      return perSeries((_s, r) => samplesIn(Math.min(r, ctx.time)));
    case 'histogram_quantile': {
      const q = asScalar(args[0]);
      const groups = new Map<string, { labels: Record<string, string>; buckets: { upper: number; count: number }[] }>();
      for (const s of asVector(args[1]!, 'histogram_quantile')) {
        const le = s.labels['le'];
        if (le === undefined) continue;
        const { le: _le, ...rest } = dropName(s.labels);
        const key = signature(rest, undefined, undefined);
        const g = groups.get(key) ?? { labels: rest, buckets: [] };
        g.buckets.push({ upper: le === '+Inf' ? Infinity : Number(le), count: s.value });
        groups.set(key, g);
      }
      return { type: 'vector', samples: [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) })) };
    }
    case 'abs':
    case 'ceil':
    case 'floor':
    case 'sqrt':
    case 'exp':
    case 'ln': {
      const f = { abs: Math.abs, ceil: Math.ceil, floor: Math.floor, sqrt: Math.sqrt, exp: Math.exp, ln: Math.log }[e.func]!;
      return { type: 'vector', samples: asVector(args[0]!, e.func).map((s) => ({ labels: dropName(s.labels), value: f(s.value) })) };
    }
    case 'clamp_min':
    case 'clamp_max': {
      const bound = asScalar(args[1]);
      const f = e.func === 'clamp_min' ? (v: number) => Math.max(v, bound) : (v: number) => Math.min(v, bound);
      return { type: 'vector', samples: asVector(args[0]!, e.func).map((s) => ({ labels: dropName(s.labels), value: f(s.value) })) };
    }
    case 'vector':
      return { type: 'vector', samples: [{ labels: {}, value: asScalar(args[0]) }] };
    case 'scalar': {
      const v = asVector(args[0]!, 'scalar');
      return { type: 'scalar', value: v.length === 1 ? v[0]!.value : NaN };
    }
    case 'time':
      return { type: 'scalar', value: ctx.time };
    default:
      throw new Unsupported(`${e.func}()`);
  }
}

function aggregateValue(e: Extract<Expr, { kind: 'aggregate' }>, ctx: EvalContext): Value {
  const input = asVector(evaluate(e.args[e.args.length - 1]!, ctx), e.op);
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const s of input) {
    const base = dropName(s.labels);
    let labels: Record<string, string> = {};
    if (e.grouping?.mode === 'by') for (const l of e.grouping.labels) if (base[l.name] !== undefined) labels[l.name] = base[l.name]!;
    if (e.grouping?.mode === 'without') {
      labels = { ...base };
      for (const l of e.grouping.labels) delete labels[l.name];
    }
    const key = signature(labels, undefined, undefined);
    const g = groups.get(key) ?? { labels, values: [] };
    g.values.push(s.value);
    groups.set(key, g);
  }
  const f: Record<string, (v: number[]) => number> = {
    sum: (v) => v.reduce((a, b) => a + b, 0),
    avg: (v) => v.reduce((a, b) => a + b, 0) / v.length,
    min: (v) => Math.min(...v),
    max: (v) => Math.max(...v),
    count: (v) => v.length,
    group: () => 1,
  };
  const agg = f[e.op];
  if (!agg) throw new Unsupported(`${e.op}()`);
  return { type: 'vector', samples: [...groups.values()].map((g) => ({ labels: g.labels, value: agg(g.values) })) };
}

function binaryValue(e: Extract<Expr, { kind: 'binary' }>, ctx: EvalContext): Value {
  const l = evaluate(e.lhs, ctx);
  const r = evaluate(e.rhs, ctx);
  const arith = ARITH[e.op];
  const cmp = CMP[e.op];
  const apply = (a: number, b: number): number | undefined => {
    if (arith) return arith(a, b);
    if (cmp) return e.bool ? Number(cmp(a, b)) : cmp(a, b) ? a : undefined;
    throw new Unsupported(`operator ${e.op}`);
  };
  if (l.type === 'scalar' && r.type === 'scalar') {
    const v = arith ? arith(l.value, r.value) : cmp ? Number(cmp(l.value, r.value)) : NaN;
    return { type: 'scalar', value: v };
  }
  if (l.type === 'vector' && r.type === 'scalar') {
    const keepName = cmp && !e.bool;
    return { type: 'vector', samples: l.samples.flatMap((s) => (v => (v === undefined ? [] : [{ labels: keepName ? s.labels : dropName(s.labels), value: v }]))(apply(s.value, r.value))) };
  }
  if (l.type === 'scalar' && r.type === 'vector') {
    return {
      type: 'vector',
      samples: r.samples.flatMap((s) => {
        const v = arith ? arith(l.value, s.value) : cmp ? (e.bool ? Number(cmp(l.value, s.value)) : cmp(l.value, s.value) ? s.value : undefined) : undefined;
        return v === undefined ? [] : [{ labels: cmp && !e.bool ? s.labels : dropName(s.labels), value: v }];
      }),
    };
  }
  if (l.type !== 'vector' || r.type !== 'vector') throw new Unsupported('binary operation on a range');
  const on = e.matching?.mode === 'on' ? e.matching.labels.map((x) => x.name) : undefined;
  const ignoring = e.matching?.mode === 'ignoring' ? e.matching.labels.map((x) => x.name) : undefined;
  const sig = (s: Sample) => signature(s.labels, on, ignoring);
  if (e.op === 'and' || e.op === 'unless') {
    const right = new Set(r.samples.map(sig));
    return { type: 'vector', samples: l.samples.filter((s) => right.has(sig(s)) === (e.op === 'and')) };
  }
  if (e.op === 'or') {
    const left = new Set(l.samples.map(sig));
    return { type: 'vector', samples: [...l.samples, ...r.samples.filter((s) => !left.has(sig(s)))] };
  }
  const group = e.matching?.group;
  // The "many" side is iterated; the "one" side is looked up by matching signature.
  const [many, one] = group === 'right' ? [r.samples, l.samples] : [l.samples, r.samples];
  const index = new Map<string, Sample>();
  for (const s of one) index.set(sig(s), s);
  const out: Sample[] = [];
  for (const s of many) {
    const other = index.get(sig(s));
    if (!other) continue;
    const [a, b] = group === 'right' ? [other, s] : [s, other];
    const v = apply(a.value, b.value);
    if (v === undefined) continue;
    let labels: Record<string, string>;
    if (group) {
      labels = { ...dropName(s.labels) };
      for (const inc of e.matching!.include) {
        const src = other.labels[inc.name];
        if (src !== undefined) labels[inc.name] = src;
      }
    } else if (on && !cmp) {
      labels = Object.fromEntries(on.filter((k) => a.labels[k] !== undefined).map((k) => [k, a.labels[k]!]));
    } else labels = cmp && !e.bool ? { ...a.labels } : dropName(a.labels);
    out.push({ labels, value: v });
  }
  return { type: 'vector', samples: out };
}

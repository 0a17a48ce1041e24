// PromQL's type rules, as Prometheus' parser applies them once the grammar has matched (promql/parser/parse.go,
// checkAST). The grammar library accepts `rate(up)`, `1 > 2` or `sum(a, b)`; Prometheus refuses the rule file with
// "could not parse expression", so a check without promtool must refuse them too. Messages are Prometheus' own.
import type { Expr, Span } from './ast.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** How Prometheus names the types in its messages (parser.DocumentedType). */
const DOCUMENTED: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };

interface Signature {
  args: ValueType[];
  /** 0: exactly args; -1: the last argument repeats without limit; n > 0: up to n more of the last. */
  variadic: number;
  returns: ValueType;
}

const CODE: Record<string, ValueType> = { s: 'scalar', v: 'vector', m: 'matrix', S: 'string' };

/**
 * Prometheus' function table (promql/parser/functions.go: ArgTypes, Variadic, ReturnType), one entry per
 * function as name:argument types:variadic:return type, with s scalar, v instant vector, m range vector, S string.
 * A function not listed (a newer one) is not type-checked; its arguments still are.
 */
const TABLE =
  'abs:v:0:v absent:v:0:v absent_over_time:m:0:v acos:v:0:v acosh:v:0:v asin:v:0:v asinh:v:0:v atan:v:0:v atanh:v:0:v ' +
  'avg_over_time:m:0:v ceil:v:0:v changes:m:0:v clamp:vss:0:v clamp_max:vs:0:v clamp_min:vs:0:v cos:v:0:v cosh:v:0:v ' +
  'count_over_time:m:0:v days_in_month:v:1:v day_of_month:v:1:v day_of_week:v:1:v day_of_year:v:1:v deg:v:0:v delta:m:0:v ' +
  'deriv:m:0:v exp:v:0:v first_over_time:m:0:v floor:v:0:v histogram_avg:v:0:v histogram_count:v:0:v histogram_sum:v:0:v ' +
  'histogram_stddev:v:0:v histogram_stdvar:v:0:v histogram_fraction:ssv:0:v histogram_quantile:sv:0:v ' +
  'histogram_quantiles:vSss:9:v double_exponential_smoothing:mss:0:v holt_winters:mss:0:v hour:v:1:v idelta:m:0:v ' +
  'increase:m:0:v info:vv:1:v irate:m:0:v label_replace:vSSSS:0:v label_join:vSSS:-1:v last_over_time:m:0:v ln:v:0:v ' +
  'log10:v:0:v log2:v:0:v mad_over_time:m:0:v max_over_time:m:0:v min_over_time:m:0:v ts_of_first_over_time:m:0:v ' +
  'ts_of_max_over_time:m:0:v ts_of_min_over_time:m:0:v ts_of_last_over_time:m:0:v minute:v:1:v month:v:1:v pi::0:s ' +
  'predict_linear:ms:0:v present_over_time:m:0:v quantile_over_time:sm:0:v rad:v:0:v rate:m:0:v resets:m:0:v round:vs:1:v ' +
  'scalar:v:0:s sgn:v:0:v sin:v:0:v sinh:v:0:v sort:v:0:v sort_desc:v:0:v sort_by_label:vS:-1:v sort_by_label_desc:vS:-1:v ' +
  'sqrt:v:0:v start_timestamp:v:0:v stddev_over_time:m:0:v stdvar_over_time:m:0:v sum_over_time:m:0:v tan:v:0:v tanh:v:0:v ' +
  'time::0:s timestamp:v:0:v vector:s:0:v year:v:1:v';

export const FUNCTION_SIGNATURES: ReadonlyMap<string, Signature> = new Map(
  TABLE.split(' ').map((entry) => {
    const [name, args, variadic, returns] = entry.split(':') as [string, string, string, string];
    return [name, { args: [...args].map((c) => CODE[c]!), variadic: Number(variadic), returns: CODE[returns]! }];
  }),
);

/** Aggregations with a parameter before the vector, and the parameter's type. */
const AGGREGATION_PARAM: Record<string, ValueType> = { topk: 'scalar', bottomk: 'scalar', quantile: 'scalar', limitk: 'scalar', limit_ratio: 'scalar', count_values: 'string' };
const AGGREGATIONS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', ...Object.keys(AGGREGATION_PARAM)]);
const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

export interface TypeError extends Span {
  message: string;
}

/**
 * The expression's type (undefined where a newer node or function leaves it unknown) and every type error in it, in
 * Prometheus' words; `src` is the expression text (for operator spans).
 */
export function typeCheck(expr: Expr, src: string): { type: ValueType | undefined; errors: TypeError[] } {
  const errors: TypeError[] = [];
  const type = typeOf(expr, src, errors);
  return { type, errors };
}

/** The expression's type, or undefined where a node of a newer grammar or function leaves it unknown. */
function typeOf(e: Expr, src: string, errors: TypeError[]): ValueType | undefined {
  const err = (span: Span, message: string) => errors.push({ message, from: span.from, to: span.to });
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'selector':
      return e.range !== undefined ? 'matrix' : 'vector';
    case 'paren':
    case 'offset':
      return typeOf(e.expr, src, errors);
    case 'unary': {
      const t = typeOf(e.expr, src, errors);
      if (t && t !== 'scalar' && t !== 'vector') err(e, `unary expression only allowed on expressions of type scalar or instant vector, got "${DOCUMENTED[t]}"`);
      return t;
    }
    case 'subquery': {
      const t = typeOf(e.expr, src, errors);
      if (t && t !== 'vector') err(e, `subquery is only allowed on instant vector, got ${DOCUMENTED[t]} instead`);
      return 'matrix';
    }
    case 'call':
      return callType(e, src, errors);
    case 'aggregate': {
      const paramType = AGGREGATION_PARAM[e.op];
      const want = paramType ? 2 : 1;
      const types = e.args.map((a) => typeOf(a, src, errors));
      if (!AGGREGATIONS.has(e.op)) return 'vector';
      if (e.args.length !== want) {
        err(e, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${e.args.length}`);
        return 'vector';
      }
      const exprType = types[want - 1];
      if (exprType && exprType !== 'vector') err(e.args[want - 1]!, `expected type instant vector in aggregation expression, got ${DOCUMENTED[exprType]}`);
      if (paramType && types[0] && types[0] !== paramType) err(e.args[0]!, `expected type ${DOCUMENTED[paramType]} in aggregation parameter, got ${DOCUMENTED[types[0]]}`);
      return 'vector';
    }
    case 'binary':
      return binaryType(e, src, errors);
    case 'unknown':
      for (const a of e.args) typeOf(a, src, errors);
      return undefined;
  }
}

function callType(e: Extract<Expr, { kind: 'call' }>, src: string, errors: TypeError[]): ValueType | undefined {
  const types = e.args.map((a) => typeOf(a, src, errors));
  const sig = FUNCTION_SIGNATURES.get(e.func);
  if (!sig) return undefined;
  const n = e.args.length;
  const declared = sig.args.length;
  if (sig.variadic === 0) {
    if (n !== declared) errors.push({ message: `expected ${declared} argument(s) in call to "${e.func}", got ${n}`, from: e.from, to: e.to });
  } else if (declared - 1 > n) {
    errors.push({ message: `expected at least ${declared - 1} argument(s) in call to "${e.func}", got ${n}`, from: e.from, to: e.to });
  } else if (sig.variadic > 0 && declared - 1 + sig.variadic < n) {
    errors.push({ message: `expected at most ${declared - 1 + sig.variadic} argument(s) in call to "${e.func}", got ${n}`, from: e.from, to: e.to });
  }
  for (let i = 0; i < n; i++) {
    let at = i;
    if (at >= declared) {
      if (sig.variadic === 0) break;
      at = declared - 1;
    }
    const t = types[i];
    const want = sig.args[at]!;
    if (t && t !== want) errors.push({ message: `expected type ${DOCUMENTED[want]} in call to function "${e.func}", got ${DOCUMENTED[t]}`, from: e.args[i]!.from, to: e.args[i]!.to });
  }
  return sig.returns;
}

function binaryType(e: Extract<Expr, { kind: 'binary' }>, src: string, errors: TypeError[]): ValueType | undefined {
  const lt = typeOf(e.lhs, src, errors);
  const rt = typeOf(e.rhs, src, errors);
  // The operator and its modifiers, between the operands (where Prometheus points for operator errors).
  const gap = src.slice(e.lhs.to, e.rhs.from);
  const opSpan = { from: e.lhs.to + (gap.length - gap.trimStart().length), to: e.rhs.from - (gap.length - gap.trimEnd().length) };
  const err = (span: Span, message: string) => errors.push({ message, from: span.from, to: span.to });
  const comparison = COMPARISONS.has(e.op);
  const setOp = SET_OPERATORS.has(e.op);
  if (e.bool && !comparison) err(opSpan, 'bool modifier can only be used on comparison operators');
  if (comparison && !e.bool && lt === 'scalar' && rt === 'scalar') err(opSpan, 'comparisons between scalars must use BOOL modifier');
  const m = e.matching;
  if (m && m.mode === 'on') {
    for (const l of m.labels) if (m.include.some((i) => i.name === l.name)) err(opSpan, `label "${l.name}" must not occur in ON and GROUP clause at once`);
  }
  if (lt && lt !== 'scalar' && lt !== 'vector') err(e.lhs, 'binary expression must contain only scalar and instant vector types');
  if (rt && rt !== 'scalar' && rt !== 'vector') err(e.rhs, 'binary expression must contain only scalar and instant vector types');
  const bothVectors = lt === 'vector' && rt === 'vector';
  if (lt && rt && !bothVectors) {
    if (m && m.labels.length > 0) err(e, 'vector matching only allowed between instant vectors');
    if (e.fill) err(e, 'filling in missing series only allowed between instant vectors');
  } else if (bothVectors && setOp && m?.group) err(e, `no grouping allowed for "${e.op}" operation`);
  if ((lt === 'scalar' || rt === 'scalar') && setOp) err(e, `set operator "${e.op}" not allowed in binary scalar expression`);
  if (!lt || !rt) return undefined;
  return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
}

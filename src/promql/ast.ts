// A small typed PromQL syntax tree built from Prometheus' own lezer grammar; offsets are into the expression text.
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

export interface Span {
  from: number;
  to: number;
}

export interface Matcher extends Span {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  labelSpan: Span;
  valueSpan: Span;
}

export interface LabelRef extends Span {
  name: string;
}

export type Expr =
  | (Span & {
      kind: 'selector';
      name?: string;
      nameSpan?: Span;
      /** The metric name written before the braces (`up{…}`), rather than as a matcher or a quoted name. */
      nameBeforeBraces?: boolean;
      /** Matchers on labels other than __name__. */
      matchers: Matcher[];
      /** Matchers on __name__ written inside the braces (`{__name__=~"a|b"}`), of any operator. */
      nameMatchers?: Matcher[];
      range?: string;
      rangeSpan?: Span;
    })
  | (Span & { kind: 'call'; func: string; funcSpan: Span; args: Expr[] })
  | (Span & { kind: 'aggregate'; op: string; opSpan: Span; grouping?: { mode: 'by' | 'without'; labels: LabelRef[] }; args: Expr[] })
  | (Span & {
      kind: 'binary';
      op: string;
      lhs: Expr;
      rhs: Expr;
      bool: boolean;
      /** fill()/fill_left()/fill_right(): missing partners are filled in, so unmatched series are not lost. */
      fill: boolean;
      matching?: { mode: 'on' | 'ignoring'; labels: LabelRef[]; group?: 'left' | 'right'; include: LabelRef[] };
    })
  | (Span & { kind: 'number'; value: number })
  | (Span & { kind: 'string'; value: string })
  | (Span & { kind: 'paren'; expr: Expr })
  | (Span & { kind: 'unary'; op: string; expr: Expr })
  | (Span & { kind: 'subquery'; expr: Expr; range: string; /** The resolution after the colon; '' for the default (the evaluation interval). */ step: string })
  | (Span & { kind: 'offset'; expr: Expr })
  /** A grammar node this module does not model: checks that need its meaning report it instead of guessing. */
  | (Span & { kind: 'unknown'; node: string; args: Expr[] });

export interface SyntaxError extends Span {
  message: string;
  /** Not Prometheus' verdict: the expression chains more operators than the grammar library builds a tree for. */
  beyondParser?: true;
}

/**
 * @lezer/lr forces a production closed after 300 left-associative reductions at one position (its
 * MaxLeftAssociativeReductionCount, against trees too deep to walk), so a chain of more operators than that (a
 * generated `a or b or …`) ends in an error node although Prometheus parses it.
 */
const LEZER_CHAIN_LIMIT = 300;
const BINARY_OPERATOR = /\s(?:[-+*\/%^]|==|!=|[<>]=?|and|or|unless|atan2)\s/gi;

/** Something the parser accepted but a check should say: a removed function, a grammar node not modelled here. */
export interface ParseNote extends Span {
  check: string;
  message: string;
}

export type ParseResult = { ok: true; expr: Expr; notes: ParseNote[] } | { ok: false; error: SyntaxError };

/**
 * Functions Prometheus 2.x evaluates that the current grammar no longer has, each with a stand-in of the same
 * length and argument shape, so the expression still parses (and its positions stay) while a note says so.
 */
const REMOVED_FUNCTIONS: Record<string, { standIn: string; message: string }> = {
  holt_winters: { standIn: 'day_of_month', message: 'holt_winters() was removed in Prometheus 3.0; it is double_exponential_smoothing() there (behind --enable-feature=promql-experimental-functions)' },
};

const FUNCTION_NAMES_WITH_RANGE = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets']);
export const RANGE_FUNCTIONS = FUNCTION_NAMES_WITH_RANGE;

function unquote(text: string): string {
  const q = text[0];
  const body = text.slice(1, -1);
  if (q === '`') return body;
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** Child nodes without comments: lezer attaches a LineComment wherever it occurs, between any two tokens. */
function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (!c.type.isSkipped) out.push(c);
  return out;
}

/** The first of the children with this name (one walk over the children serves every lookup of a node). */
function named(kids: readonly SyntaxNode[], name: string): SyntaxNode | undefined {
  for (const c of kids) if (c.name === name) return c;
  return undefined;
}

const BINARY_OPS = new Set(['Pow', 'Mul', 'Div', 'Mod', 'Add', 'Sub', 'Eql', 'Gte', 'Gtr', 'Lte', 'Lss', 'Neq', 'And', 'Or', 'Unless', 'Atan2', 'TrimUpper', 'TrimLower']);

function labelRefs(grouping: SyntaxNode | null | undefined, src: string): LabelRef[] {
  if (!grouping) return [];
  return children(grouping)
    .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
    .map((c) => ({ name: c.name === 'QuotedLabelName' ? unquote(src.slice(c.from, c.to)) : src.slice(c.from, c.to), from: c.from, to: c.to }));
}

class Converter {
  constructor(private readonly src: string) {}

  text(n: SyntaxNode | Span): string {
    return this.src.slice(n.from, n.to);
  }

  convert(node: SyntaxNode): Expr {
    const span = { from: node.from, to: node.to };
    switch (node.name) {
      case 'PromQL': {
        const top = this.exprChildren(node)[0];
        return top ? this.convert(top) : { kind: 'unknown', node: 'PromQL', args: [], ...span };
      }
      case 'NumberDurationLiteral':
        return { kind: 'number', value: Number(this.text(node)), ...span };
      case 'StringLiteral':
        return { kind: 'string', value: unquote(this.text(node)), ...span };
      case 'ParenExpr':
        return { kind: 'paren', expr: this.convert(this.exprChildren(node)[0]!), ...span };
      case 'UnaryExpr': {
        const [op, inner] = [node.firstChild!, this.exprChildren(node)[0]!];
        return { kind: 'unary', op: this.text(op), expr: this.convert(inner), ...span };
      }
      case 'OffsetExpr':
      case 'AnchoredExpr':
      case 'SmoothedExpr':
      case 'StepInvariantExpr':
        // offset, @ and the anchored/smoothed modifiers move or resample time; the series and labels stay.
        return { kind: 'offset', expr: this.convert(this.exprChildren(node)[0]!), ...span };
      case 'VectorSelector':
        return this.selector(node);
      case 'MatrixSelector': {
        const kids = children(node);
        const sel = this.selector(named(kids, 'VectorSelector')!);
        const dur = named(kids, 'DurationExpr');
        if (sel.kind === 'selector' && dur) Object.assign(sel, { range: this.text(dur), rangeSpan: { from: dur.from, to: dur.to } });
        return { ...sel, ...span };
      }
      case 'SubqueryExpr': {
        const kids = children(node);
        const inner = kids.filter(isExprChild)[0]!;
        const [dur, step] = kids.filter((k) => k.name === 'DurationExpr');
        return { kind: 'subquery', expr: this.convert(inner), range: dur ? this.text(dur) : '', step: step ? this.text(step) : '', ...span };
      }
      case 'FunctionCall': {
        const kids = children(node);
        const id = named(kids, 'FunctionIdentifier')!;
        const body = named(kids, 'FunctionCallBody');
        return { kind: 'call', func: this.text(id), funcSpan: { from: id.from, to: id.to }, args: body ? this.exprChildren(body).map((c) => this.convert(c)) : [], ...span };
      }
      case 'AggregateExpr': {
        const kids = children(node);
        const op = named(kids, 'AggregateOp')!;
        const mod = named(kids, 'AggregateModifier');
        const body = named(kids, 'FunctionCallBody');
        const modKids = mod ? children(mod) : [];
        const grouping = mod ? { mode: (named(modKids, 'By') ? 'by' : 'without') as 'by' | 'without', labels: labelRefs(named(modKids, 'GroupingLabels'), this.src) } : undefined;
        return {
          kind: 'aggregate',
          // Keywords are case-insensitive in PromQL (SUM, AND, OR): the tree holds them as Prometheus prints them.
          op: this.text(op).toLowerCase(),
          opSpan: { from: op.from, to: op.to },
          ...(grouping ? { grouping } : {}),
          args: body ? this.exprChildren(body).map((c) => this.convert(c)) : [],
          ...span,
        };
      }
      case 'BinaryExpr': {
        const kids = children(node);
        const exprs = kids.filter(isExprChild);
        const opNode = kids.find((c) => BINARY_OPS.has(c.name));
        const mm = named(kids, 'MatchingModifierClause');

        let matching: Extract<Expr, { kind: 'binary' }>['matching'];
        if (mm) {
          const mmKids = children(mm);
          const groups = mmKids.filter((c) => c.name === 'GroupingLabels');
          const group = named(mmKids, 'GroupLeft') ? 'left' : named(mmKids, 'GroupRight') ? 'right' : undefined;
          matching = {
            mode: named(mmKids, 'On') ? 'on' : 'ignoring',
            labels: labelRefs(groups[0] ?? null, this.src),
            ...(group ? { group } : {}),
            include: labelRefs(groups[1] ?? null, this.src),
          };
        }
        return {
          kind: 'binary',
          op: opNode ? this.text(opNode).toLowerCase() : '?',
          lhs: this.convert(exprs[0]!),
          rhs: this.convert(exprs[1]!),
          bool: named(kids, 'BoolModifier') !== undefined,
          fill: named(kids, 'FillModifier') !== undefined,
          ...(matching ? { matching } : {}),
          ...span,
        };
      }
      default:
        // A node of a newer grammar: keep what is below it (selectors are still checked), its meaning unknown.
        return { kind: 'unknown', node: node.name, args: children(node).filter((c) => !STRUCTURAL_NODES.has(c.name)).map((c) => this.convert(c)), ...span };
    }
  }

  /** Every child that is an expression: known expression nodes and nodes of a newer grammar (not structure). */
  private exprChildren(node: SyntaxNode): SyntaxNode[] {
    return children(node).filter(isExprChild);
  }

  private selector(node: SyntaxNode): Expr {
    const kids = children(node);
    const id = named(kids, 'Identifier');
    const matchers: Matcher[] = [];
    const lm = named(kids, 'LabelMatchers');
    const lmKids = lm ? children(lm) : [];
    if (lm) {
      for (const m of lmKids) {
        if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
        const mKids = children(m);
        const ln = named(mKids, 'LabelName') ?? named(mKids, 'QuotedLabelName');
        const op = named(mKids, 'MatchOp');
        const val = named(mKids, 'StringLiteral');
        if (!ln || !op || !val) continue;
        matchers.push({
          label: ln.name === 'QuotedLabelName' ? unquote(this.text(ln)) : this.text(ln),
          op: this.text(op) as Matcher['op'],
          value: unquote(this.text(val)),
          labelSpan: { from: ln.from, to: ln.to },
          valueSpan: { from: val.from, to: val.to },
          from: m.from,
          to: m.to,
        });
      }
    }
    // {"metric.name", ...}: Prometheus 3's quoted metric name is a bare quoted string among the matchers.
    const quotedName = named(lmKids, 'QuotedLabelName');
    const nameNode = id ?? quotedName;
    let name = id ? this.text(id) : quotedName ? unquote(this.text(quotedName)) : undefined;
    let nameSpan = nameNode ? { from: nameNode.from, to: nameNode.to } : undefined;
    const nameMatcher = matchers.find((m) => m.label === '__name__' && m.op === '=');
    if (!name && nameMatcher) {
      name = nameMatcher.value;
      nameSpan = nameMatcher.valueSpan;
    }
    const nameMatchers = matchers.filter((m) => m.label === '__name__');
    return {
      kind: 'selector',
      ...(name ? { name } : {}),
      ...(nameSpan ? { nameSpan } : {}),
      ...(id ? { nameBeforeBraces: true } : {}),
      matchers: matchers.filter((m) => m.label !== '__name__'),
      ...(nameMatchers.length ? { nameMatchers } : {}),
      from: node.from,
      to: node.to,
    };
  }
}

/** An expression operand among a node's children: a known expression node, or a node of a newer grammar. */
const isExprChild = (c: SyntaxNode): boolean => EXPR_NODES.has(c.name) || !STRUCTURAL_NODES.has(c.name);

const EXPR_NODES = new Set([
  'AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'OffsetExpr', 'ParenExpr',
  'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr',
]);

/**
 * Grammar nodes that are part of an expression's structure (keywords, operators, modifiers, names, durations),
 * never an operand. Every node name of @prometheus-io/lezer-promql is either here, in EXPR_NODES, or a function
 * name under FunctionIdentifier; a test holds the grammar to that, so a newer grammar's node cannot slip through.
 */
export const STRUCTURAL_NODES = new Set([
  'Bool', 'Ignoring', 'On', 'GroupLeft', 'GroupRight', 'Offset', 'Atan2', 'Avg', 'Bottomk', 'Count', 'CountValues', 'Group', 'Max',
  'Min', 'Quantile', 'LimitK', 'LimitRatio', 'Stddev', 'Stdvar', 'Sum', 'Topk', 'By', 'Without', 'And', 'Or', 'Unless', 'StartFn',
  'EndFn', 'AtStart', 'AtEnd', 'Smoothed', 'Anchored', 'Fill', 'FillLeft', 'FillRight', 'LineComment', 'AggregateOp',
  'AggregateModifier', 'GroupingLabels', 'LabelName', 'QuotedLabelName', 'FunctionCallBody', 'Pow', 'BoolModifier',
  'MatchingModifierClause', 'FillModifier', 'FillClause', 'FillLeftClause', 'FillRightClause', 'Mul', 'Div', 'Mod', 'Add',
  'Sub', 'Eql', 'Gte', 'Gtr', 'TrimUpper', 'TrimLower', 'Lte', 'Lss', 'Neq', 'FunctionIdentifier', 'Identifier', 'DurationExpr',
  'UnaryOp', 'DurationStep', 'DurationRange', 'DurationMinOf', 'DurationMaxOf', 'NumberDurationLiteralInDurationContext',
  'OffsetDurationExpr', 'LabelMatchers', 'UnquotedLabelMatcher', 'MatchOp', 'EqlSingle', 'EqlRegex', 'NeqRegex',
  'QuotedLabelMatcher', 'At', 'AtModifierPreprocessors', 'MetricName', 'PromQL', '⚠', 'Range', 'Step',
]);

/** Parses a PromQL expression; a syntax error comes back with the span where the grammar gave up. */
export function parsePromQL(src: string): ParseResult {
  if (src.trim() === '') return { ok: false, error: { message: 'empty expression', from: 0, to: Math.max(1, src.length) } };
  const notes: ParseNote[] = [];
  let text = src;
  for (const [name, r] of Object.entries(REMOVED_FUNCTIONS)) {
    for (const m of src.matchAll(new RegExp(`\\b${name}(?=\\s*\\()`, 'g'))) {
      text = text.slice(0, m.index) + r.standIn + text.slice(m.index + name.length);
      notes.push({ check: 'promql/deprecated', message: r.message, from: m.index, to: m.index + name.length });
    }
  }
  const tree = parser.parse(text);
  let error: SyntaxError | undefined;
  tree.iterate({
    enter: (n) => {
      if (error) return false;
      const known = EXPR_NODES.has(n.name) || STRUCTURAL_NODES.has(n.name) || n.node.parent?.name === 'FunctionIdentifier';
      if (!known && !n.type.isError) {
        notes.push({ check: 'promql/unsupported', message: `devskyy-mon does not know the grammar node ${n.name}; checks that depend on it may be incomplete`, from: n.from, to: Math.max(n.to, n.from + 1) });
      }
      // The grammar parses a range on any expression; Prometheus' parser refuses it on anything but a selector.
      if (n.name === 'MatrixSelector' && !n.node.getChild('VectorSelector')) {
        error = { message: 'ranges only allowed for vector selectors (a range of an expression is a subquery: expr[5m:1m])', from: n.from, to: n.to };
        return false;
      }
      if (n.type.isError) {
        const from = Math.min(n.from, src.length - 1);
        const found = n.from >= src.length ? 'end of expression' : JSON.stringify(src.slice(n.from, Math.max(n.to, n.from + 1)));
        // name( where name is no function of the grammar: say so at the name (MetricsQL's histogram_share, a typo).
        const call = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(src.slice(0, n.from));
        if (src[n.from] === '(' && call && !/^(by|without|on|ignoring|group_left|group_right|bool|offset)$/i.test(call[1]!)) {
          error = { message: `unknown function ${call[1]}() (not a PromQL function)`, from: call.index, to: call.index + call[1]!.length };
        } else error = { message: `unexpected ${found}`, from: Math.max(0, from), to: Math.max(from + 1, n.to) };
        return false;
      }
      return undefined;
    },
  });
  if (error) {
    const operators = src.match(BINARY_OPERATOR)?.length ?? 0;
    if (operators >= LEZER_CHAIN_LIMIT && error.message.startsWith('unexpected')) {
      return { ok: false, error: { message: `this expression chains ${operators} operators, more than the PromQL grammar library reads (${LEZER_CHAIN_LIMIT}); its own checks are skipped (promtool still checks its syntax)`, from: 0, to: Math.max(1, src.length), beyondParser: true } };
    }
    return { ok: false, error };
  }
  return { ok: true, expr: new Converter(src).convert(tree.topNode), notes };
}

/**
 * Calls fn for every node, parents first. `parents` is the path from the root, valid during the call only (one
 * array is reused for the whole walk, so a walk costs no allocation per node).
 */
export function walk(expr: Expr, fn: (e: Expr, parents: readonly Expr[]) => void, parents: Expr[] = []): void {
  fn(expr, parents);
  parents.push(expr);
  switch (expr.kind) {
    case 'call':
    case 'aggregate':
    case 'unknown':
      for (const a of expr.args) walk(a, fn, parents);
      break;
    case 'binary':
      walk(expr.lhs, fn, parents);
      walk(expr.rhs, fn, parents);
      break;
    case 'paren':
    case 'unary':
    case 'subquery':
    case 'offset':
      walk(expr.expr, fn, parents);
      break;
    default:
      break;
  }
  parents.pop();
}

export function selectors(expr: Expr): Extract<Expr, { kind: 'selector' }>[] {
  const out: Extract<Expr, { kind: 'selector' }>[] = [];
  walk(expr, (e) => {
    if (e.kind === 'selector') out.push(e);
  });
  return out;
}

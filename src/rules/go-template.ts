// A reader of Go text/template as Prometheus parses alert labels and annotations: the whole syntax Go accepts
// (actions with trim markers, comments, pipelines, parenthesised commands, variables with := and =, if/else
// if/with/else with/range with break and continue, define/template/block), reporting what Go's parser would
// refuse, at its offset, and every $labels.x / .Labels.x / index $labels "x" it reads. Reference: Go's
// text/template/parse (lex.go, parse.go) and Prometheus' template.go (the functions and the variables it defines).

export interface TemplateIssue {
  message: string;
  from: number;
  to: number;
}

export interface LabelRef {
  name: string;
  from: number;
  to: number;
}

export interface TemplateScan {
  errors: TemplateIssue[];
  labels: LabelRef[];
}

/** Go's builtins (text/template/funcs.go). */
const GO_BUILTINS = ['and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery', 'eq', 'ge', 'gt', 'le', 'lt', 'ne'];
/** Prometheus' template functions (template/template.go), across 2.x and 3.x. */
const PROMETHEUS_FUNCS = [
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper', 'toLower', 'graphLink',
  'tableLink', 'sortByLabel', 'humanize', 'humanize1024', 'humanizeDuration', 'humanizePercentage', 'humanizeTimestamp', 'toTime',
  'toDuration', 'parseDuration', 'pathPrefix', 'externalURL', 'now', 'stripPort', 'stripDomain', 'urlQueryEscape',
];
export const ALERT_TEMPLATE_FUNCS: ReadonlySet<string> = new Set([...GO_BUILTINS, ...PROMETHEUS_FUNCS]);
/**
 * Alertmanager's notification template functions (template/template.go DefaultFuncs), across 0.25 to 0.28:
 * receiver fields such as Slack's channel and email's to/from are templates read with these.
 */
const ALERTMANAGER_FUNCS = ['toUpper', 'toLower', 'title', 'trimSpace', 'join', 'match', 'safeHtml', 'safeUrl', 'urlUnescape', 'reReplaceAll', 'stringSlice', 'date', 'tz', 'since', 'humanizeDuration', 'toJson'];
export const NOTIFICATION_TEMPLATE_FUNCS: ReadonlySet<string> = new Set([...GO_BUILTINS, ...ALERTMANAGER_FUNCS]);
/** Prometheus prepends {{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}. */
export const ALERT_TEMPLATE_VARS: readonly string[] = ['$labels', '$externalLabels', '$externalURL', '$value'];

type TokKind = 'ident' | 'field' | 'var' | 'string' | 'char' | 'number' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'dot';

interface Tok {
  kind: TokKind;
  text: string;
  from: number;
  to: number;
  /** No space before it: `.x` right after a variable, field or ')' chains onto it. */
  adjacent: boolean;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);

interface Frame {
  kind: 'if' | 'with' | 'range' | 'define' | 'block';
  at: number;
  /** Variables declared up to this frame's opening (restored at its end). */
  scopeSize: number;
  sawElse: boolean;
}

class Reader {
  readonly errors: TemplateIssue[] = [];
  readonly labels: LabelRef[] = [];
  private vars: string[];
  private readonly frames: Frame[] = [];
  private readonly rootVars: string[];

  constructor(
    private readonly text: string,
    private readonly funcs: ReadonlySet<string>,
    vars: readonly string[],
  ) {
    this.rootVars = ['$', ...vars];
    this.vars = [...this.rootVars];
  }

  private fail(message: string, from: number, to = from + 1): void {
    this.errors.push({ message, from, to: Math.max(to, from + 1) });
  }

  run(): void {
    const t = this.text;
    let i = 0;
    while (i < t.length) {
      const open = t.indexOf('{{', i);
      if (open < 0) break;
      const end = this.action(open);
      if (end < 0) return; // unclosed: nothing after it can be read
      i = end;
    }
    for (const f of this.frames.reverse()) this.fail(`unexpected EOF: {{${f.kind}}} has no {{end}}`, f.at, f.at + 2);
  }

  /** Reads one action starting at `open`; returns the offset after its `}}`, or -1 when it never closes. */
  private action(open: number): number {
    const t = this.text;
    let i = open + 2;
    if (t[i] === '-' && isSpace(t[i + 1])) i += 2; // left trim marker
    // A comment starts right after the delimiter (and its trim marker): "{{ /*" is not one, as in Go.
    if (t.startsWith('/*', i)) {
      const close = t.indexOf('*/', i + 2);
      if (close < 0) {
        this.fail('unclosed comment', i, i + 2);
        return -1;
      }
      let j = close + 2;
      if (isSpace(t[j]) && t[j + 1] === '-' && t.startsWith('}}', j + 2)) j += 2;
      if (!t.startsWith('}}', j)) {
        this.fail('comment ends before closing delimiter', close, close + 2);
        const next = t.indexOf('}}', j);
        return next < 0 ? -1 : next + 2;
      }
      return j + 2;
    }
    const toks: Tok[] = [];
    let spaced = true;
    for (;;) {
      if (i >= t.length) {
        this.fail('unclosed action: add "}}"', open, open + 2);
        return -1;
      }
      const c = t[i]!;
      if (isSpace(c)) {
        // " -}}" is a right trim marker.
        if (t[i + 1] === '-' && t.startsWith('}}', i + 2)) {
          i += 4;
          break;
        }
        i++;
        spaced = true;
        continue;
      }
      if (t.startsWith('}}', i)) {
        i += 2;
        break;
      }
      const start = i;
      const push = (kind: TokKind, to: number) => {
        toks.push({ kind, text: t.slice(start, to), from: start, to, adjacent: !spaced });
        i = to;
        spaced = false;
      };
      if (c === '"') {
        let j = i + 1;
        while (j < t.length && t[j] !== '"' && t[j] !== '\n') j += t[j] === '\\' ? 2 : 1;
        if (t[j] !== '"') {
          this.fail('unterminated quoted string', start, j);
          const next = t.indexOf('}}', j);
          return next < 0 ? -1 : next + 2;
        }
        push('string', j + 1);
      } else if (c === '`') {
        const j = t.indexOf('`', i + 1);
        if (j < 0) {
          this.fail('unterminated raw quoted string', start);
          return -1;
        }
        push('string', j + 1);
      } else if (c === "'") {
        let j = i + 1;
        while (j < t.length && t[j] !== "'" && t[j] !== '\n') j += t[j] === '\\' ? 2 : 1;
        if (t[j] !== "'") {
          this.fail('unterminated character constant', start, j);
          const next = t.indexOf('}}', j);
          return next < 0 ? -1 : next + 2;
        }
        push('char', j + 1);
      } else if (c === '|') push('pipe', i + 1);
      else if (c === '(') push('lparen', i + 1);
      else if (c === ')') push('rparen', i + 1);
      else if (c === ',') push('comma', i + 1);
      else if (c === ':' && t[i + 1] === '=') push('declare', i + 2);
      else if (c === '=') push('assign', i + 1);
      else if (c === '$') {
        let j = i + 1;
        while (isAlnum(t[j])) j++;
        push('var', j);
      } else if (c === '.' && !/[0-9]/.test(t[i + 1] ?? '')) {
        let j = i + 1;
        while (isAlnum(t[j])) j++;
        push(j === i + 1 ? 'dot' : 'field', j);
      } else if (/[0-9+\-.]/.test(c)) {
        let j = i + 1;
        while (j < t.length && /[0-9a-zA-Z_.+\-]/.test(t[j]!) && !(t[j] === '-' && !/[eEpP]/.test(t[j - 1]!))) j++;
        const num = t.slice(i, j);
        if (!/^[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?\d+)?|0[bB][01_]+|0[oO]?[0-7_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?i?|\d[\d_]*\.)$/.test(num)) this.fail(`bad number syntax: "${num}"`, start, j);
        push('number', j);
      } else if (isAlnum(c)) {
        let j = i + 1;
        while (isAlnum(t[j])) j++;
        push('ident', j);
      } else {
        this.fail(`unexpected "${c}" in command`, start);
        const next = t.indexOf('}}', i);
        return next < 0 ? -1 : next + 2;
      }
    }
    this.statement(toks, open);
    return i;
  }

  private statement(toks: Tok[], open: number): void {
    const head = toks[0];
    if (!head) {
      this.fail('missing value for command', open, open + 2);
      return;
    }
    const word = head.kind === 'ident' && KEYWORDS.has(head.text) ? head.text : undefined;
    const rest = toks.slice(1);
    switch (word) {
      case 'if':
      case 'with':
      case 'range':
        this.frames.push({ kind: word, at: head.from, scopeSize: this.vars.length, sawElse: false });
        this.pipeline(rest, word, head, word === 'range' ? 2 : 1);
        return;
      case 'else': {
        const f = this.frames.at(-1);
        if (!f || (f.kind !== 'if' && f.kind !== 'with' && f.kind !== 'range')) {
          this.fail('unexpected {{else}}', head.from, head.to);
          return;
        }
        if (f.sawElse) this.fail('{{else}} after {{else}}', head.from, head.to);
        const chained = rest[0]?.kind === 'ident' && (rest[0].text === 'if' || rest[0].text === 'with') ? rest[0] : undefined;
        if (chained) this.pipeline(rest.slice(1), chained.text, chained, 1);
        else {
          f.sawElse = true;
          if (rest.length) this.fail(`unexpected ${describe(rest[0]!)} in else`, rest[0]!.from, rest[0]!.to);
        }
        return;
      }
      case 'end': {
        const f = this.frames.pop();
        if (!f) this.fail('unexpected {{end}}', head.from, head.to);
        else if (f.kind === 'define' || f.kind === 'block') this.vars = this.savedVars.pop() ?? [...this.rootVars];
        else this.vars.length = f.scopeSize;
        if (rest.length) this.fail(`unexpected ${describe(rest[0]!)} in end`, rest[0]!.from, rest[0]!.to);
        return;
      }
      case 'break':
      case 'continue':
        if (!this.frames.some((f) => f.kind === 'range')) this.fail(`{{${word}}} outside {{range}}`, head.from, head.to);
        if (rest.length) this.fail(`unexpected ${describe(rest[0]!)} in ${word}`, rest[0]!.from, rest[0]!.to);
        return;
      case 'define':
      case 'block':
      case 'template': {
        const name = rest[0];
        if (!name || name.kind !== 'string') {
          this.fail(`${word} needs a quoted template name`, (name ?? head).from, (name ?? head).to);
          return;
        }
        if (word === 'define') {
          if (this.frames.length) this.fail('{{define}} is only allowed at the top level', head.from, head.to);
          if (rest.length > 1) this.fail(`unexpected ${describe(rest[1]!)} in define clause`, rest[1]!.from, rest[1]!.to);
          this.enterDefinition('define', head);
          return;
        }
        if (rest.length > 1) this.pipeline(rest.slice(1), word, head, 0);
        else if (word === 'block') this.fail('missing value for block', head.from, head.to);
        if (word === 'block') this.enterDefinition('block', head);
        return;
      }
      default:
        this.pipeline(toks, 'command', head, 0);
    }
  }

  private readonly savedVars: string[][] = [];

  /** define/block bodies see only "$" (the data they are called with), never the caller's variables. */
  private enterDefinition(kind: 'define' | 'block', head: Tok): void {
    this.savedVars.push(this.vars);
    this.frames.push({ kind, at: head.from, scopeSize: 1, sawElse: false });
    this.vars = ['$'];
  }

  /** A pipeline: optional declaration ($x := / $x = / $i, $e :=), then commands separated by |. */
  private pipeline(toks: Tok[], context: string, head: Tok, maxDecl: number): void {
    let k = 0;
    const declared: Tok[] = [];
    // Declarations: $x := ..., $x = ..., and in range $i, $e := ...
    if (toks[0]?.kind === 'var') {
      if (toks[1]?.kind === 'declare' || toks[1]?.kind === 'assign') {
        declared.push(toks[0]);
        k = 2;
      } else if (toks[1]?.kind === 'comma' && toks[2]?.kind === 'var' && (toks[3]?.kind === 'declare' || toks[3]?.kind === 'assign')) {
        declared.push(toks[0], toks[2]);
        k = 4;
        if (maxDecl < 2) this.fail(`too many declarations in ${context}`, toks[1]!.from, toks[1]!.to);
      }
    }
    // Go's parser adds the variable for `=` as for `:=` (an undeclared one fails only when executed).
    const body = toks.slice(k);
    if (!body.length) {
      this.fail(`missing value for ${context}`, head.from, head.to);
    } else {
      let stage = 0;
      let cmd: Tok[] = [];
      const flush = (at: Tok) => {
        if (!cmd.length) this.fail('missing command in pipeline', at.from, at.to);
        else this.command(cmd, stage);
        stage++;
        cmd = [];
      };
      let depth = 0;
      for (const tk of body) {
        if (tk.kind === 'lparen') depth++;
        if (tk.kind === 'rparen') depth--;
        if (tk.kind === 'pipe' && depth === 0) flush(tk);
        else cmd.push(tk);
      }
      flush(body[body.length - 1]!);
    }
    // Declared after the pipeline is read: `{{$x := $x}}` reads the outer $x.
    for (const v of declared) this.vars.push(v.text);
  }

  private useVar(v: Tok): void {
    if (!this.vars.includes(v.text)) this.fail(`undefined variable "${v.text}"`, v.from, v.to);
  }

  /** One command: operands (the first may be a function), with parenthesised pipelines inside. */
  private command(toks: Tok[], stage: number): void {
    let i = 0;
    const first = toks[0]!;
    while (i < toks.length) {
      const tk = toks[i]!;
      switch (tk.kind) {
        case 'lparen': {
          let depth = 1;
          let j = i + 1;
          while (j < toks.length && depth) {
            if (toks[j]!.kind === 'lparen') depth++;
            else if (toks[j]!.kind === 'rparen') depth--;
            if (depth) j++;
          }
          if (depth) {
            this.fail('unclosed left paren', tk.from, tk.to);
            return;
          }
          this.pipeline(toks.slice(i + 1, j), 'parenthesized pipeline', tk, 0);
          i = j + 1;
          break;
        }
        case 'rparen':
          this.fail('unexpected right paren', tk.from, tk.to);
          i++;
          break;
        case 'ident':
          if (KEYWORDS.has(tk.text)) this.fail(`unexpected <${tk.text}> in command`, tk.from, tk.to);
          else if (tk.text === 'true' || tk.text === 'false') {
            /* boolean constant */
          } else if (tk.text === 'nil') {
            /* "nil is not a command" is an execution error, not a parse error */
          } else if (!this.funcs.has(tk.text)) this.fail(`function "${tk.text}" not defined`, tk.from, tk.to);
          i++;
          break;
        case 'var':
          this.useVar(tk);
          i++;
          this.labelChain(tk, toks, i);
          break;
        case 'field':
          // .Labels.x at the top level, where dot is the alert data.
          if (tk.text === '.Labels' && !tk.adjacent && !this.frames.some((f) => f.kind === 'with' || f.kind === 'range' || f.kind === 'define' || f.kind === 'block')) this.labelChain(tk, toks, i + 1);
          i++;
          break;
        case 'declare':
        case 'assign':
        case 'comma':
          this.fail(`unexpected "${tk.text}" in command`, tk.from, tk.to);
          i++;
          break;
        default:
          i++;
      }
      // Fields chained on the operand (`$x.a.b`, `(...).a`) belong to it.
      while (i < toks.length && toks[i]!.kind === 'field' && toks[i]!.adjacent) i++;
    }
    if (stage > 0 && (first.kind === 'string' || first.kind === 'number' || first.kind === 'char' || (first.kind === 'ident' && (first.text === 'true' || first.text === 'false' || first.text === 'nil')))) {
      this.fail(`non executable command in pipeline stage ${stage + 1}`, first.from, first.to);
    }
    // index $labels "x" / index .Labels "x"
    if (first.kind === 'ident' && first.text === 'index' && toks.length >= 3) {
      const base = toks[1]!;
      const key = toks[2]!;
      const isLabels = (base.kind === 'var' && base.text === '$labels') || (base.kind === 'field' && base.text === '.Labels');
      if (isLabels && key.kind === 'string' && !(toks[2]!.adjacent)) this.labels.push({ name: unquoteGo(key.text), from: key.from + 1, to: key.to - 1 });
    }
  }

  /** $labels.x (and .Labels.x): the label name right after. */
  private labelChain(base: Tok, toks: Tok[], next: number): void {
    const f = toks[next];
    if (base.text !== '$labels' && base.text !== '.Labels') return;
    if (f?.kind === 'field' && f.adjacent) this.labels.push({ name: f.text.slice(1), from: f.from + 1, to: f.to });
  }
}

function describe(t: Tok): string {
  return t.kind === 'ident' ? `<${t.text}>` : `"${t.text}"`;
}

function unquoteGo(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
}

/** Reads a template as Go's parser would, with Prometheus' alert functions and variables defined. */
export function scanGoTemplate(text: string, funcs: ReadonlySet<string> = ALERT_TEMPLATE_FUNCS, vars: readonly string[] = ALERT_TEMPLATE_VARS): TemplateScan {
  if (!text.includes('{{')) return { errors: [], labels: [] };
  const r = new Reader(text, funcs, vars);
  r.run();
  // Go stops at its first error; so do we, so one mistake is one finding.
  return { errors: r.errors.slice(0, 1), labels: r.labels };
}

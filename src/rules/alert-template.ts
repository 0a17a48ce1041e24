// Expands the subset of Prometheus alert templates that generated tests need: {{ $value }}, {{ $labels.x }},
// pipes into humanize*, toUpper/toLower/title and printf with %f/%g/%s/%d. Anything else is reported as
// unsupported, and the generator leaves that alert's annotations to a firing-only check instead of guessing.
import { goF, goG, goV, humanize, humanize1024, humanizeDuration, humanizePercentage } from './go-format.js';
import { dict } from '../util/dict.js';
import { actions } from './template-actions.js';

export class TemplateUnsupported extends Error {}

type TValue = number | string;

const FUNCS: Readonly<Record<string, (v: TValue) => string>> = dict({
  humanize: (v) => humanize(Number(v)),
  humanize1024: (v) => humanize1024(Number(v)),
  humanizeDuration: (v) => humanizeDuration(Number(v)),
  humanizePercentage: (v) => humanizePercentage(Number(v)),
  toUpper: (v) => String(v).toUpperCase(),
  toLower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
});

function printf(format: string, args: TValue[]): string {
  let i = 0;
  return format.replace(/%(\.(\d+))?([fgsdv%])/g, (_m, _p, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (a === undefined) return `%!${verb}(MISSING)`;
    if (verb === 'f') return goF(Number(a), prec === undefined ? 6 : Number(prec));
    if (verb === 'g') return prec === undefined ? goV(Number(a)) : goG(Number(a), Number(prec));
    if (verb === 'd') return String(Math.trunc(Number(a)));
    return typeof a === 'number' ? goV(a) : a;
  });
}

function operand(tok: string, labels: Record<string, string>, value: number): TValue {
  if (tok === '$value' || tok === '.Value') return value;
  const lm = /^(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(tok);
  if (lm) return labels[lm[1]!] ?? '';
  if (/^"(?:[^"\\]|\\.)*"$/.test(tok)) return JSON.parse(tok) as string;
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  throw new TemplateUnsupported(`template operand ${tok}`);
}

function tokens(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|[^\s|]+|\|/g) ?? [];
}

function evalCommand(words: string[], labels: Record<string, string>, value: number, piped?: TValue): TValue {
  const [head, ...rest] = words;
  if (head === undefined) throw new TemplateUnsupported('empty command');
  if (head === 'printf') {
    const [fmt, ...args] = rest.map((w) => operand(w, labels, value));
    return printf(String(fmt), piped === undefined ? args : [...args, piped]);
  }
  const fn = FUNCS[head];
  if (fn) {
    const args = rest.map((w) => operand(w, labels, value));
    const arg = piped ?? args[0];
    if (arg === undefined) throw new TemplateUnsupported(`${head} without argument`);
    return fn(arg);
  }
  if (rest.length || piped !== undefined) throw new TemplateUnsupported(`function ${head}`);
  return operand(head, labels, value);
}

/** Expands an alert template with the alert's labels and value, as Prometheus would. */
export function expandAlertTemplate(text: string, labels: Record<string, string>, value: number): string {
  let out = '';
  let last = 0;
  for (const a of actions(text)) {
    out += text.slice(last, a.from) + expandAction(a.body.replace(/^-?\s*/, '').replace(/\s*-?$/, ''), labels, value);
    last = a.to;
  }
  return out + text.slice(last);
}

function expandAction(body: string, labels: Record<string, string>, value: number): string {
  const commands: string[][] = [[]];
  for (const w of tokens(body)) {
    if (w === '|') commands.push([]);
    else commands[commands.length - 1]!.push(w);
  }
  let acc: TValue | undefined;
  for (const c of commands) acc = evalCommand(c, labels, value, acc);
  return typeof acc === 'number' ? goV(acc) : String(acc ?? '');
}

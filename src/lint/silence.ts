// Silencing findings: --disable CHECK, --min-severity, and comments in the rule file itself.
//
// Comment forms (the prefix is "devskyy-mon" or pint's "pint"; CHECK is one of our check ids, a family such as
// "promql/*", or one of the pint check names mapped below; several may follow, separated by spaces or commas):
//   # devskyy-mon disable CHECK        in a rule (also inside its PromQL) or in the comment lines right above it:
//                                      that rule only
//   # devskyy-mon file/disable CHECK   anywhere: the whole file
//   # devskyy-mon ignore/line          at the end of a line: every finding on that line
//   # devskyy-mon ignore/next-line     on a line of its own: every finding on the next line
//   # devskyy-mon ignore/file          anywhere: no finding in this file
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { RuleFile } from './rule-file.js';
import { CHECKS, severityOf } from './checks.js';
import { didYouMean } from '../util/suggest.js';

/** pint's check names that mean one of ours, so comments written for pint keep working. */
const PINT_CHECKS: Record<string, string[]> = {
  'promql/syntax': ['promql/syntax'],
  'promql/regexp': ['promql/regex'],
  'promql/rate': ['promql/rate-on-gauge', 'promql/counter-without-rate'],
  'promql/counter': ['promql/counter-without-rate'],
  'promql/series': ['promql/unknown-metric', 'promql/unknown-label', 'promql/label-value'],
  'promql/aggregate': ['promql/dropped-label'],
  'promql/range_query': ['promql/range-too-short'],
  'promql/vector_matching': ['promql/vector-matching'],
  'alerts/for': ['alert/for-missing', 'alert/for-too-short'],
  'alerts/template': ['alert/template-syntax', 'alert/template-label'],
  'alerts/annotation': ['alert/summary-missing', 'alert/description-missing'],
  'rule/label': ['alert/severity-missing', 'alert/severity-unknown'],
  'rule/duplicate': ['rules/duplicate-alert'],
};

/** Whether a check id matches a pattern: the id itself or a family "promql/*". */
export function checkMatches(id: string, pattern: string): boolean {
  return id === pattern || (pattern.endsWith('/*') && id.startsWith(pattern.slice(0, -1)));
}

const DIRECTIVE = /#\s*(?:devskyy-mon|pint)\s+(disable|file\/disable|ignore\/line|ignore\/next-line|ignore\/file)\b([^#\n]*)/;
/** Any other `# pint …` / `# devskyy-mon …` verb (pint's ignore/begin, snooze, rule/set …). */
const OTHER_DIRECTIVE = /#\s*(?:devskyy-mon|pint)\s+([a-z][\w/-]*)/;

interface Directives {
  file: string[];
  ignoreFile: boolean;
  lines: Set<number>;
  /** 1-based line of the directive -> patterns. */
  rule: { line: number; patterns: string[] }[];
  /** Directives that silence nothing: a check name no check has, or a pint verb devskyy-mon does not read. */
  unread: { line: number; column: number; text: string; message: string }[];
}

/** The check names a directive lists (pint's `check(argument)` form read as the check). */
function namesIn(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((p) => p.replace(/\(.*\)$/, '').trim())
    .filter(Boolean);
}

function patternsOf(text: string): string[] {
  return namesIn(text).flatMap((p) => [p, ...(PINT_CHECKS[p] ?? [])]);
}

/** A check name our checks or pint's (mapped to ours) answer to. */
const knownPattern = (p: string): boolean => p in PINT_CHECKS || CHECKS.some((c) => checkMatches(c.id, p));

function readDirectives(text: string): Directives {
  const d: Directives = { file: [], ignoreFile: false, lines: new Set(), rule: [], unread: [] };
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) {
      const other = OTHER_DIRECTIVE.exec(line);
      if (other) d.unread.push({ line: i + 1, column: other.index + 1, text: other[0], message: `"${other[1]}" is not a directive devskyy-mon reads (it reads disable, file/disable, ignore/line, ignore/next-line, ignore/file); nothing is silenced by it` });
      return;
    }
    for (const p of namesIn(m[2] ?? '')) {
      if (knownPattern(p)) continue;
      const at = line.indexOf(p, m.index);
      d.unread.push({ line: i + 1, column: at + 1, text: p, message: `no check is called "${p}"${didYouMean(p, CHECKS.map((c) => c.id))}; nothing is silenced by it` });
    }
    const patterns = patternsOf(m[2] ?? '');
    switch (m[1]) {
      case 'file/disable':
        d.file.push(...patterns);
        break;
      case 'ignore/file':
        d.ignoreFile = true;
        break;
      case 'ignore/line':
        d.lines.add(i + 1);
        break;
      case 'ignore/next-line':
        d.lines.add(i + 2);
        break;
      default:
        d.rule.push({ line: i + 1, patterns });
    }
  });
  return d;
}

/** Each rule's lines, widened upward over the comment lines right above it (where pint reads its comments). */
function ruleRanges(file: RuleFile): { from: number; to: number }[] {
  const lines = file.source.text.split('\n');
  const out: { from: number; to: number }[] = [];
  for (const g of file.groups) {
    for (const r of g.rules) {
      const span = g.source.locate(r.at.rule);
      if (!('start' in span)) continue;
      let from = span.start.line;
      while (from > 1 && /^\s*#/.test(lines[from - 2] ?? '')) from--;
      // A block's end position is the start of the next line when the rule ends with a newline.
      const to = span.end.column === 1 && span.end.line > span.start.line ? span.end.line - 1 : span.end.line;
      out.push({ from, to });
    }
  }
  return out;
}

/** The rule range holding a line (ranges sorted by start, not overlapping): a binary search. */
function rangeAt(ranges: readonly { from: number; to: number }[], line: number): { from: number; to: number } | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (line < r.from) hi = mid - 1;
    else if (line > r.to) lo = mid + 1;
    else return r;
  }
  return undefined;
}

export interface SilenceOptions {
  disable?: readonly string[];
  minSeverity?: Severity;
}

/** Drops the findings the options and the files' comments silence. */
export function silence(diagnostics: readonly Diagnostic[], ruleFiles: readonly RuleFile[], options: SilenceOptions): Diagnostic[] {
  const byFile = new Map<string, { d: Directives; ranges: { from: number; to: number }[] }>();
  for (const f of ruleFiles) {
    // Directives are rare: only a file that has one pays for reading them and its rules' line ranges.
    if (!/#\s*(?:devskyy-mon|pint)\s/.test(f.source.text)) continue;
    const d = readDirectives(f.source.text);
    byFile.set(f.source.file, { d, ranges: d.rule.length ? ruleRanges(f).sort((a, b) => a.from - b.from) : [] });
  }
  const unread: Diagnostic[] = [...byFile].flatMap(([file, { d }]) =>
    d.unread.map((u) => ({ file, severity: severityOf('lint/directive'), check: 'lint/directive', message: u.message, start: { line: u.line, column: u.column }, end: { line: u.line, column: u.column + u.text.length } })),
  );
  return [...diagnostics, ...unread].filter((diag) => {
    if (options.minSeverity === 'error' && diag.severity !== 'error') return false;
    if (options.disable?.some((p) => checkMatches(diag.check, p))) return false;
    const f = byFile.get(diag.file);
    if (!f) return true;
    if (f.d.ignoreFile) return false;
    if (f.d.file.some((p) => checkMatches(diag.check, p))) return false;
    const line = diag.start?.line;
    if (line === undefined) return true;
    if (f.d.lines.has(line)) return false;
    const rule = rangeAt(f.ranges, line);
    if (!rule) return true;
    return !f.d.rule.some((x) => x.line >= rule.from && x.line <= rule.to && x.patterns.some((p) => checkMatches(diag.check, p)));
  });
}

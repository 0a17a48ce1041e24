import type { Diagnostic } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';

/** Source texts by file name, so a diagnostic can quote its line. */
export type Sources = ReadonlyMap<string, string>;

type Width = (text: string) => number;

/**
 * Printable ASCII, tabs and carriage returns: each printable character draws one column, tab and CR none (as
 * string-width counts them). Other control characters may start ANSI sequences, which string-width strips.
 */
const PLAIN_ASCII = /^[\t\r\x20-\x7e]*$/;
const asciiWidth: Width = (text) => text.length - (text.match(/[\t\r]/g)?.length ?? 0);

function caretLine(lineText: string, d: Diagnostic, stringWidth: Width): string {
  const start = d.start!.column;
  const sameLine = d.end && d.end.line === d.start!.line;
  const endCol = sameLine ? Math.max(d.end!.column, start + 1) : lineText.length + 1;
  const width = Math.max(1, Math.min(endCol, lineText.length + 1) - start);
  // Columns count UTF-16 code units (as TypeScript and LSP do); the caret goes where the terminal shows the
  // text: tabs kept, every other character as wide as it is drawn (CJK and emoji 2, combining marks 0).
  const pad = lineText
    .slice(0, start - 1)
    .split('\t')
    .map((part) => ' '.repeat(stringWidth(part)))
    .join('\t');
  return pad + '^'.repeat(Math.max(1, stringWidth(lineText.slice(start - 1, start - 1 + width))));
}

/**
 * Compiler-style text: `file:line:col: severity [check] message`, the source line and a caret. Async because
 * string-width (whose Intl.Segmenter costs about 25 ms of CPU to set up) is loaded only when a quoted line holds
 * more than printable ASCII, tabs and carriage returns.
 */
export async function formatText(diags: readonly Diagnostic[], sources: Sources): Promise<string> {
  const out: string[] = [];
  let width: Width | undefined;
  const widthFor = async (lineText: string): Promise<Width> => (PLAIN_ASCII.test(lineText) ? asciiWidth : (width ??= (await import('string-width')).default));
  // Each file split into lines once: a rule file of 10,000 rules has thousands of findings.
  const linesOf = new Map<string, string[]>();
  const lines = (file: string): string[] | undefined => {
    let l = linesOf.get(file);
    const text = sources.get(file);
    if (!l && text !== undefined) linesOf.set(file, (l = text.split('\n')));
    return l;
  };
  for (const d of sortDiagnostics(diags)) {
    const where = d.start ? `${d.file}:${d.start.line}:${d.start.column}` : d.file;
    out.push(`${where}: ${d.severity} [${d.check}] ${d.message}`);
    const fileLines = lines(d.file);
    if (d.start && fileLines !== undefined) {
      const lineText = fileLines[d.start.line - 1];
      if (lineText !== undefined) {
        const gutter = String(d.start.line);
        out.push(`  ${gutter} | ${lineText.replace(/\r$/, '')}`);
        out.push(`  ${' '.repeat(gutter.length)} | ${caretLine(lineText, d, await widthFor(lineText))}`);
      }
    }
    if (d.hint) out.push(`  = ${d.hint}`);
  }
  out.push(summaryLine(diags));
  return out.join('\n') + '\n';
}

export function summaryLine(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (diags.length === 0) return 'no problems found';
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

export function formatJson(diags: readonly Diagnostic[]): string {
  const list = sortDiagnostics(diags);
  const errors = list.filter((d) => d.severity === 'error').length;
  return JSON.stringify({ errors, warnings: list.length - errors, diagnostics: list }, null, 2) + '\n';
}

/** GitHub Actions workflow commands, so problems show inline on pull requests. */
export function formatGithub(diags: readonly Diagnostic[]): string {
  // GitHub's workflow commands (actions/toolkit, command.ts): data escapes % CR LF; property values also : and ,.
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return (
    sortDiagnostics(diags)
      .map((d) => {
        const pos = d.start ? `,line=${d.start.line},col=${d.start.column}` : '';
        return `::${d.severity} file=${prop(d.file)}${pos},title=${prop(d.check)}::${esc(d.message)}`;
      })
      .join('\n') + (diags.length ? '\n' : '')
  );
}

export type OutputFormat = 'text' | 'json' | 'github';

export async function formatDiagnostics(format: OutputFormat, diags: readonly Diagnostic[], sources: Sources): Promise<string> {
  if (format === 'json') return formatJson(diags);
  if (format === 'github') return formatGithub(diags);
  return formatText(diags, sources);
}

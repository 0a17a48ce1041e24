// Runs Prometheus' own promtool and maps what it says into our diagnostics: every finding whole, at its position,
// and, where the installed promtool is older than the syntax a rule uses, a plain statement of that.
import { EnvironmentError } from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { findBinary, installHint } from '../util/binaries.js';

// execa loads about 100 modules: it is imported where promtool runs, so `lint-alerts --no-promtool` does not pay for it.
const loadExeca = async () => (await import('execa')).execa;

export async function promtoolPath(): Promise<string> {
  const p = process.env['PROMTOOL'] || (await findBinary(['promtool']));
  if (!p) throw new EnvironmentError(`promtool is not installed. ${installHint('promtool')}`);
  return p;
}

const versions = new Map<string, string>();

/** The version promtool reports (e.g. "2.42.0"), or "unknown". */
export async function promtoolVersion(bin: string): Promise<string> {
  const known = versions.get(bin);
  if (known) return known;
  const execa = await loadExeca();
  const r = await execa(bin, ['--version'], { reject: false, all: true });
  const v = /version (\d+\.\d+\.\d+)/.exec(String(r.all ?? ''))?.[1] ?? 'unknown';
  versions.set(bin, v);
  return v;
}

/** Rule-file fields by the Prometheus release that introduced them (CHANGELOG, model/rulefmt). */
const FIELD_SINCE: Record<string, string> = { limit: '2.31.0', keep_firing_for: '2.42.0', query_offset: '2.53.0', labels: '3.0.0' };
/** PromQL functions by the release that introduced them (CHANGELOG; * = behind promql-experimental-functions). */
export const FUNCTION_SINCE: Record<string, string> = {
  histogram_count: '2.40.0', histogram_sum: '2.40.0', histogram_fraction: '2.40.0', histogram_stddev: '2.47.0', histogram_stdvar: '2.47.0',
  mad_over_time: '2.49.0*', sort_by_label: '2.49.0*', sort_by_label_desc: '2.49.0*', histogram_avg: '2.51.0', limitk: '2.54.0*',
  limit_ratio: '2.54.0*', double_exponential_smoothing: '3.0.0*', info: '3.0.0*',
};

function newerThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
}

function since(v: string): string {
  return v.endsWith('*') ? `Prometheus ${v.slice(0, -1)} and later (with --enable-feature=promql-experimental-functions)` : `Prometheus ${v} and later`;
}

/**
 * When promtool rejects something only because it is older than the syntax, says so plainly; undefined otherwise.
 * `ownParse` tells whether our grammar (the current Prometheus one) parses the expression the message is about.
 */
export function tooOldMessage(message: string, version: string, ownParse: boolean | undefined): string | undefined {
  const field = /field (\w+) not found in type rulefmt\.(RuleGroup|RuleNode|Rule)\b/.exec(message);
  if (field) {
    const v = FIELD_SINCE[field[1]!];
    if (v && newerThan(v, version)) return `the installed promtool ${version} is older than this rule file: "${field[1]}" is read by ${since(v)}; upgrade promtool to check it (our own checks still ran)`;
    return undefined;
  }
  // Prometheus 3 validates names as UTF-8 (model.UTF8Validation): "plug-l1" is a label name there.
  const name = /invalid (label|annotation|recording rule) name: (.+)$/.exec(message);
  // Braces in a record name and a __name__ label are refused under UTF-8 names too (rulefmt's Rule.Validate).
  if (name && name[2] !== '__name__' && !(name[1] === 'recording rule' && /[{}]/.test(name[2]!)) && newerThan('3.0.0', version)) {
    return `the installed promtool ${version} checks ${name[1]} names by the pre-3.0 rule; Prometheus 3.0.0 and later accept any UTF-8 name such as "${name[2]}" (Prometheus 2.x refuses it)`;
  }
  if (!/could not parse expression/.test(message) || !ownParse) return undefined;
  const fn = /unknown function with name "(\w+)"/.exec(message);
  if (fn) {
    const v = FUNCTION_SINCE[fn[1]!];
    return `the installed promtool ${version} does not know ${fn[1]}(), which ${v ? since(v) : 'a newer Prometheus'} evaluate${v ? '' : 's'}; upgrade promtool to check this expression (our own checks still ran)`;
  }
  if (/"\\?"|string .* in label matching/.test(message)) {
    return `the installed promtool ${version} cannot read quoted (UTF-8) metric or label names, which ${since('3.0.0')} accept; upgrade promtool to check this expression (our own checks still ran)`;
  }
  // Only a syntax error (an unexpected token) can be newer syntax. Type and argument errors ("expected type range
  // vector", "comparisons between scalars must use BOOL", "wrong number of arguments"), which our grammar lets
  // through because Prometheus' parser checks them after parsing, and regular expressions, are the rule's own.
  if (!/\bunexpected\b/.test(message)) return undefined;
  return `the installed promtool ${version} cannot parse this expression, which the current Prometheus grammar accepts (newer syntax); upgrade promtool to check it (our own checks still ran). promtool said: ${message.replace(/^.*could not parse expression: /, '')}`;
}

export interface PromtoolFinding {
  file: string;
  message: string;
  /** Position promtool gave, if any (its own line:col prefix, or a YAML "line N:"). */
  start?: { line: number; column: number };
  /** The group and 1-based rule number promtool named, if any. */
  group?: string;
  rule?: number;
}

/**
 * Parses `promtool check rules` output into whole findings: one per problem line, with the indented lines that
 * continue it (yaml: unmarshal errors: + one "line N: ..." per field) each a finding of its own at that line.
 */
export function parsePromtoolOutput(output: string, files: readonly string[]): PromtoolFinding[] {
  const out: PromtoolFinding[] = [];
  let current: { file: string; head: string } | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (!trimmed || /^Checking |^SUCCESS|^FAILED:?$/.test(trimmed)) {
      if (/^Checking |^SUCCESS|^FAILED/.test(trimmed)) current = undefined;
      continue;
    }
    const file = files.find((f) => line.startsWith(`${f}: `));
    if (file) {
      const rest = line.slice(file.length + 2);
      current = { file, head: rest };
      if (/:\s*$/.test(rest) && /unmarshal errors/.test(rest)) continue; // its lines follow
      const pos = /^(\d+):(\d+): (.*)$/.exec(rest);
      const yamlLine = /^yaml: line (\d+): (.*)$/.exec(rest);
      const gr = /group "((?:[^"\\]|\\.)*)", rule (\d+)/.exec(rest);
      out.push({
        file,
        message: pos ? pos[3]! : rest,
        // rulefmt prints 0:0 for a field that is missing (its yaml.Node is empty): no position, placed by group and rule.
        ...(pos && pos[1] !== '0' ? { start: { line: Number(pos[1]), column: Number(pos[2]) } } : yamlLine ? { start: { line: Number(yamlLine[1]), column: 1 } } : {}),
        ...(gr ? { group: JSON.parse(`"${gr[1]!}"`) as string, rule: Number(gr[2]) } : {}),
      });
      continue;
    }
    const cont = /^line (\d+): (.*)$/.exec(trimmed);
    if (current && cont) {
      out.push({ file: current.file, message: `${current.head.replace(/:\s*$/, '')}: ${cont[2]!}`, start: { line: Number(cont[1]), column: 1 } });
    } else if (current) {
      // Any other continuation belongs to the finding before it: keep it whole.
      const last = out.at(-1);
      if (last && last.file === current.file) last.message += `\n${trimmed}`;
      else out.push({ file: current.file, message: `${current.head} ${trimmed}` });
    }
  }
  return out;
}

/** `promtool check rules` on plain rule files: every finding, whole. */
export async function promtoolCheckRules(files: string[]): Promise<{ findings: PromtoolFinding[]; version: string; failed: boolean; output: string }> {
  const bin = await promtoolPath();
  const version = await promtoolVersion(bin);
  const execa = await loadExeca();
  const r = await execa(bin, ['check', 'rules', ...files], { reject: false });
  // Findings go to stderr, progress to stdout: reading stderr alone keeps a finding's lines together.
  const output = String(r.stderr ?? '');
  if (r.exitCode === 0) return { findings: [], version, failed: false, output };
  return { findings: parsePromtoolOutput(output, files), version, failed: true, output: output || String(r.stdout ?? '') };
}

/** `promtool test rules`: one diagnostic per failed test case. */
export async function promtoolTestRules(testFile: string): Promise<Diagnostic[]> {
  const bin = await promtoolPath();
  const execa = await loadExeca();
  const r = await execa(bin, ['test', 'rules', testFile], { reject: false, all: true });
  if (r.exitCode === 0) return [];
  // promtool's whole account, lines kept: what was expected and what the rule produced (exp: / got:).
  const text = String(r.all ?? '').replace(/^Unit Testing:.*\n/m, '').replace(/\s+$/, '');
  const failures = [...text.matchAll(/name: ([^,\n]+),\s*\n\s*alertname: ([^,\n]+), time: ([^,\n]+)/g)];
  if (!failures.length) return [{ file: testFile, severity: 'error', check: 'promtool/test', message: `promtool test rules failed:\n${text}` }];
  return failures.map((f, i) => ({
    file: testFile,
    severity: 'error' as const,
    check: 'promtool/test',
    message: `test "${f[1]!.trim()}" failed: alert ${f[2]!.trim()} at ${f[3]!.trim()} did not match the expected alerts:\n${text.slice(f.index, failures[i + 1]?.index ?? text.length).replace(/\s+$/, '')}`,
  }));
}

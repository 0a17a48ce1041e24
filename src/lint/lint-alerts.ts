// lint-alerts: promtool's verdict plus our own checks of every rule (against the catalog when there is one).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { parsePromQL } from '../promql/ast.js';
import { typeCheck } from '../promql/types.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import type { RuleCheckOptions, RuleSite } from './rule-checks.js';
import { checkRule } from './rule-checks.js';
import { selectorErrors } from './expr-checks.js';
import { ruleCheckOptions } from '../validate/expressions.js';
import type { RuleFile, RuleGroupSite } from './rule-file.js';
import { readRuleFile } from './rule-file.js';
import type { PromtoolFinding } from './promtool.js';
import type { SilenceOptions } from './silence.js';
import { silence } from './silence.js';
import { promtoolCheckRules, promtoolTestRules, tooOldMessage } from './promtool.js';
import { pushAll } from '../util/arrays.js';

export interface LintOptions extends SilenceOptions {
  /** Run promtool check/test rules (default true). Off only for measuring our own checks. */
  promtool?: boolean;
}

export interface LintResult {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  rules: number;
}

async function testFilesBeside(files: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const dir of new Set(files.map((f) => join(dirname(f), 'tests')))) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.sort()) if (n.endsWith('.test.yml') || n.endsWith('.test.yaml')) out.add(join(dir, n));
  }
  return [...out];
}

/** Our own checks on already-read rule files (pure: no processes, no disk); without a catalog, those that need none. */
export function checkRuleFiles(ruleFiles: readonly RuleFile[], catalog?: Catalog): Diagnostic[] {
  const records = ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r) => r.kind === 'record').map((r) => r.name)));
  const opts: RuleCheckOptions = { ...(catalog ? ruleCheckOptions(catalog, records) : {}), unknownReported: new Set(), checked: new Map(), templates: new Map() };
  const out: Diagnostic[] = [];
  const alerts = new Map<string, { file: string; where: string }>();
  // Generators repeat one expression over many rules: each text is normalised once.
  const normalised = new Map<string, string>();
  const normalise = (expr: string): string => {
    let n = normalised.get(expr);
    if (n === undefined) normalised.set(expr, (n = expr.replace(/\s+/g, ' ').trim()));
    return n;
  };
  for (const f of ruleFiles) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        pushAll(out, checkRule(r, opts, g.source));
        if (r.kind !== 'alert') continue;
        // Same name and labels but another expression (another service, another burn-rate window) makes other
        // alerts; only the same expression twice is a duplicate for sure.
        const key = `${r.name}\u0000${JSON.stringify(Object.entries(r.labels).sort())}\u0000${normalise(r.expr)}`;
        const first = alerts.get(key);
        // Within a file the two rules always load together; across files only if one Prometheus loads both.
        const sameFile = first?.file === f.source.file;
        if (first) out.push({ file: f.source.file, severity: sameFile ? 'error' : 'warning', check: 'rules/duplicate-alert', message: `alert ${r.name} is defined twice with the same expression and labels (first in ${first.where})${sameFile ? '' : '; a Prometheus that loads both files evaluates both'}`, ...g.source.locate(r.at.name) });
        else alerts.set(key, { file: f.source.file, where: `${f.source.file}, group ${g.name}` });
      }
    }
  }
  return out;
}

/** Each group list's groups by name, and each group's rules by their index in the file, made on first use. */
const groupsByName = new WeakMap<readonly RuleGroupSite[], Map<string, RuleGroupSite>>();
const rulesByIndex = new WeakMap<RuleGroupSite, Map<unknown, RuleSite>>();

/** The group promtool names: the first of that name (a second one is our rules/duplicate-group error). */
function groupNamed(groups: readonly RuleGroupSite[], name: string | undefined): RuleGroupSite | undefined {
  let byName = groupsByName.get(groups);
  if (!byName) {
    byName = new Map();
    for (const g of groups) if (!byName.has(g.name)) byName.set(g.name, g);
    groupsByName.set(groups, byName);
  }
  return name === undefined ? undefined : byName.get(name);
}

/** The rule promtool names (group and 1-based rule number) within one group list of a file. */
function ruleNamed(groups: readonly RuleGroupSite[], f: PromtoolFinding): { group: RuleGroupSite; rule: RuleSite } | undefined {
  const group = groupNamed(groups, f.group);
  if (!group || !f.rule) return undefined;
  // By the rule's index in the file: group.rules leaves out rules our structure check refused, promtool counts them.
  let byIndex = rulesByIndex.get(group);
  if (!byIndex) rulesByIndex.set(group, (byIndex = new Map(group.rules.map((r) => [r.at.rule[r.at.rule.length - 1], r]))));
  const rule = byIndex.get(f.rule - 1);
  return rule ? { group, rule } : undefined;
}

/** Where a promtool finding belongs in the original file: its own position when it points into that file. */
function placePromtoolFinding(f: PromtoolFinding, file: RuleFile, groups: readonly RuleGroupSite[], ownPositions: boolean): Partial<Pick<Diagnostic, 'start' | 'end'>> {
  const named = ruleNamed(groups, f);
  if (named) {
    const src = named.group.source;
    const label = /invalid label name: (\S+)/.exec(f.message) ?? /\blabel "([^"]+)": /.exec(f.message);
    const annotation = /invalid annotation name: (\S+)/.exec(f.message) ?? /\bannotation "([^"]+)": /.exec(f.message);
    if (label) return src.locate(named.rule.at.label(label[1]!), true);
    if (annotation) return src.locate(named.rule.at.annotation(annotation[1]!), true);
    if (/could not parse expression/.test(f.message)) return src.locate(named.rule.at.expr);
    if (ownPositions && f.start) return { start: f.start };
    return src.locate(named.rule.at.name);
  }
  // A rule our structure check refused (no expr, neither alert nor record): promtool names it, at 0:0.
  const group = groupNamed(groups, f.group);
  if (group && f.rule) return group.source.locate([...group.path, 'rules', f.rule - 1]);
  if (ownPositions && f.start) {
    // yaml: unmarshal errors name a line: point at the field on it when the message names one.
    const field = /field (\w+) not found/.exec(f.message)?.[1];
    const text = file.source.text.split('\n')[f.start.line - 1] ?? '';
    const col = field ? text.search(new RegExp(`\\b${field}\\s*:`)) : -1;
    return col >= 0 ? { start: { line: f.start.line, column: col + 1 }, end: { line: f.start.line, column: col + 1 + field!.length } } : { start: f.start };
  }
  const first = groups[0];
  return first ? first.source.locate(first.path.slice(0, -1), true) : {};
}

/** Runs promtool on each file as Prometheus would load it: plain files as they are, PrometheusRule objects' groups apart. */
async function promtoolFindings(ruleFiles: readonly RuleFile[], structure: readonly Diagnostic[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  // Our own structure findings say the same as promtool's YAML errors, at the exact key: keep ours.
  const ownLines = new Set(structure.map((d) => `${d.file}:${d.start?.line}`));
  const ownDurations = new Set(structure.map((d) => /not a valid duration string: "[^"]*"/.exec(d.message)?.[0]).filter(Boolean));
  const plain = ruleFiles.filter((f) => f.plain && !f.groups.some((g) => g.operator));
  const toDiagnostic = (f: PromtoolFinding, file: RuleFile, groups: readonly RuleGroupSite[], ownPositions: boolean, version: string): Diagnostic | undefined => {
    const named = ruleNamed(groups, f);
    const span = placePromtoolFinding(f, file, groups, ownPositions);
    if (ownDurations.has(/not a valid duration string: "[^"]*"/.exec(f.message)?.[0])) return undefined;
    if (/field \w+ not found in type/.test(f.message) && span.start && ownLines.has(`${file.source.file}:${span.start.line}`) && !tooOldMessage(f.message, version, undefined)) return undefined;
    const own = named ? parsePromQL(named.rule.expr) : undefined;
    const ownParse = own?.ok;
    // Our own promql/syntax already points inside the expression; promtool's adds nothing (unless ours could not read it).
    if (own && !own.ok && !own.error.beyondParser && /could not parse expression/.test(f.message)) return undefined;
    // Likewise for a type or selector error our check reports in Prometheus' own words.
    if (own?.ok && /could not parse expression/.test(f.message) && [...typeCheck(own.expr, named!.rule.expr).errors, ...selectorErrors(own.expr)].some((t) => f.message.endsWith(t.message))) return undefined;
    const tooOld = tooOldMessage(f.message, version, ownParse);
    const fn = /unknown function with name "(\w+)"/.exec(f.message)?.[1];
    const at = named && fn ? named.rule.expr.search(new RegExp(`\\b${fn}\\s*\\(`)) : -1;
    if (tooOld && named && at >= 0) {
      return { file: file.source.file, severity: 'warning', check: 'promtool/too-old', message: `${tooOld}`, ...named.group.source.locateInString(named.rule.at.expr, at, at + fn!.length) };
    }
    const where = named ? `group "${named.group.name}", rule ${f.rule} (${named.rule.name}): ` : '';
    if (tooOld) return { file: file.source.file, severity: 'warning', check: 'promtool/too-old', message: `${where}${tooOld}`, ...span };
    return { file: file.source.file, severity: 'error', check: 'promtool/check', message: f.message, ...span };
  };
  if (plain.length) {
    const files = plain.map((f) => f.source.file);
    const r = await promtoolCheckRules(files);
    for (const f of r.findings) {
      const file = plain.find((x) => x.source.file === f.file)!;
      const d = toDiagnostic(f, file, file.groups, true, r.version);
      if (d) out.push(d);
    }
    if (r.failed && !r.findings.length) out.push({ file: files[0]!, severity: 'error', check: 'promtool/check', message: r.output.trim() || 'promtool check rules failed' });
  }
  const operatorFiles = ruleFiles.filter((f) => f.groups.some((g) => g.operator));
  if (operatorFiles.length) {
    const dir = await mkdtemp(join(tmpdir(), 'devskyy-mon-promtool-'));
    try {
      for (const file of operatorFiles) {
        const lists = [...new Set(file.groups.map((g) => g.list))];
        for (const list of lists) {
          const groups = file.groups.filter((g) => g.list === list);
          // What the operator hands Prometheus: the groups alone, without Thanos' partial_response_strategy.
          const data = { groups: groups.map((g) => Object.fromEntries(Object.entries(g.data as Record<string, unknown>).filter(([k]) => k !== 'partial_response_strategy'))) };
          const tmp = join(dir, `${list}.yml`);
          await writeFile(tmp, stringify(data));
          const r = await promtoolCheckRules([tmp]);
          for (const f of r.findings) {
            const d = toDiagnostic({ ...f, file: file.source.file }, file, groups, false, r.version);
            if (d) out.push(d);
          }
          if (r.failed && !r.findings.length) out.push({ file: file.source.file, severity: 'error', check: 'promtool/check', message: r.output.trim() || 'promtool check rules failed' });
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}

export async function lintAlerts(files: readonly string[], catalog: Catalog | undefined, options: LintOptions = {}): Promise<LintResult> {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const ruleFiles: RuleFile[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      diagnostics.push({ file, severity: 'error', check: 'rules/structure', message: `cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
      continue;
    }
    const r = readRuleFile(file, bytes);
    pushAll(diagnostics, r.diagnostics);
    if (r.ruleFile) {
      ruleFiles.push(r.ruleFile);
      sources.set(file, r.ruleFile.source.text);
    } else if (r.text !== undefined) sources.set(file, r.text);
  }
  const structure = [...diagnostics];
  pushAll(diagnostics, checkRuleFiles(ruleFiles, catalog));
  if (options.promtool !== false && ruleFiles.length) {
    pushAll(diagnostics, await promtoolFindings(ruleFiles, structure));
    const readable = ruleFiles.map((f) => f.source.file);
    for (const t of await testFilesBeside(readable)) pushAll(diagnostics, await promtoolTestRules(t));
  }
  return { diagnostics: silence(diagnostics, ruleFiles, options), sources, rules: ruleFiles.reduce((n, f) => n + f.groups.reduce((m, g) => m + g.rules.length, 0), 0) };
}

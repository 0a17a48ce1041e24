// lint-alerts: promtool's verdict plus our own checks of every rule against the catalog.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import { checkRule } from './rule-checks.js';
import { ruleCheckOptions } from '../validate/expressions.js';
import type { RuleFile } from './rule-file.js';
import { readRuleFile } from './rule-file.js';
import { promtoolCheckRules, promtoolTestRules } from './promtool.js';

export interface LintOptions {
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

/** Our own checks on already-read rule files (pure: no processes, no disk). */
export function checkRuleFiles(ruleFiles: readonly RuleFile[], catalog: Catalog): Diagnostic[] {
  const records = ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r) => r.kind === 'record').map((r) => r.name)));
  const opts = ruleCheckOptions(catalog, records);
  const out: Diagnostic[] = [];
  const alerts = new Map<string, string>();
  for (const f of ruleFiles) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        out.push(...checkRule(r, opts, f.source));
        if (r.kind !== 'alert') continue;
        const key = `${r.name}${JSON.stringify(Object.entries(r.labels).sort())}`;
        const first = alerts.get(key);
        if (first) out.push({ file: f.source.file, severity: 'error', check: 'rules/duplicate-alert', message: `alert ${r.name} is defined twice with the same labels (first in ${first})`, ...f.source.locate(r.at.name) });
        else alerts.set(key, `${f.source.file}, group ${g.name}`);
      }
    }
  }
  return out;
}

/** promtool names some problems by group and rule number only; find them in the file. */
function placePromtoolFinding(d: Diagnostic, ruleFiles: readonly RuleFile[]): Diagnostic {
  const m = /group "([^"]*)", rule (\d+)/.exec(d.message);
  const f = ruleFiles.find((x) => x.source.file === d.file);
  const g = m && f?.groups.find((x) => x.name === m[1]);
  const rule = g?.rules[Number(m![2]) - 1];
  if (!f || !rule) return d;
  const label = /invalid label name: (\S+)/.exec(d.message);
  const annotation = /invalid annotation name: (\S+)/.exec(d.message);
  const span = label ? f.source.locate(rule.at.label(label[1]!), true) : annotation ? f.source.locate(rule.at.annotation(annotation[1]!), true) : f.source.locate(rule.at.name);
  return { ...d, ...span };
}

export async function lintAlerts(files: readonly string[], catalog: Catalog, options: LintOptions = {}): Promise<LintResult> {
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
    diagnostics.push(...r.diagnostics);
    if (r.ruleFile) {
      ruleFiles.push(r.ruleFile);
      sources.set(file, r.ruleFile.source.text);
    } else if (r.text !== undefined) sources.set(file, r.text);
  }
  const own = checkRuleFiles(ruleFiles, catalog);
  diagnostics.push(...own);
  if (options.promtool !== false && ruleFiles.length) {
    const syntaxLines = new Set(own.filter((d) => d.check === 'promql/syntax').map((d) => `${d.file}:${d.start?.line}`));
    const readable = ruleFiles.map((f) => f.source.file);
    for (const d of await promtoolCheckRules(readable)) {
      const placed = d.start ? d : placePromtoolFinding(d, ruleFiles);
      // promtool reports an expression's parse error at the expr key; ours points inside it.
      if (!syntaxLines.has(`${placed.file}:${placed.start?.line}`)) diagnostics.push(placed);
    }
    for (const t of await testFilesBeside(readable)) diagnostics.push(...(await promtoolTestRules(t)));
  }
  return { diagnostics, sources, rules: ruleFiles.reduce((n, f) => n + f.groups.reduce((m, g) => m + g.rules.length, 0), 0) };
}

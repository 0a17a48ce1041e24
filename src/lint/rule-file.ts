// A Prometheus rule file read with positions: its structure checked, its rules turned into RuleSites.
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment } from '../load/yaml-source.js';
import { YamlSource } from '../load/yaml-source.js';
import type { RuleSite } from './rule-checks.js';

export interface RuleFile {
  source: YamlSource;
  groups: { name: string; path: PathSegment[]; rules: RuleSite[] }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringMap = (v: unknown): Record<string, string> =>
  isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : String(x)])) : {};

const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const GROUP_KEYS = new Set(['name', 'interval', 'rules', 'limit', 'query_offset']);

export function readRuleFile(file: string, content: string | Uint8Array): { ruleFile?: RuleFile; text?: string; diagnostics: Diagnostic[] } {
  const parsed = YamlSource.parse(file, content);
  if (!parsed.source) return { ...(parsed.text !== undefined ? { text: parsed.text } : {}), diagnostics: parsed.diagnostics };
  const source = parsed.source;
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string, path: PathSegment[], key = false) =>
    diagnostics.push({ file, severity: 'error', check: 'rules/structure', message, ...source.locate(path, key) });
  const data = parsed.data;
  if (!isRecord(data) || !Array.isArray(data['groups'])) {
    bad('a rule file needs a top-level "groups:" list', []);
    return { diagnostics };
  }
  const groups: RuleFile['groups'] = [];
  const groupNames = new Map<string, number>();
  data['groups'].forEach((g: unknown, gi: number) => {
    const gp: PathSegment[] = ['groups', gi];
    if (!isRecord(g)) return bad('a group must be a mapping with name and rules', gp);
    for (const k of Object.keys(g)) if (!GROUP_KEYS.has(k)) bad(`unknown key "${k}" in a rule group`, [...gp, k], true);
    const name = typeof g['name'] === 'string' ? g['name'] : '';
    if (!name) bad('group has no name', gp);
    if (groupNames.has(name)) {
      diagnostics.push({ file, severity: 'error', check: 'rules/duplicate-group', message: `group "${name}" is defined twice (first at group ${groupNames.get(name)! + 1})`, ...source.locate([...gp, 'name']) });
    } else groupNames.set(name, gi);
    if (!Array.isArray(g['rules'])) return bad(`group "${name}" has no rules list`, gp);
    const rules: RuleSite[] = [];
    g['rules'].forEach((r: unknown, ri: number) => {
      const rp: PathSegment[] = [...gp, 'rules', ri];
      if (!isRecord(r)) return bad('a rule must be a mapping', rp);
      for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) bad(`unknown key "${k}" in a rule`, [...rp, k], true);
      const isAlert = typeof r['alert'] === 'string';
      const isRecordRule = typeof r['record'] === 'string';
      if (isAlert === isRecordRule) return bad('a rule needs exactly one of "alert" or "record"', rp);
      if (typeof r['expr'] !== 'string' && typeof r['expr'] !== 'number') return bad('a rule needs an "expr"', rp);
      if (isRecordRule && (r['for'] !== undefined || r['annotations'] !== undefined)) bad('recording rules take no "for" or "annotations"', rp);
      rules.push({
        kind: isAlert ? 'alert' : 'record',
        name: String(isAlert ? r['alert'] : r['record']),
        expr: String(r['expr']),
        ...(typeof r['for'] === 'string' ? { for: r['for'] } : {}),
        labels: stringMap(r['labels']),
        annotations: stringMap(r['annotations']),
        at: {
          name: [...rp, isAlert ? 'alert' : 'record'],
          expr: [...rp, 'expr'],
          for: [...rp, 'for'],
          rule: rp,
          label: (k) => [...rp, 'labels', k],
          annotation: (k) => [...rp, 'annotations', k],
        },
      });
    });
    groups.push({ name, path: gp, rules });
  });
  return { ruleFile: { source, groups }, diagnostics };
}

// A Prometheus rule file read with positions: its structure checked, its rules turned into RuleSites. Reads the
// forms people keep rules in: a plain rule file (groups:), and Kubernetes PrometheusRule objects (spec.groups),
// several to a file (kustomize output, `kubectl get -o yaml` Lists), with positions in the original file.
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment, YamlReadOptions } from '../load/yaml-source.js';
import { YamlSource } from '../load/yaml-source.js';
import { parseDuration } from '../util/duration.js';
import type { RuleSite } from './rule-checks.js';
import { pushAll } from '../util/arrays.js';

export interface RuleGroupSite {
  name: string;
  /** The document the group is in (a multi-document file has one YamlSource per document). */
  source: YamlSource;
  path: PathSegment[];
  rules: RuleSite[];
  /** Which group list of the file it belongs to: the plain file's, or one PrometheusRule object's. */
  list: number;
  /** From a PrometheusRule object (promtool then reads the groups apart from the Kubernetes envelope). */
  operator: boolean;
  /** The group as plain data, for handing to promtool. */
  data: unknown;
}

export interface RuleFile {
  /** The first document's source: the file's text and name. */
  source: YamlSource;
  groups: RuleGroupSite[];
  /**
   * Whether Prometheus would load the file as it is (a plain rule file, or something meant as one), rather than
   * only Kubernetes objects: PrometheusRule groups are checked apart, and a Deployment or a CRD is no rule file.
   */
  plain: boolean;
}

/** Rule files are larger than catalogs: SLO generators write tens of thousands of rules to one file. */
export const MAX_RULE_FILE_BYTES = 64 * 1024 * 1024;
/** Anchors are reused per rule (`<<: *defaults`); the cap still stops alias bombs. */
export const MAX_RULE_FILE_ALIASES = 100_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** go-yaml decodes any scalar into a string field by its text; null (`key:`) is the empty string. */
const scalarText = (x: unknown): string => (x === null || x === undefined ? '' : typeof x === 'string' ? x : String(x));
const stringMap = (v: unknown): Record<string, string> => (isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scalarText(x)])) : {});

const NAME_LABEL = 'a rule cannot set the label "__name__" (Prometheus refuses it: the metric name is the record name or ALERTS)';

/** Fields of Prometheus' rulefmt (model/rulefmt/rulefmt.go): RuleGroup and Rule. */
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const GROUP_KEYS = new Set(['name', 'interval', 'rules', 'limit', 'query_offset', 'labels']);
/** The PrometheusRule CRD's group also takes Thanos' partial_response_strategy. */
const OPERATOR_GROUP_KEYS = new Set([...GROUP_KEYS, 'partial_response_strategy']);

interface GroupList {
  source: YamlSource;
  groups: unknown;
  path: PathSegment[];
  operator: boolean;
}

/** Where the rule groups are in one YAML document: plain file, PrometheusRule, or a List of them. */
function groupLists(source: YamlSource, data: unknown): GroupList[] | 'not-rules' | 'other-object' {
  if (data === null || data === undefined) return [];
  if (!isRecord(data)) return 'not-rules';
  if ('groups' in data) return [{ source, groups: data['groups'], path: ['groups'], operator: false }];
  // Prometheus decodes the file into its RuleGroups struct (only "groups:", unknown fields refused): an empty mapping
  // is a valid file of no groups. Mixins compile a rule set without rules to `{}`.
  if (Object.keys(data).length === 0) return [{ source, groups: null, path: [], operator: false }];
  if (data['kind'] === 'PrometheusRule') {
    const spec = data['spec'];
    return isRecord(spec) && 'groups' in spec ? [{ source, groups: spec['groups'], path: ['spec', 'groups'], operator: true }] : [];
  }
  if (typeof data['kind'] === 'string' && /List$/.test(data['kind']) && Array.isArray(data['items'])) {
    return data['items'].flatMap((item: unknown, i: number) => {
      const inner = groupLists(source, item);
      return Array.isArray(inner) ? inner.map((g) => ({ ...g, path: ['items', i, ...g.path] })) : [];
    });
  }
  // Another Kubernetes object (a Deployment in kustomize output): not ours to read.
  if (typeof data['kind'] === 'string' && typeof data['apiVersion'] === 'string') return 'other-object';
  return 'not-rules';
}

/**
 * How every rule file is read (lint-alerts, import): as Prometheus' loader (go-yaml) reads it, with merge keys and
 * several documents, large, and from js-yaml's events when the text allows (see load/yaml-events.ts).
 */
export const RULE_FILE_YAML: YamlReadOptions = { maxBytes: MAX_RULE_FILE_BYTES, maxAliasCount: MAX_RULE_FILE_ALIASES, merge: true, multiDocument: true, plainFirst: true };

export function readRuleFile(file: string, content: string | Uint8Array): { ruleFile?: RuleFile; text?: string; diagnostics: Diagnostic[] } {
  const parsed = YamlSource.parseDocuments(file, content, RULE_FILE_YAML);
  const first = parsed.documents[0];
  if (!first) return { ...(parsed.text !== undefined ? { text: parsed.text } : {}), diagnostics: parsed.diagnostics };
  const diagnostics: Diagnostic[] = [];
  const lists: GroupList[] = [];
  let plainDocuments = 0;
  let plain = false;
  parsed.documents.forEach(({ source, data }, di) => {
    const found = groupLists(source, data);
    if (found === 'other-object') return;
    if (found === 'not-rules') {
      plain = true;
      // After a plain rule document, Prometheus decodes nothing more of the file: whatever follows, it only warns.
      if (plainDocuments > 0) diagnostics.push({ file, severity: 'warning', check: 'rules/structure', message: `Prometheus reads only the first YAML document of a rule file and warns about document ${di + 1} (it holds no rule groups)`, ...source.locate([]) });
      else diagnostics.push({ file, severity: 'error', check: 'rules/structure', message: 'a rule file needs a top-level "groups:" list (or Kubernetes PrometheusRule objects with spec.groups)', ...source.locate([]) });
      return;
    }
    if (found.some((l) => !l.operator)) plain = true;
    for (const l of found) {
      if (l.operator) continue;
      if (++plainDocuments === 1) {
        // KnownFields: Prometheus refuses any top-level key of a plain rule file but "groups".
        if (isRecord(data) && l.path.length <= 1) for (const k of Object.keys(data)) if (k !== 'groups') diagnostics.push({ file, severity: 'error', check: 'rules/structure', message: `unknown key "${k}" at the top level of a rule file (Prometheus reads only "groups")`, ...source.locate([k], true) });
        continue;
      }
      // Prometheus (rulefmt.Parse) decodes the first document only and logs a warning about the others: rules in a
      // later document are lost (an error), a later document without rules (`groups: []`, `{}`) loses nothing.
      const at = l.path.length ? source.locate(l.path, true) : source.locate([]);
      if (hasRules(l.groups)) diagnostics.push({ file, severity: 'error', check: 'rules/structure', message: `Prometheus reads only the first YAML document of a rule file; the groups of document ${di + 1} are never loaded`, ...at });
      else diagnostics.push({ file, severity: 'warning', check: 'rules/structure', message: `Prometheus reads only the first YAML document of a rule file and warns about document ${di + 1} (it has no rules)`, ...at });
    }
    pushAll(lists, found);
  });
  const groups: RuleGroupSite[] = [];
  lists.forEach((list, i) => pushAll(groups, readGroups(file, list, i, diagnostics)));
  return { ruleFile: { source: first.source, groups, plain }, diagnostics };
}

/** Whether a group list holds at least one rule (what a document Prometheus skips would lose). */
function hasRules(groups: unknown): boolean {
  return Array.isArray(groups) && groups.some((g) => isRecord(g) && Array.isArray(g['rules']) && g['rules'].length > 0);
}

/** A duration field as Prometheus' model.Duration reads it ("0", "1h30m", "500ms"; no bare numbers but 0). */
function checkDuration(v: unknown, path: PathSegment[], bad: (message: string, path: PathSegment[]) => void): void {
  if (v === undefined || v === null) return;
  const text = String(v);
  if (text !== '0' && parseDuration(text) === undefined) bad(`not a valid duration string: "${text}" (e.g. 5m, 1h30m, 500ms)`, path);
}

function readGroups(file: string, list: GroupList, listIndex: number, diagnostics: Diagnostic[]): RuleGroupSite[] {
  const { source } = list;
  const bad = (message: string, path: PathSegment[], key = false) =>
    diagnostics.push({ file, severity: 'error', check: 'rules/structure', message, ...source.locate(path, key) });
  if (list.groups === null || list.groups === undefined) return [];
  if (!Array.isArray(list.groups)) {
    bad('"groups" must be a list of rule groups', list.path);
    return [];
  }
  const groupKeys = list.operator ? OPERATOR_GROUP_KEYS : GROUP_KEYS;
  const groups: RuleGroupSite[] = [];
  // Group names are unique per file; the operator writes one file per PrometheusRule object.
  const groupNames = new Map<string, number>();
  list.groups.forEach((g: unknown, gi: number) => {
    const gp: PathSegment[] = [...list.path, gi];
    if (!isRecord(g)) return bad('a group must be a mapping with name and rules', gp);
    for (const k of Object.keys(g)) if (!groupKeys.has(k)) bad(`unknown key "${k}" in a rule group`, [...gp, k], true);
    const name = typeof g['name'] === 'string' ? g['name'] : '';
    if (!name) bad('group has no name', gp);
    if (groupNames.has(name)) {
      diagnostics.push({ file, severity: 'error', check: 'rules/duplicate-group', message: `group "${name}" is defined twice (first at group ${groupNames.get(name)! + 1})`, ...source.locate([...gp, 'name']) });
    } else groupNames.set(name, gi);
    for (const k of ['interval', 'query_offset']) checkDuration(g[k], [...gp, k], bad);
    const groupLabels = stringMap(g['labels']);
    if ('__name__' in groupLabels) bad(NAME_LABEL, [...gp, 'labels', '__name__'], true);
    if (g['rules'] === null || g['rules'] === undefined) {
      groups.push({ name, source, path: gp, rules: [], list: listIndex, operator: list.operator, data: g });
      return;
    }
    if (!Array.isArray(g['rules'])) return bad(`group "${name}" has no rules list`, gp);
    const rules: RuleSite[] = [];
    g['rules'].forEach((r: unknown, ri: number) => {
      const rp: PathSegment[] = [...gp, 'rules', ri];
      if (!isRecord(r)) return bad('a rule must be a mapping', rp);
      for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) bad(`unknown key "${k}" in a rule`, [...rp, k], true);
      const isAlert = typeof r['alert'] === 'string' && r['alert'] !== '';
      const isRecordRule = typeof r['record'] === 'string' && r['record'] !== '';
      if (isAlert === isRecordRule) return bad('a rule needs exactly one of "alert" or "record"', rp);
      if (typeof r['expr'] !== 'string' && typeof r['expr'] !== 'number') return bad('a rule needs an "expr"', rp);
      for (const k of ['for', 'keep_firing_for']) checkDuration(r[k], [...rp, k], bad);
      if (isRecordRule && (r['for'] !== undefined || r['annotations'] !== undefined || r['keep_firing_for'] !== undefined)) bad('recording rules take no "for", "keep_firing_for" or "annotations"', rp);
      // rulefmt's Rule.Validate refuses these whatever the name validation scheme (UTF-8 names included).
      if (isRecordRule && /[{}]/.test(String(r['record']))) bad(`braces in the recording rule name "${String(r['record'])}": Prometheus refuses it (label matchers belong in expr)`, [...rp, 'record']);
      if (isRecord(r['labels']) && '__name__' in r['labels']) bad(NAME_LABEL, [...rp, 'labels', '__name__'], true);
      rules.push({
        kind: isAlert ? 'alert' : 'record',
        name: String(isAlert ? r['alert'] : r['record']),
        expr: String(r['expr']),
        ...(r['for'] !== undefined && r['for'] !== null ? { for: String(r['for']) } : {}),
        // Prometheus 3 adds the group's labels to each of its rules; the rule's own win.
        labels: { ...groupLabels, ...stringMap(r['labels']) },
        annotations: stringMap(r['annotations']),
        at: {
          name: [...rp, isAlert ? 'alert' : 'record'],
          expr: [...rp, 'expr'],
          for: [...rp, 'for'],
          rule: rp,
          label: (k) => (isRecord(r['labels']) && k in r['labels'] ? [...rp, 'labels', k] : k in groupLabels ? [...gp, 'labels', k] : [...rp, 'labels', k]),
          annotation: (k) => [...rp, 'annotations', k],
        },
      });
    });
    groups.push({ name, source, path: gp, rules, list: listIndex, operator: list.operator, data: g });
  });
  return groups;
}

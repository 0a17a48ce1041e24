// Prometheus rule files (plain, or PrometheusRule objects) into catalog alerts and recording rules.
import { YamlSource } from '../load/yaml-source.js';
import { RULE_FILE_YAML } from '../lint/rule-file.js';
import type { RawAlert, RawRecordingRule } from '../model/raw.js';
import type { ImportFinding } from './infer-catalog.js';

export interface TextInput {
  file: string;
  text: string;
}

/** Something in the input the catalog cannot say; listed in the report. */
export interface NotCarried {
  source: string;
  what: string;
  reason: string;
}

export interface ImportedRules {
  alerts: RawAlert[];
  alertComments: string[][];
  recordingRules: RawRecordingRule[];
  recordComments: string[][];
  /** The first alert group (the catalog's default) and its interval. */
  alerting?: { group: string; interval?: string };
  severities: string[];
  notCarried: NotCarried[];
  findings: ImportFinding[];
}

interface RuleGroupIn {
  name?: unknown;
  interval?: unknown;
  rules?: unknown;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
const strings = (v: unknown): Record<string, string> => (isDict(v) ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (str(x) !== undefined ? [[k, str(x)!]] : []))) : {});

/** Annotations `generate` adds itself to link an alert to its dashboard panel; they come back on the next generate. */
const GENERATED_LINKS = ['dashboard_uid', 'panel_id', 'dashboard_url'];
const DEFAULT_SEVERITIES = ['critical', 'warning', 'info'];

function groupsOf(doc: unknown, file: string, out: NotCarried[]): RuleGroupIn[] {
  if (!isDict(doc)) return [];
  if (doc['kind'] === 'PrometheusRule') {
    const spec = doc['spec'];
    return isDict(spec) && Array.isArray(spec['groups']) ? (spec['groups'] as RuleGroupIn[]) : [];
  }
  if (Array.isArray(doc['groups'])) return doc['groups'] as RuleGroupIn[];
  out.push({ source: file, what: `a ${str(doc['kind']) ?? 'YAML'} document`, reason: 'neither a rule file (groups:) nor a PrometheusRule' });
  return [];
}

/** Reads rule files; `ns` names the groups generate writes from SLOs, which are not imported as rules. */
export function importRuleFiles(inputs: readonly TextInput[], ns: string): ImportedRules {
  const r: ImportedRules = { alerts: [], alertComments: [], recordingRules: [], recordComments: [], severities: [], notCarried: [], findings: [] };
  const defaultRecordGroup = `${ns}_recording_rules`;
  for (const input of inputs) {
    // The same reader as lint-alerts: what one accepts (merge keys, several documents), the other does too.
    const parsed = YamlSource.parseDocuments(input.file, input.text, RULE_FILE_YAML);
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    if (error) throw new RuleFileError(`${input.file}${error.start ? `:${error.start.line}:${error.start.column}` : ''}: ${error.message}`);
    for (const { data } of parsed.documents) {
      for (const g of groupsOf(data, input.file, r.notCarried)) {
        const group = str(g.name) ?? 'rules';
        const rules = Array.isArray(g.rules) ? (g.rules as unknown[]) : [];
        // generate names SLO groups <ns>_slo_alerts and <ns>_<service>_slo_<slo> (a namespace is a plain identifier).
        if (group === `${ns}_slo_alerts` || new RegExp(`^${ns}_(\\w+_)?slo_`).test(group)) {
          r.notCarried.push({ source: input.file, what: `group ${group} (${rules.length} rules)`, reason: 'written by devskyy-mon from an SLO; declare the SLO under slos: and generate writes it again' });
          continue;
        }
        const interval = str(g.interval);
        for (const k of Object.keys(g).filter((k) => !['name', 'interval', 'rules'].includes(k))) r.notCarried.push({ source: input.file, what: `${k} of group ${group}`, reason: 'the catalog has no per-group setting for it' });
        for (const rule of rules) {
          if (!isDict(rule)) continue;
          const expr = str(rule['expr'])?.trim();
          if (!expr) continue;
          const alert = str(rule['alert']);
          const known = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
          for (const k of Object.keys(rule).filter((k) => !known.includes(k))) r.notCarried.push({ source: input.file, what: `${k} of ${alert ? `alert ${alert}` : `record ${str(rule['record'])}`}`, reason: 'not a rule field the catalog carries' });
          if (alert !== undefined && expr.includes(`${ns}_metrics_overflow_total`) && alert.endsWith('LabelValuesOverflow')) {
            r.notCarried.push({ source: input.file, what: `alert ${alert}`, reason: "written by devskyy-mon from the runtime's cardinality guard; generate writes it again (alerting.overflow_alert)" });
            continue;
          }
          if (alert !== undefined) {
            if (!r.alerting) r.alerting = { group, ...(interval ? { interval } : {}) };
            else if (interval && group !== r.alerting.group) r.notCarried.push({ source: input.file, what: `interval ${interval} of group ${group}`, reason: 'the catalog sets an interval only for its default alert group' });
            r.alerts.push(alertOf(rule, alert, expr, group, input.file, r, ns));
          } else if (str(rule['record']) !== undefined) {
            const labels = strings(rule['labels']);
            r.recordingRules.push({ record: str(rule['record'])!, expr, ...(group !== defaultRecordGroup ? { group } : {}), ...(Object.keys(labels).length ? { labels } : {}) });
            r.recordComments.push([`from ${input.file}, group ${group}`]);
            if (interval) r.notCarried.push({ source: input.file, what: `interval ${interval} of recording group ${group}`, reason: 'recording groups in the catalog have no interval of their own' });
          }
        }
      }
    }
  }
  const extra = r.severities.filter((s) => !DEFAULT_SEVERITIES.includes(s));
  r.severities = [...DEFAULT_SEVERITIES, ...extra];
  return r;
}

function alertOf(rule: Dict, name: string, expr: string, group: string, file: string, r: ImportedRules, ns: string): RawAlert {
  const labels = strings(rule['labels']);
  const ann = strings(rule['annotations']);
  const notes = [`from ${file}, group ${group}`];
  // generate gives every alert the catalog's namespace and its service as labels: not the rule's own.
  if (labels['namespace'] === ns) {
    delete labels['namespace'];
    delete labels['service'];
  }
  let severity = labels['severity'];
  delete labels['severity'];
  if (!severity) {
    severity = 'warning';
    notes.push('no severity label: declared warning');
  }
  if (!r.severities.includes(severity)) r.severities.push(severity);
  const summary = ann['summary'] ?? ann['message'] ?? name;
  if (!ann['summary']) notes.push(ann['message'] ? 'summary from the message annotation' : 'no summary annotation: the alert name stands in');
  const description = ann['description'] ?? ann['message'] ?? summary;
  if (!ann['description']) notes.push('no description annotation: the summary stands in');
  const runbook = ann['runbook_url'] ?? ann['runbook'];
  const known = new Set(['summary', 'description', 'message', 'runbook_url', 'runbook', ...GENERATED_LINKS]);
  for (const k of Object.keys(ann).filter((k) => !known.has(k))) r.notCarried.push({ source: file, what: `annotation ${k} of alert ${name}`, reason: 'the catalog carries summary, description and runbook' });
  r.alertComments.push(notes);
  const forDur = str(rule['for']);
  const keep = str(rule['keep_firing_for']);
  return {
    name,
    ...(r.alerting && group !== r.alerting.group ? { group } : {}),
    expr,
    ...(forDur ? { for: forDur } : {}),
    ...(keep ? { keep_firing_for: keep } : {}),
    severity,
    summary,
    description,
    ...(runbook ? { runbook } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  };
}

export class RuleFileError extends Error {}

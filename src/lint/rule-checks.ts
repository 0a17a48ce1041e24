// Checks of one alerting or recording rule, wherever it is written (catalog.yaml or a Prometheus rule file).
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment, YamlSource } from '../load/yaml-source.js';
import { parseDuration } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';
import type { TemplateScan } from '../rules/go-template.js';
import { ALERT_TEMPLATE_FUNCS, scanGoTemplate } from '../rules/go-template.js';
import { RECORD_CONVENTION } from '../validate/names.js';
import { severityOf } from './checks.js';
import type { ExprContext } from './expr-checks.js';
import { ExprChecker } from './expr-checks.js';

export interface RuleSite {
  kind: 'alert' | 'record';
  name: string;
  expr: string;
  for?: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Where each part sits in the YAML file. */
  at: {
    name: PathSegment[];
    expr: PathSegment[];
    for?: PathSegment[];
    rule: PathSegment[];
    label: (k: string) => PathSegment[];
    annotation: (k: string) => PathSegment[];
  };
}

export interface RuleCheckOptions extends ExprContext {
  /** The allowed severities (the catalog's alerting.severities); absent without a catalog. */
  severities?: readonly string[];
  /** Shared across a lint run: each distinct template text is read once (generators repeat annotations). */
  templates?: Map<string, TemplateScan>;
}

interface TemplateProblem {
  check: 'alert/template-syntax' | 'alert/template-label' | 'alert/template-function';
  message: string;
  from: number;
  to: number;
}

/** Reads a label or annotation template as Go's text/template does, then checks each $labels.x against the expression. */
export function checkTemplate(text: string, labels: Set<string> | 'any', scans?: Map<string, TemplateScan>): TemplateProblem[] {
  let scan = scans?.get(text);
  if (!scan) {
    scan = scanGoTemplate(text);
    scans?.set(text, scan);
  }
  const out: TemplateProblem[] = scan.errors.map((e) => {
    // Go's parser names a function Prometheus does not define; that is its own check, with the name meant.
    const unknown = /^function "([^"]+)" not defined/.exec(e.message);
    return unknown
      ? { check: 'alert/template-function' as const, message: `function "${unknown[1]}" is not defined in Prometheus templates${didYouMean(unknown[1]!, ALERT_TEMPLATE_FUNCS)}`, from: e.from, to: e.to }
      : { check: 'alert/template-syntax' as const, message: e.message, from: e.from, to: e.to };
  });
  if (labels === 'any') return out;
  for (const ref of scan.labels) {
    if (labels.has(ref.name)) continue;
    out.push({ check: 'alert/template-label', message: `the expression returns no label "${ref.name}" ${returnedLabels(labels)}`, from: ref.from, to: ref.to });
  }
  return out;
}

/** "(it returns a, b)", worded once per label set (an expression's set is shared by every rule that repeats it). */
const returnedWording = new WeakMap<Set<string>, string>();
function returnedLabels(labels: Set<string>): string {
  let text = returnedWording.get(labels);
  if (text === undefined) returnedWording.set(labels, (text = labels.size ? `(it returns ${[...labels].sort().join(', ')})` : '(it returns no labels)'));
  return text;
}

export function checkRule(site: RuleSite, opts: RuleCheckOptions, source: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const push = (check: string, message: string, span: object, hint?: string) =>
    out.push({ file: source.file, severity: severityOf(check), check, message, ...span, ...(hint ? { hint } : {}) });

  const { findings, labels, type: resultType } = ExprChecker.check(site.expr, opts);
  for (const f of findings) out.push({ file: source.file, severity: f.severity, check: f.check, message: f.message, ...source.locateInString(site.at.expr, f.from, f.to) });
  // Prometheus loads a rule whose result is a range vector or a string, then fails every evaluation of it
  // (rules.EngineQueryFunc: "rule result is not a vector or scalar"); promtool check rules does not see it.
  if (resultType === 'matrix' || resultType === 'string') {
    push('promql/syntax', `type error: a rule's expression must return an instant vector or a scalar, not a ${resultType === 'matrix' ? 'range vector' : 'string'}; Prometheus loads it and fails every evaluation ("rule result is not a vector or scalar")`, source.locate(site.at.expr));
  }

  if (site.kind === 'record') {
    if (!RECORD_CONVENTION.test(site.name)) push('rules/record-name', `recording rule "${site.name}" does not follow level:metric:operations`, source.locate(site.at.name), 'e.g. job:devskyy_requests:rate5m');
    return out;
  }
  if (site.for === undefined) push('alert/for-missing', `alert ${site.name} has no "for"; it fires on a single evaluation`, source.locate(site.at.name));
  else {
    const secs = parseDuration(site.for);
    const scrape = opts.scrapeIntervalSeconds;
    if (secs !== undefined && scrape !== undefined && secs < 2 * scrape) {
      push('alert/for-too-short', `for: ${site.for} is shorter than two scrape intervals (${2 * scrape}s)`, source.locate(site.at.for ?? site.at.rule));
    }
  }
  const severity = site.labels['severity'];
  // The catalog makes summary, description and severity a convention; a rule file on its own only gets warnings.
  const convention = opts.severities ? {} : { severity: 'warning' as const };
  if (severity === undefined) out.push({ file: source.file, severity: severityOf('alert/severity-missing'), check: 'alert/severity-missing', message: `alert ${site.name} has no severity label`, ...source.locate(site.at.name), ...convention });
  else if (opts.severities) {
    // A templated severity prints one of its literal pieces (`{{ if … }}critical{{ else }}warning{{ end }}`); a
    // fully computed one (`{{ $labels.severity }}`) cannot be known here.
    const printed = severity.includes('{{') ? severity.split(/\{\{[\s\S]*?\}\}/).map((p) => p.trim()).filter(Boolean) : [severity];
    for (const value of printed.filter((v) => !opts.severities!.includes(v))) {
      push('alert/severity-unknown', `severity "${value}" is not one of ${opts.severities.join(', ')}${didYouMean(value, opts.severities)}`, source.locate(site.at.label('severity')));
    }
  }
  if (!site.annotations['summary']) out.push({ file: source.file, severity: severityOf('alert/summary-missing'), check: 'alert/summary-missing', message: `alert ${site.name} has no summary annotation`, ...source.locate(site.at.name), ...convention });
  if (!site.annotations['description']) out.push({ file: source.file, severity: severityOf('alert/description-missing'), check: 'alert/description-missing', message: `alert ${site.name} has no description annotation`, ...source.locate(site.at.name), ...convention });
  const templated: [string, PathSegment[]][] = [
    ...Object.entries(site.annotations).map(([k, v]) => [v, site.at.annotation(k)] as [string, PathSegment[]]),
    ...Object.entries(site.labels).map(([k, v]) => [v, site.at.label(k)] as [string, PathSegment[]]),
  ];
  for (const [text, path] of templated) {
    for (const p of checkTemplate(text, labels, opts.templates)) push(p.check, p.message, source.locateInString(path, p.from, p.to));
  }
  return out;
}

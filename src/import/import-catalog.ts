// devskyy-mon import: an exposition (and rule files, dashboards) in, a catalog's text and a report out. Pure:
// the caller reads the inputs and writes the result.
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import { validateCatalog } from '../load/load-catalog.js';
import type { PathSegment } from '../load/yaml-source.js';
import { buildCatalog } from '../model/build.js';
import type { RawCatalog } from '../model/raw.js';
import { ExprChecker } from '../lint/expr-checks.js';
import { ruleCheckOptions } from '../validate/expressions.js';
import type { Exposition } from './exposition.js';
import { importDashboards } from './grafana-dashboards.js';
import type { DraftComments, ImportFinding, ServiceDraft, SkippedFamily } from './infer-catalog.js';
import { inferMetrics } from './infer-catalog.js';
import { renderCatalog } from './render-catalog.js';
import type { NotCarried, TextInput } from './rule-files.js';
import { importRuleFiles } from './rule-files.js';
import { pushAll } from '../util/arrays.js';

export interface ImportOptions {
  /** Where the exposition came from (URL or file), for the catalog's header and the report. */
  source: string;
  /** The catalog's file name, for diagnostics. */
  file: string;
  service: ServiceDraft;
  namespace?: string;
  title?: string;
  skipUntyped?: boolean;
  /** List each standard (process/runtime) family in the report, not only their count. */
  listStandard?: boolean;
  /** A line for the header about the scrape address, when it was assumed. */
  serviceNote?: string;
  /** Path of the JSON Schema relative to the catalog, for the editor comment. */
  schemaRef?: string;
}

export interface ImportReport {
  namespace: string;
  format: Exposition['format'];
  families: number;
  metrics: number;
  labels: number;
  alerts: number;
  recordingRules: number;
  dashboards: number;
  panels: number;
  summarised: { prefix: string; count: number; families?: string[] }[];
  skipped: SkippedFamily[];
  notCarried: NotCarried[];
  findings: ImportFinding[];
  /** Exposed family -> catalog name where they differ. */
  renamed: { exposed: string; catalog: string }[];
}

export interface ImportResult {
  text: string;
  raw: RawCatalog;
  report: ImportReport;
  /** What validating the written text says; errors mean a bug in import, warnings are passed on. */
  diagnostics: Diagnostic[];
}

function exprFindings(subject: string, expr: string, opts: ReturnType<typeof ruleCheckOptions>): { findings: ImportFinding[]; error?: string } {
  const r = ExprChecker.check(expr, opts);
  const findings = r.findings.map((f): ImportFinding => ({ severity: f.severity === 'error' ? 'warning' : 'info', subject, message: `[${f.check}] ${f.message}` }));
  // A query of a metric the import did not bring (another job's, or a typo) would be a panel without data and an
  // alert that never fires: it stays out, with the finding, like an error.
  const err = r.findings.find((f) => f.severity === 'error' || f.check === 'promql/unknown-metric');
  return { findings, ...(err ? { error: `[${err.check}] ${err.message}` } : {}) };
}

/** Items whose lines hold an error are dropped and reported; the catalog is validated again without them. */
function dropInvalid(raw: RawCatalog, comments: DraftComments, diags: readonly Diagnostic[], text: string, file: string, notCarried: NotCarried[]): boolean {
  const parsed = validateCatalog(file, text);
  const source = parsed.source;
  if (!source) return false;
  const errors = diags.filter((d) => d.severity === 'error' && d.start);
  const within = (path: PathSegment[]) => {
    const span = source.locate(path);
    if (!('start' in span)) return undefined;
    return errors.find((e) => e.start!.line >= span.start.line && e.start!.line <= span.end.line);
  };
  let dropped = false;
  const keep = <T>(items: T[] | undefined, key: string, label: (t: T) => string, comm?: Map<number, string[]>): T[] | undefined => {
    if (!items) return items;
    const kept: T[] = [];
    const keptComments = new Map<number, string[]>();
    items.forEach((it, i) => {
      const e = within([key, i]);
      if (e) {
        dropped = true;
        notCarried.push({ source: 'catalog check', what: label(it), reason: `${e.check}: ${e.message}` });
      } else {
        if (comm?.has(i)) keptComments.set(kept.length, comm.get(i)!);
        kept.push(it);
      }
    });
    if (comm) {
      comm.clear();
      for (const [k, v] of keptComments) comm.set(k, v);
    }
    return kept;
  };
  raw.alerts = keep(raw.alerts, 'alerts', (a) => `alert ${a.name}`, comments.alerts);
  raw.recording_rules = keep(raw.recording_rules, 'recording_rules', (r) => `recording rule ${r.record}`, comments.recordingRules);
  if (raw.dashboards) {
    raw.dashboards.forEach((d, di) => {
      const panels = d.panels.filter((p, pi) => {
        const e = within(['dashboards', di, 'panels', pi]);
        if (e) notCarried.push({ source: 'catalog check', what: `panel "${p.title}" of "${d.title}"`, reason: `${e.check}: ${e.message}` });
        return !e;
      });
      if (panels.length !== d.panels.length) {
        dropped = true;
        comments.panels.clear();
      }
      d.panels = panels;
    });
    raw.dashboards = raw.dashboards.filter((d) => d.panels.length);
  }
  return dropped;
}

export function importCatalog(expo: Exposition, rules: readonly TextInput[], dashboards: readonly TextInput[], o: ImportOptions): ImportResult {
  const draft = inferMetrics(expo, { service: o.service, ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.title ? { title: o.title } : {}), ...(o.skipUntyped ? { skipUntyped: true } : {}) });
  const { raw, comments, findings } = draft;
  const ns = raw.namespace;
  const notCarried: NotCarried[] = [];
  comments.header.push(
    `Imported by devskyy-mon import from ${o.source} (${expo.format === 'openmetrics' ? 'OpenMetrics' : 'Prometheus text 0.0.4'}).`,
    'Comments say what was inferred; review them, then run devskyy-mon validate and generate.',
    'Label enums hold the values seen while importing: values outside an enum fold into __overflow__ in the',
    'generated exporter, so add the ones the app can also produce.',
    ...(o.serviceNote ? [o.serviceNote] : []),
  );

  // Expressions are checked against the metrics just imported (and the records the rule files define).
  const metricsOnly = buildCatalog(raw, o.file);
  const imported = importRuleFiles(rules, ns);
  pushAll(notCarried, imported.notCarried);
  pushAll(findings, imported.findings);
  const checkOpts = ruleCheckOptions(metricsOnly, imported.recordingRules.map((r) => r.record));
  const alerts = imported.alerts.filter((a, i) => {
    const r = exprFindings(`alert ${a.name}`, a.expr, checkOpts);
    pushAll(findings, r.findings);
    if (r.error) notCarried.push({ source: 'expression check', what: `alert ${a.name}`, reason: r.error });
    else comments.alerts.set(comments.alerts.size, imported.alertComments[i]!);
    return !r.error;
  });
  const records = imported.recordingRules.filter((rec, i) => {
    const r = exprFindings(`recording rule ${rec.record}`, rec.expr, checkOpts);
    pushAll(findings, r.findings);
    if (r.error) notCarried.push({ source: 'expression check', what: `recording rule ${rec.record}`, reason: r.error });
    else comments.recordingRules.set(comments.recordingRules.size, imported.recordComments[i]!);
    return !r.error;
  });
  if (alerts.length) {
    raw.alerting = { ...(imported.alerting ?? {}), severities: imported.severities };
    raw.alerts = alerts;
  }
  if (records.length) raw.recording_rules = records;

  const dash = importDashboards(dashboards);
  pushAll(notCarried, dash.notCarried);
  const keptDashboards = dash.dashboards.flatMap((d, di) => {
    const panels = d.panels.filter((p) => {
      const r = exprFindings(`panel "${p.title}" of "${d.title}"`, p.expr, checkOpts);
      pushAll(findings, r.findings);
      if (r.error) notCarried.push({ source: 'expression check', what: `panel "${p.title}" of "${d.title}"`, reason: r.error });
      return !r.error;
    });
    return panels.length ? [{ d, di, panels }] : [];
  });
  // Panel comments move with their panels to the positions they keep.
  keptDashboards.forEach(({ d, di: orig, panels }, di) => {
    panels.forEach((p, pi) => {
      const c = dash.panelComments.get(`${orig}/${d.panels.indexOf(p)}`);
      if (c) comments.panels.set(`${di}/${pi}`, c);
    });
  });
  if (keptDashboards.length) raw.dashboards = keptDashboards.map(({ d, panels }) => ({ ...d, panels }));

  let text = renderCatalog(raw, comments, o.schemaRef);
  let result = validateCatalog(o.file, text);
  for (let round = 0; round < 3 && hasErrors(result.diagnostics); round++) {
    if (!dropInvalid(raw, comments, result.diagnostics, text, o.file, notCarried)) break;
    text = renderCatalog(raw, comments, o.schemaRef);
    result = validateCatalog(o.file, text);
  }
  const report: ImportReport = {
    namespace: ns,
    format: expo.format,
    families: expo.families.length,
    metrics: raw.metrics.length,
    labels: Object.keys(raw.labels ?? {}).length,
    alerts: raw.alerts?.length ?? 0,
    recordingRules: raw.recording_rules?.length ?? 0,
    dashboards: raw.dashboards?.length ?? 0,
    panels: (raw.dashboards ?? []).reduce((n, d) => n + d.panels.length, 0),
    summarised: draft.summarised.map((s) => ({ prefix: s.prefix, count: s.families.length, ...(o.listStandard ? { families: s.families } : {}) })),
    skipped: draft.skipped,
    notCarried,
    findings,
    renamed: draft.renamed,
  };
  return { text, raw, report, diagnostics: result.diagnostics };
}

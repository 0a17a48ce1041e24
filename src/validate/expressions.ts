import type { Diagnostic } from '../diagnostics.js';
import type { YamlSource } from '../load/yaml-source.js';
import type { Catalog } from '../model/catalog.js';
import { ExprChecker } from '../lint/expr-checks.js';
import type { RuleCheckOptions } from '../lint/rule-checks.js';
import { checkRule } from '../lint/rule-checks.js';
import { SeriesIndex } from '../promql/series-index.js';
import { parseDuration } from '../util/duration.js';
import { sloRecordNames } from '../emit/slo-rules.js';
import { alertSite } from './alert-site.js';
import { pushAll } from '../util/arrays.js';

/** What every rule check needs: the catalog's series, its SLO records and any records the rule files add. */
export function ruleCheckOptions(catalog: Catalog, extraRecords: readonly string[] = []): RuleCheckOptions {
  return {
    index: SeriesIndex.of(catalog, [...sloRecordNames(catalog), ...extraRecords]),
    scrapeIntervalSeconds: parseDuration(catalog.scrapeInterval)!,
    severities: catalog.alerting.severities,
  };
}

/** Lints every expression the catalog holds (alerts, recording rules, panels, SLOs) with positions in catalog.yaml. */
export function checkExpressions(catalog: Catalog, source: YamlSource): Diagnostic[] {
  const opts = ruleCheckOptions(catalog);
  const out: Diagnostic[] = [];
  for (const a of catalog.alerts) pushAll(out, checkRule(alertSite(a), opts, source));
  for (const r of catalog.recordingRules) {
    out.push(
      ...checkRule(
        { kind: 'record', name: r.record, expr: r.expr, labels: r.labels, annotations: {}, at: { name: [...r.path, 'record'], expr: [...r.path, 'expr'], rule: [...r.path], label: (k) => [...r.path, 'labels', k], annotation: () => [...r.path] } },
        opts,
        source,
      ),
    );
  }
  for (const d of catalog.dashboards) {
    for (const p of d.panels) {
      for (const f of ExprChecker.check(p.expr, opts).findings) {
        out.push({ file: source.file, severity: f.severity, check: f.check, message: f.message, ...source.locateInString([...p.path, 'expr'], f.from, f.to) });
      }
    }
  }
  for (const s of catalog.slos) {
    const fail = (check: string, message: string, key: string) => out.push({ file: source.file, severity: 'error', check, message, ...source.locate([...s.path, 'sli', key]) });
    /** A finding on text built around a catalog string, moved back into that string (`offset` characters of it came before). */
    const inString = (f: { severity: Diagnostic['severity']; check: string; message: string; from: number; to: number }, path: string[], offset: number, length: number) => {
      const clamp = (n: number) => Math.max(0, Math.min(length, n - offset));
      out.push({ file: source.file, severity: f.severity, check: f.check, message: f.message, ...source.locateInString([...s.path, ...path], clamp(f.from), clamp(f.to)) });
    };
    const sli = s.sli;
    if (sli.kind === 'latency') {
      const m = catalog.metrics.find((x) => x.name === sli.histogram || x.fullName === sli.histogram);
      if (!m) fail('slo-metric', `histogram "${sli.histogram}" is not in the catalog`, 'histogram');
      else if (m.type !== 'histogram') fail('slo-metric', `"${sli.histogram}" is a ${m.type}; a latency SLI needs a histogram`, 'histogram');
      else if (!m.buckets!.includes(sli.le)) fail('slo-le', `le ${sli.le} is not one of ${m.fullName}'s buckets (${m.buckets!.join(', ')})`, 'le');
      if (sli.matchers) {
        // Written between the braces of the bucket selector: checked there, findings shifted back to the string.
        const prefix = `${m?.fullName ?? sli.histogram}_bucket{`;
        const r = ExprChecker.check(`${prefix}${sli.matchers}}`, opts);
        const whole = r.ast?.kind === 'selector' && r.ast.to === prefix.length + sli.matchers.length + 1;
        if (!whole) fail('slo-matchers', `matchers must be label matchers as written between braces, e.g. method!="OPTIONS",route=~"/api/.*"`, 'matchers');
        else for (const f of r.findings) inString(f, ['sli', 'matchers'], prefix.length, sli.matchers.length);
      }
    } else {
      for (const key of ['errors', 'total'] as const) {
        const sel = sli[key];
        // A selector that does not parse on its own is reported as such, in its own text: wrapped in rate() below,
        // the error would point past the string at text the user never wrote.
        const alone = ExprChecker.check(sel, opts);
        if (!alone.ast) {
          for (const f of alone.findings) inString(f, ['sli', key], 0, sel.length);
          continue;
        }
        // Checked as it will be used, inside rate(); findings are shifted back by the 5 characters of "rate(".
        const r = ExprChecker.check(`rate(${sel}[5m])`, opts);
        const ast = r.ast;
        const ok = ast?.kind === 'call' && ast.args[0]?.kind === 'selector';
        if (!ok) fail('slo-selector', `${key} must be a plain selector of a counter, e.g. requests_total{status=~"5.."}`, key);
        else for (const f of r.findings) inString(f, ['sli', key], 5, sel.length);
      }
    }
  }
  return out;
}

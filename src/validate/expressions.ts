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
  for (const a of catalog.alerts) out.push(...checkRule(alertSite(a), opts, source));
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
    const sli = s.sli;
    if (sli.kind === 'latency') {
      const m = catalog.metrics.find((x) => x.name === sli.histogram || x.fullName === sli.histogram);
      if (!m) fail('slo-metric', `histogram "${sli.histogram}" is not in the catalog`, 'histogram');
      else if (m.type !== 'histogram') fail('slo-metric', `"${sli.histogram}" is a ${m.type}; a latency SLI needs a histogram`, 'histogram');
      else if (!m.buckets!.includes(sli.le)) fail('slo-le', `le ${sli.le} is not one of ${m.fullName}'s buckets (${m.buckets!.join(', ')})`, 'le');
    } else {
      for (const key of ['errors', 'total'] as const) {
        const sel = sli[key];
        // Checked as it will be used, inside rate(); findings are shifted back by the 5 characters of "rate(".
        const r = ExprChecker.check(`rate(${sel}[5m])`, opts);
        const ast = r.ast;
        const ok = ast?.kind === 'call' && ast.args[0]?.kind === 'selector';
        if (!ok) fail('slo-selector', `${key} must be a plain selector of a counter, e.g. requests_total{status=~"5.."}`, key);
        for (const f of r.findings) out.push({ file: source.file, severity: f.severity, check: f.check, message: f.message, ...source.locateInString([...s.path, 'sli', key], f.from - 5, f.to - 5) });
      }
    }
  }
  return out;
}

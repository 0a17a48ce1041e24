// Status-code matchers against the label's declared domain. A code outside an enum of status codes is recorded
// as the overflow value, so `status=~"5.."` in an alert or SLO never sees a 502 the enum does not list: the
// error ratio looks healthy exactly when it is not. Warn where a matcher selects codes the domain cannot hold.
import { labelMeaning } from '@devskyy-mon/runtime/spec';
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment, YamlSource } from '../load/yaml-source.js';
import type { Catalog, Metric } from '../model/catalog.js';
import type { Matcher } from '../promql/ast.js';
import { parsePromQL, selectors } from '../promql/ast.js';
import { SeriesIndex } from '../promql/series-index.js';

/** Every HTTP status code a server can send (RFC 9110 §15: three digits, 100-599). */
const CODES = Array.from({ length: 500 }, (_, i) => String(100 + i));

/**
 * The codes a matcher selects. Prometheus anchors regular expressions and uses RE2; the patterns people write for
 * status codes (`5..`, `5[0-9]{2}`, `(502|503)`) mean the same in JavaScript's RegExp. A pattern it cannot compile
 * selects nothing here (the expression checks report it).
 */
function selected(m: Matcher): string[] {
  let test: (code: string) => boolean;
  if (m.op === '=' || m.op === '!=') test = (c) => c === m.value;
  else {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${m.value})$`);
    } catch {
      return [];
    }
    test = (c) => re.test(c);
  }
  const negated = m.op === '!=' || m.op === '!~';
  return CODES.filter((c) => test(c) !== negated);
}

function summarise(codes: readonly string[]): string {
  return codes.length > 6 ? `${codes.slice(0, 5).join(', ')}, … (${codes.length} codes)` : codes.join(', ');
}

/** Warnings for matchers on status-code enums that select codes outside the enum; positions in catalog.yaml. */
export function checkStatusDomains(catalog: Catalog, source: YamlSource): Diagnostic[] {
  const index = SeriesIndex.of(catalog);
  const out: Diagnostic[] = [];
  const check = (expr: string, path: readonly PathSegment[]) => {
    const parsed = parsePromQL(expr);
    if (!parsed.ok) return;
    for (const sel of selectors(parsed.expr)) {
      const metric: Metric | undefined = sel.name ? index.get(sel.name)?.metric : undefined;
      if (!metric) continue;
      for (const m of sel.matchers) {
        const label = metric.labels.find((l) => l.name === m.label);
        if (!label?.values || labelMeaning(label) !== 'status_code') continue;
        const missing = selected(m).filter((c) => !label.values!.includes(c));
        if (!missing.length) continue;
        out.push({
          file: source.file,
          severity: 'warning',
          check: 'status-domain',
          message: `${m.label}${m.op}"${m.value}" selects status codes that label "${label.name}" of ${metric.fullName} cannot hold (${summarise(missing)}): they are recorded as the overflow value and never match. List them, bound the label with max_values instead of values, or use a label with meaning: status_class`,
          ...source.locateInString(path, m.from, m.to),
        });
      }
    }
  };
  for (const a of catalog.alerts) check(a.expr, [...a.path, 'expr']);
  for (const s of catalog.slos) {
    if (s.sli.kind === 'latency') continue;
    check(s.sli.errors, [...s.path, 'sli', 'errors']);
    check(s.sli.total, [...s.path, 'sli', 'total']);
  }
  for (const r of catalog.recordingRules) check(r.expr, [...r.path, 'expr']);
  return out;
}

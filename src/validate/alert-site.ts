import type { Alert } from '../model/catalog.js';
import type { RuleSite } from '../lint/rule-checks.js';
import { dict } from '../util/dict.js';

/** A catalog alert seen as a rule: severity, summary and description are fields of their own there. */
export function alertSite(a: Alert): RuleSite {
  const own = dict({ severity: 'severity', summary: 'summary', description: 'description', runbook_url: 'runbook' });
  const rule = {
    kind: 'alert' as const,
    name: a.name,
    expr: a.expr,
    ...(a.for ? { for: a.for } : {}),
    labels: { ...a.labels, severity: a.severity },
    annotations: { summary: a.summary, description: a.description },
  };
  if (a.generated) {
    // Only the severity comes from the catalog; the rest is generated text, reported at the section it comes from.
    const severity = a.generated.severity;
    return { ...rule, at: { name: [...a.path], expr: [...a.path], for: [...a.path], rule: [...a.path], label: (k) => (k === 'severity' ? [...severity] : [...a.path]), annotation: () => [...a.path] } };
  }
  return {
    ...rule,
    at: {
      name: [...a.path, 'name'],
      expr: [...a.path, 'expr'],
      for: [...a.path, 'for'],
      rule: [...a.path],
      label: (k) => (own[k] ? [...a.path, own[k]] : [...a.path, 'labels', k]),
      annotation: (k) => [...a.path, own[k] ?? k],
    },
  };
}

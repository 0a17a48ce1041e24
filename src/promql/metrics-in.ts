import { parsePromQL, selectors } from './ast.js';
import type { SeriesIndex } from './series-index.js';

/** Full names of the catalog metrics an expression reads, in order of appearance, without repeats. */
export function metricsIn(expr: string, index: SeriesIndex): string[] {
  const parsed = parsePromQL(expr);
  if (!parsed.ok) return [];
  const names = selectors(parsed.expr)
    .map((s) => (s.name ? index.get(s.name)?.metric.fullName : undefined))
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)];
}

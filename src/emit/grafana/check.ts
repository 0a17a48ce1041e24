// Structural checks of a generated dashboard, offline: what Grafana would choke on or silently show empty.
import type { Catalog } from '../../model/catalog.js';
import { ExprChecker } from '../../lint/expr-checks.js';
import { ruleCheckOptions } from '../../validate/expressions.js';
import { DATASOURCE_REF, DATASOURCE_VARIABLE } from './dashboards.js';

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface DashboardJson {
  uid?: string;
  title?: string;
  panels?: { id?: number; title?: string; gridPos?: GridPos; datasource?: { uid?: string }; targets?: { expr?: string; datasource?: { uid?: string } }[] }[];
  templating?: { list?: { name?: string; type?: string; query?: unknown }[] };
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Problems in one dashboard: ids, grid, datasource, and every query checked like an alert expression. */
export function checkDashboard(catalog: Catalog, json: unknown): string[] {
  const d = json as DashboardJson;
  const problems: string[] = [];
  const name = d.title ?? d.uid ?? '?';
  if (!d.uid || d.uid.length > 40) problems.push(`${name}: uid missing or longer than 40 characters`);
  const ds = DATASOURCE_REF.uid;
  const vars = new Set((d.templating?.list ?? []).map((v) => v.name));
  const dsVar = d.templating?.list?.find((v) => v.name === DATASOURCE_VARIABLE);
  if (dsVar?.type !== 'datasource' || dsVar.query !== 'prometheus') problems.push(`${name}: no "${DATASOURCE_VARIABLE}" variable of type datasource for Prometheus, which every panel reads`);
  const opts = ruleCheckOptions(catalog);
  const panels = d.panels ?? [];
  const ids = new Set<number>();
  panels.forEach((p, i) => {
    const where = `${name} / panel "${p.title ?? i}"`;
    if (typeof p.id !== 'number' || ids.has(p.id)) problems.push(`${where}: missing or duplicate id ${p.id}`);
    if (typeof p.id === 'number') ids.add(p.id);
    const g = p.gridPos;
    if (!g || g.w <= 0 || g.h <= 0 || g.x < 0 || g.x + g.w > 24) problems.push(`${where}: grid position outside the 24-column grid`);
    else panels.slice(0, i).forEach((q) => q.gridPos && overlaps(g, q.gridPos) && problems.push(`${where}: overlaps panel "${q.title}"`));
    if (p.datasource?.uid !== ds) problems.push(`${where}: datasource uid ${p.datasource?.uid} is not the dashboard's variable ${ds}`);
    if (!p.targets?.length) problems.push(`${where}: no query`);
    for (const t of p.targets ?? []) {
      if (t.datasource?.uid !== undefined && t.datasource.uid !== ds) problems.push(`${where}: target datasource ${t.datasource.uid} is not ${ds}`);
      const expr = t.expr ?? '';
      for (const v of expr.matchAll(/\$(\w+)/g)) if (!vars.has(v[1]!)) problems.push(`${where}: uses $${v[1]} but the dashboard has no such variable`);
      // Variables become regexes at query time; check the query with a value that matches anything.
      const concrete = expr.replace(/=~"\$\w+"/g, '=~".*"');
      for (const f of ExprChecker.check(concrete, opts).findings) {
        if (f.severity === 'error') problems.push(`${where}: [${f.check}] ${f.message}`);
      }
    }
  });
  return problems;
}

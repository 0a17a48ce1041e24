// Grafana dashboard JSON into catalog dashboards: panels with one PromQL query, title, unit, legend, description.
import { basename, extname } from 'node:path';
import type { RawDashboard, RawPanel } from '../model/raw.js';
import type { NotCarried, TextInput } from './rule-files.js';

export interface ImportedDashboards {
  dashboards: RawDashboard[];
  /** Comments per panel, keyed "dashboardIndex/panelIndex". */
  panelComments: Map<string, string[]>;
  notCarried: NotCarried[];
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const PANEL_TYPES: Record<string, RawPanel['type']> = {
  timeseries: 'timeseries',
  graph: 'timeseries',
  stat: 'stat',
  singlestat: 'stat',
  gauge: 'gauge',
  table: 'table',
  heatmap: 'heatmap',
  'state-timeline': 'state-timeline',
};

export class DashboardError extends Error {}

/** Panels in layout order; a collapsed row keeps its panels inside it. */
function flatPanels(panels: unknown): Dict[] {
  if (!Array.isArray(panels)) return [];
  return panels.filter(isDict).flatMap((p) => (p['type'] === 'row' ? flatPanels(p['panels']) : [p]));
}

/**
 * Grafana variables have no place in a catalog panel: range variables become 5m, and a matcher on a variable
 * (`{job=~"$job"}`) is dropped, since it selects everything when the variable is "All". Returns undefined when
 * a variable is left that neither rule covers.
 */
export function withoutVariables(expr: string): { expr: string; changed: boolean } | undefined {
  let out = expr.replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m');
  out = out.replace(/\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|=|!=|!~)\s*"\$\{?[a-zA-Z_][a-zA-Z0-9_]*(?::[a-z]+)?\}?"\s*,?\s*/g, '');
  out = out.replace(/,\s*\}/g, '}').replace(/\{\s*\}/g, '');
  if (out.includes('$')) return undefined;
  return { expr: out, changed: out !== expr };
}

function dashboardId(file: string, taken: Set<string>): string {
  const base = basename(file, extname(file)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+|-+$/g, '') || 'dashboard';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  taken.add(id);
  return id;
}

export function importDashboards(inputs: readonly TextInput[]): ImportedDashboards {
  const out: ImportedDashboards = { dashboards: [], panelComments: new Map(), notCarried: [] };
  const ids = new Set<string>();
  for (const input of inputs) {
    let json: unknown;
    try {
      json = JSON.parse(input.text);
    } catch (err) {
      throw new DashboardError(`${input.file}: not JSON (${(err as Error).message})`);
    }
    const dash = isDict(json) && isDict(json['dashboard']) ? json['dashboard'] : json;
    if (!isDict(dash) || !Array.isArray(dash['panels'])) throw new DashboardError(`${input.file}: not a Grafana dashboard (no panels array)`);
    const title = str(dash['title']) ?? basename(input.file);
    const tags = Array.isArray(dash['tags']) ? dash['tags'] : [];
    if (tags.includes('devskyy-mon') && /-category-/.test(str(dash['uid']) ?? '')) {
      out.notCarried.push({ source: input.file, what: `dashboard "${title}"`, reason: 'a per-category dashboard devskyy-mon writes from the metrics themselves; generate writes it again' });
      continue;
    }
    if (tags.includes('devskyy-mon') && tags.includes('slo') && /-slo-/.test(str(dash['uid']) ?? '')) {
      out.notCarried.push({ source: input.file, what: `dashboard "${title}"`, reason: 'an SLO dashboard devskyy-mon writes from the catalog\'s slos:; generate writes it again' });
      continue;
    }
    const templating = isDict(dash['templating']) && Array.isArray(dash['templating']['list']) ? dash['templating']['list'] : [];
    if (templating.length) out.notCarried.push({ source: input.file, what: `${templating.length} template variable(s) of "${title}"`, reason: 'catalog panels have no variables; matchers on them were dropped' });
    const panels: RawPanel[] = [];
    const d = out.dashboards.length;
    for (const p of flatPanels(dash['panels'])) {
      const ptitle = str(p['title']) ?? `panel ${String(p['id'] ?? panels.length + 1)}`;
      const type = PANEL_TYPES[str(p['type']) ?? ''];
      const where = `panel "${ptitle}" of "${title}"`;
      if (!type) {
        out.notCarried.push({ source: input.file, what: where, reason: `panel type ${String(p['type'])} has no catalog equivalent` });
        continue;
      }
      // Loki and other data sources also call their query `expr`: only Prometheus' PromQL is carried.
      const dsType = (x: Dict) => (isDict(x['datasource']) ? str(x['datasource']['type']) : undefined);
      const promql = (t: Dict) => (dsType(t) ?? dsType(p) ?? 'prometheus') === 'prometheus';
      const all = (Array.isArray(p['targets']) ? p['targets'] : []).filter(isDict).filter((t) => str(t['expr']) && t['hide'] !== true);
      const targets = all.filter(promql);
      if (targets.length < all.length) out.notCarried.push({ source: input.file, what: `${all.length - targets.length} query(ies) of ${where}`, reason: `data source ${dsType(all.find((t) => !promql(t))!) ?? dsType(p)} is not Prometheus` });
      if (!targets.length) {
        out.notCarried.push({ source: input.file, what: where, reason: 'no PromQL query' });
        continue;
      }
      const fieldConfig = isDict(p['fieldConfig']) && isDict(p['fieldConfig']['defaults']) ? p['fieldConfig']['defaults'] : {};
      const yaxes = Array.isArray(p['yaxes']) && isDict(p['yaxes'][0]) ? p['yaxes'][0] : {};
      const unit = str(fieldConfig['unit']) ?? str(yaxes['format']);
      targets.forEach((t, i) => {
        const refId = str(t['refId']) ?? String.fromCharCode(65 + i);
        const cleaned = withoutVariables(str(t['expr'])!.trim());
        if (!cleaned) {
          out.notCarried.push({ source: input.file, what: `query ${refId} of ${where}`, reason: 'uses a Grafana variable the catalog cannot express' });
          return;
        }
        const legend = str(t['legendFormat']);
        const notes: string[] = [`from ${input.file}${targets.length > 1 ? `, query ${refId} of "${ptitle}" (a catalog panel holds one query)` : ''}`];
        if (cleaned.changed) notes.push(`Grafana variables removed; the dashboard had: ${str(t['expr'])!.trim().replace(/\s+/g, ' ')}`);
        if (str(p['type']) !== type) notes.push(`Grafana panel type ${String(p['type'])} shown as ${type}`);
        out.panelComments.set(`${d}/${panels.length}`, notes);
        panels.push({
          title: targets.length > 1 ? `${ptitle} (${refId})` : ptitle,
          expr: cleaned.expr,
          ...(str(p['description']) ? { description: str(p['description'])! } : {}),
          ...(type !== 'timeseries' ? { type } : {}),
          ...(unit ? { unit } : {}),
          ...(legend && legend !== '__auto' ? { legend } : {}),
        });
      });
    }
    if (!panels.length) {
      out.notCarried.push({ source: input.file, what: `dashboard "${title}"`, reason: 'no panel could be carried over' });
      continue;
    }
    out.dashboards.push({ id: dashboardId(input.file, ids), title, ...(str(dash['description']) ? { description: str(dash['description'])! } : {}), panels });
  }
  return out;
}

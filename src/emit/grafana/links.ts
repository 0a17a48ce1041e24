import type { Catalog } from '../../model/catalog.js';
import { componentUrl } from '../../model/catalog.js';
import { metricsIn } from '../../promql/metrics-in.js';
import { SeriesIndex } from '../../promql/series-index.js';
import { dashboardPlans } from './layout.js';

export interface PanelLink {
  uid: string;
  panelId: number;
  url: string;
}

/** For each alert, the panel that shows its first metric: the overview's if one does, else the category's. */
export function alertPanelLinks(catalog: Catalog): Map<string, PanelLink> {
  const plans = dashboardPlans(catalog);
  const index = SeriesIndex.of(catalog);
  const base = componentUrl(catalog, 'grafana');
  const out = new Map<string, PanelLink>();
  for (const a of catalog.alerts) {
    const metric = metricsIn(a.expr, index)[0];
    if (!metric) continue;
    for (const d of plans) {
      const p = d.panels.find((x) => x.metrics.includes(metric));
      if (p) {
        out.set(a.name, { uid: d.uid, panelId: p.id, url: `${base}/d/${d.uid}/${d.slug}?viewPanel=${p.id}` });
        break;
      }
    }
  }
  return out;
}

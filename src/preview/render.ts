// A preview of every generated dashboard: the pages and the index, as files for the safe writer or for --serve.
import type { Catalog } from '../model/catalog.js';
import type { Artifact } from '../emit/artifact.js';
import { fileName } from '../emit/escape.js';
import type { PreviewPage } from './client/page-data.js';
import type { AlertEntry } from './alerts.js';
import { alertEntries } from './alerts.js';
import { pageAssets } from './assets.js';
import { collectPages } from './collect.js';
import { catalogDashboards } from './dashboards.js';
import type { RenderOptions } from './html.js';
import { dashboardPage, indexPage, panelHasData } from './html.js';
import type { DataSource } from './source.js';

export const INDEX_FILE = 'index.html';

export interface Preview {
  files: Artifact[];
  pages: { page: PreviewPage; file: string }[];
  alerts: AlertEntry[];
}

export async function renderPreview(catalog: Catalog, source: DataSource, o: RenderOptions = {}): Promise<Preview> {
  const shapes = catalogDashboards(catalog);
  const [assets, pages, alerts] = await Promise.all([pageAssets(), collectPages(shapes, source), alertEntries(catalog, source)]);
  const entries = pages.map((page, i) => ({ page, file: `${fileName(shapes[i]!.slug)}.html` }));
  const files: Artifact[] = [{ path: INDEX_FILE, content: indexPage(entries, alerts, source.label, o) }, ...entries.map((e) => ({ path: e.file, content: dashboardPage(e.page, assets, o) }))];
  return { files, pages: entries, alerts };
}

/** Counts for the command's summary line. */
export function previewSummary(p: Preview): { dashboards: number; panels: number; withData: number; empty: string[]; failed: string[] } {
  const panels = p.pages.flatMap((e) => e.page.panels.filter((x) => x.type !== 'row').map((x) => ({ where: `${e.page.title} / ${x.title}`, x })));
  return {
    dashboards: p.pages.length,
    panels: panels.length,
    withData: panels.filter(({ x }) => panelHasData(x)).length,
    // A series Prometheus returned always has a sample: when none is drawable, they were all NaN or ±Inf (a
    // quantile of a histogram that had no observations in its window, a ratio of 0/0).
    empty: panels.filter(({ x }) => !x.errors.length && !panelHasData(x)).map((e) => (e.x.series.length ? `${e.where} (only NaN or ±Inf samples)` : e.where)),
    failed: panels.filter(({ x }) => x.errors.length).map((e) => `${e.where}: ${e.x.errors.join('; ')}`),
  };
}

// Looks at preview pages in headless Chromium (Debian's chromium, driven by playwright-core): what each panel
// drew, by its data attributes, its canvas pixels and its legend; what the page fetched; what it logged.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { PreviewPage } from '../../src/preview/client/page-data.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  // --no-sandbox: Chromium's sandbox refuses to run as root, which CI and this machine are.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export interface PanelView {
  id: string;
  type: string;
  title: string;
  unit: string;
  state: string;
  yTicks: string[];
  legend: string[];
  /** Pixels of the panel's canvas in a saturated colour: series, cells (axes and grid are grey). */
  colouredPixels: number;
  statValues: string[];
  tableRows: number;
  message: string;
}

export interface PageView {
  title: string;
  panels: PanelView[];
  data: PreviewPage;
  /** Requests other than file: and data: URLs (a preview page must fetch nothing). */
  requests: string[];
  errors: string[];
}

export async function viewPage(page: Page, url: string, screenshot?: string): Promise<PageView> {
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => void (/^(file|data):/.test(r.url()) ? undefined : requests.push(r.url())));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' ? errors.push(m.text()) : undefined));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset['drawn'] === 'true');
  const view = await page.evaluate(() => {
    const coloured = (canvas: HTMLCanvasElement | null): number => {
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx || !canvas.width || !canvas.height) return 0;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!) > 60) n++;
      return n;
    };
    const text = (el: Element) => (el.textContent ?? '').trim();
    const panels = [...document.querySelectorAll<HTMLElement>('.panel')].map((el) => ({
      id: el.id,
      type: el.dataset['type'] ?? '',
      title: text(el.querySelector('h2')!),
      unit: el.dataset['unit'] ?? '',
      state: el.dataset['state'] ?? '',
      yTicks: (el.dataset['yTicks'] ?? '').split('|').filter((t) => t !== ''),
      legend: [...el.querySelectorAll('.u-legend .u-series .u-label')].map(text).filter((t) => t !== 'Time'),
      colouredPixels: coloured(el.querySelector('canvas')),
      statValues: [...el.querySelectorAll('.stat-value')].map(text),
      tableRows: el.querySelectorAll('.panel-body tbody tr').length,
      message: [...el.querySelectorAll('.panel-empty, .panel-error')].map(text).join(' '),
    }));
    return { title: document.title, panels, data: JSON.parse(document.getElementById('preview-data')!.textContent!) as unknown };
  });
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  return { ...view, data: view.data as PreviewPage, requests, errors };
}

/** The unit suffix every y-axis label of a panel must carry, by Grafana unit id. */
const UNIT_LABEL: Record<string, RegExp> = {
  s: / (ns|µs|ms|s|min|hour|day|week|year)$/,
  ms: / (ms|s|min|hour|day|week|year)$/,
  percentunit: /%$/,
  percent: /%$/,
  reqps: /[KMBT]? reqps$/,
  ops: /[KMBT]? ops$/,
  bytes: / (Ki|Mi|Gi|Ti)?B$/,
  Bps: / [kMGT]?B\/s$/,
  currencyUSD: /^-?\$/,
  'suffix:USD/s': / USD\/s$/,
  short: /^-?[\d.]+( K| Mil| Bil| Tri)?$/,
  '': /^-?[\d.]+$/,
};

/** What is wrong with a page: every panel must have drawn its data, with axes in its unit; nothing fetched or failed. */
export function pageProblems(v: PageView): string[] {
  const out: string[] = [...v.requests.map((r) => `fetched ${r}`), ...v.errors.map((e) => `script error: ${e}`)];
  for (const p of v.panels) {
    const where = `${v.title} / ${p.title} (${p.type})`;
    if (p.type === 'row') continue;
    if (p.state !== 'drawn') {
      out.push(`${where}: ${p.state || 'not drawn'}${p.message ? `: ${p.message}` : ''}`);
      continue;
    }
    if (['timeseries', 'heatmap', 'state-timeline'].includes(p.type) && p.colouredPixels < 10) out.push(`${where}: the canvas shows no series (${p.colouredPixels} coloured pixels)`);
    if (p.type === 'timeseries') {
      if (!p.legend.length) out.push(`${where}: no legend`);
      const unit = UNIT_LABEL[p.unit];
      if (!unit) out.push(`${where}: no expectation for unit ${p.unit}`);
      else if (!p.yTicks.length || p.yTicks.some((t) => !unit.test(t))) out.push(`${where}: y axis ${JSON.stringify(p.yTicks)} not in ${p.unit || 'plain numbers'}`);
    }
    if (p.type === 'heatmap' && !p.yTicks.length) out.push(`${where}: no bucket labels`);
    if ((p.type === 'stat' || p.type === 'gauge') && (!p.statValues.length || p.statValues.some((s) => s === '' || s === 'No data'))) out.push(`${where}: no value`);
    if (p.type === 'table' && !p.tableRows) out.push(`${where}: no rows`);
  }
  return out;
}

export interface PanelStructure {
  id: string;
  type: string;
  title: string;
  unit: string;
  legend?: string[];
  rows?: string[];
}

/**
 * A page's structure, stable across runs: panels, titles, units, legend entries, heatmap buckets. A legend entry
 * made from label values (a legend format with {{label}}) stands as its format, since which label values the
 * demo traffic produced varies; entries of fixed text (p50, thresholds, a query's own name) are kept as drawn.
 */
export function structureOf(v: PageView): { title: string; panels: PanelStructure[] } {
  return {
    title: v.title,
    panels: v.panels.map((p) => {
      const data = v.data.panels.find((x) => `panel-${x.id}` === p.id);
      const legend = [
        ...new Set(
          p.legend.map((name) => {
            const s = data?.series.find((x) => x.name === name);
            const format = s ? data?.queries.find((q) => q.refId === s.refId)?.legend : undefined;
            return format?.includes('{{') ? format : name.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
          }),
        ),
      ].sort();
      return { id: p.id, type: p.type, title: p.title, unit: p.unit, ...(p.type === 'timeseries' ? { legend } : {}), ...(p.type === 'heatmap' ? { rows: p.yTicks } : {}) };
    }),
  };
}

// The preview's HTML: one page per dashboard and an index. Markup is built here with every catalog or
// Prometheus text passed through htmlText; the page's data goes in as JSON through jsonInScript; the code is
// inlined (inlineScript, inlineStyle), so a page opens from a file, an artifact store or a review, offline.
import type { PreviewPage, PreviewPanel } from './client/page-data.js';
import { htmlText, inlineScript, inlineStyle, jsonInScript } from '../emit/escape.js';
import type { AlertEntry } from './alerts.js';
import type { PageAssets } from './assets.js';

export interface RenderOptions {
  /** Seconds between reloads (the --serve mode); none for static files. */
  refreshSeconds?: number;
}

const STYLE = `
:root { color-scheme: dark; }
body { margin: 0; padding: 16px; background: #111217; color: #ccccdc; font: 14px/1.4 Inter, Helvetica, Arial, sans-serif; }
a { color: #6e9fff; }
header h1 { margin: 4px 0; font-size: 20px; font-weight: 500; }
header p { margin: 2px 0; color: #8e8e9e; }
.variables { display: flex; flex-wrap: wrap; gap: 12px; margin: 10px 0; }
.variables label { display: flex; gap: 6px; align-items: center; background: #181b1f; border: 1px solid #2c3235; padding: 2px 8px; }
.variables select { background: #111217; color: #ccccdc; border: 1px solid #2c3235; }
.grid { display: grid; grid-template-columns: repeat(24, minmax(0, 1fr)); grid-auto-rows: 30px; gap: 8px; }
.panel { position: relative; display: flex; flex-direction: column; min-width: 0; background: #181b1f; border: 1px solid #2c3235; border-radius: 2px; overflow: hidden; }
.panel:target { outline: 2px solid #6e9fff; }
.panel.row { background: none; border: none; border-bottom: 1px solid #2c3235; }
.panel h2 { margin: 0; padding: 6px 64px 2px 8px; font-size: 14px; font-weight: 500; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.panel-body { flex: 1; min-height: 0; padding: 0 8px 4px; overflow: hidden; }
.panel[data-state="empty"] .panel-body, .panel[data-state="error"] .panel-body { display: flex; align-items: center; justify-content: center; }
.panel-empty { color: #8e8e9e; }
.panel-error { color: #ff7383; white-space: pre-wrap; font-size: 12px; overflow: auto; max-height: 100%; }
.panel details { position: absolute; top: 4px; right: 6px; font-size: 12px; z-index: 2; }
.panel details summary { cursor: pointer; color: #8e8e9e; list-style: none; }
.panel details[open] > div { position: absolute; right: 0; width: min(640px, 80vw); background: #22252b; border: 1px solid #2c3235; padding: 6px 8px; }
.panel details pre { white-space: pre-wrap; word-break: break-all; margin: 4px 0; color: #d8d9da; }
.panel[data-type="stat"] .panel-body, .panel[data-type="gauge"] .panel-body { position: relative; }
.stat-spark { position: absolute; left: 8px; right: 8px; bottom: 4px; opacity: 0.9; }
.stat { position: relative; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; justify-content: center; height: 100%; }
.stat-item { display: flex; flex-direction: column; align-items: center; }
.stat-value { font-size: 32px; font-weight: 500; }
.stat-name { color: #8e8e9e; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #2c3235; }
.panel table { display: block; overflow: auto; max-height: 100%; }
.uplot { font-family: inherit; }
.u-legend { font-size: 12px; text-align: left; }
.state-firing { color: #ff7383; font-weight: 600; }
.state-pending { color: #ff9830; }
.state-inactive { color: #73bf69; }
.state-unknown { color: #8e8e9e; }
`;

function fmtTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z').replace('T', ' ');
}

function head(title: string, assets: PageAssets | undefined, o: RenderOptions): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)}</title>`,
    ...(o.refreshSeconds ? [`<meta http-equiv="refresh" content="${htmlText(String(o.refreshSeconds))}">`] : []),
    ...(assets ? [`<style>${inlineStyle(assets.uplotCss)}</style>`] : []),
    `<style>${inlineStyle(STYLE)}</style>`,
    '</head>',
  ].join('\n');
}

function panelHtml(p: PreviewPanel): string {
  const place = `grid-column: ${p.grid.x + 1} / span ${p.grid.w}; grid-row: ${p.grid.y + 1} / span ${p.grid.h}`;
  const attrs = `id="panel-${p.id}" class="panel${p.type === 'row' ? ' row' : ''}" data-type="${htmlText(p.type)}" data-unit="${htmlText(p.unit)}" style="${htmlText(place)}"`;
  const title = `<h2${p.description ? ` title="${htmlText(p.description)}"` : ''}>${htmlText(p.title)}</h2>`;
  if (p.type === 'row') return `<section ${attrs}>${title}</section>`;
  const queries = p.queries.map((q) => `<pre>${htmlText(`${q.refId}: ${q.expr}`)}${q.legend ? `\n${htmlText(`legend: ${q.legend}`)}` : ''}</pre>`).join('');
  const details = `<details><summary>Query</summary><div>${p.description ? `<p>${htmlText(p.description)}</p>` : ''}${queries}</div></details>`;
  return `<section ${attrs}>${title}${details}<div class="panel-body"></div></section>`;
}

/** One dashboard's page: header, variables, panels on Grafana's 24-column grid; the script draws the data. */
export function dashboardPage(page: PreviewPage, assets: PageAssets, o: RenderOptions = {}): string {
  const vars = page.variables
    .map((v) => `<label>${htmlText(v.label)} <select data-variable="${htmlText(v.name)}"><option value="">All</option>${v.options.map((x) => `<option value="${htmlText(x)}">${htmlText(x)}</option>`).join('')}</select></label>`)
    .join('');
  const imports = Object.fromEntries(Object.entries(assets.modules).filter(([k]) => k !== './page.js').map(([k, code]) => [k, `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`]));
  return [
    head(page.title, assets, o),
    '<body>',
    '<header>',
    '<a href="index.html">All dashboards and alerts</a>',
    `<h1>${htmlText(page.title)}</h1>`,
    ...(page.description ? [`<p>${htmlText(page.description)}</p>`] : []),
    `<p>${htmlText(`${page.source} · ${fmtTime(page.range.start)} to ${fmtTime(page.range.end)} UTC, step ${page.range.step}s`)}</p>`,
    ...(vars ? [`<form class="variables">${vars}</form>`] : []),
    '</header>',
    `<main class="grid">${page.panels.map(panelHtml).join('\n')}</main>`,
    `<script type="application/json" id="preview-data">${jsonInScript(page)}</script>`,
    `<script>${inlineScript(assets.uplotJs)}</script>`,
    `<script type="importmap">${jsonInScript({ imports })}</script>`,
    `<script type="module">${inlineScript(assets.modules['./page.js'] ?? '')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export interface IndexEntry {
  page: PreviewPage;
  file: string;
}

/** Whether a panel has something to draw (before the variable selectors narrow it). */
export function panelHasData(p: PreviewPanel): boolean {
  if (p.type === 'row') return true;
  if (p.errors.length) return false;
  if (p.type === 'table') return Boolean(p.table?.rows.length);
  if (p.type === 'heatmap') return Boolean(p.heatmap?.counts.some((r) => r.some((v) => v !== null)));
  return p.series.some((s) => s.values.some((v) => v !== null));
}

/** The index: each dashboard with its panel count and the panels without data, then every alert with its state and panel. */
export function indexPage(entries: readonly IndexEntry[], alerts: readonly AlertEntry[], source: string, o: RenderOptions = {}): string {
  const byUid = new Map(entries.map((e) => [e.page.uid, e]));
  const dashRows = entries.map((e) => {
    const panels = e.page.panels.filter((p) => p.type !== 'row');
    const failed = panels.filter((p) => p.errors.length).length;
    const empty = panels.filter((p) => !p.errors.length && !panelHasData(p)).length;
    const notes = [failed ? `${failed} failed` : '', empty ? `${empty} without data` : ''].filter(Boolean).join(', ');
    return `<tr><td><a href="${htmlText(e.file)}">${htmlText(e.page.title)}</a></td><td>${panels.length}</td><td>${htmlText(notes || 'all with data')}</td></tr>`;
  });
  const alertRows = alerts.map((a) => {
    const target = a.link ? byUid.get(a.link.uid) : undefined;
    const panel = target && a.link?.panelId !== undefined ? target.page.panels.find((p) => p.id === a.link!.panelId) : undefined;
    const href = target ? `${target.file}${panel ? `#panel-${panel.id}` : ''}` : undefined;
    const where = target ? `${target.page.title}${panel ? ` / ${panel.title}` : ''}` : '';
    const link = href ? `<a class="alert-link" href="${htmlText(href)}">${htmlText(where)}</a>` : '';
    return `<tr data-alert="${htmlText(a.name)}"><td>${htmlText(a.name)}</td><td class="state-${a.state}"${a.note ? ` title="${htmlText(a.note)}"` : ''}>${htmlText(a.state)}</td><td>${htmlText(a.severity)}</td><td>${htmlText(a.summary)}</td><td>${link}</td></tr>`;
  });
  return [
    head('Dashboards and alerts', undefined, o),
    '<body>',
    '<header><h1>Dashboards and alerts</h1>',
    `<p>${htmlText(source)}</p></header>`,
    '<h2>Dashboards</h2>',
    `<table class="dashboards"><thead><tr><th>Dashboard</th><th>Panels</th><th>Data</th></tr></thead><tbody>${dashRows.join('')}</tbody></table>`,
    '<h2>Alerts</h2>',
    `<table class="alerts"><thead><tr><th>Alert</th><th>State</th><th>Severity</th><th>Summary</th><th>Panel</th></tr></thead><tbody>${alertRows.join('')}</tbody></table>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

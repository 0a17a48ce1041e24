// The preview page's script: draws each panel of the dashboard the page was rendered with (data in the page as
// JSON), with uPlot (inlined in the page as the global `uPlot`) for anything on a time axis. Each panel element
// says what it drew in data attributes (data-state: drawn, empty or error; data-y-ticks: the axis labels), so a
// browser test can check every panel without reading pixels.
import type UPlot from 'uplot';
import type { PreviewPage, PreviewPanel, PreviewSeries } from './page-data.js';
import { formatValue } from './units.js';

const uPlotCtor = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot;

/** Grafana's classic palette, in its order. */
const COLORS = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0', '#508642', '#CCA300'];
const color = (i: number) => COLORS[i % COLORS.length]!;
const AXIS = { stroke: '#c7d0d9', grid: { stroke: 'rgba(204,204,220,0.08)' }, ticks: { stroke: 'rgba(204,204,220,0.15)' } };

const page = JSON.parse(document.getElementById('preview-data')!.textContent ?? '{}') as PreviewPage;
const selected = new Map<string, string>();
const charts = new Map<number, UPlot>();

/** Series the variable selectors let through: a series without the variable's label is not filtered by it. */
function visible(series: PreviewSeries[]): PreviewSeries[] {
  return series.filter((s) => [...selected].every(([name, value]) => value === '' || s.labels[name] === undefined || s.labels[name] === value));
}

function times(): number[] {
  const out: number[] = [];
  for (let t = page.range.start; t <= page.range.end; t += page.range.step) out.push(t);
  return out;
}

function mark(el: HTMLElement, state: 'drawn' | 'empty' | 'error', message?: string): void {
  el.dataset['state'] = state;
  if (message) {
    const p = document.createElement('p');
    p.className = `panel-${state}`;
    p.textContent = message;
    el.querySelector('.panel-body')!.append(p);
  }
}

function size(body: HTMLElement, legend: boolean): { width: number; height: number } {
  return { width: Math.max(body.clientWidth, 100), height: Math.max(body.clientHeight - (legend ? 48 : 8), 60) };
}

/** Grafana's axis decimals: as many as the distance between two ticks has (UPlotAxisBuilder's guessDecimals). */
function tickDecimals(ticks: number[]): number | undefined {
  if (ticks.length < 2) return undefined;
  const incr = Math.round((ticks[1]! - ticks[0]!) * 1e6) / 1e6;
  const d = (String(incr).split('.')[1] ?? '').length;
  return d > 0 ? d : undefined;
}

/** The y axis: ticks formatted with the panel's unit, recorded on the panel for tests and readers. */
function yAxis(el: HTMLElement, label: (v: number, decimals?: number) => string, splits?: () => number[]): UPlot.Axis {
  return {
    ...AXIS,
    // Wide enough for the longest label (uPlot sizes axes in CSS pixels; ~8px per character at 12px, and the tick).
    size: (_u: UPlot, values: string[] | null) => Math.max(40, ...(values ?? []).map((v) => v.length * 8 + 24)),
    ...(splits ? { splits } : {}),
    values: (_u: UPlot, ticks: number[]) => {
      const decimals = splits ? undefined : tickDecimals(ticks);
      const labels = ticks.map((t) => label(t, decimals));
      el.dataset['yTicks'] = labels.join('|');
      return labels;
    },
  };
}

/**
 * Points where a line cannot show a value: a sample with gaps on both sides (a rate's first value, a series that
 * just appeared). Grafana's "show points: auto" draws those too, so a panel never looks empty while it has data.
 */
function isolatedPoints(values: (number | null)[], stroke: string): UPlot.Series.Points {
  const lone = values.flatMap((v, i) => (v !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null ? [i] : []));
  return lone.length ? { show: true, size: 6, stroke, fill: stroke, filter: () => lone } : { show: false };
}

function timeseries(el: HTMLElement, body: HTMLElement, p: PreviewPanel, series: PreviewSeries[]): boolean {
  const drawn = series.filter((s) => s.values.some((v) => v !== null));
  if (!drawn.length) return false;
  const xs = times();
  const lines = p.thresholds.map((t) => ({ ...t, values: xs.map(() => t.value) }));
  const opts: UPlot.Options = {
    ...size(body, true),
    scales: { x: { time: true } },
    axes: [{ ...AXIS }, yAxis(el, (v, d) => formatValue(p.unit, v, d))],
    legend: { live: false },
    series: [
      {},
      ...drawn.map((s, i) => ({ label: s.name, stroke: color(i), width: 1.5, points: isolatedPoints(s.values, color(i)), value: (_u: UPlot, v: number | null) => formatValue(p.unit, v) })),
      ...lines.map((t) => ({ label: `threshold ${formatValue(p.unit, t.value)}`, stroke: t.color, dash: [6, 4], width: 1, points: { show: false } })),
    ],
  };
  charts.set(p.id, new uPlotCtor(opts, [xs, ...drawn.map((s) => s.values), ...lines.map((t) => t.values)] as UPlot.AlignedData, body));
  el.dataset['series'] = String(drawn.length);
  return true;
}

/** Rows of cells on the time axis (heatmap buckets, state timeline states), drawn in a uPlot draw hook. */
function cells(el: HTMLElement, body: HTMLElement, p: PreviewPanel, rows: string[], fill: (row: number, i: number) => string | undefined): void {
  const xs = times();
  const opts: UPlot.Options = {
    ...size(body, false),
    legend: { show: false },
    scales: { x: { time: true }, y: { range: [0, rows.length] } },
    axes: [{ ...AXIS }, { ...yAxis(el, (v) => rows[Math.floor(v)] ?? '', () => rows.map((_r, i) => i + 0.5)), grid: { show: false } }],
    series: [{}, { label: p.title, show: false }],
    hooks: {
      draw: [
        (u: UPlot) => {
          const ctx = u.ctx;
          const w = Math.max(1, Math.ceil(u.valToPos(xs[0]! + page.range.step, 'x', true) - u.valToPos(xs[0]!, 'x', true)));
          rows.forEach((_r, row) => {
            const top = u.valToPos(row + 1, 'y', true);
            const h = Math.max(1, u.valToPos(row, 'y', true) - top - 1);
            xs.forEach((x, i) => {
              const c = fill(row, i);
              if (!c) return;
              ctx.fillStyle = c;
              ctx.fillRect(u.valToPos(x, 'x', true), top, w, h);
            });
          });
        },
      ],
    },
  };
  charts.set(p.id, new uPlotCtor(opts, [xs, xs.map(() => null)] as UPlot.AlignedData, body));
}

function heatmap(el: HTMLElement, body: HTMLElement, p: PreviewPanel): boolean {
  const h = p.heatmap;
  if (!h || !h.counts.some((row) => row.some((v) => v !== null))) return false;
  const max = Math.max(...h.counts.flat().filter((v): v is number => v !== null), 0);
  const labels = h.bounds.map((b) => (b === '+Inf' ? '+Inf' : formatValue(p.unit, Number(b))));
  // Grafana's default heatmap scheme runs dark to bright orange; an empty bucket stays faint.
  cells(el, body, p, labels, (row, i) => {
    const v = h.counts[row]?.[i];
    if (v === null || v === undefined) return undefined;
    const a = max > 0 ? 0.15 + 0.85 * (v / max) : 0.15;
    return `rgba(255, 152, 48, ${a.toFixed(3)})`;
  });
  el.dataset['buckets'] = String(h.bounds.length);
  return true;
}

function stateTimeline(el: HTMLElement, body: HTMLElement, p: PreviewPanel, series: PreviewSeries[]): boolean {
  const drawn = series.filter((s) => s.values.some((v) => v !== null));
  if (!drawn.length) return false;
  cells(el, body, p, drawn.map((s) => s.name), (row, i) => (drawn[row]!.values[i] !== null ? color(row) : undefined));
  el.dataset['series'] = String(drawn.length);
  return true;
}

/** Grafana's stat: the last value of each series, with its name when there are several. */
function stat(el: HTMLElement, body: HTMLElement, p: PreviewPanel, series: PreviewSeries[]): boolean {
  const values = series.map((s) => ({ name: s.name, value: [...s.values].reverse().find((v) => v !== null) ?? null })).filter((v) => v.value !== null);
  if (!values.length) return false;
  const box = document.createElement('div');
  box.className = 'stat';
  values.forEach((v, i) => {
    const item = document.createElement('div');
    item.className = 'stat-item';
    const value = document.createElement('span');
    value.className = 'stat-value';
    value.style.color = color(i);
    value.textContent = formatValue(p.unit, v.value);
    item.append(value);
    if (values.length > 1) {
      const name = document.createElement('span');
      name.className = 'stat-name';
      name.textContent = v.name;
      item.append(name);
    }
    box.append(item);
  });
  body.append(box);
  el.dataset['series'] = String(values.length);
  const only = series.length === 1 ? series[0]! : undefined;
  if (p.sparkline && only && only.values.filter((v) => v !== null).length > 1) sparkline(p, body, only);
  return true;
}

/** The area under a stat's value, as Grafana draws it: no axes, the series' colour, faint fill. */
function sparkline(p: PreviewPanel, body: HTMLElement, s: PreviewSeries): void {
  const box = document.createElement('div');
  box.className = 'stat-spark';
  body.prepend(box);
  const opts: UPlot.Options = {
    width: Math.max(body.clientWidth - 16, 60),
    height: Math.max(Math.round(body.clientHeight * 0.4), 24),
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: color(0), fill: `${color(0)}33`, width: 1, points: { show: false } }],
  };
  charts.set(p.id, new uPlotCtor(opts, [times(), s.values] as UPlot.AlignedData, box));
}

function table(el: HTMLElement, body: HTMLElement, p: PreviewPanel): boolean {
  const t = p.table;
  if (!t || !t.rows.length) return false;
  const tbl = document.createElement('table');
  const head = tbl.createTHead().insertRow();
  for (const c of t.columns) head.append(Object.assign(document.createElement('th'), { textContent: c }));
  const tbody = tbl.createTBody();
  for (const r of t.rows) {
    const row = tbody.insertRow();
    for (const cell of r) row.insertCell().textContent = cell;
  }
  body.append(tbl);
  el.dataset['rows'] = String(t.rows.length);
  return true;
}

function draw(p: PreviewPanel): void {
  const el = document.getElementById(`panel-${p.id}`);
  const body = el?.querySelector<HTMLElement>('.panel-body');
  if (!el || !body) return;
  charts.get(p.id)?.destroy();
  charts.delete(p.id);
  body.replaceChildren();
  if (p.type === 'row') return;
  if (p.errors.length) return mark(el, 'error', p.errors.join('\n'));
  const series = visible(p.series);
  let drew: boolean;
  switch (p.type) {
    case 'timeseries':
      drew = timeseries(el, body, p, series);
      break;
    case 'stat':
    case 'gauge':
      drew = stat(el, body, p, series);
      break;
    case 'state-timeline':
      drew = stateTimeline(el, body, p, series);
      break;
    case 'heatmap':
      drew = heatmap(el, body, p);
      break;
    case 'table':
      drew = table(el, body, p);
      break;
  }
  mark(el, drew ? 'drawn' : 'empty', drew ? undefined : 'No data');
}

function drawAll(): void {
  for (const p of page.panels) draw(p);
  document.body.dataset['drawn'] = 'true';
}

for (const sel of document.querySelectorAll<HTMLSelectElement>('select[data-variable]')) {
  sel.addEventListener('change', () => {
    selected.set(sel.dataset['variable']!, sel.value);
    drawAll();
  });
}
drawAll();

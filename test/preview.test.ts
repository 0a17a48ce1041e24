// preview without a browser: it reads the dashboards generate writes, turns Prometheus answers into panels,
// links alerts to panels, reads snapshots, and refuses what it cannot use.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/load/load-catalog.js';
import type { Catalog } from '../src/model/catalog.js';
import { catalogDashboards, dashboardShape } from '../src/preview/dashboards.js';
import { interpolate } from '../src/preview/collect.js';
import { applyLegend, heatmapOf, rangeSeries, seriesName, tableOf } from '../src/preview/series.js';
import { parseSnapshot, SNAPSHOT_FORMAT, SnapshotSource } from '../src/preview/source.js';
import type { Snapshot } from '../src/preview/source.js';
import { previewSummary, renderPreview } from '../src/preview/render.js';
import { alertLink } from '../src/preview/alerts.js';
import { spawn } from 'node:child_process';
import { BIN, DEVSKYY, runInProcess, tempDir } from './support/helpers.js';

async function devskyy(): Promise<Catalog> {
  const r = await loadCatalog(DEVSKYY);
  return r.catalog!;
}

/** A port nothing listens on: bound by the system, then closed. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const RANGE = { start: 1000, end: 1060, step: 15 };
const emptySnapshot = (answers: Snapshot['answers'] = {}): Snapshot => ({ format: SNAPSHOT_FORMAT, version: 1, recordedAt: '2026-11-29T00:00:00.000Z', source: 'test', range: RANGE, answers });

describe('the dashboards preview reads', () => {
  it('are the JSON files generate writes, read back: same panels, grid, units, queries and variables', async () => {
    const dir = tempDir();
    const out = join(dir, 'generated');
    expect((await runInProcess(['generate', '--catalog', DEVSKYY, '--out', out])).code).toBe(0);
    const shapes = catalogDashboards(await devskyy());
    expect(shapes).toHaveLength(12);
    const overview = JSON.parse(readFileSync(join(out, 'grafana/dashboards/overview.json'), 'utf8')) as Parameters<typeof dashboardShape>[0];
    expect(dashboardShape(overview, shapes[0]!.slug)).toEqual(shapes[0]);
    const first = shapes[0]!.panels[0]!;
    expect(first).toMatchObject({ id: 1, type: 'timeseries', title: 'Request rate', unit: 'reqps', grid: { x: 0, y: 0, w: 12, h: 8 } });
    expect(first.queries).toEqual([{ refId: 'A', expr: 'sum by (endpoint) (rate(devskyy_requests_total[5m]))', legend: '{{endpoint}}', instant: false }]);
    const app = shapes.find((s) => s.title.endsWith('/ Application'))!;
    expect(app.variables.find((v) => v.name === 'method')?.values).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(new Set(shapes.flatMap((s) => s.panels.map((p) => p.type)))).toEqual(new Set(['timeseries', 'stat', 'heatmap', 'state-timeline', 'table']));
    const slo = shapes.find((s) => s.title.includes('SLO'))!;
    expect(slo.panels[0]!.thresholds).toEqual([{ value: expect.any(Number) as number, color: 'red' }]);
  });
});

describe('queries and answers', () => {
  it('sends variables as All (.*), and $__rate_interval as four steps', () => {
    expect(interpolate('rate(x{a=~"$a",b=~"${b}",c=~"[[c]]",d="$dd"}[$__rate_interval])', ['a', 'b', 'c'], { start: 0, end: 3600, step: 30 })).toBe('rate(x{a=~".*",b=~".*",c=~".*",d="$dd"}[120s])');
  });

  it('names series by the legend format, or as Grafana does without one', () => {
    expect(applyLegend('{{ endpoint }} {{method}} {{missing}}x', { endpoint: '/a', method: 'GET' })).toBe('/a GET x');
    expect(seriesName({ __name__: 'up', job: 'a', instance: 'b' }, 'up')).toBe('up{instance="b", job="a"}');
    expect(seriesName({}, 'sum(rate(x[5m]))')).toBe('sum(rate(x[5m]))');
  });

  it('puts samples on the page time axis, NaN and Inf as gaps', () => {
    const [s] = rangeSeries([{ metric: { a: '1' }, values: [[1000, '1'], [1030, 'NaN'], [1045, '+Inf'], [1060, '2.5']] }], RANGE, 'A', 'x', '{{a}}');
    expect(s).toEqual({ refId: 'A', name: '1', labels: { a: '1' }, values: [1, null, null, null, 2.5] });
  });

  it('turns cumulative buckets into per-bucket heatmap cells, in bound order', () => {
    const h = heatmapOf(
      [
        { metric: { le: '+Inf' }, values: [[1000, '10']] },
        { metric: { le: '0.1' }, values: [[1000, '4']] },
        { metric: { le: '1' }, values: [[1000, '9']] },
      ],
      RANGE,
    );
    expect(h.bounds).toEqual(['0.1', '1', '+Inf']);
    expect(h.counts.map((r) => r[0])).toEqual([4, 5, 1]);
  });

  it('shows an instant vector as table rows with the value in the panel unit', () => {
    expect(tableOf([{ metric: { __name__: 'x_info', version: '2' }, value: [1, '0.25'] }], 's')).toEqual({ columns: ['__name__', 'version', 'Value'], rows: [['x_info', '2', '250 ms']] });
  });
});

describe('snapshots', () => {
  it('refuses files that are not snapshots, saying what is wrong', () => {
    expect(() => parseSnapshot('{', 'f.json')).toThrow(/f\.json: not JSON/);
    expect(() => parseSnapshot('{"a":1}', 'f.json')).toThrow(/not a preview snapshot/);
    expect(() => parseSnapshot(JSON.stringify({ ...emptySnapshot(), version: 2 }), 'f.json')).toThrow(/version 2 is not supported/);
    expect(() => parseSnapshot(JSON.stringify({ ...emptySnapshot(), range: { start: 1, end: 0, step: 1 } }), 'f.json')).toThrow(/"range"/);
  });

  it('answers what it recorded, and says so for what it did not', async () => {
    const s = new SnapshotSource(emptySnapshot({ 'instant up': { data: { resultType: 'vector', result: [] } }, 'instant bad(': { error: 'parse error' } }));
    await expect(s.fetch({ kind: 'instant', expr: 'up' })).resolves.toEqual({ resultType: 'vector', result: [] });
    await expect(s.fetch({ kind: 'instant', expr: 'bad(' })).rejects.toThrow('parse error');
    await expect(s.fetch({ kind: 'range', expr: 'up' })).rejects.toThrow(/not in the snapshot/);
    await expect(s.fetch({ kind: 'rules' })).rejects.toThrow(/not in the snapshot/);
  });
});

describe('the summary', () => {
  it('tells a panel whose series hold only NaN from one without series', async () => {
    const catalog = await devskyy();
    const overview = catalogDashboards(catalog)[0]!;
    const [p1, p2] = overview.panels;
    const p = await renderPreview(
      catalog,
      new SnapshotSource(
        emptySnapshot({
          [`range ${p1!.queries[0]!.expr}`]: { data: { resultType: 'matrix', result: [{ metric: { endpoint: '/a' }, values: [[1000, 'NaN']] }] } },
          [`range ${p2!.queries[0]!.expr}`]: { data: { resultType: 'matrix', result: [] } },
        }),
      ),
    );
    const s = previewSummary(p);
    expect(s.empty).toEqual(['DevSkyy Overview / Request rate (only NaN or ±Inf samples)', 'DevSkyy Overview / P95 latency']);
    expect(s.failed).toHaveLength(97);
  });
});

describe('the index', () => {
  it('links every alert generate annotated to its panel anchor on the preview page', async () => {
    const catalog = await devskyy();
    const p = await renderPreview(catalog, new SnapshotSource(emptySnapshot()));
    const index = p.files.find((f) => f.path === 'index.html')!.content;
    const links = [...index.matchAll(/<tr data-alert="([^"]+)">.*?<\/tr>/g)].map((m) => ({ alert: m[1]!, href: /class="alert-link" href="([^"]+)"/.exec(m[0])?.[1] }));
    expect(links).toHaveLength(11);
    expect(links.filter((l) => !l.href).map((l) => l.alert)).toEqual(['DevskyyLabelValuesOverflow']);
    expect(links.find((l) => l.alert === 'HighErrorRate')?.href).toBe('devskyy-overview.html#panel-3');
    for (const l of links.filter((x) => x.href)) {
      const [file, anchor] = l.href!.split('#');
      const page = p.files.find((f) => f.path === file);
      expect(page, l.href).toBeDefined();
      if (anchor) expect(page!.content, l.href).toContain(`id="${anchor}"`);
    }
    // Without the rules in the snapshot, the state is unknown, with the reason.
    expect(index).toContain('class="state-unknown" title="rules not read: not in the snapshot');
  });

  it('reads the dashboard from a Grafana URL when an alert has no dashboard_uid (SLO alerts)', () => {
    expect(alertLink({ dashboard_uid: 'u', panel_id: '3' })).toEqual({ uid: 'u', panelId: 3 });
    expect(alertLink({ dashboard_url: 'http://g:3000/d/devskyy-slo-x/slug' })).toEqual({ uid: 'devskyy-slo-x' });
    expect(alertLink({ summary: 's' })).toBeUndefined();
  });

  it('escapes catalog text in the pages', async () => {
    const catalog = await devskyy();
    const hostile = { ...catalog, dashboards: catalog.dashboards.map((d, i) => (i === 0 ? { ...d, title: '</script><img src=x onerror=alert(1)>', description: '"><b>x</b>' } : d)) };
    const p = await renderPreview(hostile, new SnapshotSource(emptySnapshot()));
    const page = p.files.find((f) => f.path !== 'index.html' && f.content.includes('onerror'))!.content;
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page.match(/<\/script>/g)).toHaveLength(4);
  });
});

describe('devskyy-mon preview', () => {
  it('exits 2 and says what to do when there is no stack, URL or snapshot', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), readFileSync(DEVSKYY, 'utf8'));
    const r = await runInProcess(['preview'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the stack is not up: run devskyy-mon up, or give --prometheus-url, or render a recorded --snapshot');
  });

  it('exits 2 when Prometheus does not answer', async () => {
    const port = await freePort();
    const r = await runInProcess(['preview', '--catalog', DEVSKYY, '--prometheus-url', `http://127.0.0.1:${port}`, '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`prometheus at http://127.0.0.1:${port} does not answer`);
    const bad = await runInProcess(['preview', '--catalog', DEVSKYY, '--prometheus-url', 'http://127.0.0.1:1', '--out', tempDir()]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('Prometheus http://127.0.0.1:1 cannot be queried');
  });

  it('exits 1 on a file that is not a snapshot, 2 on a missing one, 2 on a bad --range', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{"format":"other"}');
    const bad = await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', join(dir, 'bad.json'), '--out', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not a preview snapshot');
    expect((await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', join(dir, 'none.json')])).code).toBe(2);
    expect((await runInProcess(['preview', '--catalog', DEVSKYY, '--range', 'an hour'])).code).toBe(2);
  });

  it('an output it cannot write is exit 2 naming the path, never an internal error', async () => {
    const dir = tempDir();
    const snap = join(dir, 'snap.json');
    writeFileSync(snap, JSON.stringify(emptySnapshot()));
    writeFileSync(join(dir, 'afile'), 'x');
    for (const out of [join(dir, 'afile'), join(dir, 'afile', 'below')]) {
      const r = await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', snap, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/cannot write the preview folder .*nothing was written \(choose another folder with --out\)/);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('writes through the safe writer: pages a person edited are not overwritten without --force', async () => {
    const dir = tempDir();
    const snap = join(dir, 'snap.json');
    writeFileSync(snap, JSON.stringify(emptySnapshot()));
    const out = join(dir, 'preview');
    const first = await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', snap, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('preview: 12 dashboards, 99 panels, 0 with data, 99 failed');
    writeFileSync(join(out, 'index.html'), 'edited');
    const again = await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', snap, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/index\.html.*edited by hand/);
    expect((await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', snap, '--out', out, '--force'])).code).toBe(0);
  });

  it('--serve serves the index and the pages on 127.0.0.1, with a reload, until stopped', async () => {
    const dir = tempDir();
    const snap = join(dir, 'snap.json');
    writeFileSync(snap, JSON.stringify(emptySnapshot()));
    const child = spawn(process.execPath, [BIN, 'preview', '--catalog', DEVSKYY, '--snapshot', snap, '--serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`preview --serve exited: ${out}`)));
      });
      const index = await fetch(url);
      expect(index.status).toBe(200);
      const html = await index.text();
      expect(html).toContain('<meta http-equiv="refresh" content="30">');
      expect(html).toContain('href="devskyy-overview.html"');
      const page = await fetch(`${url}devskyy-overview.html`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module">');
      expect((await fetch(`${url}../../etc/passwd`)).status).toBe(404);
      expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(405);
      expect((await fetch(`${url}%E0%A4%A`)).status).toBe(400);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

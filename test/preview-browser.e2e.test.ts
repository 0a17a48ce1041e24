// preview in a real browser: the DevSkyy dashboards rendered from a live stack and from the snapshot recorded
// there, opened in headless Chromium, every panel checked; screenshots in test/artifacts/preview (gitignored);
// the structure compared with the reviewed reference in test/preview-reference (UPDATE_GOLDEN=1 refreshes it).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/load/load-catalog.js';
import { catalogDashboards } from '../src/preview/dashboards.js';
import { interpolate } from '../src/preview/collect.js';
import { SNAPSHOT_FORMAT } from '../src/preview/source.js';
import type { Snapshot } from '../src/preview/source.js';
import type { PageView } from './support/preview-browser.js';
import { launchChromium, pageProblems, structureOf, viewPage } from './support/preview-browser.js';
import { DEVSKYY, ROOT, runBin, runInProcess, stopStacksAfterEach, tempDir } from './support/helpers.js';

const ARTIFACTS = join(ROOT, 'test', 'artifacts', 'preview');
const REFERENCE = join(ROOT, 'test', 'preview-reference');
/** One reviewed screenshot per dashboard kind: the catalog's own dashboard, a category's, an SLO's. */
const KINDS = { overview: 'devskyy-overview.html', category: 'devskyy-platform-application.html', slo: 'devskyy-platform-slo-devskyy-availability.html' };

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const stacks = stopStacksAfterEach();

/** Over the range queries that returned series: the fewest samples the longest series of one has (lines, not dots). */
function fewestPoints(s: Snapshot): number {
  const counts = Object.entries(s.answers)
    .filter(([k, a]) => k.startsWith('range ') && 'data' in a)
    .map(([, a]) => ((a as { data: { result: { values: unknown[] }[] } }).data.result ?? []).reduce((n, r) => Math.max(n, r.values.length), 0))
    .filter((n) => n > 0);
  return counts.length ? Math.min(...counts) : 0;
}

async function viewAll(dir: string, shots: string): Promise<PageView[]> {
  mkdirSync(shots, { recursive: true });
  const files = readdirSync(dir).filter((f) => f.endsWith('.html') && f !== 'index.html').sort();
  const views: PageView[] = [];
  for (const f of files) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      views.push(await viewPage(page, pathToFileURL(join(dir, f)).href, join(shots, f.replace(/\.html$/, '.png'))));
    } finally {
      await page.close();
    }
  }
  return views;
}

describe('preview in headless Chromium', () => {
  it('draws every DevSkyy panel from a live stack and from its snapshot without Prometheus, as reviewed', { timeout: 600_000 }, async () => {
    const dir = tempDir('preview-');
    stacks.push(dir);
    const env = { PATH: process.env['PATH']! };
    expect((await runBin(['init', '--template', 'devskyy'], { cwd: dir })).code).toBe(0);
    const up = await runBin(['up', '--fast', '--ports', 'auto', '--no-verify'], { cwd: dir, env });
    expect(up.code, up.stdout + up.stderr).toBe(0);

    // Wait until every panel has data (rates need two scrapes in their window), then keep that rendering's snapshot.
    let last = '';
    for (const deadline = Date.now() + 240_000; ; ) {
      const r = await runBin(['preview', '--range', '1m', '--out', 'live', '--record-snapshot', 'snap.json'], { cwd: dir, env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      last = r.stdout;
      const m = /(\d+) panels, (\d+) with data/.exec(r.stdout);
      if (m && m[1] === m[2] && fewestPoints(JSON.parse(readFileSync(join(dir, 'snap.json'), 'utf8')) as Snapshot) >= 4) break;
      if (Date.now() > deadline) throw new Error(`panels still without data:\n${last}`);
      await sleep(2000);
    }
    expect(last).toContain('preview: 12 dashboards, 99 panels, 99 with data');
    const index = await browser.newPage();
    try {
      // The index links an alert to its panel, and that panel drew.
      await index.goto(pathToFileURL(join(dir, 'live', 'index.html')).href);
      await index.click('tr[data-alert="HighErrorRate"] a.alert-link');
      await index.waitForFunction(() => document.body.dataset['drawn'] === 'true');
      expect(await index.evaluate(() => [location.hash, document.querySelector<HTMLElement>(':target')?.dataset['state'], document.querySelector(':target h2')?.textContent])).toEqual(['#panel-3', 'drawn', 'Error rate']);
    } finally {
      await index.close();
    }
    const live = await viewAll(join(dir, 'live'), join(ARTIFACTS, 'live'));

    // Prometheus is gone: the snapshot alone renders the same pages.
    expect((await runBin(['down'], { cwd: dir, env })).code).toBe(0);
    const snap = await runBin(['preview', '--snapshot', 'snap.json', '--out', 'snap'], { cwd: dir, env });
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stdout).toContain('preview: 12 dashboards, 99 panels, 99 with data');
    const fromSnapshot = await viewAll(join(dir, 'snap'), join(ARTIFACTS, 'snapshot'));

    expect(live.flatMap(pageProblems)).toEqual([]);
    expect(fromSnapshot.flatMap(pageProblems)).toEqual([]);
    const structure = fromSnapshot.map(structureOf);
    expect(live.map(structureOf)).toEqual(structure);
    expect(live.reduce((n, v) => n + v.panels.length, 0)).toBe(99);

    const reference = join(REFERENCE, 'structure.json');
    if (process.env['UPDATE_GOLDEN'] === '1') {
      mkdirSync(REFERENCE, { recursive: true });
      writeFileSync(reference, JSON.stringify(structure, null, 2) + '\n');
      for (const [kind, file] of Object.entries(KINDS)) copyFileSync(join(ARTIFACTS, 'snapshot', file.replace(/\.html$/, '.png')), join(REFERENCE, `${kind}.png`));
    }
    expect(existsSync(reference), 'no reference structure: UPDATE_GOLDEN=1 npx vitest run test/preview-browser.e2e.test.ts, then review test/preview-reference').toBe(true);
    expect(structure).toEqual(JSON.parse(readFileSync(reference, 'utf8')));
  });

  it('fails the check for a panel without data and for a panel in error', { timeout: 120_000 }, async () => {
    // A snapshot made here: every overview query answers two series, but for panel 3 (empty) and panel 5 (missing).
    const catalog = (await loadCatalog(DEVSKYY)).catalog!;
    const overview = catalogDashboards(catalog)[0]!;
    const range = { start: 1_800_000_000, end: 1_800_000_300, step: 15 };
    const answers: Snapshot['answers'] = {};
    for (const p of overview.panels) {
      for (const q of p.queries) {
        const key = `range ${interpolate(q.expr, [], range)}`;
        const values = (k: number) => Array.from({ length: 21 }, (_v, i): [number, string] => [range.start + i * range.step, String(0.2 + 0.1 * k + 0.05 * Math.sin(i / 3))]);
        const series = [0, 1].map((k) => ({ metric: { endpoint: `/e${k}`, model_name: `m${k}`, database: `db${k}`, request_type: `t${k}`, instance: `i${k}`, cache: `c${k}` }, values: values(k) }));
        if (p.id === 3) answers[key] = { data: { resultType: 'matrix', result: [] } };
        else if (p.id !== 5) answers[key] = { data: { resultType: 'matrix', result: series } };
      }
    }
    const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, version: 1, recordedAt: '2026-11-29T00:00:00.000Z', source: 'test', range, answers };
    const dir = tempDir('preview-');
    writeFileSync(join(dir, 'snap.json'), JSON.stringify(snapshot));
    const r = await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', join(dir, 'snap.json'), '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      const view = await viewPage(page, pathToFileURL(join(dir, 'out', 'devskyy-overview.html')).href, join(ARTIFACTS, 'check', 'devskyy-overview.png'));
      expect(pageProblems(view)).toEqual(['DevSkyy Overview / Error rate (timeseries): empty: No data', expect.stringMatching(/^DevSkyy Overview \/ DB pool utilisation \(timeseries\): error: A: not in the snapshot/)]);
      expect(view.panels.filter((p) => p.state === 'drawn')).toHaveLength(6);
    } finally {
      await page.close();
    }
  });

  it('filters the series by the variable selectors', { timeout: 120_000 }, async () => {
    const catalog = (await loadCatalog(DEVSKYY)).catalog!;
    const app = catalogDashboards(catalog).find((d) => d.title.endsWith('/ Application'))!;
    const range = { start: 1_800_000_000, end: 1_800_000_300, step: 15 };
    const values = Array.from({ length: 21 }, (_v, i): [number, string] => [range.start + i * range.step, String(1 + i / 10)]);
    const answers: Snapshot['answers'] = {};
    for (const p of app.panels) for (const q of p.queries) answers[`range ${interpolate(q.expr, app.variables.map((v) => v.name), range)}`] = { data: { resultType: 'matrix', result: ['GET', 'POST'].map((method) => ({ metric: { method }, values })) } };
    const dir = tempDir('preview-');
    writeFileSync(join(dir, 'snap.json'), JSON.stringify({ format: SNAPSHOT_FORMAT, version: 1, recordedAt: '2026-11-29T00:00:00.000Z', source: 'test', range, answers } satisfies Snapshot));
    expect((await runInProcess(['preview', '--catalog', DEVSKYY, '--snapshot', join(dir, 'snap.json'), '--out', join(dir, 'out')])).code).toBe(0);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(pathToFileURL(join(dir, 'out', 'devskyy-platform-application.html')).href);
      await page.waitForFunction(() => document.body.dataset['drawn'] === 'true');
      const legend = () => page.$$eval('.panel', (els) => els.filter((e) => e.querySelector('h2')?.textContent === 'Total HTTP requests (per second)').flatMap((e) => [...e.querySelectorAll('.u-legend .u-series .u-label')].map((l) => l.textContent)));
      expect(await legend()).toEqual(['GET', 'POST']);
      // The stat shows each series' last value; with one series left it draws its sparkline (Grafana's default area).
      const stat = () => page.$$eval('.panel[data-type="stat"]', (els) => els.map((e) => [[...e.querySelectorAll('.stat-value')].map((v) => v.textContent), e.querySelectorAll('.stat-spark canvas').length]));
      expect(await stat()).toEqual([[['3', '3'], 0]]);
      await page.selectOption('select[data-variable="method"]', 'POST');
      expect(await stat()).toEqual([[['3'], 1]]);
      expect(await legend()).toEqual(['POST']);
      await page.selectOption('select[data-variable="method"]', '');
      expect(await legend()).toEqual(['GET', 'POST']);
    } finally {
      await page.close();
    }
  });
});

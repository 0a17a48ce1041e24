// Dashboards that read like a service's, not a metric dump: titles from help text, the HTTP error ratio and status
// panels, and one SLO dashboard per SLO with the alerts' thresholds drawn, all in the model verify reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import { dashboardPlans } from '../src/emit/grafana/layout.js';
import { checkDashboard } from '../src/emit/grafana/check.js';
import type { Catalog } from '../src/model/catalog.js';
import { DEVSKYY } from './support/helpers.js';

const catalog: Catalog = validateCatalog(DEVSKYY, readFileSync(DEVSKYY, 'utf8')).catalog!;

type Panel = { title: string; targets: { expr: string }[]; fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] }; custom?: { thresholdsStyle?: { mode: string } } } } };

describe('dashboards', () => {
  it('category panels are titled from the metric help text, never by the raw metric name', () => {
    const panels = dashboardPlans(catalog).filter((d) => d.tags.includes('devskyy-mon') && d.uid.includes('category')).flatMap((d) => d.panels);
    expect(panels.length).toBeGreaterThan(60);
    for (const p of panels) expect(p.title, p.title).not.toMatch(/devskyy_/);
    expect(panels.map((p) => p.title)).toContain('Total HTTP requests (per second)');
  });

  it('the dashboard of the HTTP request counter opens with the server error ratio and responses by status', () => {
    const http = dashboardPlans(catalog).find((d) => d.panels.some((p) => p.metrics.includes('devskyy_requests_total') && d.uid.includes('category')))!;
    expect(http.panels.slice(0, 2).map((p) => p.title)).toEqual(['Server error ratio (5xx)', 'Responses by status (per second)']);
    // 0 rather than empty when there are requests and no errors.
    expect(http.panels[0]!.targets[0]!.expr).toMatch(/^\(sum\(rate\(devskyy_requests_total\{.*status=~"5\.\."\}\[5m\]\)\) or 0 \* sum\(rate/);
    expect(http.panels[1]!.targets[0]!.expr).toMatch(/^sum by \(status\) \(rate\(devskyy_requests_total/);
  });

  it('each SLO has a dashboard in the model verify reads: SLI, budget left over the window, burn rate per alert window with its threshold', async () => {
    const slo = dashboardPlans(catalog).filter((d) => d.tags.includes('slo'));
    expect(slo.map((d) => d.file)).toEqual(['grafana/dashboards/slo-devskyy-availability.json', 'grafana/dashboards/slo-devskyy-latency.json']);
    const artifacts = await generate(catalog);
    for (const d of slo) {
      const json = JSON.parse(artifacts.find((a) => a.path === d.file)!.content) as { panels: Panel[] };
      expect(checkDashboard(catalog, json)).toEqual([]);
      const titles = json.panels.map((p) => p.title);
      expect(titles[0]).toMatch(/^SLI: error ratio/);
      expect(titles[1]).toBe('Error budget remaining (30d window)');
      expect(json.panels[1]!.targets[0]!.expr).toContain('[30d]');
      const burn = json.panels.slice(2);
      expect(burn.map((p) => p.title.replace(/ \(.*/, ''))).toEqual(['Burn rate 1h / 5m', 'Burn rate 6h / 30m', 'Burn rate 1d / 2h', 'Burn rate 3d / 6h']);
      // The alert's factor drawn as a line on each burn-rate panel.
      expect(burn.map((p) => p.fieldConfig.defaults.thresholds!.steps.at(-1)!.value)).toEqual([14.4, 6, 3, 1]);
      for (const p of json.panels) expect(p.fieldConfig.defaults.custom?.thresholdsStyle?.mode).toBe('line');
      for (const p of json.panels) for (const t of p.targets) expect(t.expr).toContain('namespace="devskyy",service="devskyy"');
    }
  });

  it('SLO alerts link to their SLO dashboard', async () => {
    const alerts = (await generate(catalog)).find((a) => a.path === 'prometheus/alerts.yml')!.content;
    expect(alerts).toContain('dashboard_url: http://127.0.0.1:3000/d/devskyy-slo-devskyy-availability/');
  });
});

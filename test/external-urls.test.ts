// Declared external URLs of Grafana, Prometheus and Alertmanager: links in alerts, compose flags, and the native
// runtime's --web.external-url on the live processes. Without them, everything stays on 127.0.0.1.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import type { Catalog } from '../src/model/catalog.js';
import { ROOT, runBin, tempDir } from './support/helpers.js';

const ORDERS = join(ROOT, 'test', 'fixtures', 'shared', 'orders.yaml');
const text = readFileSync(ORDERS, 'utf8');
const load = (t: string): Catalog => validateCatalog(ORDERS, t).catalog!;
const withoutUrls = (t: string) => t.replace(/, external_url: "[^"]*"/g, '');

type Rules = { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
const annotations = async (c: Catalog) => {
  const rules = parse((await generate(c)).find((a) => a.path === 'prometheus/alerts.yml')!.content) as Rules;
  return rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
};

describe('external URLs', () => {
  it('alert links point at the declared Grafana URL, else at 127.0.0.1 and the published port', async () => {
    for (const [catalog, base] of [[load(text), 'https://grafana.example.com/d/'], [load(withoutUrls(text)), 'http://127.0.0.1:3100/d/']] as const) {
      const alerts = await annotations(catalog);
      // The generated overflow alert has no panel of its metric to link to.
      const urls = alerts.filter((a) => !a.alert?.endsWith('LabelValuesOverflow')).map((a) => a.annotations?.['dashboard_url']);
      // The catalog alert and both SLOs' two burn-rate alerts each link to a dashboard.
      expect(urls).toHaveLength(5);
      for (const u of urls) expect(u?.startsWith(base), u).toBe(true);
    }
  });

  it('docker-compose.yml passes --web.external-url and Grafana\'s root URL', async () => {
    const compose = (c: Catalog) => generate(c).then((a) => parse(a.find((x) => x.path === 'docker-compose.yml')!.content) as { services: Record<string, { command?: string[]; environment?: Record<string, string> }> });
    const declared = await compose(load(text));
    expect(declared.services['prometheus']!.command).toEqual(expect.arrayContaining(['--web.external-url=https://prometheus.example.com/orders', '--web.route-prefix=/']));
    expect(declared.services['alertmanager']!.command).toEqual(expect.arrayContaining(['--web.external-url=https://alertmanager.example.com']));
    expect(declared.services['grafana']!.environment!['GF_SERVER_ROOT_URL']).toBe('https://grafana.example.com');
    const local = await compose(load(withoutUrls(text)));
    expect(local.services['prometheus']!.command).toEqual(expect.arrayContaining(['--web.external-url=http://127.0.0.1:9190']));
    expect(local.services['alertmanager']!.command).toEqual(expect.arrayContaining(['--web.external-url=http://127.0.0.1:9193']));
  });

  describe('native runtime', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir) await runBin(['down', '--catalog', join(dir, 'catalog.yaml')], { cwd: dir, env: { PATH: process.env['PATH']! } });
      dir = undefined;
    });

    it('starts Prometheus and Alertmanager with the declared --web.external-url, still answering at their root', async () => {
      dir = tempDir('external-url-');
      copyFileSync(ORDERS, join(dir, 'catalog.yaml'));
      const env = { PATH: process.env['PATH']! };
      const up = await runBin(['up', '--fast', '--ports', 'auto', '--no-verify'], { cwd: dir, env });
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const status = JSON.parse((await runBin(['status', '--format', 'json'], { cwd: dir, env })).stdout) as { components: { name: string; pid?: number; url?: string }[] };
      const prom = status.components.find((c) => c.name === 'prometheus')!;
      const flags = ((await (await fetch(`${prom.url}/api/v1/status/flags`)).json()) as { data: Record<string, string> }).data;
      expect(flags['web.external-url']).toBe('https://prometheus.example.com/orders');
      expect(flags['web.route-prefix']).toBe('/');
      const am = status.components.find((c) => c.name === 'alertmanager')!;
      const cmdline = readFileSync(`/proc/${am.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--web.external-url=https://alertmanager.example.com');
      expect((await fetch(`${am.url}/-/ready`)).ok).toBe(true);
    }, 180_000);
  });
});

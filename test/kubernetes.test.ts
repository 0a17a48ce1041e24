import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { ConfigMap } from 'kubernetes-models/v1';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import { KubernetesTargetError, dns1123, emitKubernetes } from '../src/emit/kubernetes.js';
import type { Catalog } from '../src/model/catalog.js';
import { DEVSKYY, expectGolden, runBin, tempDir } from './support/helpers.js';

const text = readFileSync(DEVSKYY, 'utf8');
const load = (t = text): Catalog => validateCatalog(DEVSKYY, t).catalog!;

describe('generate --target kubernetes (DevSkyy)', () => {
  it('writes the operator objects, matching the golden files', async () => {
    const artifacts = await generate(load(), { target: 'kubernetes' });
    expect(artifacts.every((a) => a.path.startsWith('kubernetes/'))).toBe(true);
    for (const a of artifacts) expectGolden(`devskyy-kubernetes/${a.path}`, a.content);
    const kinds = artifacts.map((a) => (parse(a.content) as { kind: string }).kind).sort();
    // 10 dashboards as in the compose target, and one per SLO.
    expect(kinds.filter((k) => k === 'ConfigMap')).toHaveLength(12);
    expect(kinds).toEqual(expect.arrayContaining(['AlertmanagerConfig', 'Kustomization', 'PrometheusRule', 'ServiceMonitor']));
  });

  it('every object validates against the prometheus-operator and Kubernetes schemas, with DNS-1123 names', async () => {
    const models: Record<string, new (o: never) => { validate(): void }> = { PrometheusRule, ServiceMonitor, AlertmanagerConfig, ConfigMap };
    for (const a of await generate(load(), { target: 'kubernetes' })) {
      const obj = parse(a.content) as { kind: string; metadata?: { name: string; labels?: Record<string, string> } };
      if (obj.kind === 'Kustomization') continue;
      expect(() => new models[obj.kind]!(obj as never).validate(), a.path).not.toThrow();
      expect(obj.metadata!.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      expect(obj.metadata!.labels!['release']).toBe('kube-prometheus-stack');
      if (obj.kind === 'ConfigMap') expect(obj.metadata!.labels!['grafana_dashboard']).toBe('1');
    }
  });

  it('rule expressions are byte-identical to alerts.yml and recording_rules.yml', async () => {
    const c = load();
    const compose = await generate(c);
    const k8s = await generate(c, { target: 'kubernetes' });
    const exprs = (content: string) => (parse(content) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr));
    const fromFiles = [...exprs(compose.find((a) => a.path === 'prometheus/alerts.yml')!.content), ...exprs(compose.find((a) => a.path === 'prometheus/recording_rules.yml')!.content)];
    const rule = parse(k8s.find((a) => a.path === 'kubernetes/prometheus-rule.yaml')!.content) as { spec: { groups: { rules: { expr: string }[] }[] } };
    expect(rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr))).toEqual(fromFiles);
  });

  it('dashboards in ConfigMaps are the compose target\'s JSON, their datasource variable defaulting to kube-prometheus-stack\'s', async () => {
    const c = load();
    const compose = await generate(c);
    const k8s = await generate(c, { target: 'kubernetes' });
    type Dash = { templating: { list: { name: string; type: string; query: unknown; current?: { value: string } }[] }; panels: { datasource: { uid: string }; targets: { datasource: { uid: string } }[] }[] };
    const maps = k8s.filter((a) => a.path.startsWith('kubernetes/dashboards/'));
    expect(maps).toHaveLength(compose.filter((a) => a.path.startsWith('grafana/dashboards/')).length);
    for (const a of maps) {
      const cm = parse(a.content) as { data: Record<string, string> };
      const [key, json] = Object.entries(cm.data)[0]!;
      const dash = JSON.parse(json) as Dash;
      // No panel names a datasource uid of its own: all read ${datasource}, which defaults to uid "prometheus".
      expect(json, a.path).not.toContain('devskyy-prometheus');
      for (const p of dash.panels) {
        expect(p.datasource.uid).toBe('${datasource}');
        for (const t of p.targets) expect(t.datasource.uid).toBe('${datasource}');
      }
      const v = dash.templating.list.find((x) => x.name === 'datasource')!;
      expect([v.type, v.query, v.current?.value]).toEqual(['datasource', 'prometheus', 'prometheus']);
      const same = JSON.parse(compose.find((x) => x.path === `grafana/dashboards/${key}`)!.content) as Dash;
      same.templating.list.find((x) => x.name === 'datasource')!.current = v.current!;
      expect(dash).toEqual(same);
    }
  });

  it('every alert the PrometheusRule raises is routed by the AlertmanagerConfig under the operator\'s OnNamespace matcher', async () => {
    const k8s = await generate(load(), { target: 'kubernetes' });
    const obj = <T>(file: string) => parse(k8s.find((a) => a.path === `kubernetes/${file}`)!.content) as T;
    const { namespace } = obj<{ namespace: string }>('kustomization.yaml');
    const rule = obj<{ spec: { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] } }>('prometheus-rule.yaml');
    type Matcher = { name: string; value: string; matchType: string };
    const amc = obj<{ spec: { route: { receiver: string; routes: { receiver: string; matchers: Matcher[] }[] }; receivers: { name: string }[]; inhibitRules: { sourceMatch: Matcher[]; targetMatch: Matcher[]; equal: string[] }[] } }>('alertmanager-config.yaml');
    // prometheus-operator's default alertmanagerConfigMatcherStrategy (OnNamespace) puts the AlertmanagerConfig's routes
    // and inhibit rules under namespace="<its namespace>": an alert without that label reaches none of them.
    const enforced: Matcher = { name: 'namespace', value: namespace, matchType: '=' };
    const matches = (ms: Matcher[], labels: Record<string, string>) => ms.every((m) => labels[m.name] === m.value);
    const alerts = rule.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts).toHaveLength(11);
    for (const a of alerts) {
      const labels = { alertname: a.alert!, ...a.labels };
      expect(matches([enforced], labels), `${a.alert} carries namespace=${labels['namespace']}`).toBe(true);
      const route = amc.spec.route.routes.find((r) => matches(r.matchers, labels));
      expect(route, a.alert).toBeDefined();
      expect(amc.spec.receivers.map((r) => r.name)).toContain(route!.receiver);
    }
    // The fast burn still inhibits the slow one of the same SLO once the operator adds its namespace matcher.
    const fast = alerts.find((a) => a.alert === 'AvailabilityErrorBudgetBurnFast')!.labels!;
    const slow = alerts.find((a) => a.alert === 'AvailabilityErrorBudgetBurnSlow')!.labels!;
    expect(amc.spec.inhibitRules.some((i) => matches([...i.sourceMatch, enforced], fast) && matches([...i.targetMatch, enforced], slow) && i.equal.every((l) => fast[l] === slow[l]))).toBe(true);
  });

  it('a dashboard over 1 MiB fails with a clear message', () => {
    const c = load();
    const big = { ...c, dashboards: [{ ...c.dashboards[0]!, panels: Array.from({ length: 6000 }, (_, i) => ({ ...c.dashboards[0]!.panels[0]!, title: `Panel ${i} ${'x'.repeat(40)}` })) }] };
    expect(() => emitKubernetes(big)).toThrow(KubernetesTargetError);
    expect(() => emitKubernetes(big)).toThrow(/ConfigMap holds at most 1 MiB/);
  });

  it('names follow DNS-1123 and over-long ones are refused', () => {
    expect(dns1123('DevSkyy_alerts')).toBe('devskyy-alerts');
    expect(() => dns1123('x'.repeat(64))).toThrow(/longer than 63/);
  });

  it('--check covers the Kubernetes files; both targets share an output folder', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    expect((await runBin(['generate', '--catalog', DEVSKYY, '--out', out])).code).toBe(0);
    expect((await runBin(['generate', '--catalog', DEVSKYY, '--out', out, '--target', 'kubernetes'])).code).toBe(0);
    expect((await runBin(['generate', '--catalog', DEVSKYY, '--out', out, '--check'])).code).toBe(0);
    expect((await runBin(['generate', '--catalog', DEVSKYY, '--out', out, '--target', 'kubernetes', '--check'])).code).toBe(0);
    appendFileSync(join(out, 'kubernetes', 'prometheus-rule.yaml'), '# tweak\n');
    const check = await runBin(['generate', '--catalog', DEVSKYY, '--out', out, '--target', 'kubernetes', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('kubernetes/prometheus-rule.yaml');
  });
});

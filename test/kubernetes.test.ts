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
    expect(kinds.filter((k) => k === 'ConfigMap')).toHaveLength(10);
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

  it('dashboards in ConfigMaps are the same JSON as the compose target', async () => {
    const c = load();
    const compose = await generate(c);
    const cm = parse((await generate(c, { target: 'kubernetes' })).find((a) => a.path === 'kubernetes/dashboards/overview.yaml')!.content) as { data: Record<string, string> };
    expect(JSON.parse(cm.data['overview.json']!)).toEqual(JSON.parse(compose.find((a) => a.path === 'grafana/dashboards/overview.json')!.content));
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

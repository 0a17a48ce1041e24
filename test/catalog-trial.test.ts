// The validate-side faults of the user trial of 0.1.0 (notes/trial-generate.md), each as its kind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Exporter } from '@devskyy-mon/runtime';
import { validateCatalog } from '../src/load/load-catalog.js';
import { buildCatalog } from '../src/model/build.js';
import type { RawCatalog } from '../src/model/raw.js';
import { exporterSpec } from '../src/emit/exporter-spec.js';
import { MINIMAL, positionOf } from './support/helpers.js';

const BASE = readFileSync(MINIMAL, 'utf8');

function edit(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`base catalog lacks ${from}`);
  return base.replace(from, to);
}

const diagnosticsOf = (yaml: string) => validateCatalog('catalog.yaml', yaml).diagnostics;
const at = (yaml: string, check: string) => diagnosticsOf(yaml).filter((d) => d.check === check).map((d) => d.start);
const errorsOf = (yaml: string) => diagnosticsOf(yaml).filter((d) => d.severity === 'error').map((d) => `${d.check}@${d.start?.line}:${d.start?.column}`);

/** Where the value of `key: value` starts. */
const valueAt = (yaml: string, keyValue: string) => {
  const p = positionOf(yaml, keyValue);
  return { line: p.line, column: p.column + keyValue.indexOf(': ') + 2 };
};

const SUMMARY = '  - name: http_requests_in_flight\n    type: gauge';
const withSummary = (fields: string) =>
  edit(SUMMARY, `  - name: lat_seconds\n    type: summary\n    unit: seconds\n    category: http\n    help: x\n${fields}\n${SUMMARY}`);

describe('values the runtime refuses are refused by validate, with a position (trial 5, 17)', () => {
  // Every rule of the runtime's checkSpec, as a catalog that breaks it: the runtime throws on the spec generated
  // from the unvalidated model, and validate reports an error at the marker.
  const cases: [string, string, string, string][] = [
    ['invalid metric name', edit('- name: http_requests_in_flight', '- name: http-requests-in-flight'), 'metric-name', 'http-requests-in-flight'],
    ['invalid label name', edit('  route:\n    description: Route', '  route:\n    name: "a b"\n    description: Route'), 'label-name', '"a b"'],
    ['reserved label name', edit('  route:\n    description: Route', '  route:\n    name: __route\n    description: Route'), 'label-reserved', '__route'],
    ['label declared twice', edit('  route:\n    description: Route', '  route:\n    name: method\n    description: Route'), 'label-duplicate', 'route]'],
    ['label values repeat', edit('values: [GET, HEAD,', 'values: [GET, GET, HEAD,'), 'label-values', 'GET, HEAD'],
    ['label values hold the overflow value', edit('values: [GET, HEAD,', 'values: [GET, __overflow__, HEAD,'), 'label-values', '__overflow__'],
    ['histogram with le', edit('  route:\n    description: Route', '  route:\n    name: le\n    description: Route'), 'label-reserved', 'route]'],
    ['buckets not ascending', edit('    role: http_duration', '    role: http_duration\n    buckets: [0.5, 0.1]'), 'buckets', '0.1]'],
    ['buckets not finite (JSON Schema: not a number)', edit('    role: http_duration', '    role: http_duration\n    buckets: [0.5, .inf]'), 'schema-type', '.inf]'],
    ['summary with quantile', withSummary('    labels: [q]').replace('labels:\n', 'labels:\n  q:\n    name: quantile\n    description: q\n    max_values: 2\n'), 'label-reserved', 'q]'],
    ['percentile 1', withSummary('    percentiles: [0.5, 1]'), 'percentiles', '1]'],
    ['percentile 0', withSummary('    percentiles: [0, 0.5]'), 'percentiles', '0, 0.5]'],
    ['summary max_age 0s (trial 5)', withSummary('    max_age: 0s'), 'duration-zero', 'max_age: 0s'],
    ['default summary max_age 0s', withSummary('    max_age: 0s').replace('    max_age: 0s\n', '').replace('  scrape_timeout: 10s', '  scrape_timeout: 10s\n  summary:\n    max_age: 0ms'), 'duration-zero', 'max_age: 0ms'],
    ['enum without states', edit(SUMMARY, `  - name: mode\n    type: enum\n    category: http\n    help: x\n    states: []\n${SUMMARY}`), 'enum-states', '[]'],
    ['enum states repeat', edit(SUMMARY, `  - name: mode\n    type: enum\n    category: http\n    help: x\n    states: [a, a]\n${SUMMARY}`), 'enum-states', 'a]'],
    ['enum with labels', edit(SUMMARY, `  - name: mode\n    type: enum\n    category: http\n    help: x\n    states: [a]\n    labels: [method]\n${SUMMARY}`), 'enum-labels', '[method]'],
  ];

  it.each(cases)('%s', (_what, yaml, check, marker) => {
    const raw = parse(yaml) as RawCatalog;
    expect(() => new Exporter(exporterSpec(buildCatalog(raw, 'catalog.yaml')))).toThrow(TypeError);
    const starts = at(yaml, check);
    expect(starts.length, `no ${check} in ${errorsOf(yaml).join(', ')}`).toBeGreaterThan(0);
    expect(starts).toContainEqual(marker.includes(': ') ? valueAt(yaml, marker) : positionOf(yaml, marker));
  });

  it('the trial catalog n1 (summary max_age: 0s) is refused at the value', () => {
    const yaml = withSummary('    percentiles: [0.5, 0.99]\n    max_age: 0s');
    const p = valueAt(yaml, 'max_age: 0s');
    expect(errorsOf(yaml)).toEqual([`duration-zero@${p.line}:${p.column}`]);
  });

  it('the trial catalog d5 (SLO window: 0s) is refused at the value', () => {
    const yaml = `${BASE}\nslos:\n  - { name: latency, description: d, objective: 99, window: 0s, sli: { histogram: http_request_duration_seconds, le: 0.25 } }\n`;
    const d = diagnosticsOf(yaml).filter((x) => x.severity === 'error');
    expect(d.map((x) => x.check)).toEqual(['duration-zero']);
    expect(d[0]!.start).toEqual(positionOf(yaml, '0s,'));
  });

  it.each([
    ['defaults.scrape_interval/timeout', edit('  scrape_interval: 15s\n  scrape_timeout: 10s', '  scrape_interval: 0s\n  scrape_timeout: 0s'), ['scrape_interval: 0s', 'scrape_timeout: 0s']],
    ['services[].interval/timeout', edit('    exporter: demo', '    exporter: demo\n    interval: 0s\n    timeout: 0s'), ['interval: 0s', 'timeout: 0s']],
    ['alerting.interval', `${BASE}\nalerting:\n  interval: 0s\n`, ['interval: 0s']],
    ['collector timeout', edit('    role: http_in_flight', '    collector: pool').replace('metrics:\n', 'collectors:\n  pool: { description: d, ttl: 0s, timeout: 0s }\n\nmetrics:\n'), ['timeout: 0s']],
    ['alertmanager group_interval/repeat_interval', `${BASE}\nalertmanager:\n  group_wait: 0s\n  group_interval: 0s\n  repeat_interval: 0s\n`, ['group_interval: 0s', 'repeat_interval: 0s']],
  ])('a zero %s is refused; group_wait and collector ttl of 0s are not', (_what, yaml, markers) => {
    expect(at(yaml, 'duration-zero')).toEqual(markers.map((m) => valueAt(yaml, m)));
  });

  it('for: 0s and keep_firing_for: 0s stay valid', () => {
    const yaml = edit('    for: 10m', '    for: 0s\n    keep_firing_for: 0s');
    expect(errorsOf(yaml)).toEqual([]);
  });
});

describe('a scrape timeout longer than its interval is refused wherever the pair appears (trial 8)', () => {
  it('services[].timeout longer than services[].interval, at the timeout', () => {
    const yaml = edit('    exporter: demo', '    exporter: demo\n    interval: 5s\n    timeout: 30s');
    expect(errorsOf(yaml)).toEqual([`scrape-timeout@${valueAt(yaml, 'timeout: 30s').line}:${valueAt(yaml, 'timeout: 30s').column}`]);
  });

  it('services[].timeout longer than the default interval it inherits', () => {
    const yaml = edit('    exporter: demo', '    exporter: demo\n    timeout: 20s');
    const d = diagnosticsOf(yaml).find((x) => x.check === 'scrape-timeout');
    expect(d?.start).toEqual(valueAt(yaml, 'timeout: 20s'));
    expect(d?.message).toContain('from defaults.scrape_interval');
  });

  it('a service interval shorter than the inherited default timeout cuts the timeout to the interval, as Prometheus does', () => {
    const yaml = edit('    exporter: demo', '    exporter: demo\n    interval: 5s');
    const r = validateCatalog('catalog.yaml', yaml);
    expect(r.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(r.catalog!.services[0]).toMatchObject({ interval: '5s', timeout: '5s' });
  });
});

describe('label names the catalog writes into rules and Alertmanager are checked as Prometheus and Alertmanager check them (trial 12, 13)', () => {
  it('trial p1: alert labels severity, namespace, alertname and __name__ are each refused at the key', () => {
    const yaml = edit('    severity: warning', '    severity: warning\n    labels: { severity: critical, namespace: other, alertname: X, __name__: y, team: ok }');
    const keys = ['severity: critical', 'namespace: other', 'alertname: X', '__name__: y'].map((k) => positionOf(yaml, k));
    expect(at(yaml, 'label-reserved')).toEqual(keys);
    expect(diagnosticsOf(yaml).find((d) => d.message.startsWith('severity'))?.hint).toContain('severity field');
  });

  it.each([['"a b"', 'label-name'], ['9x', 'label-name'], ['slo', 'label-reserved'], ['__x', 'label-reserved']])('alert label %s is refused', (key, check) => {
    const yaml = edit('    severity: warning', `    severity: warning\n    labels:\n      ${key}: v`);
    expect(at(yaml, check)).toEqual([positionOf(yaml, `${key}: v`)]);
  });

  it('recording rule labels: invalid and __ names are refused; names alerts reserve are not', () => {
    const yaml = `${BASE}\nrecording_rules:\n  - record: job:myapp_http_requests:rate5m\n    expr: sum by (job) (rate(myapp_http_requests_total[5m]))\n    labels: { "a-b": x, __name__: y, severity: z, namespace: n }\n`;
    expect(at(yaml, 'label-name')).toEqual([positionOf(yaml, '"a-b"')]);
    expect(at(yaml, 'label-reserved')).toEqual([positionOf(yaml, '__name__')]);
  });

  it('a templated alert label value goes through the template checks', () => {
    const yaml = edit('    severity: warning', '    severity: warning\n    labels: { team: "{{ x }}" }');
    expect(at(yaml, 'alert/template-function')).toEqual([positionOf(yaml, 'x }}')]);
  });

  it('trial h2: alertmanager.group_by "a b" is refused at the item; so are "..." with others and a repeated name', () => {
    const yaml = `${BASE}\nalertmanager:\n  group_by: ["a b", alertname, "...", alertname]\n`;
    expect(at(yaml, 'alertmanager/group-by')).toEqual([positionOf(yaml, '"a b"'), positionOf(yaml, '"..."'), positionOf(yaml, 'alertname]')]);
    expect(errorsOf(`${BASE}\nalertmanager:\n  group_by: ["..."]\n`)).toEqual([]);
  });
});

describe('kubernetes.* is checked by validate, with positions, all problems in one run (trial 19, 24)', () => {
  it('trial 19 and 24: namespace, dashboard_label, release, common_labels and datasource_uid each at their value', () => {
    const yaml = `${BASE}\nkubernetes:\n  namespace: "Mon!"\n  dashboard_label: "bad label!"\n  release: "rel$x"\n  datasource_uid: "a b"\n  common_labels: { "team/x/y": ok, team: "a b", "example.com/ok": fine }\n`;
    expect(errorsOf(yaml).sort()).toEqual(
      [
        ['kubernetes/namespace', valueAt(yaml, 'namespace: "Mon!"')],
        ['kubernetes/label', valueAt(yaml, 'dashboard_label: "bad label!"')],
        ['kubernetes/label', valueAt(yaml, 'release: "rel$x"')],
        ['kubernetes/datasource-uid', valueAt(yaml, 'datasource_uid: "a b"')],
        ['kubernetes/label', positionOf(yaml, '"team/x/y"')],
        ['kubernetes/label', valueAt(yaml, 'team: "a b"')],
      ]
        .map(([c, p]) => `${String(c)}@${(p as { line: number }).line}:${(p as { column: number }).column}`)
        .sort(),
    );
  });

  it('valid values pass', () => {
    const yaml = `${BASE}\nkubernetes:\n  namespace: monitoring\n  dashboard_label: grafana.com/dashboard\n  release: kube-prometheus-stack\n  datasource_uid: prometheus\n  common_labels: { team: web, "app.kubernetes.io/component": metrics }\n`;
    expect(errorsOf(yaml)).toEqual([]);
  });
});

// The validate-side faults of the user trial of 0.1.0 (notes/trial-generate.md), each as its kind.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasAngleNamedGroup } from '../src/lint/expr-checks.js';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Exporter } from '@devskyy-mon/runtime';
import { validateCatalog } from '../src/load/load-catalog.js';
import { buildCatalog } from '../src/model/build.js';
import type { RawCatalog } from '../src/model/raw.js';
import { exporterSpec } from '../src/emit/exporter-spec.js';
import { DEVSKYY, MINIMAL, positionOf, runInProcess, tempDir } from './support/helpers.js';
import { REMOVABLE, REMOVABLE_PANEL_FIELDS, TEXT_ONLY_REQUIRED } from '../src/validate/prune.js';

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

describe('a schema fault in an optional field hides none of its item\'s other problems (trial 16)', () => {
  const valueAtNth = (yaml: string, keyValue: string, nth: number) => {
    const p = positionOf(yaml, keyValue, nth);
    return { line: p.line, column: p.column + keyValue.indexOf(': ') + 2 };
  };
  const p = (c: string, x: { line: number; column: number }) => `${c}@${x.line}:${x.column}`;

  it('trial d1: the alert with for: "5 minutes" keeps its PromQL and template errors; a service set aside for its port keeps its name', () => {
    const yaml = edit('    exporter: demo\n', '    exporter: demo\n  - { name: myapp, port: 80000 }\n').replace(
      '\ndashboards:',
      `  - name: Bad
    expr: rate(myapp_http_requests_total[5m] > 1
    for: 5 minutes
    severity: warning
    summary: s
    description: "{{ .Value"
  - name: Bad
    expr: vector(1)
    for: 5m
    severity: warning
    summary: s
    description: d

dashboards:`,
    );
    const end = positionOf(yaml, '> 1\n');
    expect(errorsOf(yaml).sort()).toEqual(
      [
        p('schema-maximum', valueAt(yaml, 'port: 80000')),
        p('service-duplicate', valueAt(yaml, 'name: myapp, port: 80000')),
        p('promql/syntax', { line: end.line, column: end.column + 2 }),
        p('schema-duration', valueAt(yaml, 'for: 5 minutes')),
        p('alert/template-syntax', positionOf(yaml, '{{ .Value')),
        p('rules/duplicate-alert', valueAtNth(yaml, 'name: Bad', 1)),
      ].sort(),
    );
    // Its for was removed for the other checks, which must not then say it has none.
    expect(diagnosticsOf(yaml).map((d) => d.check)).not.toContain('alert/for-missing');
  });

  it('trial: an SLO without a description still has its selectors checked', () => {
    const yaml = `${BASE}\nslos:\n  - name: avail\n    objective: 99\n    sli: { errors: 'myapp_http_requests_total{status=~"5.."', total: myapp_nope_total }\n`;
    const checks = diagnosticsOf(yaml).map((d) => d.check);
    expect(checks).toEqual(expect.arrayContaining(['schema-required', 'promql/syntax', 'promql/unknown-metric']));
  });

  it('an alert without a summary is reported once, by the schema', () => {
    const yaml = edit('    summary: Requests are slow\n', '');
    expect(diagnosticsOf(yaml).map((d) => d.check)).toEqual(['schema-required']);
  });

  it('an optional panel field that breaks the schema is removed; the panel expression is still checked', () => {
    const yaml = edit('        unit: reqps', '        unit: 5').replace('sum by (route) (rate(myapp_http_requests_total[5m]))', 'sum by (rout) (rate(myapp_http_requests_total[5m]))');
    expect(diagnosticsOf(yaml).map((d) => d.check).sort()).toEqual(['promql/unknown-label', 'schema-type']);
  });

  it('a fault in a field whose absence changes other checks still sets the item aside (no follow-on findings)', () => {
    // Without its unit, http_request_duration_seconds would get "ends in _seconds but declares no unit".
    const yaml = edit('    unit: seconds\n    category: http\n    help: HTTP request latency.', '    unit: secs\n    category: http\n    help: HTTP request latency.');
    expect(diagnosticsOf(yaml).map((d) => d.check)).toEqual(['schema-enum']);
  });
});

describe('removing a field for the other checks creates no finding of its own (trial 16)', () => {
  type Item = Record<string, unknown>;
  // Every optional field once, in a valid catalog.
  const FULL = edit('    exporter: demo\n', '    exporter: demo\n  - { name: web, host: web.internal, port: 9000, scheme: https, interval: 30s, timeout: 20s, exporter: external, image: "web:1.2.3", build: ./web, resources: { cpus: 1 }, monitor: PodMonitor }\n')
    .replace(SUMMARY, `  - { name: work_seconds, type: summary, unit: seconds, category: http, help: x, percentiles: [0.5], max_age: 5m, age_buckets: 3, optional: true }\n${SUMMARY}`)
    .replace('    for: 10m\n', '    for: 10m\n    group: latency\n    keep_firing_for: 5m\n    labels: { team: web }\n')
    .replace('      - title: P95 latency\n', '      - title: P95 latency\n        description: d\n        type: stat\n        optional: true\n')
    .concat('\nrecording_rules:\n  - { record: "job:myapp_http_requests:rate5m", expr: "sum by (job) (rate(myapp_http_requests_total[5m]))", group: rec }\n')
    .concat('slos:\n  - { name: avail, description: d, objective: 99, service: web, sli: { errors: \'myapp_http_requests_total{status=~"5.."}\', total: myapp_http_requests_total } }\n');
  it('the catalog with every optional field is valid', () => expect(errorsOf(FULL)).toEqual([]));
  const catalogs = [BASE, FULL, readFileSync(DEVSKYY, 'utf8')].map((t) => parse(t) as Record<string, Item[] | unknown>);
  const findings = (data: unknown) => new Set(diagnosticsOf(stringify(data)).map((d) => `${d.check}: ${d.message}`));
  // Each removable field, and each text-only required field emptied, once per catalog that has it.
  const edits: [string, (c: Record<string, unknown>) => boolean, readonly string[]][] = [];
  for (const [section, fields] of Object.entries(REMOVABLE)) {
    for (const [field, absent] of Object.entries(fields)) edits.push([`${section}[].${field} removed`, (c) => mutate(c[section], (it) => delete it[field], field), absent]);
  }
  for (const field of REMOVABLE_PANEL_FIELDS) {
    edits.push([`dashboards[].panels[].${field} removed`, (c) => (Array.isArray(c['dashboards']) ? (c['dashboards'] as Item[]).some((d) => mutate(d['panels'], (it) => delete it[field], field)) : false), []]);
  }
  for (const [section, fields] of Object.entries(TEXT_ONLY_REQUIRED)) {
    for (const [field, absent] of Object.entries(fields)) edits.push([`${section}[].${field} emptied`, (c) => mutate(c[section], (it) => (it[field] = ''), field), absent]);
  }
  function mutate(list: unknown, change: (it: Item) => unknown, field: string): boolean {
    if (!Array.isArray(list)) return false;
    const it = (list as Item[]).find((x) => Object.hasOwn(x, field));
    if (!it) return false;
    change(it);
    return true;
  }

  it.each(edits)('%s', (_what, apply, absent) => {
    let tried = 0;
    for (const catalog of catalogs) {
      const copy = structuredClone(catalog);
      if (!apply(copy)) continue;
      tried++;
      const before = findings(catalog);
      const added = [...findings(copy)].filter((f) => !before.has(f) && !absent.some((c) => f.startsWith(`${c}:`)));
      expect(added).toEqual([]);
    }
    expect(tried, "no catalog has the field").toBeGreaterThan(0);
  });
});

describe('each problem is reported once (trial 21)', () => {
  it('alerts[].severity: wrning is one alert/severity-unknown, at the value', () => {
    const yaml = edit('    severity: warning', '    severity: wrning');
    expect(errorsOf(yaml)).toEqual([`alert/severity-unknown@${valueAt(yaml, 'severity: wrning').line}:${valueAt(yaml, 'severity: wrning').column}`]);
  });
});

describe('problems in the generated overflow alert are reported where the catalog wrote the text (trial 22)', () => {
  it('a template error in the severity it takes is reported in alerting.severities, not at alerting.group', () => {
    const yaml = edit('    severity: warning', '    severity: critical') + '\nalerting:\n  group: mygroup\n  severities: [critical, "{{ x }}"]\n';
    expect(errorsOf(yaml)).toEqual([`alert/template-function@${positionOf(yaml, 'x }}').line}:${positionOf(yaml, 'x }}').column}`]);
  });
});

describe('an SLO selector that does not parse is reported once, inside its own text (trial 23)', () => {
  const slo = (sli: string) => `${BASE}\nslos:\n  - name: avail\n    description: d\n    objective: 99\n    sli: ${sli}\n`;

  it('trial: an unclosed errors selector is one promql/syntax error inside the string, naming nothing generated', () => {
    const yaml = slo(`{ errors: 'myapp_http_requests_total{status=~"5.."', total: myapp_http_requests_total }`);
    const errors = diagnosticsOf(yaml).filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.check)).toEqual(['promql/syntax']);
    const open = positionOf(yaml, "myapp_http_requests_total{status");
    const close = positionOf(yaml, "', total");
    expect(errors[0]!.start!.line).toBe(open.line);
    expect(errors[0]!.start!.column).toBeGreaterThanOrEqual(open.column);
    expect(errors[0]!.end!.column).toBeLessThanOrEqual(close.column);
    expect(errors[0]!.message).not.toContain('[');
  });

  it('a selector that parses but is not a plain selector is slo-selector', () => {
    const yaml = slo(`{ errors: 'sum(myapp_http_requests_total)', total: myapp_http_requests_total }`);
    expect(errorsOf(yaml)).toEqual([`slo-selector@${valueAt(yaml, "errors: 'sum").line}:${valueAt(yaml, "errors: 'sum").column}`]);
  });

  it('latency SLI matchers are checked between the bucket selector\'s braces', () => {
    const bad = slo(`{ histogram: http_request_duration_seconds, le: 0.5, matchers: 'method!="GET"} or vector(1) or up{a="b"' }`);
    expect(at(bad, 'slo-matchers')).toEqual([valueAt(bad, "matchers: 'method")]);
    const unknown = slo(`{ histogram: http_request_duration_seconds, le: 0.5, matchers: 'methd!="GET"' }`);
    expect(at(unknown, 'promql/unknown-label')).toEqual([positionOf(unknown, 'methd')]);
    expect(errorsOf(slo(`{ histogram: http_request_duration_seconds, le: 0.5, matchers: 'method!="GET"' }`))).toEqual([]);
  });
});

describe('a range on an expression is a syntax error, as Prometheus says, not an internal error (found with trial 23)', () => {
  it('rate(sum(up)[5m]) in a panel is promql/syntax at the range', () => {
    const yaml = edit('expr: sum by (route) (rate(myapp_http_requests_total[5m]))', 'expr: rate(sum(myapp_http_requests_total)[5m])');
    expect(errorsOf(yaml)).toEqual([`promql/syntax@${positionOf(yaml, 'sum(myapp_http_requests_total)[5m]').line}:${positionOf(yaml, 'sum(myapp_http_requests_total)[5m]').column}`]);
  });
});

describe('alert names: the rule is said, and names Prometheus accepts are warnings (trial 35)', () => {
  it.each(['a:b', 'High Latency', 'high-latency', '9lives'])('"%s" is a warning that states the convention', (name) => {
    const yaml = edit('  - name: HighLatency', `  - name: "${name}"`);
    const d = diagnosticsOf(yaml).filter((x) => x.check === 'alert-name');
    expect(d.map((x) => [x.severity, x.start])).toEqual([['warning', positionOf(yaml, `"${name}"`)]]);
    expect(d[0]!.message).toContain('letters, digits and _, not starting with a digit');
    expect(errorsOf(yaml)).toEqual([]);
  });

  it.each(['a|b', 'x{y}', 'two  spaces', ' lead'])('"%s" is refused, saying what is allowed', (name) => {
    const yaml = edit('  - name: HighLatency', `  - name: "${name}"`);
    const d = diagnosticsOf(yaml).filter((x) => x.check === 'alert-name');
    expect(d.map((x) => x.severity)).toEqual(['error']);
    expect(d[0]!.message).toContain('use letters, digits, _, :, -, . and single spaces');
  });

  it('a space with a runbook link derived from the name is only the convention warning (the link escapes it)', () => {
    const yaml = edit('  - name: HighLatency', '  - name: "High Latency"') + '\nalerting:\n  runbook_base_url: https://runbooks.example.com\n';
    expect(at(yaml, 'alert-name')).toEqual([positionOf(yaml, '"High Latency"')]);
    expect(errorsOf(yaml)).toHaveLength(0);
  });
});

describe('(?<name>…) regex groups are a warning with the version note, in validate and lint-alerts (trial 10)', () => {
  it('trial d5: a recording rule matcher with (?<n>a) is a warning at the regex; (?P<n>a) is not', () => {
    const rule = (re: string) => `${BASE}\nrecording_rules:\n  - record: "myapp:re"\n    expr: 'sum(rate(myapp_http_requests_total{route=~"${re}"}[5m]))'\n`;
    const yaml = rule('(?<n>a)');
    const d = diagnosticsOf(yaml).filter((x) => x.check === 'promql/regex-named-group');
    expect(d.map((x) => [x.severity, x.start])).toEqual([['warning', positionOf(yaml, '"(?<n>a)"')]]);
    expect(d[0]!.message).toContain('(?P<name>…)');
    expect(diagnosticsOf(rule('(?P<n>a)')).map((x) => x.check)).not.toContain('promql/regex-named-group');
  });

  it.each([['\\\\(?<n>a\\\\)', false], ['[(?<n>]', false], ['[]](?<n>a)', true], ['(?<n>a)|b', true], ['a(?:b)', false]])('%s: %s', (re, named) => {
    expect(hasAngleNamedGroup(JSON.parse(`"${re}"`) as string)).toBe(named);
  });

  it('lint-alerts reports it on a rule file with the same check', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: g\n    rules:\n      - record: "job:re:sum"\n        expr: \'sum(up{job=~"(?<n>a)"})\'\n');
    const r = await runInProcess(['lint-alerts', 'rules.yml', '--no-promtool'], dir);
    expect(r.stdout + r.stderr).toContain('rules.yml:5:28: warning [promql/regex-named-group]');
  });
});

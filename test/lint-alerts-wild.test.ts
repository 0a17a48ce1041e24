// lint-alerts on rule files as people write them: comments, newer grammar, no catalog, PrometheusRule objects.
// Every case is written here (never copied from a public rule set) with the finding, line and column expected.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { KNOWN_FUNCTIONS } from '../src/lint/expr-checks.js';
import { parsePromQL, STRUCTURAL_NODES } from '../src/promql/ast.js';
import { FUNCTION_SIGNATURES } from '../src/promql/types.js';
import { DEVSKYY, positionOf, runInProcess, tempDir } from './support/helpers.js';

interface Out {
  diagnostics: { check: string; severity: string; message: string; start?: { line: number; column: number } }[];
}

async function lint(files: Record<string, string>, args: string[] = []): Promise<{ code: number; out: Out; stderr: string }> {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = await runInProcess(['lint-alerts', '--format', 'json', ...args, ...Object.keys(files)], dir);
  return { code: r.code, out: r.stdout ? (JSON.parse(r.stdout) as Out) : { diagnostics: [] }, stderr: r.stderr };
}

const withCatalog = ['--catalog', DEVSKYY, '--no-promtool'];

const commentedUp = `groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: |
          # fires when the target is down
          max by (instance) (up{job="node"}) == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.instance }} is down"
          description: "{{ $labels.instance }} has been down for 5 minutes"
`;

const commentedQuantile = `groups:
  - name: latency
    rules:
      - alert: SlowRequests
        expr: |
          # p99 over all endpoints
          histogram_quantile(0.99,
            # sum of rates
            sum(rate(devskyy_request_duration_seconds_bucket[5m]))) > 1
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: slow
          description: "p99 is {{ $value }}"
`;

describe('comments and grammar nodes never decide a check silently', () => {
  it('a leading comment keeps the expression and its labels', async () => {
    const r = await lint({ 'rules.yml': commentedUp }, withCatalog);
    expect(r.out.diagnostics.filter((d) => d.check === 'alert/template-label')).toEqual([]);
    expect(r.code, JSON.stringify(r.out)).toBe(0);
  });

  it('histogram_quantile dropping le below comments is reported where it is', async () => {
    const r = await lint({ 'rules.yml': commentedQuantile }, withCatalog);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promql/histogram-quantile-le');
    expect(hits.map((d) => d.start)).toEqual([positionOf(commentedQuantile, 'sum(rate')]);
  });

  it('comments between any two tokens are skipped', () => {
    const p = parsePromQL('sum # a\n by # b\n (job) # c\n (rate(x_total # d\n [5m])) # e\n > # f\n 1 # g');
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.expr.kind).toBe('binary');
  });

  it('every node and function of the grammar is known to the checker', () => {
    const functionNodes = new Set<string>();
    for (const f of KNOWN_FUNCTIONS) {
      parser.parse(`${f}(x)`).iterate({
        enter: (n) => {
          if (n.node.parent?.name === 'FunctionIdentifier') functionNodes.add(n.name);
        },
      });
    }
    const exprNodes = ['AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'OffsetExpr', 'ParenExpr', 'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr'];
    const unknown = parser.nodeSet.types.filter((t) => t.name !== '' && !STRUCTURAL_NODES.has(t.name) && !exprNodes.includes(t.name) && !functionNodes.has(t.name));
    expect(unknown.map((t) => t.name)).toEqual([]);
  });

  it('every function of the grammar has its Prometheus type signature (no function escapes the type rules)', () => {
    expect([...KNOWN_FUNCTIONS].filter((f) => !FUNCTION_SIGNATURES.has(f))).toEqual([]);
  });

  it('a grammar node the checker does not know becomes a diagnostic, not silence', () => {
    STRUCTURAL_NODES.delete('Offset');
    try {
      const p = parsePromQL('up offset 5m == 0');
      expect(p.ok && p.notes.map((n) => n.check)).toEqual(['promql/unsupported']);
    } finally {
      STRUCTURAL_NODES.add('Offset');
    }
    const p = parsePromQL('up offset 5m == 0');
    expect(p.ok && p.notes).toEqual([]);
  });
});

/** A plain rule file around rule bodies (indented as list items under rules:). */
function rules(...bodies: string[]): string {
  return `groups:\n  - name: wild\n    rules:\n${bodies.join('')}`;
}

function alertRule(name: string, expr: string, extra: { labels?: string; annotations?: string; for?: string } = {}): string {
  return [
    `      - alert: ${name}`,
    `        expr: ${expr}`,
    `        for: ${extra.for ?? '5m'}`,
    `        labels:`,
    `          ${extra.labels ?? 'severity: warning'}`,
    `        annotations:`,
    `          ${extra.annotations ?? 'summary: s\n          description: d'}`,
    '',
  ].join('\n');
}

const at = (file: string, marker: string, nth = 0) => positionOf(file, marker, nth);
/** Where `marker` is inside the rule whose expression is written `written` (markers like ">" occur in other rules too). */
const inExpr = (file: string, written: string, expr: string, marker: string) => {
  const offset = file.indexOf(`expr: ${written}`) + 'expr: '.length + written.indexOf(expr) + expr.indexOf(marker);
  return at(file.slice(0, offset) + '\u0000', '\u0000');
};
const checksOf = (out: Out) => out.diagnostics.map((d) => d.check);

describe('without a catalog', () => {
  it('runs on a rule file alone, with promtool, and passes valid input', async () => {
    const r = await runInProcess(['lint-alerts', 'rules.yml'], (() => {
      const dir = tempDir();
      writeFileSync(join(dir, 'rules.yml'), commentedUp);
      return dir;
    })());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no problems found (no catalog');
  });

  it('an operand whose labels cannot be known does not hide the labels the other side decides (Prometheus resultMetric)', async () => {
    const cases: [string, string, boolean][] = [
      ['sum(rate(x_total[5m])) > bogus_total', 'nope', true], // the left side decides a filter's labels
      ['bogus_total / on (job) sum by (job, instance) (rate(x_total[5m]))', 'instance', true], // on() keeps only job
      ['sum by (job, instance) (x) > on (job) bogus', 'instance', true], // ... in a comparison too
      ['sum by (job, instance) (x) - ignoring (instance) sum by (job) (y)', 'instance', true],
      ['bogus * on (job) group_left (team) sum by (job, team) (y)', 'team', false], // the unknown side is the "many" side
      ['sum by (job) (x) or bogus', 'anything', false],
    ];
    for (const [expr, label, flagged] of cases) {
      const file = rules(alertRule('A', expr, { annotations: `summary: "{{ $labels.${label} }}"\n          description: d` }));
      const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
      expect(r.out.diagnostics.filter((d) => d.check === 'alert/template-label').length, expr).toBe(flagged ? 1 : 0);
    }
  });

  it('runs every check that needs no catalog, each at its line and column', async () => {
    const file = rules(
      alertRule('LeDropped', 'histogram_quantile(0.9, sum by (job) (rate(http_request_duration_seconds_bucket[5m]))) > 1'),
      alertRule('JobGone', 'max by (instance) (up) == 0', { annotations: 'summary: "{{ $labels.job }} down"\n          description: d' }),
      alertRule('RawCounter', 'http_requests_total > 100'),
      alertRule('BadSyntax', 'rate(http_requests_total[5m] > 1'),
      alertRule('BadTemplate', 'up == 0', { annotations: 'summary: "{{ $labels.instance "\n          description: d' }),
      alertRule('NoSeverity', 'up == 0', { labels: 'team: a' }),
      alertRule('JobGone', 'max by (instance) (up) == 0', { annotations: 'summary: "{{ $labels.job }} down"\n          description: d' }),
    );
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    const find = (check: string) => r.out.diagnostics.filter((d) => d.check === check).map((d) => d.start);
    expect(find('promql/histogram-quantile-le')).toEqual([at(file, 'sum by (job)')]);
    expect(find('alert/template-label')).toEqual([at(file, 'job }}', 0), at(file, 'job }}', 1)]);
    expect(find('promql/counter-without-rate')).toEqual([at(file, 'http_requests_total > 100')]);
    expect(find('promql/syntax')).toEqual([at(file, '1\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n      - alert: BadTemplate')]);
    expect(find('alert/template-syntax')).toEqual([at(file, '{{ $labels.instance "')]);
    expect(find('alert/severity-missing')).toEqual([at(file, 'NoSeverity')]);
    expect(find('rules/duplicate-alert')).toEqual([at(file, 'JobGone', 1)]);
    // Checks that need the catalog (metric names, scrape interval, severities) do not run.
    expect(checksOf(r.out).filter((c) => ['promql/unknown-metric', 'promql/range-too-short', 'alert/severity-unknown'].includes(c))).toEqual([]);
    expect(r.code).toBe(1);
  });

  it('accepts native-histogram queries: histogram_quantile without le, histogram_* functions', async () => {
    const file = rules(
      alertRule('NativeP99', 'histogram_quantile(0.99, sum by (job) (rate(http_request_duration_seconds[5m]))) > 1', { annotations: 'summary: "{{ $labels.job }}"\n          description: d' }),
      alertRule('NativeFns', 'histogram_count(rate(x[5m])) + histogram_sum(rate(x[5m])) + histogram_avg(rate(x[5m])) + histogram_stddev(rate(x[5m])) + histogram_stdvar(rate(x[5m])) > histogram_fraction(0, 0.2, rate(x[5m]))'),
    );
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('with a catalog', () => {
  it('reports a metric outside the catalog once, not once per selector', async () => {
    const file = rules(
      alertRule('A', 'rate(node_cpu_seconds_total{mode="idle"}[5m]) < 0.1'),
      alertRule('B', 'rate(node_cpu_seconds_total{mode="user"}[5m]) > 0.9 and rate(node_cpu_seconds_total{mode="system"}[5m]) > 0.1'),
    );
    const r = await lint({ 'rules.yml': file }, withCatalog);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promql/unknown-metric');
    expect(hits.map((d) => d.start)).toEqual([at(file, 'node_cpu_seconds_total')]);
    expect(hits[0]!.severity).toBe('warning');
  });

  it('a recorded series of another team is outside the catalog (a warning); one named after the catalog\'s metrics and recorded nowhere is an error', async () => {
    const file = rules(
      alertRule('Burn', 'cluster:apiserver_request:burnrate1h > 0.1 and cluster:apiserver_request:burnrate1h > 0.2'),
      alertRule('Typo', 'job:devskyy_reqests:rate5m > 1'),
    );
    const r = await lint({ 'rules.yml': file }, withCatalog);
    expect(r.out.diagnostics.filter((d) => d.check === 'promql/unknown-metric').map((d) => [d.severity, d.start])).toEqual([
      ['warning', at(file, 'cluster:apiserver_request:burnrate1h')],
      ['error', at(file, 'job:devskyy_reqests:rate5m')],
    ]);
  });
});

const kustomized = `apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  a: b
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node
spec:
  groups:
    - name: node
      partial_response_strategy: warn
      rules:
        - alert: NodeDown
          expr: max by (instance) (up{job="node"}) == 0
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: "{{ $labels.instance }} down"
            description: "{{ $labels.job }} lost a target"
---
apiVersion: v1
kind: List
items:
  - apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata:
      name: latency
    spec:
      groups:
        - name: node
          rules:
            - alert: Slow
              expr: histogram_quantile(0.9, sum(rate(http_request_duration_seconds_bucket[5m]))) > 1
              for: 5m
              labels:
                severity: warning
              annotations:
                summary: slow
                description: "{{ $labels.bogus }}"
`;

describe('PrometheusRule objects', () => {
  it('reads spec.groups of every object of a multi-document file and a List, positions in the original file', async () => {
    const r = await lint({ 'rules.yaml': kustomized }, []);
    const find = (check: string) => r.out.diagnostics.filter((d) => d.check === check).map((d) => d.start);
    expect(find('alert/template-label')).toEqual([at(kustomized, 'job }}'), at(kustomized, 'bogus }}')]);
    expect(find('promql/histogram-quantile-le')).toEqual([at(kustomized, 'sum(rate')]);
    // promtool read the groups (duplicate names across objects are fine: one file per object for Prometheus).
    expect(checksOf(r.out).filter((c) => c.startsWith('promtool/') || c.startsWith('rules/'))).toEqual([]);
  });

  it('puts promtool findings on PrometheusRule objects at the rule in the original file', async () => {
    const bad = kustomized.replace('severity: critical', 'severity: critical\n            __name__: x\n            utf8-name: x');
    const r = await lint({ 'rules.yaml': bad }, []);
    const hits = r.out.diagnostics.filter((d) => d.check.startsWith('promtool/'));
    expect(hits.map((d) => [d.check, d.start])).toEqual([
      ['promtool/check', at(bad, '__name__')],
      ['promtool/too-old', at(bad, 'utf8-name')],
    ]);
    expect(hits[0]!.message).toBe('group "node", rule 1, "NodeDown": invalid label name: __name__');
    expect(hits[1]!.message).toContain('Prometheus 3.0.0 and later accept any UTF-8 name');
  });
});

describe('promtool, whole and honest about its version', () => {
  it('shows every line of a YAML unmarshal error at its field', async () => {
    const file = `groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n        labels:\n          a: [1, 2]\n`;
    const r = await lint({ 'rules.yml': file }, []);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promtool/check');
    expect(hits.length, JSON.stringify(r.out)).toBe(1);
    expect(hits[0]!.message).toMatch(/^yaml: unmarshal errors: cannot unmarshal !!seq into string/);
    expect(hits[0]!.start?.line).toBe(7);
  });

  it('says plainly when the installed promtool is older than a rule-file field', async () => {
    const file = `groups:\n  - name: g\n    query_offset: 1m\n    labels:\n      team: a\n    rules:\n${alertRule('Up', 'up == 0')}`;
    const r = await lint({ 'rules.yml': file }, []);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promtool/too-old');
    expect(hits.map((d) => d.start)).toEqual([at(file, 'query_offset'), at(file, 'labels:')]);
    expect(hits[0]!.message).toContain('Prometheus 2.53.0 and later');
    expect(hits[1]!.message).toContain('Prometheus 3.0.0 and later');
    expect(r.code).toBe(0);
  });

  it('a finding promtool prints at 0:0 (a missing field) is placed at its rule, and later rules keep their own place', async () => {
    const file = `groups:\n  - name: g\n    rules:\n      - alert: NoExpr\n        for: 5m\n${alertRule('Later', 'up == 0', { annotations: 'summary: "{{ $nope }}"\n          description: d' })}`;
    const r = await lint({ 'rules.yml': file }, []);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promtool/check');
    expect(hits.map((d) => d.start), JSON.stringify(r.out)).toEqual([at(file, 'alert: NoExpr'), at(file, 'summary')]);
    expect(hits[1]!.message).toContain('undefined variable "$nope"');
  });

  it('braces in a record name are no "newer syntax": Prometheus 3 refuses them too', async () => {
    const file = rules('      - record: job:up{env="a"}\n        expr: sum by (job) (up)\n');
    const r = await lint({ 'rules.yml': file }, []);
    expect(r.out.diagnostics.filter((d) => d.check === 'promtool/too-old')).toEqual([]);
    expect(r.out.diagnostics.filter((d) => d.check === 'promtool/check').map((d) => [d.severity, d.start])).toEqual([['error', at(file, 'job:up{')]]);
  });

  it('names the release that has a newer PromQL function', async () => {
    const file = rules(alertRule('Avg', 'histogram_avg(rate(http_request_duration_seconds[5m])) > 1'));
    const r = await lint({ 'rules.yml': file }, []);
    const hits = r.out.diagnostics.filter((d) => d.check === 'promtool/too-old');
    expect(hits.map((d) => d.start)).toEqual([at(file, 'histogram_avg')]);
    expect(hits[0]!.message).toContain('Prometheus 2.51.0 and later');
  });
});

describe('Kubernetes manifests beside the rules (lint-alerts manifests/*.yaml)', () => {
  it('a file holding only other objects (a Deployment, a CRD) is no rule file: nothing reported, promtool not run on it', async () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 1\n';
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: y\nspec:\n  group: g\n';
    const rule = `apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n${alertRule('Up', 'up == 0').replace(/^/gm, '    ')}`;
    const r = await lint({ 'deployment.yaml': deployment, 'crd.yaml': crd, 'rule.yaml': rule }, []);
    expect(r.out.diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(r.out.diagnostics)).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('expressions longer than the grammar library reads', () => {
  it('600 chained operators Prometheus parses: no syntax error, a warning that our checks were skipped', async () => {
    const file = rules(alertRule('Long', `${Array(600).fill('up').join(' + ')} > 0`));
    const r = await lint({ 'rules.yml': file }, []);
    expect(r.out.diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(r.out.diagnostics)).toEqual([]);
    expect(r.out.diagnostics.filter((d) => d.check === 'promql/unsupported').map((d) => d.message)).toEqual([expect.stringContaining('chains 600 operators')]);
    expect(r.code).toBe(0);
  });
});

describe('counters used only as filters', () => {
  it('a counter on the right of and/unless is not "without rate" (its values are never used); on the left it is', async () => {
    const file = rules(alertRule('F', 'up and on (job) x_total'), alertRule('G', 'up unless on (job) x_total'), alertRule('H', 'x_total and on (job) up'));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.filter((d) => d.check === 'promql/counter-without-rate').map((d) => d.start)).toEqual([at(file, 'x_total and')]);
  });
});

describe('PromQL keywords in any case', () => {
  it('OR, AND, UNLESS and SUM BY are the lower-case operators (no vector-matching warning on a union)', async () => {
    const file = rules(alertRule('U', 'sum by (job) (up) OR sum by (instance) (up) == 0'), alertRule('S', 'SUM BY (job) (up) == 0', { annotations: 'summary: "{{ $labels.instance }}"\n          description: d' }));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.filter((d) => d.check === 'promql/vector-matching')).toEqual([]);
    expect(r.out.diagnostics.filter((d) => d.check === 'alert/template-label').map((d) => d.start)).toEqual([at(file, 'instance }}')]);
  });
});

describe('what Prometheus refuses is an error, never "newer syntax"', () => {
  it('type and argument errors Prometheus checks after parsing fail the run', async () => {
    const exprs = ['rate(up) > 1', 'sum(up, up) > 1', 'up[5m] > 0', 'scalar(up) > 1', 'up{job=~"(foo"} == 0'];
    const file = rules(...exprs.map((e, i) => alertRule(`T${i}`, e)));
    const r = await lint({ 'rules.yml': file }, []);
    expect(r.out.diagnostics.filter((d) => d.check === 'promtool/too-old')).toEqual([]);
    // Each rule's fault is an error on its expression line: ours (promql/syntax, promql/regex) or promtool's.
    const errorLines = new Set(r.out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.start?.line));
    exprs.forEach((e) => expect(errorLines.has(at(file, e).line), `${e}: ${JSON.stringify(r.out.diagnostics)}`).toBe(true));
    expect(r.code).toBe(1);
  });

  it('the type rules Prometheus\' parser checks, without promtool, at the operand or operator Prometheus names', async () => {
    const cases: [string, string, string][] = [
      ['rate(http_requests_total) > 1', 'http_requests_total', 'expected type range vector in call to function "rate", got instant vector'],
      ['avg_over_time(rate(http_requests_total[5m])) > 1', 'rate(http_requests_total[5m])', 'expected type range vector in call to function "avg_over_time", got instant vector'],
      ['scalar(sum(up)) > 1', '>', 'comparisons between scalars must use BOOL modifier'],
      ['sum(up, up) > 1', 'sum(up, up)', 'wrong number of arguments for aggregate expression provided, expected 1, got 2'],
      ['count_values(5, up) > 1', '5', 'expected type string in aggregation parameter, got scalar'],
      ['(up and 1) > 0', 'up and 1', 'set operator "and" not allowed in binary scalar expression'],
      ['up + bool up', '+ bool', 'bool modifier can only be used on comparison operators'],
      ['clamp_max(up) > 1', 'clamp_max(up)', 'expected 2 argument(s) in call to "clamp_max", got 1'],
    ];
    const file = rules(...cases.map(([e], i) => alertRule(`T${i}`, e)));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    const got = r.out.diagnostics.filter((d) => d.check === 'promql/syntax').map((d) => [d.start, d.message]);
    expect(got).toEqual(cases.map(([e, marker, message]) => [inExpr(file, e, e, marker), `type error: ${message}`]));
  });

  it('the selector rules of Prometheus\' parser, without promtool: a name set twice, no matcher that needs a value', async () => {
    const cases: [string, string, string][] = [
      ['{job=~".*"} > 0', '{job', 'vector selector must contain at least one non-empty matcher'],
      ['{job!~".+", env=""} == 1', '{job', 'vector selector must contain at least one non-empty matcher'],
      ['{job=~"a|"}', '{job', 'vector selector must contain at least one non-empty matcher'],
      ['rate({__name__=~".*", x=""}[5m])', '{__name__', 'vector selector must contain at least one non-empty matcher'],
      ['up{__name__="x"} > 0', 'up{', 'metric name must not be set twice: "up" or "x"'],
    ];
    const file = rules(...cases.map(([e], i) => `      - record: job:bad:v${i}\n        expr: '${e}'\n`));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    const got = r.out.diagnostics.filter((d) => d.check === 'promql/syntax').map((d) => [d.start, d.message]);
    const inRule = (e: string, marker: string) => inExpr(file, `'${e}'`, e, marker);
    // Where promtool 2.42 points (1:1 of the selector) and in its words.
    expect(got).toEqual(cases.map(([e, marker, message]) => [inRule(e, marker), `syntax error: ${message}`]));
    // With promtool, its "could not parse expression" for the same fault is not said a second time.
    const both = await lint({ 'rules.yml': file }, []);
    expect(both.out.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.check, d.start])).toEqual(cases.map(([e, marker]) => ['promql/syntax', inRule(e, marker)]));
    const valid = ['{job=~".+"} > 0', '{__name__=~"up|x"}', '{job!=""}', '{__name__="up", job=""}', 'up{job=~".*"}', '{job=~"a+"} or {x!~""}'];
    const ok = await lint({ 'ok.yml': rules(...valid.map((e, i) => `      - record: job:ok:v${i}\n        expr: '${e}'\n`)) }, ['--no-promtool']);
    expect(ok.out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a rule whose result is a range vector: promtool check rules passes it, Prometheus fails each evaluation', async () => {
    const file = rules('      - record: job:up:window\n        expr: up{job="a"}[5m]\n');
    const r = await lint({ 'rules.yml': file }, []);
    expect(r.out.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.check, d.start])).toEqual([['promql/syntax', at(file, 'up{job')]]);
  });

  it('what the type rules allow stays allowed', async () => {
    const valid = ['vector(1) > 0', '-up + quantile(0.9, up) + topk(3, up) + on() group_left count_values("v", up)', 'label_join(up, "a", ",", "b", "c") + round(up) + round(up, 5) + day_of_month() + day_of_month(up)',
      'absent_over_time(up[5m]) or histogram_quantile(0.9, rate(x_bucket[5m])) or max_over_time(rate(x[1m])[5m:]) or up offset 5m', '(1 + 2 > bool 3) + scalar(up) * 2 + time() - vector(time()) + clamp(up, 0, 1)',
      'sum by (job) (up) / on(job) group_left(instance) up unless up and on(job) up', 'sort_by_label(up, "a", "b") or limitk(2, up) or vector(5 > bool 2)'];
    const file = rules(...valid.map((e, i) => `      - record: job:ok:v${i}\n        expr: ${e}\n`));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('what Prometheus accepts is accepted', () => {
  it('YAML anchors, aliases and merge keys', async () => {
    const merged = `groups:\n  - name: g\n    rules:\n      - &base\n        alert: A\n        expr: up == 0\n        for: 5m\n        labels:\n          severity: warning\n        annotations:\n          summary: s\n          description: d\n      - <<: *base\n        alert: B\n        expr: up == 1\n`;
    const r = await lint({ 'rules.yml': merged }, []);
    expect(r.out.diagnostics, JSON.stringify(r.out)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('newer rule-file fields: keep_firing_for, limit, query_offset, group labels', async () => {
    const file = `groups:\n  - name: g\n    limit: 10\n    query_offset: 1m\n    interval: 30s\n    labels:\n      severity: warning\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        keep_firing_for: 10m\n        annotations:\n          summary: s\n          description: d\n`;
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics).toEqual([]);
  });

  it('RE2 regular expressions Prometheus compiles (and JavaScript does not)', async () => {
    const file = rules(alertRule('Re', 'up{job=~"(?i)node", instance=~"[[:alnum:]-]+:\\\\d+", env!~"\\\\Qa.b\\\\E"} == 0'));
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics).toEqual([]);
  });
});

describe('faults and false positives found on public rule sets (cases written here)', () => {
  it('a plain rule file with a second YAML document: Prometheus never loads it', async () => {
    const file = `${rules(alertRule('A', 'up == 0'))}---\ngroups:\n  - name: second\n    rules:\n${alertRule('B', 'up == 1')}`;
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    const hits = r.out.diagnostics.filter((d) => d.check === 'rules/structure');
    expect(hits.map((d) => d.start)).toEqual([at(file, 'groups:', 1)]);
    expect(hits[0]!.message).toContain('Prometheus reads only the first YAML document');
  });

  it('same alert name and labels over other series (one alert per SLO) is no duplicate; the same rule twice is', async () => {
    const a = alertRule('HighErrorRate', 'slo:error:ratio{service="a"} > 0.1');
    const b = alertRule('HighErrorRate', 'slo:error:ratio{service="b"} > 0.1');
    expect(checksOf((await lint({ 'rules.yml': rules(a, b) }, ['--no-promtool'])).out)).toEqual([]);
    const twice = rules(a, a);
    const r = await lint({ 'rules.yml': twice }, ['--no-promtool']);
    expect(r.out.diagnostics.map((d) => [d.check, d.severity, d.start])).toEqual([['rules/duplicate-alert', 'error', at(twice, 'HighErrorRate', 1)]]);
  });

  it('a rule file of an empty mapping ({}, as mixins compile a rule set with no rules) is valid; other top-level keys are not', async () => {
    const empty = '# no recording rules in this set\n{ }\n';
    const r = await lint({ 'rules.yml': empty }, []);
    expect(r.out.diagnostics, JSON.stringify(r.out)).toEqual([]);
    expect(r.code).toBe(0);
    const extra = `${rules(alertRule('A', 'up == 0'))}evaluation_interval: 1m\n`;
    const bad = await lint({ 'rules.yml': extra }, ['--no-promtool']);
    expect(bad.out.diagnostics.map((d) => [d.check, d.severity, d.start])).toEqual([['rules/structure', 'error', at(extra, 'evaluation_interval')]]);
  });

  it('a later YAML document with no rules loses nothing (a warning, as Prometheus logs); each later document with rules is an error', async () => {
    const file = `${rules(alertRule('A', 'up == 0'))}---\ngroups: []\n---\ngroups:\n  - name: third\n    rules:\n${alertRule('C', 'up == 2')}`;
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.map((d) => [d.check, d.severity, d.start])).toEqual([
      ['rules/structure', 'warning', at(file, 'groups', 1)],
      ['rules/structure', 'error', at(file, 'groups', 2)],
    ]);
    expect(r.code).toBe(1);
  });

  it('a templated severity is checked by the values it can print (found by a user trial)', async () => {
    const file = rules(
      alertRule('Both', 'up == 0', { labels: `severity: '{{ if gt $value 1.0 }}critical{{ else }}warning{{ end }}'` }),
      alertRule('Computed', 'up == 0', { labels: `severity: '{{ $labels.sev }}'` }),
      alertRule('Typo', 'up == 0', { labels: `severity: '{{ if gt $value 1.0 }}critcal{{ else }}warning{{ end }}'` }),
    );
    const r = await lint({ 'rules.yml': file }, withCatalog);
    expect(r.out.diagnostics.filter((d) => d.check === 'alert/severity-unknown').map((d) => [d.severity, d.start, d.message])).toEqual([
      ['error', at(file, "'{{ if gt $value 1.0 }}critcal"), 'severity "critcal" is not one of critical, warning, info (did you mean critical?)'],
    ]);
  });

  it('a later document that is no rule file at all (found by a user trial): Prometheus skips it too, a warning', async () => {
    const file = `${rules(alertRule('A', 'up == 0'))}---\nfoo: 1\n`;
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.filter((d) => d.check === 'rules/structure').map((d) => [d.severity, d.start])).toEqual([['warning', at(file, 'foo')]]);
    // As the first document it is what Prometheus refuses.
    const first = await lint({ 'rules.yml': 'foo: 1\n' }, ['--no-promtool']);
    expect(first.out.diagnostics.map((d) => [d.check, d.severity])).toEqual([['rules/structure', 'error']]);
  });

  it('what rulefmt refuses under any name scheme: braces in a record name, a __name__ label (rule or group)', async () => {
    const file = `groups:\n  - name: g\n    labels:\n      __name__: grouped\n    rules:\n      - record: job:errors:rate5m{env="prod"}\n        expr: sum by (job) (rate(errors_total[5m]))\n      - record: job:requests:rate5m\n        expr: sum by (job) (rate(requests_total[5m]))\n        labels:\n          __name__: renamed\n`;
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.check, d.start])).toEqual([
      ['rules/structure', at(file, '__name__')],
      ['rules/structure', at(file, 'job:errors:rate5m{')],
      ['rules/structure', at(file, '__name__', 1)],
    ]);
  });

  it('recording rules named with an empty level (":metric:sum", as the mixins write them) follow the convention', async () => {
    const file = rules('      - record: :node_memory_MemAvailable_bytes:sum\n        expr: sum(node_memory_MemAvailable_bytes)\n', '      - record: sloth_slo_info\n        expr: vector(1)\n');
    const r = await lint({ 'rules.yml': file }, ['--no-promtool']);
    expect(r.out.diagnostics.map((d) => [d.check, d.start])).toEqual([['rules/record-name', at(file, 'sloth_slo_info')]]);
  });
});

describe('Go templates Go accepts', () => {
  it('with/range/else if/define/template/block, pipelines, variables, comments, trim markers', async () => {
    const annotations = [
      'summary: "{{- /* who */ -}} {{ $labels.instance }} {{ with $labels.pod }}pod {{ . }}{{ else }}no pod{{ end }}"',
      '          description: "{{ range $i, $e := query \\"up\\" }}{{ $i }}={{ $e.Value | humanize }}{{ end }} {{ if gt $value 0.5 }}high{{ else if gt $value 0.1 }}mid{{ else }}low{{ end }}"',
      '          runbook: "{{ define \\"r\\" }}x{{ end }}{{ template \\"r\\" . }}{{ block \\"b\\" . }}y{{ end }}{{ $v := $value }}{{ $v = 2 }}{{ printf \\"%.1f\\" $v }}"',
    ].join('\n');
    const file = rules(alertRule('Templates', 'max by (instance, pod) (up) == 0', { annotations }));
    const r = await lint({ 'rules.yml': file }, []);
    expect(r.out.diagnostics, JSON.stringify(r.out)).toEqual([]);
  });
});

describe('silencing', () => {
  const file = rules(alertRule('JobGone', 'max by (instance) (up) == 0', { annotations: 'summary: "{{ $labels.job }} down"\n          description: d' }));

  it('--disable CHECK (repeatable, families with /*)', async () => {
    expect(checksOf((await lint({ 'rules.yml': file }, ['--no-promtool'])).out)).toEqual(['alert/template-label']);
    expect((await lint({ 'rules.yml': file }, ['--no-promtool', '--disable', 'alert/template-label'])).out.diagnostics).toEqual([]);
    expect((await lint({ 'rules.yml': file }, ['--no-promtool', '--disable', 'promql/*', '--disable', 'alert/*'])).out.diagnostics).toEqual([]);
    const bad = await lint({ 'rules.yml': file }, ['--no-promtool', '--disable', 'alert/template-lable']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean alert/template-label');
  });

  it('comments: our form and pint\'s, for one rule or the whole file', async () => {
    const ours = file.replace('      - alert: JobGone', '      # devskyy-mon disable alert/template-label\n      - alert: JobGone');
    expect((await lint({ 'rules.yml': ours }, ['--no-promtool'])).out.diagnostics).toEqual([]);
    const inExpr = file.replace('expr: max by (instance) (up) == 0', 'expr: |\n          # pint disable alerts/template\n          max by (instance) (up) == 0');
    expect((await lint({ 'rules.yml': inExpr }, ['--no-promtool'])).out.diagnostics).toEqual([]);
    const fileWide = `# devskyy-mon file/disable alert/template-label\n${file}`;
    expect((await lint({ 'rules.yml': fileWide }, ['--no-promtool'])).out.diagnostics).toEqual([]);
    // A directive for another rule does not silence this one.
    const other = rules('      # devskyy-mon disable alert/template-label\n' + alertRule('Other', 'up == 0'), alertRule('JobGone', 'max by (instance) (up) == 0', { annotations: 'summary: "{{ $labels.job }} down"\n          description: d' }).replace('      - alert', '      - alert'));
    expect(checksOf((await lint({ 'rules.yml': other }, ['--no-promtool'])).out)).toEqual(['alert/template-label']);
  });

  it('--min-severity error keeps only errors', async () => {
    const warn = rules(alertRule('Raw', 'http_requests_total > 1'));
    expect(checksOf((await lint({ 'rules.yml': warn }, ['--no-promtool'])).out)).toEqual(['promql/counter-without-rate']);
    expect((await lint({ 'rules.yml': warn }, ['--no-promtool', '--min-severity', 'error'])).out.diagnostics).toEqual([]);
  });
});

describe('an invalid catalog', () => {
  const badCatalog = 'version: 1\nnamespace: shop\nmetrics: 7\n';
  const ruleText = rules(alertRule('Down', 'max by (job) (up) == 0', { annotations: 'summary: "{{ $labels.instance }} is down"\n          description: d' }));

  it('reports its problems and still runs the checks that need no catalog on the rules (JSON: one document)', async () => {
    const r = await lint({ 'catalog.yaml': badCatalog, 'rules.yml': ruleText }, ['--no-promtool', '--catalog', 'catalog.yaml']);
    expect(r.code).toBe(1);
    const files = r.out.diagnostics.map((d) => (d as { file?: string }).file);
    expect(files).toContain('catalog.yaml');
    const label = r.out.diagnostics.find((d) => d.check === 'alert/template-label');
    expect(label?.start).toEqual(positionOf(ruleText, 'instance }}'));
  });

  it('says in text that only the catalog-free checks ran', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), badCatalog);
    writeFileSync(join(dir, 'rules.yml'), ruleText);
    const r = await runInProcess(['lint-alerts', '--no-promtool', 'rules.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/catalog\.yaml:3:\d+: error/);
    expect(r.stderr).toContain('rules.yml');
    expect(r.stderr).toContain('[alert/template-label]');
    expect(r.stderr).toMatch(/catalog\.yaml has errors: only the checks that need no catalog ran/);
  });
});

describe('expressions repeated across rules (checked once per run, findings replayed)', () => {
  it('each rule keeps its own findings; a metric outside the catalog is still reported once, at its first use', async () => {
    const expr = 'sum by (job) (rate(other_requests_total[5m])) > 1';
    const ann = { annotations: 'summary: "{{ $labels.instance }}"\n          description: d' };
    const text = rules(alertRule('First', expr, ann), alertRule('Second', expr, ann), alertRule('Third', `${expr} `, ann));
    const r = await lint({ 'rules.yml': text }, withCatalog);
    const at = (check: string) => r.out.diagnostics.filter((d) => d.check === check).map((d) => d.start);
    expect(at('promql/unknown-metric')).toEqual([positionOf(text, 'other_requests_total')]);
    expect(at('alert/template-label')).toEqual([0, 1, 2].map((n) => positionOf(text, 'instance }}', n)));
  });
});

describe('files larger than a call can take as arguments', () => {
  // Spreading a list into push(...) overflows V8's stack past about 120,000 items: each of these crashed.
  it('130,000 groups, 130,000 refused rules, 130,000 findings of the checks', async () => {
    const n = 130_000;
    const manyGroups = 'groups:\n' + Array.from({ length: n }, (_, i) => `- name: g${i}\n  rules: []\n`).join('');
    const refused = 'groups:\n- name: g\n  rules:\n' + '  - x\n'.repeat(n);
    const findings = 'groups:\n- name: g\n  rules:\n' + '  - record: r\n    expr: up\n'.repeat(n);
    const a = await lint({ 'groups.yml': manyGroups }, ['--no-promtool']);
    expect([a.code, a.out.diagnostics.length, a.stderr]).toEqual([0, 0, '']);
    const b = await lint({ 'refused.yml': refused }, ['--no-promtool']);
    expect([b.code, b.out.diagnostics.filter((d) => d.message === 'a rule must be a mapping').length]).toEqual([1, n]);
    const c = await lint({ 'findings.yml': findings }, ['--no-promtool', '--max-warnings', String(2 * n)]);
    expect([c.code, c.out.diagnostics.filter((d) => d.check === 'rules/record-name').length]).toEqual([0, n]);
  }, 120_000);
});

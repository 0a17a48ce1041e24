// lint-alerts on rule files as people write them: comments, newer grammar, no catalog, PrometheusRule objects.
// Every case is written here (never copied from a public rule set) with the finding, line and column expected.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { KNOWN_FUNCTIONS } from '../src/lint/expr-checks.js';
import { parsePromQL, STRUCTURAL_NODES } from '../src/promql/ast.js';
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

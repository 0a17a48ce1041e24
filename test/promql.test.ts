import { describe, expect, it } from 'vitest';
import { goG, goV, humanize, humanize1024, humanizeDuration, humanizePercentage } from '../src/rules/go-format.js';
import { expandAlertTemplate } from '../src/rules/alert-template.js';
import { parsePromQL } from '../src/promql/ast.js';
import { bucketQuantile, evaluate } from '../src/promql/steady-eval.js';
import type { InputSeries } from '../src/promql/steady-eval.js';

describe('Go formatting as Prometheus templates use it', () => {
  it.each([
    [humanize(1234567), '1.235M'],
    [humanize(0.0012), '1.2m'],
    [humanize(0), '0'],
    [humanize1024(1048576), '1Mi'],
    [humanizeDuration(899.99), '14m 59s'],
    [humanizeDuration(2.425), '2.425s'],
    [humanizeDuration(0.089), '89ms'],
    [humanizeDuration(90061), '1d 1h 1m 1s'],
    [humanizePercentage(0.1234567), '12.35%'],
    [goG(12345, 4), '1.234e+04'],
    [goG(0.00001234, 4), '1.234e-05'],
    [goV(0.1), '0.1'],
    [goV(1e21), '1e+21'],
  ])('%s = %s', (got, want) => expect(got).toBe(want));

  it('expands alert templates with labels, values and pipes', () => {
    expect(expandAlertTemplate('{{ $labels.job }} at {{ $value | humanizePercentage }}', { job: 'api' }, 0.5)).toBe('api at 50%');
    expect(expandAlertTemplate('{{ printf "%.2f" $value }}s', {}, 1.23456)).toBe('1.23s');
  });
});

describe('steady-state evaluator', () => {
  const series: InputSeries[] = [
    { labels: { __name__: 'req_total', code: '500', job: 'a' }, kind: 'counter', level: 1 },
    { labels: { __name__: 'req_total', code: '200', job: 'a' }, kind: 'counter', level: 3 },
  ];
  const ctx = { series, time: 600, intervalSeconds: 60, records: new Map(), parseRange: (t: string) => (t === '5m' ? 300 : 0) };
  const value = (e: string) => {
    const p = parsePromQL(e);
    if (!p.ok) throw new Error(p.error.message);
    return evaluate(p.expr, ctx);
  };

  it('reads rate() as the slope and matches vectors on their labels', () => {
    expect(value('sum(rate(req_total{code=~"5.."}[5m])) / sum(rate(req_total[5m]))')).toEqual({ type: 'vector', samples: [{ labels: {}, value: 0.25 }] });
    expect(value('rate(req_total[5m]) > 2')).toEqual({ type: 'vector', samples: [{ labels: { code: '200', job: 'a' }, value: 3 }] });
  });

  it('computes histogram_quantile like Prometheus', () => {
    const b = [
      { upper: 0.1, count: 0 },
      { upper: 1, count: 10 },
      { upper: Infinity, count: 10 },
    ];
    expect(bucketQuantile(0.5, b)).toBeCloseTo(0.55);
    expect(bucketQuantile(0.95, [{ upper: 1, count: 0 }, { upper: Infinity, count: 10 }])).toBe(1);
  });
});
